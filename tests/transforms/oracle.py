"""Oracle harness for transforms: the same rows and transforms through Vega JS and through DuckDB.

Cases live in ``cases/*.jsonl``, one JSON object per line:

    {"transforms": [...], "rows": "<row set>" | [inline rows], "parse": {...},
     "signals": {...}, "datasets": {"name": "<row set>" | {"values": [...], "parse": {...}}},
     "tz": "all" | ["UTC", ...], "produced_signals": ["ext"],
     "server": "unsupported: <reason>"}

Row sets are named in ``cases/rowsets*.json`` (name -> {"values": [...], "parse": {...}}).
A case's expected result is whatever Vega computes: nothing here is written by hand.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE_DIR = ROOT / "tests" / "oracle"
CASES_DIR = Path(__file__).parent / "cases"
CACHE_DIR = ROOT / ".oracle-cache"
ALL_ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"]
REL_TOL = 1e-12


@dataclass
class Case:
    file: str
    line: int
    transforms: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    parse: dict[str, Any] | str | None
    signals: dict[str, Any]
    datasets: dict[str, dict[str, Any]]
    zones: list[str]
    produced_signals: list[str] = field(default_factory=list)
    server: str | None = None

    @property
    def id(self) -> str:
        kinds = "+".join(t.get("type", "?") for t in self.transforms)
        return f"{self.file}:{self.line}:{kinds}"

    def for_node(self) -> dict[str, Any]:
        return {"rows": self.rows, "parse": self.parse, "transforms": self.transforms,
                "signals": self.signals, "datasets": self.datasets,
                "produced_signals": self.produced_signals}


def _row_set(ref: Any, rowsets: dict[str, Any]) -> dict[str, Any]:
    if isinstance(ref, str):
        return rowsets[ref]
    if isinstance(ref, list):
        return {"values": ref}
    return ref


def load_cases() -> list[Case]:
    rowsets: dict[str, Any] = {}
    for path in sorted(CASES_DIR.glob("rowsets*.json")):
        rowsets.update(json.loads(path.read_text()))
    cases = []
    for path in sorted(CASES_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            raw = json.loads(line)
            rows = _row_set(raw.get("rows", "basic"), rowsets)
            zones = raw.get("tz", ["UTC"])
            datasets = {name: _row_set(ref, rowsets) for name, ref in raw.get("datasets", {}).items()}
            cases.append(Case(
                file=path.name, line=number, transforms=raw["transforms"],
                rows=rows["values"], parse=raw.get("parse", rows.get("parse")),
                signals=raw.get("signals", {}), datasets=datasets,
                zones=ALL_ZONES if zones == "all" else zones,
                produced_signals=raw.get("produced_signals", []), server=raw.get("server")))
    return cases


def vega_results(cases: list[Case], zone: str) -> list[dict[str, Any]]:
    """What Vega JS computes for each case in time zone ``zone`` (cached on disk by content)."""
    payload = json.dumps([c.for_node() for c in cases], sort_keys=True)
    version = json.loads((ORACLE_DIR / "package.json").read_text())["dependencies"]["vega"]
    script = (ORACLE_DIR / "transform_oracle.mjs").read_text()
    key = hashlib.sha256(f"{payload}|{zone}|{version}|{script}".encode()).hexdigest()[:24]
    cached = CACHE_DIR / f"transforms-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: the Vega oracle cannot run")
    proc = subprocess.run([node, "transform_oracle.mjs"], input=payload, capture_output=True,
                          text=True, cwd=ORACLE_DIR, env={**os.environ, "TZ": zone}, check=True)
    CACHE_DIR.mkdir(exist_ok=True)
    cached.write_text(proc.stdout)
    return json.loads(proc.stdout)


def decode(value: Any) -> Any:
    """Undo the oracle's tagged encoding: dates become epoch ms, as our engine returns them."""
    if isinstance(value, dict):
        if "$date" in value:
            return float(value["$date"]) if value["$date"] is not None else math.nan
        if "$nan" in value:
            return math.nan
        if "$inf" in value:
            return math.inf * value["$inf"]
        if "$negzero" in value:
            return -0.0
        if "$undefined" in value:
            return None
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def run_ours(case: Case, zone: str) -> dict[str, Any]:
    """Our engine on the same case: rows of the final query, and the produced signals."""
    from vegafusion_core.data.parse import parse_rows
    from vegafusion_core.data.to_vega import arrow_to_rows
    from vegafusion_core.data.values import register_rows
    from vegafusion_core.sql.connection import new_connection
    from vegafusion_core.transforms.base import TransformContext
    from vegafusion_core.transforms.pipeline import (compile_transforms, final_query, run_query,
                                                     source_relation)

    con = new_connection()
    ctx = TransformContext(tz=zone, signals=dict(case.signals))
    datasets = {}
    for name, ds in case.datasets.items():
        table = register_rows(con, parse_rows(ds["values"], ds.get("parse"), zone), path=name)
        datasets[name] = source_relation(table.name, table.columns)
    ctx.datasets = datasets
    table = register_rows(con, parse_rows(case.rows, case.parse, zone), path="data[0]")
    rel = compile_transforms(source_relation(table.name, table.columns), case.transforms, ctx,
                             "data[0]")
    rows = arrow_to_rows(run_query(con, final_query(rel)))
    signals = {name: _signal_value(con, ctx.produced_signals.get(name))
               for name in case.produced_signals}
    return {"rows": rows, "signals": signals}


def _signal_value(con: Any, produced: Any) -> Any:
    """A produced signal is either a value or a query whose one row holds the value."""
    import sqlglot.expressions as exp

    from vegafusion_core.data.to_vega import to_vega_value

    if isinstance(produced, exp.Expression):
        rows = con.sql(produced.sql(dialect="duckdb")).fetchall()
        row = rows[0] if rows else None
        if row is None:
            return None
        return to_vega_value(list(row) if len(row) > 1 else row[0])
    return produced


def values_equal(ours: Any, theirs: Any, signed_zero: bool = True) -> bool:
    """Equal as Vega sees them (relative tolerance REL_TOL), -0 apart from 0 where ``signed_zero``.

    Rows nested in a value (argmin/argmax) compare zeros without their sign: DuckDB's arg_min
    over a compound key returns the row with -0 written as 0 (a known gap of those two ops).
    """
    if isinstance(theirs, float) or isinstance(ours, float):
        if not isinstance(ours, (int, float)) or not isinstance(theirs, (int, float)):
            return False
        if isinstance(ours, bool) or isinstance(theirs, bool):
            return ours is theirs
        if math.isnan(theirs) or math.isnan(ours):
            return math.isnan(theirs) and math.isnan(ours)
        if math.isinf(theirs) or math.isinf(ours):
            return ours == theirs
        if ours == 0 and theirs == 0 and signed_zero:  # equal, yet Vega can tell them apart
            return math.copysign(1, ours) == math.copysign(1, theirs)
        return math.isclose(ours, theirs, rel_tol=REL_TOL, abs_tol=1e-300)
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(
            values_equal(a, b, signed_zero) for a, b in zip(ours, theirs))
    if isinstance(theirs, dict):
        return isinstance(ours, dict) and rows_equal(ours, theirs, signed_zero=False)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return ours is theirs
    return ours == theirs


def rows_equal(ours: dict[str, Any], theirs: dict[str, Any], signed_zero: bool = True) -> bool:
    # A field Vega leaves undefined is null in a SQL table: both mean "no value" to a mark.
    keys = set(ours) | set(theirs)
    return all(values_equal(ours.get(k), theirs.get(k), signed_zero) for k in keys)


def describe_difference(ours: list[dict], theirs: list[dict]) -> str:
    if len(ours) != len(theirs):
        return f"row count: ours {len(ours)}, Vega {len(theirs)}\nours={ours[:5]}\nvega={theirs[:5]}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if not rows_equal(a, b):
            return f"row {i}: ours {a}\n        vega {b}"
    return "equal"
