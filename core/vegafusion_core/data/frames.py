"""DataFrames and Arrow data registered in DuckDB, and DuckDB column types read as Vega types.

Accepted: pandas and polars DataFrames, pyarrow Tables and RecordBatchReaders, DuckDB relations,
and anything with ``__arrow_c_stream__``. DuckDB scans pandas, polars and Arrow data in place
(replacement scans with projection pushdown): nothing is copied unless the object can be read
only once (a RecordBatchReader) or belongs to another DuckDB connection.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.types import VegaType

_counter = itertools.count()
MAX_SAFE_INTEGER = 2**53


@dataclass(frozen=True)
class Registered:
    """A name that DuckDB can scan, and the warnings collected while registering it."""

    name: str
    warnings: tuple[str, ...] = ()


def register_frame(con: duckdb.DuckDBPyConnection, obj: Any, label: str) -> Registered:
    """Make ``obj`` scannable in ``con`` under a fresh name."""
    name = f"vf_frame_{next(_counter)}"
    warnings: list[str] = []
    if isinstance(obj, duckdb.DuckDBPyRelation):
        try:
            con.register(name, obj)
            con.execute(f'SELECT * FROM "{name}" LIMIT 0')
            return Registered(name)
        except duckdb.Error:
            # A relation of another connection: its rows have to come over as Arrow.
            obj = obj.to_arrow_table()
            warnings.append(f"inline dataset {label!r} is a relation of another DuckDB "
                            "connection; it was copied")
    elif isinstance(obj, pa.RecordBatchReader):
        obj = obj.read_all()  # a reader can be scanned only once; queries scan it many times
    elif _is_supported_frame(obj):
        pass
    elif hasattr(obj, "__arrow_c_stream__"):
        pass  # DuckDB calls __arrow_c_stream__ for each scan
    else:
        raise SpecError(f"inline dataset {label!r} is a {type(obj).__name__}; expected a pandas "
                        "or polars DataFrame, a pyarrow Table or RecordBatchReader, a DuckDB "
                        "relation or an object with __arrow_c_stream__")
    con.register(name, obj)
    warnings.extend(_large_integer_warnings(obj, label))
    return Registered(name, tuple(warnings))


def _is_supported_frame(obj: Any) -> bool:
    module = type(obj).__module__.split(".")[0]
    return isinstance(obj, pa.Table) or module in ("pandas", "polars")


def _large_integer_warnings(obj: Any, label: str) -> list[str]:
    """64-bit integers beyond 2**53 become the nearest double, as JSON.parse would make them;
    say so. Only in-memory columns are checked (a vectorised min/max, no copy)."""
    import pyarrow.compute as pc

    out = []
    columns: list[tuple[str, Any]] = []
    if isinstance(obj, pa.Table):
        columns = [(f.name, obj.column(f.name)) for f in obj.schema
                   if pa.types.is_int64(f.type) or pa.types.is_uint64(f.type)]
    elif type(obj).__module__.startswith("pandas"):
        columns = [(str(c), obj[c].to_numpy()) for c, dtype in obj.dtypes.items()
                   if str(dtype) in ("int64", "uint64")]
    for name, values in columns:
        if len(values) == 0:
            continue
        if isinstance(values, (pa.ChunkedArray, pa.Array)):
            bounds = pc.min_max(values).as_py()
            low, high = bounds["min"], bounds["max"]
        else:
            low, high = int(values.min()), int(values.max())
        if low is not None and max(abs(low), abs(high)) > MAX_SAFE_INTEGER:
            out.append(f"inline dataset {label!r}: column {name!r} holds integers beyond 2**53; "
                       "they are sent as the nearest double")
    return out


# --------------------------------------------------------------------------------------------
# Column types

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def vega_column(column: exp.Expression, duckdb_type: str,
                input_tz: str) -> tuple[exp.Expression, VegaType] | None:
    """The SQL that turns a DuckDB column into its Vega storage, with its Vega type.

    None for types Vega has no counterpart for (BLOB, INTERVAL, TIME, ...). Naive timestamps are
    wall-clock times in ``input_tz`` (as VegaFusion's default_input_tz, and as Vega reads an ISO
    date-time without offset); zoned ones are instants; a DATE is UTC midnight (Vega's reading
    of "YYYY-MM-DD"). Everything is truncated to the millisecond, JavaScript's resolution.
    """
    t = duckdb_type.upper()
    if t.endswith("[]") and "[]" not in t[:-2]:  # a list of scalars (not of lists)
        inner = vega_column(column, t[:-2], input_tz)
        if inner is not None and inner[1] is VegaType.NUMBER and t[:-2] != "DOUBLE":
            return exp.cast(column, "DOUBLE[]"), VegaType.ARRAY
        return column, VegaType.ARRAY
    if t.endswith("[]") or t.startswith("LIST"):
        return column, VegaType.ARRAY
    if t.startswith(("STRUCT", "MAP")):
        return column, VegaType.OBJECT
    if t == "DOUBLE":
        return column, VegaType.NUMBER
    if t.startswith(_NUMERIC):
        return exp.cast(column, "DOUBLE"), VegaType.NUMBER
    if t == "VARCHAR" or t.startswith("ENUM") or t == "UUID":
        return (column if t == "VARCHAR" else exp.cast(column, "VARCHAR")), VegaType.STRING
    if t == "BOOLEAN":
        return column, VegaType.BOOLEAN
    if t == "DATE":
        return exp.cast(column, "TIMESTAMP"), VegaType.DATE
    if "WITH TIME ZONE" in t or t.startswith("TIMESTAMPTZ"):
        utc_wall = _fn("timezone", exp.Literal.string("UTC"), exp.cast(column, "TIMESTAMPTZ"))
        return _fn("date_trunc", exp.Literal.string("millisecond"), utc_wall), VegaType.DATE
    if t.startswith("TIMESTAMP"):
        wall = _fn("date_trunc", exp.Literal.string("millisecond"), exp.cast(column, "TIMESTAMP"))
        return wall_to_utc_sql(wall, input_tz), VegaType.DATE
    if t.startswith(("STRUCT", "MAP")):
        return column, VegaType.OBJECT
    return None


def list_element_type(duckdb_type: str) -> VegaType | None:
    """The Vega type of the elements of a LIST column as :func:`vega_column` stores it (None
    when its elements are not plain numbers, strings or booleans)."""
    t = duckdb_type.upper()
    if not t.endswith("[]") or "[]" in t[:-2]:
        return None
    inner = vega_column(exp.column("x"), t[:-2], "UTC")
    if inner is None or inner[1] not in (VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN):
        return None
    if inner[1] is VegaType.STRING and t[:-2] != "VARCHAR":
        return None  # ENUM or UUID elements: not cast inside the list
    return inner[1]


def _wall_in(tz: str, utc: exp.Expression) -> exp.Expression:
    """The wall-clock TIMESTAMP in ``tz`` of the instant whose UTC wall clock is ``utc``."""
    return _fn("timezone", exp.Literal.string(tz),
               _fn("timezone", exp.Literal.string("UTC"), utc))


def wall_to_utc_sql(wall: exp.Expression, tz: str) -> exp.Expression:
    """The UTC wall clock of local time ``wall`` in ``tz``, resolved as JavaScript does.

    ECMAScript reads a local time with the offset in force before a transition: a time in a
    spring-forward gap moves forward (02:30 -> 03:30), an ambiguous autumn time is the earlier
    instant. That is: try the offset of a day before; if it does not give back ``wall``, the
    offset of a day after; if neither does (a gap), the first.
    """
    if tz == "UTC":
        return wall
    day = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY"))

    def candidate(probe: exp.Expression) -> exp.Expression:
        offset = exp.paren(exp.Sub(this=_wall_in(tz, probe), expression=probe))
        return exp.Sub(this=wall, expression=offset)

    first = candidate(exp.paren(exp.Sub(this=wall, expression=day)))
    second = candidate(exp.paren(exp.Add(this=wall, expression=day)))
    matches = exp.EQ(this=_wall_in(tz, second), expression=wall)
    keeps = exp.EQ(this=_wall_in(tz, first), expression=wall)
    return (exp.Case().when(keeps, first).when(matches, second).else_(first))


def describe(con: duckdb.DuckDBPyConnection, from_sql: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of ``SELECT * FROM <from_sql>``."""
    rel = con.sql(f"SELECT * FROM {from_sql}")
    return [(name, str(dtype)) for name, dtype in zip(rel.columns, rel.types)]
