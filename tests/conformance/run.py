"""Runs the conformance suite over the corpus and writes .oracle-cache/conformance-report.json.

    .venv/bin/python -m tests.conformance.run [--only SUBSTRING] [--update-floor]

The pytest tests (test_corpus.py, test_interactions.py) call the same functions.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing as mp
import re
import time
from collections import Counter
from typing import Any, Sequence

from .harness import (ENGINE_WORKERS, FLOOR_PATH, REPORT_PATH, CorpusSpec, NodeRunner, EngineResult, corpus_specs,
                      draw_job, interaction_specs, node_inline, reordered_marks, run_engine,
                      scene_difference,
                      value_difference)


# -- Test 1: every spec, original vs pre-transformed -----------------------------------------------
def run_corpus(specs: Sequence[CorpusSpec], runner: NodeRunner) -> dict[str, Any]:
    start = time.perf_counter()
    loaded = {s.name: s.load() for s in specs}
    originals = dict(zip(loaded, runner.submit([draw_job(n, sp) for n, sp in loaded.items()])))
    # The engine runs in ENGINE_WORKERS processes while Node draws the originals.
    with cf.ProcessPoolExecutor(ENGINE_WORKERS, mp_context=mp.get_context("forkserver")) as pool:
        engine = dict(zip(loaded, pool.map(run_engine, loaded.values(), chunksize=4)))
    engine_seconds = time.perf_counter() - start
    ready = [n for n in loaded if engine[n].spec is not None]
    transformed = dict(zip(ready, runner.submit([draw_job(n, engine[n].spec) for n in ready])))
    results = {}
    for name in loaded:
        trans = transformed[name].result() if name in transformed else None
        results[name] = _judge(originals[name].result(), engine[name], trans, loaded[name])
    _diagnose(results, loaded, engine, runner)
    report = _summary(results, engine)
    report["seconds"] = {"total": round(time.perf_counter() - start, 1),
                         "engine_loop": round(engine_seconds, 1),
                         "engine_uncached_sum": round(sum(e.seconds for e in engine.values()), 1),
                         "engine_uncached_cpu": round(sum(e.cpu_seconds for e in engine.values()), 1)}
    return report


# Vega draws these differently on every run (Math.random behind random(), ci0/ci1's bootstrap,
# the sample transform, wordcloud placement), so two drawings cannot be compared.
_NONDETERMINISTIC = re.compile(r"\brandom\s*\(|\"ci[01]\"|\"type\":\s*\"(?:sample|wordcloud)\"")


def nondeterminism(spec: Any) -> str | None:
    found = sorted(set(m.group(0) for m in _NONDETERMINISTIC.finditer(json.dumps(spec))))
    return f"nondeterministic in Vega: {found}" if found else None


def _judge(orig: dict[str, Any], engine: EngineResult, trans: dict[str, Any] | None,
           spec: Any) -> dict[str, Any]:
    if nondeterminism(spec):
        return {"status": "excluded", "reason": nondeterminism(spec)}
    if orig.get("missing"):
        return {"status": "excluded", "reason": f"needs data beyond the mapped URLs: "
                                                f"{sorted(set(orig['missing']))}"}
    if not orig.get("ok"):
        return {"status": "excluded", "reason": f"original fails in Vega: {orig['errors'][:2]}"}
    base = {"engine_warnings": [w.get("message", w) for w in engine.warnings][:5]}
    if engine.error:
        return {**base, "status": "fail", "stage": "engine", "difference": engine.error}
    assert trans is not None
    if not trans.get("ok"):
        return {**base, "status": "fail", "stage": "vega",
                "difference": f"transformed spec fails in Vega: "
                              f"{(trans['errors'] + trans.get('missing', []))[:2]}"}
    diff = scene_difference(orig["scene"], trans["scene"])
    if diff:
        text = scene_difference(_texts(orig["scene"]), _texts(trans["scene"]))
        return {**base, "status": "fail", "stage": "scene", "difference": diff,
                "text_difference": text,
                "reordered_marks": reordered_marks(orig["scene"], trans["scene"])}
    return {**base, "status": "pass"}


def _texts(scene: list[list[Any]]) -> list[list[Any]]:
    """Only the text items' strings: the first differing label often explains a layout shift."""
    return [["item", "", {"text": p["text"]}] for kind, _w, p in scene
            if kind == "item" and "text" in p]


# -- diagnosis: which dataset holds different values -----------------------------------------------
def _diagnose(results: dict[str, dict[str, Any]], loaded: dict[str, Any],
              engine: dict[str, EngineResult], runner: NodeRunner) -> None:
    names = [n for n, r in results.items() if r.get("stage") == "scene"]
    jobs = []
    for n in names:
        jobs.append({"id": n, "mode": "datasets", "spec": loaded[n], "inline": node_inline(loaded[n])})
        jobs.append({"id": n, "mode": "datasets", "spec": engine[n].spec,
                     "inline": node_inline(engine[n].spec)})
    out = runner.run(jobs)
    for i, n in enumerate(names):
        orig, trans = out[2 * i], out[2 * i + 1]
        where = dataset_difference(orig.get("datasets") or {}, trans.get("datasets") or {})
        results[n]["dataset"] = where
        if where is None:
            results[n]["signal"] = signal_difference(orig.get("signals") or {},
                                                     trans.get("signals") or {})
        results[n]["cause"] = classify(results[n], engine[n])


def dataset_difference(orig: dict[str, Any], trans: dict[str, Any]) -> dict[str, Any] | None:
    """The first dataset (definition order) whose rows differ.

    Columns the transformed spec dropped are ignored (the engine may project away what nothing
    reads), and a Vega Date equals its epoch milliseconds (the server's encoding of dates).
    """
    for key, a in orig.items():
        b = trans.get(key)
        if b is None:
            continue
        if a["n"] != b["n"]:
            return {"dataset": key, "difference": f"{a['n']} rows != {b['n']} rows"}
        for i, (ra, rb) in enumerate(zip(a["rows"], b["rows"])):
            diff = _row_difference(_undate(ra), _undate(rb))
            if diff:
                return {"dataset": key, "difference": f"row {i}{diff}",
                        "original_row": _short(ra), "transformed_row": _short(rb)}
    return None


def signal_difference(orig: dict[str, Any], trans: dict[str, Any]) -> str | None:
    """The first top-level signal whose value differs (Date == epoch ms)."""
    for name, value in orig.items():
        if name in trans:
            diff = value_difference(_undate(value), _undate(trans[name]))
            if diff:
                return f"signal {name}: {diff}"
    return None


def _row_difference(ra: Any, rb: Any) -> str | None:
    if not isinstance(ra, dict) or not isinstance(rb, dict):
        diff = value_difference(ra, rb)
        return diff and f": {diff}"
    extra = sorted(set(rb) - set(ra))
    diff = value_difference({k: ra[k] for k in rb if k in ra}, {k: rb[k] for k in rb if k in ra})
    if diff:
        return diff
    if extra:
        nulls = all(rb[k] is None for k in extra)
        return f": extra columns {extra}" + (" (null where Vega has no field)" if nulls else "")
    return None


def _undate(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return value["$date"]
        return {k: _undate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_undate(v) for v in value]
    return value


def _short(row: Any) -> str:
    text = json.dumps(row)
    return text if len(text) < 300 else text[:300] + "..."


def classify(result: dict[str, Any], engine: EngineResult) -> str:
    """A coarse cause, for counting; KNOWN_FAILURES.md holds the explained ones."""
    stage = result.get("stage")
    if stage == "engine":
        return "engine error: " + _generic(result["difference"])
    if stage == "vega":
        return "transformed spec fails in Vega: " + _generic(result["difference"])
    where = result.get("dataset")
    if where is None and result.get("reordered_marks"):
        return "same items drawn in another order (row order)"
    if where is None and result.get("signal"):
        return "top-level signal differs: " + result["signal"].split(":")[0]
    if where is None:
        return "scene differs, datasets equal: " + _generic(result["difference"].split(": ", 1)[-1])
    scope, _, name = where["dataset"].partition(":")
    server = {(d["name"], ".".join(map(str, d["scope"]))): d for d in engine.stats.get("server", [])}
    ds = server.get((name, scope))
    pipeline = "+".join(ds["types"][: ds["n_server"]]) if ds else "client-only dataset"
    if "null where Vega has no field" in where["difference"]:
        return f"field absent in Vega (undefined) is null from the server; server pipeline: {pipeline}"
    if re.search(r"\$num[^|]*' != 'null'", where["difference"]):
        return f"non-finite number (NaN/Infinity) inlined as null; server pipeline: {pipeline}"
    kind = "row count" if "rows !=" in where["difference"] else (
        "extra columns" if "extra columns" in where["difference"] else "values")
    return f"dataset {kind} differs; server pipeline: {pipeline or 'source only'}"


def _generic(text: str) -> str:
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return text[:110]


def _summary(results: dict[str, dict[str, Any]], engine: dict[str, EngineResult]) -> dict[str, Any]:
    status = Counter(r["status"] for r in results.values())
    causes = Counter(r.get("cause") or classify(r, engine[n])
                     for n, r in results.items() if r["status"] == "fail")
    for n, r in results.items():
        if r["status"] == "fail":
            r.setdefault("cause", classify(r, engine[n]))
    stats = [e.stats for e in engine.values() if e.stats]
    for n, r in results.items():
        st = engine[n].stats
        if st:
            r["server"] = {k: st[k] for k in ("datasets", "transforms", "server_datasets",
                                              "server_transforms", "server_signals")}
    server_types: Counter = Counter()
    for s in stats:
        server_types.update(s.get("server_transform_types", {}))
    return {
        "totals": {"specs": len(results), "passed": status["pass"], "failed": status["fail"],
                   "excluded": status["excluded"],
                   "compared": status["pass"] + status["fail"]},
        "server": {
            "specs_planned": len(stats),
            "datasets": sum(s["datasets"] for s in stats),
            "transforms": sum(s["transforms"] for s in stats),
            "server_datasets": sum(s["server_datasets"] for s in stats),
            "server_datasets_complete": sum(s["server_datasets_complete"] for s in stats),
            "server_transforms": sum(s["server_transforms"] for s in stats),
            "server_signals": sum(s["server_signals"] for s in stats),
            # a pass with nothing on the server only shows that the client spec is intact
            "specs_without_server_transforms": sum(1 for s in stats if s["server_transforms"] == 0
                                                   and s["transforms"] > 0),
            "passing_without_server_transforms": sum(
                1 for n, r in results.items() if r["status"] == "pass" and engine[n].stats
                and engine[n].stats["server_transforms"] == 0 and engine[n].stats["transforms"]),
            "server_transform_types": dict(server_types.most_common()),
        },
        "causes": dict(causes.most_common()),
        "specs": results,
    }


# -- Test 2: interaction batches ---------------------------------------------------------------------
def run_interactions(specs: Sequence[CorpusSpec], runner: NodeRunner) -> dict[str, Any]:
    out = {}
    for s in specs:
        try:
            out[s.name] = replay(s, runner)
        except Exception as exc:  # noqa: BLE001 - reported per spec
            out[s.name] = {"status": "fail", "stage": "harness",
                           "difference": f"{type(exc).__name__}: {exc}"}
    status = Counter(r["status"] for r in out.values())
    return {"totals": {"specs": len(out), "passed": status["pass"], "failed": status["fail"],
                       "excluded": status["excluded"]}, "specs": out}


def replay(s: CorpusSpec, runner: NodeRunner) -> dict[str, Any]:
    """Full spec in Vega vs client spec + ChartState answers, after each batch of updates."""
    from vegafusion_core import runtime

    from .harness import TZ, _jsonable, engine_inline

    spec, batches = s.load(), s.updates()
    try:
        state = runtime.new_chart_state(spec, local_tz=TZ, inline_datasets=engine_inline(spec))
    except Exception as exc:  # noqa: BLE001
        return {"status": "fail", "stage": "engine", "difference": f"{type(exc).__name__}: {exc}"}
    plan = state.get_comm_plan()
    c2s = plan["client_to_server"]
    full = runner.run([{"id": s.name, "mode": "interact", "spec": spec, "inline": node_inline(spec),
                        "batches": batches, "read": c2s}])[0]
    if full.get("missing"):
        return {"status": "excluded", "reason": f"needs data beyond the mapped URLs: "
                                                f"{sorted(set(full['missing']))}"}
    if not full.get("ok"):
        return {"status": "excluded", "reason": f"full spec fails in Vega: {full['errors'][:2]}"}
    client_batches, sent = [], []
    for k, batch in enumerate(batches):
        values = full["steps"][k + 1]["values"]
        updates = [{**v, "value": val} for v, val in zip(c2s, values)
                   if not (isinstance(val, dict) and "$missing" in val)]
        sent.append(len(updates))
        try:
            answers = _jsonable(state.update(updates)) if updates else []
        except Exception as exc:  # noqa: BLE001
            return {"status": "fail", "stage": "engine", "batch": k, "comm_plan": plan,
                    "difference": f"update failed: {type(exc).__name__}: {exc}"[:1500]}
        client_batches.append(list(batch) + answers)
    client_spec = _jsonable(state.get_client_spec())
    client = runner.run([{"id": s.name, "mode": "interact", "spec": client_spec,
                          "inline": node_inline(client_spec), "batches": client_batches,
                          "read": []}])[0]
    base = {"comm_plan": plan, "batches": len(batches), "sent_per_batch": sent,
            "missing_c2s": [v for v, val in zip(c2s, full["steps"][0]["values"])
                            if isinstance(val, dict) and "$missing" in val]}
    if not client.get("ok"):
        return {**base, "status": "fail", "stage": "vega",
                "difference": f"client spec fails in Vega: {client['errors'][:2]}"}
    for k, (a, b) in enumerate(zip(full["steps"], client["steps"])):
        diff = scene_difference(a["scene"], b["scene"])
        if diff:
            return {**base, "status": "fail", "stage": "scene", "batch": k,
                    "reordered_marks": reordered_marks(a["scene"], b["scene"]),
                    "unknown_in_client": b["unknown"], "difference": diff}
    return {**base, "status": "pass"}


# -- the report and the floor ----------------------------------------------------------------------
def write_report(corpus: dict[str, Any] | None, interactions: dict[str, Any] | None) -> None:
    report = json.loads(REPORT_PATH.read_text()) if REPORT_PATH.exists() else {}
    if corpus is not None:
        report["corpus"] = corpus
    if interactions is not None:
        report["interactions"] = interactions
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text(json.dumps(report, indent=1, sort_keys=False))


def load_floor() -> dict[str, Any]:
    return json.loads(FLOOR_PATH.read_text())


def update_floor(corpus: dict[str, Any] | None, interactions: dict[str, Any] | None) -> None:
    """Raise (never lower) the floor to the current pass counts, recording the totals."""
    floor = load_floor() if FLOOR_PATH.exists() else {}
    if corpus is not None:
        old = floor.get("corpus", {}).get("passed", 0)
        passing = sorted(n for n, r in corpus["specs"].items() if r["status"] == "pass")
        if len(passing) >= old:
            floor["corpus"] = {**corpus["totals"], "passing": passing}
    if interactions is not None:
        old = floor.get("interactions", {}).get("passed", 0)
        passing = sorted(n for n, r in interactions["specs"].items() if r["status"] == "pass")
        if len(passing) >= old:
            floor["interactions"] = {**interactions["totals"], "passing": passing}
    FLOOR_PATH.write_text(json.dumps(floor, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="run the specs whose name contains this")
    parser.add_argument("--update-floor", action="store_true")
    parser.add_argument("--skip-interactions", action="store_true")
    args = parser.parse_args()
    runner = NodeRunner()
    try:
        specs = [s for s in corpus_specs() if args.only in s.name]
        corpus = run_corpus(specs, runner)
        inter = None if args.skip_interactions else run_interactions(
            [s for s in interaction_specs() if args.only in s.name], runner)
    finally:
        runner.close()
    full = not args.only
    write_report(corpus if full else None, inter if full else None)
    print(json.dumps({"totals": corpus["totals"], "server": corpus["server"],
                      "seconds": corpus["seconds"], "causes": corpus["causes"],
                      "interactions": inter and inter["totals"]}, indent=1))
    if args.only:
        for n, r in corpus["specs"].items():
            print(n, r["status"], r.get("difference") or r.get("reason") or "", r.get("dataset") or "")
    if args.update_floor and full:
        update_floor(corpus, inter)


if __name__ == "__main__":
    main()
