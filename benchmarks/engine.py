"""One engine running one workload, in a process of its own (so that its peak RSS is its own).

    python -m benchmarks.engine ENGINE WORKLOAD --rows N --reps R --out result.json

ENGINE is ``ours`` (vegafusion_core.runtime), ``vegafusion`` (VegaFusion 2.0.3's runtime, the
same API) or ``duckdb`` (the hand-written SQL of benchmarks/handwritten.py). The JSON written to
``--out`` holds the timings in seconds, the peak RSS, and the datasets each step produced, which
benchmarks/run.py compares across engines.

Timing rules, the same for every engine:
- ``cold``: the very first call in the process (data already in memory; imports done).
- ``first``: a new chart state (or pre_transform_spec call) with the engine's result caches
  cleared before each repetition; the median of ``--reps`` is reported.
- ``update``: one interaction update (each one a new selection value, so no cache can answer it).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path
from typing import Any, Callable

from . import interactions
from .data import load_table, parquet_path
from .workloads import FLIGHTS_URL, INPUT_TZ, LOCAL_TZ, spec_path

Snapshot = dict[str, list[dict[str, Any]]]


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries that over
    exec from the parent, so a child would report at least the orchestrator's RSS."""
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class VegaRuntime:
    """ours and VegaFusion: the same ``runtime`` API, so the same driver times both."""

    def __init__(self, engine: str) -> None:
        if engine == "ours":
            from vegafusion_core import runtime
            from vegafusion_core.runtime import executor

            self.runtime = runtime
            self._clear = lambda: executor.default_executor().cache.clear()
        else:
            import vegafusion

            assert vegafusion.__version__ == "2.0.3", vegafusion.__version__
            self.runtime = vegafusion.runtime
            self._clear = vegafusion.runtime.clear_cache

    def clear_caches(self) -> None:
        self._clear()

    def pre_transform(self, spec: dict, datasets: dict) -> Snapshot:
        out, _warnings = self.runtime.pre_transform_spec(
            spec, local_tz=LOCAL_TZ, default_input_tz=INPUT_TZ, inline_datasets=datasets)
        return spec_values(out)

    def new_state(self, spec: dict, datasets: dict) -> tuple[Any, Snapshot]:
        state = self.runtime.new_chart_state(spec, local_tz=LOCAL_TZ, default_input_tz=INPUT_TZ,
                                             inline_datasets=datasets)
        return state, spec_values(state.get_transformed_spec())

    def update(self, state: Any, updates: list[dict]) -> Snapshot:
        return {u["name"]: u["value"] for u in state.update(updates) if u["namespace"] == "data"}


def spec_values(spec: dict) -> Snapshot:
    """The inline rows of every dataset of a (pre-transformed) Vega spec, nested groups too."""
    out: Snapshot = {}

    def visit(node: dict) -> None:
        for data in node.get("data", []):
            if isinstance(data.get("values"), list):
                out[data["name"]] = data["values"]
        for mark in node.get("marks", []):
            if mark.get("type") == "group":
                visit(mark)

    visit(spec)
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run(engine: str, workload: str, rows: int, reps: int, updates: int) -> dict[str, Any]:
    in_place = workload == "parquet"
    url = parquet_path(rows).as_posix() if in_place else FLIGHTS_URL
    spec = json.loads(spec_path(workload, url).read_text())
    load_s, table = timed(lambda: None if in_place else load_table(rows))
    datasets = {} if in_place else {"flights": table}
    baseline = current_rss_mb()
    if engine == "duckdb":
        from .handwritten import HandWritten

        driver: Any = HandWritten(table if table is not None else parquet_path(rows), workload)
    else:
        driver = VegaRuntime(engine)
    result: dict[str, Any] = {"engine": engine, "workload": workload, "rows": rows,
                              "load_s": load_s, "baseline_rss_mb": baseline}
    if workload in ("histogram", "timeseries"):
        result.update(run_static(driver, spec, datasets, reps))
    else:
        result.update(run_interactive(driver, spec, datasets, reps, workload, updates))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def run_static(driver: Any, spec: dict, datasets: dict, reps: int) -> dict[str, Any]:
    cold, snapshot = timed(lambda: driver.pre_transform(spec, datasets))
    first = []
    for _ in range(reps):
        driver.clear_caches()
        gc.collect()
        seconds, snapshot = timed(lambda: driver.pre_transform(spec, datasets))
        first.append(seconds)
    return {"cold_s": cold, "first_s": first, "update_s": [], "snapshots": [snapshot]}


def run_interactive(driver: Any, spec: dict, datasets: dict, reps: int, workload: str,
                    updates_wanted: int) -> dict[str, Any]:
    cold, (state, initial) = timed(lambda: driver.new_state(spec, datasets))
    first = []
    for _ in range(reps):
        driver.clear_caches()
        del state
        gc.collect()
        seconds, (state, initial) = timed(lambda: driver.new_state(spec, datasets))
        first.append(seconds)
    snapshots, updates = [initial], []
    for message in interactions.messages(workload, spec)[:updates_wanted]:
        seconds, changed = timed(lambda: driver.update(state, message))
        updates.append(seconds)
        snapshots.append(changed)
    return {"cold_s": cold, "first_s": first, "update_s": updates, "snapshots": snapshots}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["ours", "vegafusion", "duckdb"])
    parser.add_argument("workload")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--updates", type=int, default=30, help="interaction updates replayed")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = run(args.engine, args.workload, args.rows, args.reps, args.updates)
    args.out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
