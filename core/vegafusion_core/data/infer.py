"""``format.parse: "auto"``: vega-loader's inferTypes, in Python for rows and in SQL for files.

vega-loader (src/type.js) tests every valid value (not null, not NaN) of a field against, in
order, boolean, integer, number and date; the field gets the first type whose test every value
passed, "string" when none did, and "unknown" for no data. The tests:

- boolean: ``'true'``, ``'false'``, ``true`` or ``false``;
- number: ``!isNaN(+v)`` and v is not a Date (so ``''`` and ``' '`` are numbers: +'' is 0);
- integer: a number with ``Number.isInteger(+v)``;
- date: ``!isNaN(Date.parse(v))`` (Date.parse reads ``String(v)`` in the viewer's zone).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import sqlglot.expressions as exp

from ..expression.jsvalues import JSDate, parse_date, to_number, to_string
from .udfs import DATE_PARSE, JS_NUMBER

TYPE_ORDER = ("boolean", "integer", "number", "date")


def _is_valid(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _is_number(value: Any) -> bool:
    return not isinstance(value, JSDate) and not math.isnan(to_number(value))


def _is_date(value: Any, tz: str) -> bool:
    if isinstance(value, JSDate):
        return value.valid  # String(date) parses back to the same instant when valid
    return not math.isnan(parse_date(to_string(value, tz), tz))


def value_passes(value: Any, kind: str, tz: str) -> bool:
    """Whether one valid value passes vega-loader's test for ``kind``."""
    if kind == "boolean":
        return value in ("true", "false") or isinstance(value, bool)
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        if not _is_number(value):
            return False
        x = to_number(value)
        return math.isfinite(x) and x == math.trunc(x)
    return _is_date(value, tz)


def infer_type(values: Sequence[Any], tz: str = "UTC") -> str:
    """vega-loader's inferType for one field's values."""
    if not values:
        return "unknown"
    alive = list(TYPE_ORDER)
    for value in values:
        if not _is_valid(value):
            continue
        alive = [kind for kind in alive if value_passes(value, kind, tz)]
        if not alive:
            return "string"
    return alive[0] if alive else "string"


def infer_parse(rows: Sequence[Mapping[str, Any]], tz: str = "UTC",
                fields: Sequence[str] | None = None) -> dict[str, str]:
    """vega-loader's inferTypes: a parse spec for ``fields`` (default: the first row's keys)."""
    if not rows:
        return {}
    if fields is None:
        first = rows[0]
        fields = list(first) if isinstance(first, Mapping) else []
    return {field: infer_type([row.get(field) for row in rows], tz) for field in fields}


# --------------------------------------------------------------------------------------------
# SQL: the same tests as aggregates over a VARCHAR column whose values are never NULL (d3-dsv
# yields "" for empty and missing fields; NULL values are skipped as invalid anyway).

def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def string_tests_sql(value: exp.Expression, tz: str) -> dict[str, exp.Expression]:
    """Per-row SQL booleans, one per type test, for a VARCHAR ``value``."""
    number = _fn(JS_NUMBER, value)
    is_number = exp.Not(this=_fn("isnan", number))
    is_integer = exp.and_(is_number, _fn("isfinite", number),
                          exp.EQ(this=number, expression=_fn("trunc", number)))
    is_date = exp.Not(this=_fn("isnan", _fn(DATE_PARSE, value, exp.Literal.string(tz))))
    is_boolean = exp.In(this=value, expressions=[exp.Literal.string("true"),
                                                 exp.Literal.string("false")])
    return {"boolean": is_boolean, "integer": is_integer, "number": is_number, "date": is_date}


def infer_string_columns_sql(table: exp.Expression, fields: Sequence[str],
                             tz: str) -> exp.Select:
    """One query whose single row holds, per field and type, whether every value passed.

    Column ``i*4+j`` is ``bool_and`` of test ``TYPE_ORDER[j]`` over field ``fields[i]``; a NULL
    result means the field had no valid value. ``table`` is the FROM clause.
    """
    selected = []
    for field in fields:
        column = exp.column(field, quoted=True)
        tests = string_tests_sql(column, tz)
        for kind in TYPE_ORDER:
            condition = exp.Or(this=exp.Is(this=column, expression=exp.Null()),
                               expression=exp.paren(tests[kind]))
            selected.append(_fn("bool_and", condition))
    return exp.select(*selected).from_(table)


def types_from_flags(fields: Sequence[str], flags: Sequence[Any], row_count: int) -> dict[str, str]:
    """Read the row of :func:`infer_string_columns_sql` back into a parse spec."""
    if row_count == 0:
        return {}
    out = {}
    for i, field in enumerate(fields):
        passed = flags[i * len(TYPE_ORDER):(i + 1) * len(TYPE_ORDER)]
        alive = [kind for kind, ok in zip(TYPE_ORDER, passed) if ok is not False]
        out[field] = alive[0] if alive else "string"
    return out
