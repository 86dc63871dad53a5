"""Arrow results turned into what Vega sees: numbers as doubles, dates as UTC epoch milliseconds.

Every conversion is vectorised per column (pyarrow compute): a result of a million rows is
converted without a Python loop per cell. Three outputs share one column normalisation
(:func:`vega_arrow`): Python rows (:func:`arrow_to_rows`), JSON text (:func:`arrow_to_json`) and
Arrow IPC bytes (:func:`arrow_to_ipc`). Each returns, or can return, the warnings of the
conversion (64-bit integers beyond 2**53, which JavaScript cannot hold exactly).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..transforms.base import ORDER

MAX_SAFE_INTEGER = 2**53
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_TZ = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_UNIT_PER_MS = {"s": 1e-3, "ms": 1.0, "us": 1e3, "ns": 1e6}


def to_vega_value(value: Any) -> Any:
    """One Python value from Arrow, as Vega would hold it after JSON transport."""
    if isinstance(value, dt.datetime):
        epoch = _EPOCH_TZ if value.tzinfo is not None else _EPOCH
        return (value - epoch) // dt.timedelta(microseconds=1) / 1000.0
    if isinstance(value, dt.date):
        return (dt.datetime(value.year, value.month, value.day) - _EPOCH).total_seconds() * 1000
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [to_vega_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_vega_value(v) for k, v in value.items()}
    if hasattr(value, "__float__"):  # Decimal
        return float(value)
    return value


def _column_to_vega(name: str, col: pa.ChunkedArray, warnings: list[str]) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_dictionary(t):
        return _column_to_vega(name, pc.cast(col, t.value_type), warnings)
    if pa.types.is_timestamp(t):
        raw = pc.cast(col.cast(pa.int64()), pa.float64())
        factor = _UNIT_PER_MS[t.unit]
        return raw if factor == 1.0 else pc.divide(raw, pa.scalar(factor))
    if pa.types.is_date32(t):
        return pc.multiply(pc.cast(col.cast(pa.int32()), pa.float64()), pa.scalar(86_400_000.0))
    if pa.types.is_date64(t):
        return pc.cast(col.cast(pa.int64()), pa.float64())
    if pa.types.is_integer(t):
        if t.bit_width == 64 and len(col) and col.null_count < len(col):
            bounds = pc.min_max(col).as_py()
            if max(abs(bounds["min"]), abs(bounds["max"])) > MAX_SAFE_INTEGER:
                warnings.append(f"column {name!r} holds integers beyond 2**53; they were sent as "
                                "the nearest double")
        return pc.cast(col, pa.float64(), safe=False)  # the nearest double, as JSON.parse
    if pa.types.is_floating(t):
        return col if t == pa.float64() else pc.cast(col, pa.float64())
    if pa.types.is_decimal(t):
        return pc.cast(col, pa.float64(), safe=False)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pc.cast(col, pa.string())
    if pa.types.is_nested(t):
        values = [to_vega_value(v) for v in col.to_pylist()]
        return pa.chunked_array([pa.array(values)]) if values else col
    return col


def vega_arrow(table: pa.Table) -> tuple[pa.Table, list[str]]:
    """``table`` with every column in Vega's value space (doubles, strings, booleans, epoch ms)."""
    warnings: list[str] = []
    columns = [_column_to_vega(name, table.column(name), warnings) for name in table.column_names]
    return pa.table(columns, names=table.column_names), warnings


def arrow_to_rows_with_warnings(table: pa.Table) -> tuple[list[dict[str, Any]], list[str]]:
    """Row dicts in Vega's value conventions, and the conversion warnings."""
    if table.column_names == [ORDER]:  # rows without fields (see transforms.pipeline)
        return [{} for _ in range(table.num_rows)], []
    converted, warnings = vega_arrow(table)
    names = converted.column_names
    columns = [converted.column(i).to_pylist() for i in range(converted.num_columns)]
    if not names:
        return [{} for _ in range(table.num_rows)], warnings
    return [dict(zip(names, values)) for values in zip(*columns)], warnings


def arrow_to_rows(table: pa.Table) -> list[dict[str, Any]]:
    """An Arrow table as a list of row dicts with Vega's value conventions."""
    return arrow_to_rows_with_warnings(table)[0]


def _json_safe(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """NaN and infinities have no JSON form: null (what JSON.stringify writes for them)."""
    if pa.types.is_floating(col.type):
        finite = pc.is_finite(col)
        return pc.if_else(finite, col, pa.scalar(None, col.type))
    return col


def arrow_to_json(table: pa.Table) -> tuple[str, list[str]]:
    """JSON text of the rows (as JSON.stringify would write Vega's values), and warnings.

    DuckDB's to_json writes each row followed by a comma (in C++, in scan order); the texts
    of an Arrow string column lie end to end in one buffer, which is the array's body.
    """
    import duckdb

    converted, warnings = vega_arrow(table)
    if converted.num_columns == 0:
        return json.dumps([{}] * table.num_rows), warnings
    safe = pa.table([_json_safe(c) for c in converted.columns], names=converted.column_names)
    con = duckdb.connect()
    try:
        con.register("vf_rows", safe)
        texts = con.sql("SELECT CAST(to_json(vf_rows) AS VARCHAR) || ',' FROM vf_rows"
                        ).to_arrow_table().column(0).combine_chunks()
    finally:
        con.close()
    if len(texts) == 0:
        return "[]", warnings
    offset_type = pa.int64() if pa.types.is_large_string(texts.type) else pa.int32()
    offsets = pa.Array.from_buffers(offset_type, len(texts) + 1, [None, texts.buffers()[1]],
                                    offset=texts.offset)
    start, end = offsets[0].as_py(), offsets[-1].as_py()
    body = memoryview(texts.buffers()[2])[start:end - 1]  # without the last comma
    return "[" + codecs.utf_8_decode(body)[0] + "]", warnings


def arrow_to_ipc(table: pa.Table) -> tuple[bytes, list[str]]:
    """Arrow IPC stream bytes of the rows in Vega's value space, and warnings."""
    converted, warnings = vega_arrow(table)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, converted.schema) as writer:
        writer.write_table(converted)
    return sink.getvalue().to_pybytes(), warnings
