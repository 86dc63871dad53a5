"""Run vega-loader's read() in Node (tests/oracle/loader_oracle.mjs) and our sources on the same
data, and compare. Expected rows are always Vega's, cached on disk by content like the transform
oracle's."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

from tests.transforms.oracle import CACHE_DIR, ORACLE_DIR, decode, describe_difference, rows_equal

DATASETS = ORACLE_DIR / "node_modules" / "vega-datasets" / "data"


def vega_read(requests: list[dict[str, Any]], zone: str) -> list[dict[str, Any]]:
    """vega.read for each request ({file} or {text}, and {format}) in time zone ``zone``."""
    payload = json.dumps(requests, sort_keys=True)
    files = "".join(hashlib.sha256(Path(r["file"]).read_bytes()).hexdigest()
                    for r in requests if "file" in r)
    script = (ORACLE_DIR / "loader_oracle.mjs").read_text()
    key = hashlib.sha256(f"{payload}|{files}|{zone}|{script}".encode()).hexdigest()[:24]
    cached = CACHE_DIR / f"loader-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: the Vega oracle cannot run")
    proc = subprocess.run([node, "loader_oracle.mjs"], input=payload, capture_output=True,
                          text=True, cwd=ORACLE_DIR, env={**os.environ, "TZ": zone}, check=True)
    CACHE_DIR.mkdir(exist_ok=True)
    cached.write_text(proc.stdout)
    return json.loads(proc.stdout)


def vega_rows(request: dict[str, Any], zone: str) -> list[dict[str, Any]]:
    result = vega_read([request], zone)[0]
    if "$error" in result:
        raise AssertionError(f"Vega could not read {request}: {result['$error']}")
    return decode(result["rows"])


def our_rows(spec: Mapping[str, Any], zone: str, **kwargs: Any) -> tuple[list[dict], Any]:
    """Rows of our source for a Vega data entry, in order, as the browser would receive them."""
    import duckdb

    from vegafusion_core.data.sources import load_source
    from vegafusion_core.data.to_vega import arrow_to_rows

    con = kwargs.pop("con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
    table = load_source(con, spec, tz=zone, **kwargs)
    rows = arrow_to_rows(con.sql(source_query(table)).to_arrow_table())
    return [{k: v for k, v in row.items() if k in table.columns} for row in rows], table


def source_query(table: Any) -> str:
    """All rows of a SourceTable in Vega's order (pipeline.final_query over source_relation,
    written out here so that these tests do not depend on the transform modules)."""
    import sqlglot.expressions as exp

    # A table without fields (values: [{}]) still has rows: select the order column then.
    columns = [exp.column(name, quoted=True) for name in table.columns] or [
        exp.column(table.order_column, quoted=True)]
    query = exp.select(*columns).from_(exp.to_table(table.name, quoted=True)).order_by(
        exp.column(table.order_column, quoted=True))
    return query.sql(dialect="duckdb")


def invalid_dates_as_null(rows: list[dict], table: Any) -> list[dict]:
    """Vega's ``date`` parser leaves NaN where Date.parse fails; a TIMESTAMP column holds NULL
    there (the documented difference: both are invalid dates that nothing draws)."""
    from vegafusion_core.expression.types import VegaType

    dates = [name for name, t in table.columns.items() if t is VegaType.DATE]
    out = []
    for row in rows:
        row = dict(row)
        for name in dates:
            value = row.get(name)
            if isinstance(value, float) and math.isnan(value):
                row[name] = None
        out.append(row)
    return out


def assert_same_rows(ours: list[dict], theirs: list[dict], table: Any = None) -> None:
    if table is not None:
        theirs = invalid_dates_as_null(theirs, table)
    if len(ours) != len(theirs) or not all(rows_equal(a, b) for a, b in zip(ours, theirs)):
        raise AssertionError(describe_difference(ours, theirs))
