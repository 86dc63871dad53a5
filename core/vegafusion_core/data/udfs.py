"""Python functions registered in DuckDB for what vega-loader does that SQL cannot say exactly.

JavaScript's ``+s`` (hexadecimal, ``Infinity``, whitespace rules), V8's ``Date.parse`` (ISO and
legacy forms such as ``Jan 1 2000``) and d3-time-format's parsers are written once, in Python
(expression/jsvalues.py, expression/d3timeformat.py), and DuckDB calls them through these UDFs.

Each UDF receives Arrow chunks and computes every distinct value of a chunk once: data columns
repeat their values (dates, categories), so the Python work is per distinct value, not per row.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..expression.jsvalues import number_to_string, parse_date, string_to_number

JS_NUMBER = "vf_loader_js_number"        # (VARCHAR) -> DOUBLE: JavaScript's +s
DATE_PARSE = "vf_loader_date_parse"      # (VARCHAR, tz) -> DOUBLE: Date.parse(s), NaN if invalid
TIME_PARSE = "vf_loader_time_parse"      # (VARCHAR, format, tz or '') -> DOUBLE: d3 timeParse
NUMBER_TO_STRING = "vf_loader_num_str"   # (DOUBLE) -> VARCHAR: JavaScript's String(x)



def _per_distinct(values: pa.ChunkedArray | pa.Array, fn: Callable[[Any], Any],
                  out_type: pa.DataType) -> pa.Array:
    """``fn`` applied to each distinct non-null value of ``values``, spread back to every row."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    distinct = pc.unique(values)
    mapped = pa.array([None if v is None else fn(v) for v in distinct.to_pylist()], type=out_type)
    return pc.take(mapped, pc.index_in(values, value_set=distinct))


def _scalar(arg: pa.ChunkedArray | pa.Array) -> Any:
    """A constant argument (format, zone): DuckDB passes it as a column of one repeated value."""
    return arg[0].as_py() if len(arg) else None


def _js_number(values: pa.ChunkedArray) -> pa.Array:
    return _per_distinct(values, string_to_number, pa.float64())


def _date_parse(values: pa.ChunkedArray, tz: pa.ChunkedArray) -> pa.Array:
    zone = _scalar(tz) or "UTC"
    return _per_distinct(values, lambda s: parse_date(s, zone), pa.float64())


def _time_parse(values: pa.ChunkedArray, fmt: pa.ChunkedArray, tz: pa.ChunkedArray) -> pa.Array:
    from ..expression.d3timeformat import parse_time

    pattern, zone = _scalar(fmt), _scalar(tz) or None

    def parse_one(text: str) -> float:
        ms = parse_time(pattern, text, zone)
        return math.nan if ms is None else float(ms)

    return _per_distinct(values, parse_one, pa.float64())


def _number_to_string(values: pa.ChunkedArray) -> pa.Array:
    return _per_distinct(values, lambda x: number_to_string(float(x)), pa.string())


def install_loader_udfs(con: duckdb.DuckDBPyConnection) -> None:
    """Register the loader UDFs in ``con`` (once per connection)."""
    # The catalog, not a Python-side registry, says what is installed: connections are reused
    # and their ids recycled.
    present = {row[0] for row in con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'vf_loader_%'"
    ).fetchall()}
    varchar, double = duckdb.sqltype("VARCHAR"), duckdb.sqltype("DOUBLE")
    specs = [
        (JS_NUMBER, _js_number, [varchar], double),
        (DATE_PARSE, _date_parse, [varchar, varchar], double),
        (TIME_PARSE, _time_parse, [varchar, varchar, varchar], double),
        (NUMBER_TO_STRING, _number_to_string, [double], varchar),
    ]
    for name, fn, params, result in specs:
        if name not in present:
            con.create_function(name, fn, params, result, type="arrow", side_effects=False)
