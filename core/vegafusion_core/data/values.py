"""Inline JSON rows (a dataset's ``values``) turned into a DuckDB table.

Columns get one static Vega type each (see expression/types.py); values are parsed first as
vega-loader parses them (``format.parse``), so the table holds what Vega's dataflow would see.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import duckdb
import pyarrow as pa

from ..errors import SpecError, UnsupportedError
from ..expression.jsvalues import JSDate
from ..expression.types import VegaType

# The order column of every relation: transforms.base.ORDER, the same name. Not imported from
# there: importing the transforms package imports every transform module, and loading data
# must not depend on them.
ORDER = "_vf_order"

_ARROW_TYPES = {
    VegaType.NUMBER: pa.float64(),
    VegaType.STRING: pa.string(),
    VegaType.BOOLEAN: pa.bool_(),
    # Microseconds: DuckDB's plain TIMESTAMP, and room for the fractional milliseconds that a
    # number parsed as "date" keeps in Vega.
    VegaType.DATE: pa.timestamp("us"),
}
_counter = itertools.count()

# Registered table name -> {LIST column -> Vega type of its elements}. A VegaType says ARRAY
# only; transforms that open arrays (flatten) read the element type here.
ARRAY_ELEMENT_TYPES: dict[str, dict[str, VegaType]] = {}


def note_array_elements(name: str, schema: pa.Schema) -> None:
    """Record the element type of each LIST column of the table ``name``."""
    elements = {}
    for column in schema:
        if pa.types.is_list(column.type):
            inner = column.type.value_type
            kind = next((k for k, t in _ARROW_TYPES.items() if t == inner), None)
            if kind is None and pa.types.is_timestamp(inner):
                kind = VegaType.DATE
            if kind is not None:
                elements[column.name] = kind
    if elements:
        ARRAY_ELEMENT_TYPES[name] = elements


@dataclass(frozen=True)
class SourceTable:
    """A table registered in a DuckDB connection, with the Vega type of each column."""

    name: str
    columns: dict[str, VegaType]
    order_column: str | None = ORDER
    # Conversions Vega would not have made (e.g. 64-bit integers beyond 2**53 read as doubles).
    warnings: tuple[str, ...] = ()


def value_type(value: Any) -> VegaType | None:
    """The Vega type of one JSON value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return VegaType.BOOLEAN
    if isinstance(value, (int, float)):
        return VegaType.NUMBER
    if isinstance(value, str):
        return VegaType.STRING
    if isinstance(value, JSDate):
        return VegaType.DATE
    if isinstance(value, list):
        return VegaType.ARRAY
    if isinstance(value, dict):
        return VegaType.OBJECT
    raise SpecError(f"unexpected value {value!r} in data")


def column_types(rows: Sequence[Mapping[str, Any]], path: str = "") -> dict[str, VegaType]:
    """One type per field, in order of first appearance; a field of mixed types is unsupported."""
    types: dict[str, VegaType | None] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            row = {"data": row}
        for name, value in row.items():
            seen, kind = types.get(name), value_type(value)
            if kind is None or seen == kind:
                types.setdefault(name, kind)
                continue
            if seen is None:
                types[name] = kind
            else:
                raise UnsupportedError(
                    f"field {name!r} mixes {seen.value} and {kind.value} values; "
                    "evaluated in the browser", path=path)
    return {name: kind or VegaType.NUMBER for name, kind in types.items()}


MAX_DATE_MS = 8.64e15  # ECMAScript's TimeClip range


def _arrow_value(value: Any, kind: VegaType) -> Any:
    if value is None:
        return None
    if kind is VegaType.DATE:
        ms = value.ms
        return None if math.isnan(ms) or abs(ms) > MAX_DATE_MS else round(ms * 1000)
    if kind is VegaType.NUMBER:
        return float(value)
    return value


def _scalar_arrow_type(name: str, items: list[Any]) -> pa.DataType:
    """The one Arrow type of JSON scalars ``items`` (null-only: DOUBLE)."""
    if not all(v is None or isinstance(v, (bool, str, int, float)) for v in items):
        raise UnsupportedError(f"field {name!r} holds nested or mixed values; evaluated in the "
                               "browser")
    kinds = {value_type(v) for v in items if v is not None}
    if len(kinds) > 1:
        raise UnsupportedError(f"field {name!r} holds nested or mixed values; evaluated in the "
                               "browser")
    return _ARROW_TYPES[kinds.pop()] if kinds else pa.float64()


def _scalar(x: Any, arrow_type: pa.DataType) -> Any:
    return float(x) if x is not None and arrow_type == pa.float64() else x


def _nested_array(name: str, values: list[Any], kind: VegaType) -> pa.Array:
    """Arrays of JSON scalars as LIST columns (one element type) and objects of JSON scalars as
    STRUCT columns (same keys in every row, one type per key): what flatten and the return trip
    to the browser need. Anything DuckDB cannot type uniformly stays in the browser."""
    present = [v for v in values if v is not None]
    if kind is VegaType.ARRAY:
        inner = _scalar_arrow_type(name, [x for v in present for x in v])
        return pa.array([None if v is None else [_scalar(x, inner) for x in v] for v in values],
                        type=pa.list_(inner))
    keys = list(dict.fromkeys(k for v in present for k in v))
    if any(list(v) != keys for v in present):
        raise UnsupportedError(f"field {name!r} holds objects of different shapes; evaluated in "
                               "the browser")
    types = {k: _scalar_arrow_type(f"{name}.{k}", [v[k] for v in present]) for k in keys}
    struct = pa.struct([pa.field(k, t) for k, t in types.items()])
    return pa.array([None if v is None else {k: _scalar(x, types[k]) for k, x in v.items()}
                     for v in values], type=struct)


def rows_to_arrow(rows: Sequence[Mapping[str, Any]], types: Mapping[str, VegaType]) -> pa.Table:
    """Rows (already parsed) to an Arrow table with the order column appended."""
    arrays, fields = [], []
    for name, kind in types.items():
        if kind in (VegaType.ARRAY, VegaType.OBJECT):
            array = _nested_array(name, [row.get(name) for row in rows], kind)
        elif kind in _ARROW_TYPES:
            values = [_arrow_value(row.get(name), kind) for row in rows]
            array = pa.array(values, type=_ARROW_TYPES[kind])
        else:
            raise UnsupportedError(f"field {name!r} holds {kind.value}s; evaluated in the browser")
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    arrays.append(pa.array(range(len(rows)), type=pa.int64()))
    fields.append(pa.field(ORDER, pa.int64()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def register_rows(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]],
                  name: str | None = None, path: str = "") -> SourceTable:
    """Register parsed rows as a table in ``con`` and describe it."""
    # vega-dataflow's ingest wraps a primitive datum v as {data: v}.
    rows = [row if isinstance(row, Mapping) else {"data": row} for row in rows]
    types = column_types(rows, path)
    try:
        table = rows_to_arrow(rows, types)
    except UnsupportedError as err:
        raise err.at(path)
    name = name or f"vf_values_{next(_counter)}"
    con.register(name, table)
    note_array_elements(name, table.schema)
    return SourceTable(name=name, columns=types)
