"""Conformance harness: whole Vega specs drawn by Vega JS, before and after the engine's work.

Test 1 draws each corpus spec as written (Vega does all the data work) and as returned by
``pre_transform_spec`` (server results inlined), and compares the normalised scenegraphs that
tests/oracle/scenegraph.mjs prints. Test 2 replays interaction batches: Vega JS runs the full spec,
the values of the comm plan's ``client_to_server`` variables go to ``ChartState.update``, and the
answers are applied to the client spec running in Vega JS; both drawings must agree after every
batch.

Node results are cached by content hash (script, time zone, job) under .oracle-cache/scenegraph;
engine results by (engine source, spec) under .oracle-cache/engine, so a rerun only redoes what
changed. Node runs in batches, at most two processes at a time.
"""

from __future__ import annotations

import concurrent.futures as cf
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("VF_CORPUS", ROOT.parent / "shared" / "corpus" / "vegafusion"))
ORACLE_DIR = ROOT / "tests" / "oracle"
SCRIPT = ORACLE_DIR / "scenegraph.mjs"
DATA_DIR = ORACLE_DIR / "node_modules" / "vega-datasets" / "data"
CACHE_DIR = ROOT / ".oracle-cache"
REPORT_PATH = CACHE_DIR / "conformance-report.json"
FLOOR_PATH = Path(__file__).parent / "floor.json"
SUBFOLDERS = ("vegalite", "custom", "vega", "pre_transform", "inline_datasets")
TZ = "UTC"  # the engine's local_tz and the Node process's TZ: they must agree
REL_TOL = 1e-6
ABS_TOL = 1e-6
NODE_WORKERS = 2
ENGINE_WORKERS = 2
BATCH_JOBS = 30
BATCH_BYTES = 24_000_000
ENGINE_TIMEOUT_S = 120  # generous: the machine is shared; a timeout is never cached


# -- the corpus ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CorpusSpec:
    name: str  # "<subfolder>/<stem>"
    path: Path

    @property
    def updates_path(self) -> Path:
        return self.path.with_name(self.path.name.replace(".vg.json", ".updates.json"))

    def load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text())

    def updates(self) -> list[list[dict[str, Any]]]:
        return json.loads(self.updates_path.read_text())


def corpus_specs() -> list[CorpusSpec]:
    out = []
    for folder in SUBFOLDERS:
        for path in sorted((CORPUS / folder).glob("*.vg.json")):
            out.append(CorpusSpec(f"{folder}/{path.name[:-len('.vg.json')]}", path))
    return out


def interaction_specs() -> list[CorpusSpec]:
    return [s for s in corpus_specs() if s.updates_path.exists()]


# -- DataFrames named by vegafusion+dataset:// ------------------------------------------------------
@lru_cache(maxsize=1)
def inline_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows behind the corpus's DataFrame names, as plain JSON (null for missing values).

    ``movie``/``movies`` are vega-datasets' movies.json (VegaFusion's tests load it into a
    DataFrame; ``Title`` is made all-string so that it is one typed column); ``source_0`` is a small
    table with a dotted column name, as in VegaFusion's period-in-field-name test.
    """
    movies = json.loads((DATA_DIR / "movies.json").read_text())
    for row in movies:
        if row.get("Title") is not None:
            row["Title"] = str(row["Title"])
    dotted = [{"normal": float(i), "a.b": float(i * i % 7)} for i in range(1, 11)]
    return {"movie": movies, "movies": movies, "source_0": dotted}


@lru_cache(maxsize=1)
def inline_tables() -> dict[str, Any]:
    import pyarrow as pa

    return {name: pa.Table.from_pylist(rows) for name, rows in inline_rows().items()}


def inline_names(spec: Any) -> list[str]:
    text = json.dumps(spec)
    return sorted(set(re.findall(r'"(?:vegafusion\+dataset|table)://([^"]+)"', text)))


def node_inline(spec: Any) -> dict[str, list[dict[str, Any]]]:
    rows = inline_rows()
    return {n: rows[n] for n in inline_names(spec) if n in rows}


def engine_inline(spec: Any) -> dict[str, Any]:
    tables = inline_tables()
    return {n: tables[n] for n in inline_names(spec) if n in tables}


# -- caching ---------------------------------------------------------------------------------------
def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True).encode())
        h.update(b"\0")
    return h.hexdigest()[:40]


def _cache_get(kind: str, key: str) -> Any | None:
    path = CACHE_DIR / kind / f"{key}.json.gz"
    if not path.exists():
        return None
    try:
        return json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError):
        return None


def _cache_put(kind: str, key: str, value: Any) -> None:
    folder = CACHE_DIR / kind
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    tmp.write_bytes(gzip.compress(json.dumps(value).encode(), compresslevel=3))
    tmp.replace(folder / f"{key}.json.gz")


@lru_cache(maxsize=1)
def engine_source_hash() -> str:
    """Everything the engine's answer depends on: its Python source and its libraries' versions."""
    import duckdb
    import sqlglot

    h = hashlib.sha256()
    for path in sorted((ROOT / "core").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    h.update(f"{duckdb.__version__} {sqlglot.__version__}".encode())
    return h.hexdigest()


# -- Node: drawing specs ---------------------------------------------------------------------------
class NodeRunner:
    """Runs scenegraph.mjs jobs in batches (at most NODE_WORKERS processes), with a result cache."""

    def __init__(self, workers: int = NODE_WORKERS) -> None:
        self.node = shutil.which("node") or "node"
        self.pool = cf.ThreadPoolExecutor(max_workers=workers)
        self.script_hash = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()

    def key(self, job: dict[str, Any]) -> str:
        return _digest(self.script_hash, TZ, {k: v for k, v in job.items() if k != "id"})

    def submit(self, jobs: Sequence[dict[str, Any]]) -> list[cf.Future]:
        """One future per job, in order; cached jobs resolve at once."""
        futures: list[cf.Future] = []
        pending: list[tuple[dict[str, Any], str, cf.Future]] = []
        for job in jobs:
            key = self.key(job)
            fut: cf.Future = cf.Future()
            cached = _cache_get("scenegraph", key)
            if cached is not None:
                fut.set_result(cached)
            else:
                pending.append((job, key, fut))
            futures.append(fut)
        for batch in _batches(pending):
            self.pool.submit(self._run_batch, batch)
        return futures

    def run(self, jobs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return [f.result() for f in self.submit(jobs)]

    def _run_batch(self, batch: list[tuple[dict[str, Any], str, cf.Future]]) -> None:
        try:
            results = self._node([job for job, _, _ in batch], timeout=60 + 15 * len(batch))
        except Exception:  # noqa: BLE001 - a crash or timeout: retry each job alone
            if len(batch) > 1:
                for one in batch:
                    self._run_batch([one])
                return
            job, _, fut = batch[0]
            fut.set_result({"id": job.get("id"), "ok": False, "missing": [], "warnings": [],
                            "errors": [f"node failed: {traceback.format_exc(limit=1)[-300:]}"]})
            return
        for (job, key, fut), result in zip(batch, results):
            _cache_put("scenegraph", key, result)
            fut.set_result(result)

    def _node(self, jobs: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="vf-scene-") as tmp:
            jobs_file, out_file = Path(tmp) / "jobs.json", Path(tmp) / "out.json"
            jobs_file.write_text(json.dumps(jobs))
            env = {**os.environ, "TZ": TZ}
            proc = subprocess.run([self.node, "--max-old-space-size=3072", str(SCRIPT),
                                   str(jobs_file), str(out_file)], cwd=ORACLE_DIR, env=env,
                                  capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"node exited {proc.returncode}: {proc.stderr[-500:]}")
            return json.loads(out_file.read_text())

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _batches(pending: list[Any]) -> Iterable[list[Any]]:
    batch: list[Any] = []
    size = 0
    for item in pending:
        n = len(json.dumps(item[0]))
        if batch and (len(batch) >= BATCH_JOBS or size + n > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += n
    if batch:
        yield batch


def draw_job(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "mode": "draw", "spec": spec, "inline": node_inline(spec)}


# -- comparing scenegraphs -------------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def numbers_close(a: float, b: float) -> bool:
    if a == b:
        return True
    return abs(a - b) <= max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))


def _path_close(a: str, b: str) -> bool:
    """SVG path strings: the same commands, numbers equal within tolerance."""
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return False
    return all(numbers_close(float(x), float(y))
               for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)))


def value_difference(a: Any, b: Any, key: str = "") -> str | None:
    """None when two drawn values agree (numbers within tolerance, strings exactly)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else f"{a!r} != {b!r}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return None if numbers_close(a, b) else f"{a!r} != {b!r}"
    if isinstance(a, str) and isinstance(b, str):
        if a == b or (key in ("path", "shape") and _path_close(a, b)):
            return None
        return f"{_clip(a)!r} != {_clip(b)!r}"
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            diff = value_difference(x, y, key)
            if diff:
                return f"[{i}]: {diff}"
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"key {k!r} only in {'original' if k in a else 'transformed'}"
            diff = value_difference(a[k], b[k], key)
            if diff:
                return f".{k}: {diff}"
        return None
    return None if a == b else f"{_clip(a)!r} != {_clip(b)!r}"


def _clip(value: Any, n: int = 120) -> Any:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= n else text[:n] + "..."


def scene_difference(a: list[list[Any]], b: list[list[Any]]) -> str | None:
    """The first difference between two normalised scenegraphs (original a, transformed b)."""
    for i, (x, y) in enumerate(zip(a, b)):
        kind_x, where_x, props_x = x
        kind_y, where_y, props_y = y
        if (kind_x, where_x) != (kind_y, where_y):
            return f"entry {i}: {kind_x} {where_x} vs {kind_y} {where_y} ({_mark_label(a, i)})"
        for key in sorted(set(props_x) | set(props_y)):
            if key not in props_x or key not in props_y:
                side = "original" if key in props_x else "transformed"
                return f"{kind_x} {where_x} ({_mark_label(a, i)}): {key} only in {side}"
            diff = value_difference(props_x[key], props_y[key], key)
            if diff:
                return f"{kind_x} {where_x} ({_mark_label(a, i)}): {key}: {diff}"
    if len(a) != len(b):
        return f"scene length {len(a)} != {len(b)}"
    return None


def reordered_marks(a: list[list[Any]], b: list[list[Any]]) -> list[str]:
    """Marks whose items are the same in both scenes but in another order (a row-order bug)."""
    def by_mark(scene: list[list[Any]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for kind, where, props in scene:
            if kind == "item":
                rounded = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in props.items()}
                out.setdefault(where.rsplit("/", 1)[0], []).append(json.dumps(rounded, sort_keys=True))
        return out

    ma, mb = by_mark(a), by_mark(b)
    return [m for m in ma if m in mb and ma[m] != mb[m] and sorted(ma[m]) == sorted(mb[m])]


def _mark_label(scene: list[list[Any]], index: int) -> str:
    for kind, _where, props in reversed(scene[: index + 1]):
        if kind == "mark":
            return f"{props['marktype']} role={props['role']} name={props['name']}"
    return "?"


# -- the engine ------------------------------------------------------------------------------------
@dataclass
class EngineResult:
    spec: dict[str, Any] | None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: the machine is shared, wall time varies


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Timeout(f"engine took over {ENGINE_TIMEOUT_S}s")


def run_engine(spec: dict[str, Any]) -> EngineResult:
    """pre_transform_spec's answer and the server plan's size, cached by engine source + spec."""
    key = _digest(engine_source_hash(), TZ, spec)
    cached = _cache_get("engine", key)
    if cached is not None:
        return EngineResult(**cached)
    result = _run_engine_uncached(spec)
    if not (result.error or "").startswith("_Timeout"):
        _cache_put("engine", key, result.__dict__)
    return result


def _run_engine_uncached(spec: dict[str, Any]) -> EngineResult:
    from vegafusion_core import runtime

    start, cpu_start = time.perf_counter(), time.process_time()
    use_alarm = hasattr(signal, "SIGALRM") and _in_main_thread()
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(ENGINE_TIMEOUT_S)
    try:
        # pre_transform_spec's own steps, keeping the state for the plan's statistics
        # (test_engine_path_matches_public_api checks that this is the same answer).
        state = runtime._state(spec, local_tz=TZ, default_input_tz=None,
                               inline_datasets=engine_inline(spec), row_limit=None,
                               preserve_interactivity=True, keep_signals=[], keep_datasets=[],
                               truncate_to_row_limit=True)
        spec2, warnings = state.get_transformed_spec(), state.get_warnings()
        result = EngineResult(_jsonable(spec2), _jsonable(warnings), stats=plan_stats(state))
    except BaseException as exc:  # noqa: BLE001 - an engine crash is a failure with its cause
        if isinstance(exc, KeyboardInterrupt):
            raise
        result = EngineResult(None, error=f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    return result


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON as the spec would travel to a browser (NaN -> null)."""
    return json.loads(json.dumps(value, default=str), parse_constant=lambda _name: None)


def plan_stats(state: Any) -> dict[str, Any]:
    """How much of the spec's data work the plan put on the server."""
    plan = state.plan
    defs = [d for d in plan.definitions.values() if d.kind == "data"]
    server_types: dict[str, int] = {}
    for ds in plan.datasets.values():
        for t in ds.server_transforms:
            server_types[t.get("type", "?")] = server_types.get(t.get("type", "?"), 0) + 1
    return {
        "datasets": len(defs),
        "transforms": sum(len(d.spec.get("transform") or []) for d in defs),
        "server_datasets": len(plan.datasets),
        "server_datasets_complete": sum(1 for ds in plan.datasets.values() if ds.complete),
        "server_transforms": sum(ds.n_server for ds in plan.datasets.values()),
        "server_transform_types": server_types,
        "server_signals": len(plan.signals),
        "server": [{"name": v.name, "scope": list(v.scope), "n_server": ds.n_server,
                    "types": [t.get("type", "?") for t in ds.transforms]}
                   for v, ds in plan.datasets.items()],
        "warnings": len(plan.warnings),
    }
