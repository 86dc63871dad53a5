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
from ..transforms.base import ORDER

_ARROW_TYPES = {
    VegaType.NUMBER: pa.float64(),
    VegaType.STRING: pa.string(),
    VegaType.BOOLEAN: pa.bool_(),
    VegaType.DATE: pa.timestamp("ms"),
}
_counter = itertools.count()


@dataclass(frozen=True)
class SourceTable:
    """A table registered in a DuckDB connection, with the Vega type of each column."""

    name: str
    columns: dict[str, VegaType]
    order_column: str | None = ORDER


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
            raise UnsupportedError("rows that are not objects are evaluated in the browser",
                                   path=path)
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


def _arrow_value(value: Any, kind: VegaType) -> Any:
    if value is None:
        return None
    if kind is VegaType.DATE:
        return None if math.isnan(value.ms) else int(value.ms)
    if kind is VegaType.NUMBER:
        return float(value)
    return value


def rows_to_arrow(rows: Sequence[Mapping[str, Any]], types: Mapping[str, VegaType]) -> pa.Table:
    """Rows (already parsed) to an Arrow table with the order column appended."""
    arrays, fields = [], []
    for name, kind in types.items():
        if kind not in _ARROW_TYPES:
            raise UnsupportedError(f"field {name!r} holds {kind.value}s; evaluated in the browser")
        values = [_arrow_value(row.get(name), kind) for row in rows]
        arrays.append(pa.array(values, type=_ARROW_TYPES[kind]))
        fields.append(pa.field(name, _ARROW_TYPES[kind]))
    arrays.append(pa.array(range(len(rows)), type=pa.int64()))
    fields.append(pa.field(ORDER, pa.int64()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def register_rows(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]],
                  name: str | None = None, path: str = "") -> SourceTable:
    """Register parsed rows as a table in ``con`` and describe it."""
    types = column_types(rows, path)
    table = rows_to_arrow(rows, types)
    name = name or f"vf_values_{next(_counter)}"
    con.register(name, table)
    return SourceTable(name=name, columns=types)
