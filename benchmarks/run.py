"""Run every workload on every engine, side by side, and print a markdown table of the figures.

    python -m benchmarks.run [--rows 1000000 10000000] [--workloads ...] [--parquet-rows N]

Environment (what ``make bench`` passes through): BENCH_ROWS (comma-separated row counts,
default 1000000,10000000), BENCH_QUICK=1 (1M rows, 3 repetitions), BENCH_100M=1 (workload 5
over a 100M-row parquet file; otherwise over the largest BENCH_ROWS file), BENCH_REPS.

Each engine runs each workload in a process of its own (peak RSS is per engine). The results of
every peer are compared with this project's first, and the run fails (exit 1) if any differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import interactions
from .compare import compare_runs
from .data import DATA_DIR, json_path, parquet_path
from .workloads import FLIGHTS_URL, LOCAL_TZ, WORKLOADS, write_spec

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("ours", "vegafusion", "vegajs", "duckdb")
TITLES = {"ours": "vegafusion-suite", "vegafusion": "VegaFusion 2.0.3", "vegajs": "Vega JS",
          "duckdb": "hand-written DuckDB"}
VEGAJS_MAX_ROWS = 1_000_000  # Vega JS holds every row as a JS object: 10M do not fit its heap
# Vega JS takes seconds per view and per update at 1M rows: one view (it has no cache, so the
# first is the sample) and the first updates only, compared with ours on those steps.
VEGAJS_UPDATES = 10
TIMEOUT_S = 1800


@dataclass
class Outcome:
    engine: str
    result: dict[str, Any] | None = None
    skipped: str | None = None
    error: str | None = None
    mismatch: list[str] = field(default_factory=list)


def updates_for(rows: int) -> int:
    """Interaction updates replayed: all 30 brush moves, 10 at 100M rows (each scans them all)."""
    return 10 if rows >= 100_000_000 else 30


def run_engine(engine: str, workload: str, rows: int, reps: int, spec: Path) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        if engine == "vegajs":
            plan = Path(tmp) / "plan.json"
            plan.write_text(json.dumps({
                "outputs": WORKLOADS[workload].outputs,
                "messages": interactions.messages(
                    workload, json.loads(spec.read_text()))[:VEGAJS_UPDATES]}))
            cmd = ["node", "--max-old-space-size=16384", "--expose-gc",
                   str(ROOT / "benchmarks" / "vega_js.mjs"), str(spec),
                   str(json_path(rows)), str(plan), "0", str(out)]
            env = {**os.environ, "TZ": LOCAL_TZ}
        else:
            cmd = [sys.executable, "-m", "benchmarks.engine", engine, workload,
                   "--rows", str(rows), "--reps", str(reps), "--out", str(out),
                   "--updates", str(updates_for(rows))]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Outcome(engine, error=f"timed out after {TIMEOUT_S} s")
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return Outcome(engine, error=f"exit {proc.returncode}: " + " | ".join(tail))
        return Outcome(engine, result=json.loads(out.read_text()))


def skip_reason(engine: str, workload: str, rows: int) -> str | None:
    if engine == "vegajs" and workload == "parquet":
        return "cannot: Vega JS has no parquet reader (and 100M rows exceed its heap)"
    if engine == "vegajs" and rows > VEGAJS_MAX_ROWS:
        return f"cannot: {rows:,} rows of JS objects exceed Node's heap"
    if engine == "vegajs" and not shutil.which("node"):
        return "node is not installed"
    return None


def run_workload(workload: str, rows: int, reps: int, engines: list[str],
                 log) -> list[Outcome]:
    url = parquet_path(rows).as_posix() if workload == "parquet" else FLIGHTS_URL
    spec = write_spec(workload, url)
    outcomes = []
    for engine in ENGINES:
        reason = ("not selected (--engines)" if engine not in engines
                  else skip_reason(engine, workload, rows))
        if reason:
            outcomes.append(Outcome(engine, skipped=reason))
            continue
        log(f"  {engine:<10} {workload} @ {rows:,} rows ...")
        start = time.perf_counter()
        outcome = run_engine(engine, workload, rows, reps, spec)
        log(f"    done in {time.perf_counter() - start:.1f} s" +
            (f": {outcome.error}" if outcome.error else ""))
        outcomes.append(outcome)
    ours = outcomes[0].result
    for outcome in outcomes[1:]:
        if ours and outcome.result:
            # Vega JS replays fewer updates: the steps both ran are compared.
            steps = min(len(ours["snapshots"]), len(outcome.result["snapshots"]))
            outcome.mismatch = compare_runs(ours["snapshots"][:steps],
                                            outcome.result["snapshots"][:steps],
                                            WORKLOADS[workload].outputs)
    return outcomes


# -- the table ----------------------------------------------------------------------------------
def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def metrics(workload: str) -> list[tuple[str, Any]]:
    """(label, function of a result) for each row of the table."""
    name = "new_chart_state" if WORKLOADS[workload].interactive else "pre_transform_spec"
    rows: list[tuple[str, Any]] = [
        (f"{name}, caches cleared (median)", lambda r: median(r["first_s"])),
        (f"{name}, first call in process", lambda r: r["cold_s"]),
    ]
    if WORKLOADS[workload].interactive:
        rows += [("update p50", lambda r: median(r["update_s"])),
                 ("update p95", lambda r: p95(r["update_s"]))]
    rows += [("peak RSS (MB)", lambda r: r["peak_rss_mb"]),
             ("peak RSS over data loaded (MB)", lambda r: r["peak_rss_mb"] - r["baseline_rss_mb"])]
    return rows


def cell(value: float | None, label: str) -> str:
    if value is None:
        return "-"
    if "MB" in label:
        return f"{value:,.0f}"
    return f"{value * 1000:,.1f} ms" if value < 10 else f"{value:,.1f} s"


def table(results: list[tuple[str, int, list[Outcome]]]) -> str:
    peers = ENGINES[1:]
    head = (["workload", "rows", "metric"] + [TITLES[e] for e in ENGINES] +
            [f"ours / {TITLES[e]}" for e in peers])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for workload, rows, outcomes in results:
        by_engine = {o.engine: o for o in outcomes}
        for label, fn in metrics(workload):
            values = {e: (fn(o.result) if o.result else None) for e, o in by_engine.items()}
            cells = [WORKLOADS[workload].title, f"{rows:,}", label]
            for e in ENGINES:
                o = by_engine[e]
                cells.append(cell(values[e], label) if o.result else
                             ("n/a" if o.skipped else "FAILED"))
            for e in peers:
                ours, theirs = values["ours"], values[e]
                cells.append(f"{ours / theirs:.2f}x" if ours is not None and theirs else "-")
            lines.append("| " + " | ".join(cells) + " |")
        for o in outcomes:
            what = o.skipped or o.error
            if what:
                notes.append(f"- {workload} @ {rows:,}: {TITLES[o.engine]}: {what}")
            if o.mismatch:
                notes.append(f"- {workload} @ {rows:,}: RESULTS DIFFER from {TITLES[o.engine]}: "
                             + "; ".join(o.mismatch[:3]))
            elif o.result and o.engine != "ours" and by_engine["ours"].result:
                notes.append(f"- {workload} @ {rows:,}: results equal to {TITLES[o.engine]}'s "
                             f"({len(o.result['snapshots'])} steps)")
    return "\n".join(lines) + "\n\n" + "\n".join(notes)


def targets(results: list[tuple[str, int, list[Outcome]]]) -> list[str]:
    """The issue's targets, each met or missed (only those this run measured)."""
    out = []
    for workload, rows, outcomes in results:
        r = {o.engine: o.result for o in outcomes}
        ours, vf, db = r.get("ours"), r.get("vegafusion"), r.get("duckdb")
        if workload == "crossfilter" and rows == 10_000_000 and ours and vf:
            checks = [("first chart state", median(ours["first_s"]) / median(vf["first_s"]), 0.2),
                      ("brush update p50", median(ours["update_s"]) / median(vf["update_s"]), 0.5),
                      ("peak memory", ours["peak_rss_mb"] / vf["peak_rss_mb"], 0.5)]
            out += [f"- crossfilter @ 10M, {name}: {ratio:.2f}x VegaFusion (target <= {goal}x): "
                    f"{'met' if ratio <= goal else 'MISSED'}" for name, ratio, goal in checks]
        if workload == "histogram" and rows == 1_000_000 and ours and db:
            ratio = median(ours["first_s"]) / median(db["first_s"])
            out.append(f"- histogram @ 1M: {ratio:.2f}x hand-written DuckDB (target <= 1.5x): "
                       f"{'met' if ratio <= 1.5 else 'MISSED'}")
        if workload == "parquet":
            status = "completed" if ours else "FAILED"
            out.append(f"- workload 5 @ {rows:,} rows read in place: {status}")
    return out


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    default_rows = [1_000_000] if quick else [
        int(n) for n in os.environ.get("BENCH_ROWS", "1000000,10000000").split(",") if n]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=default_rows)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS),
                        choices=list(WORKLOADS))
    parser.add_argument("--parquet-rows", type=int, default=(
        100_000_000 if os.environ.get("BENCH_100M") == "1" else None))
    parser.add_argument("--reps", type=int, default=(
        int(os.environ["BENCH_REPS"]) if os.environ.get("BENCH_REPS") else None))
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--out", type=Path, default=DATA_DIR / "results.md")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = []
    started = time.perf_counter()
    for workload in args.workloads:
        sizes = ([args.parquet_rows or max(args.rows)] if workload == "parquet" else args.rows)
        for rows in sizes:
            reps = args.reps or (3 if quick or rows > 1_000_000 else 5)
            if rows >= 100_000_000:
                reps = min(reps, 1)
            log(f"{WORKLOADS[workload].title} @ {rows:,} rows ({reps} repetitions)")
            parquet_path(rows)
            if rows <= VEGAJS_MAX_ROWS and workload != "parquet" and "vegajs" in args.engines:
                json_path(rows)
            results.append((workload, rows, run_workload(workload, rows, reps, args.engines, log)))
    report = ["## Benchmark results", "",
              f"{os.cpu_count()} cores; load average at the end "
              f"{os.getloadavg()[0]:.1f} (the machine is shared: figures are medians); "
              f"total run {time.perf_counter() - started:.0f} s.", "",
              table(results), "", "Targets:", *targets(results)]
    text = "\n".join(report) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    failed = [o for _, _, outs in results for o in outs if o.mismatch or o.error]
    if failed:
        log(f"FAILED: {len(failed)} engine runs failed or returned different results "
            "(see the notes under the table)")
        sys.exit(1)


if __name__ == "__main__":
    main()
