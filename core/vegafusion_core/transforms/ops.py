"""Vega's aggregate ops as SQL aggregates: one table shared by aggregate, joinaggregate and window.

Each op turns a field (a column and its Vega type) into one SQL aggregate expression, without
``OVER``: aggregate uses it under ``GROUP BY``, joinaggregate and window wrap it in a window.
The semantics are vega-transforms' ``AggregateOps`` (read there, confirmed by the oracle cases):

* a value is *missing* when it is null, undefined or ``""``; *valid* when it is neither missing
  nor NaN. NaN is neither: it counts for ``count`` only.
* ``count`` counts every row; ``sum``, ``mean``, ... see valid values only, coerced with ``+v``
  (dates become epoch ms, booleans 0/1) and are undefined (NULL) without a valid value.
* ``distinct`` counts ``String(v)`` keys over every row: null is one value, -0 and 0 are one,
  NaN is one.
* ``median``/``q1``/``q3`` are d3's ``quantileSorted`` (linear interpolation at (n-1)p), which is
  what DuckDB's ``quantile_cont`` computes.
* ``min``/``max`` keep the field's type; ``argmin``/``argmax`` are the first row (in the group's
  order) holding the extreme valid value, ``{}`` without one; ``values`` is the list of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType, sql_type

_BROWSER_OPS = {
    "ci0": "bootstrap confidence intervals use random resampling; evaluated in the browser",
    "ci1": "bootstrap confidence intervals use random resampling; evaluated in the browser",
    "exponential": "the exponential moving average is order-dependent; evaluated in the browser",
    "exponentialb": "the exponential moving average is order-dependent; evaluated in the browser",
}


@dataclass(frozen=True)
class OpInput:
    """What an op aggregates: the field's column, its type, and the row as a whole.

    ``row`` is a struct of every input column (for argmin/argmax/values); ``position`` orders the
    rows of a group as Vega visits them (first appearance wins ties).
    """

    column: exp.Expression | None
    type: VegaType | None
    row: exp.Expression
    position: exp.Expression
    where: str
    row_types: dict[str, VegaType]


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A DuckDB function call (names are ours, never from a spec)."""
    return exp.Anonymous(this=name, expressions=list(args))


def num(value: float) -> exp.Expression:
    return exp.cast(exp.Literal.number(value), sql_type("DOUBLE"))


def as_double(expr: exp.Expression) -> exp.Expression:
    return exp.cast(expr, sql_type("DOUBLE"))


def is_missing(inp: OpInput) -> exp.Expression:
    """vega-transforms' ``v == null || v === ''``."""
    missing = exp.Is(this=inp.column.copy(), expression=exp.Null())
    if inp.type is VegaType.STRING:
        missing = exp.or_(missing, exp.EQ(this=inp.column.copy(), expression=exp.Literal.string("")))
    return exp.Paren(this=missing)


def is_valid(inp: OpInput) -> exp.Expression:
    """Not missing and not NaN."""
    valid = exp.Not(this=is_missing(inp))
    if inp.type is VegaType.NUMBER:
        valid = exp.and_(valid, exp.Not(this=fn("isnan", inp.column.copy())))
    return exp.Paren(this=valid)


def numeric(inp: OpInput) -> exp.Expression:
    """The field coerced as ``+v`` coerces it."""
    if inp.type is VegaType.NUMBER:
        return inp.column.copy()
    if inp.type is VegaType.BOOLEAN:
        return as_double(inp.column.copy())
    if inp.type is VegaType.DATE:
        return as_double(epoch_ms(inp.column.copy()))
    raise UnsupportedError(
        f"numeric aggregate over a {inp.type.value if inp.type else 'missing'} field coerces "
        "with JavaScript's Number(); evaluated in the browser", path=inp.where)


def filtered(agg: exp.Expression, condition: exp.Expression) -> exp.Expression:
    return exp.Filter(this=agg, expression=exp.Where(this=condition))


def count_rows(condition: exp.Expression | None = None) -> exp.Expression:
    agg = exp.Count(this=exp.Star())
    return as_double(filtered(agg, condition) if condition is not None else agg)


def distinct_key(inp: OpInput) -> exp.Expression:
    """The part of ``String(v)`` that tells values apart (null handled by the caller)."""
    # Dates: the oracle shows that instants a few ms apart are distinct values.
    return inp.column.copy()


def _distinct(inp: OpInput) -> exp.Expression:
    counted = exp.Count(this=exp.Distinct(expressions=[distinct_key(inp)]))
    if inp.type is VegaType.STRING:
        # null and "null" have the same String(): one value.
        counted = exp.Count(this=exp.Distinct(expressions=[
            exp.Coalesce(this=inp.column.copy(), expressions=[exp.Literal.string("null")])]))
        return as_double(counted)
    has_null = exp.Case(ifs=[exp.If(
        this=exp.GT(this=filtered(exp.Count(this=exp.Star()),
                                  exp.Is(this=inp.column.copy(), expression=exp.Null())),
                    expression=exp.Literal.number(0)),
        true=exp.Literal.number(1))], default=exp.Literal.number(0))
    return as_double(exp.Add(this=counted, expression=has_null))


def _valid_numeric(name: str, inp: OpInput, *extra: exp.Expression) -> exp.Expression:
    return filtered(fn(name, numeric(inp), *extra), is_valid(inp))


def _extreme(name: str, inp: OpInput) -> exp.Expression:
    if inp.type not in (VegaType.NUMBER, VegaType.STRING, VegaType.DATE, VegaType.BOOLEAN):
        raise UnsupportedError(f"{name} of a {inp.type} field is evaluated in the browser",
                               path=inp.where)
    if inp.type is not VegaType.NUMBER:
        return filtered(fn(name, inp.column.copy()), is_valid(inp))
    return first_extreme(name, inp.column, is_valid(inp), inp.position)


def first_extreme(name: str, value: exp.Expression, valid: exp.Expression,
                  position: exp.Expression) -> exp.Expression:
    """``min``/``max`` of a number as Vega computes it: the first of equal extremes wins.

    Only -0 and 0 are equal yet different, so when the extreme is zero the sign is the first
    zero's. (DuckDB's min/max pick either; its arg_min keeps -0 over a plain position key.)
    """
    extreme = filtered(fn(name, value.copy()), valid.copy())
    is_zero = exp.EQ(this=value.copy(), expression=num(0))
    first_zero = filtered(fn("arg_min", value.copy(), position.copy()),
                          exp.and_(valid.copy(), is_zero))
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=extreme.copy(), expression=num(0)),
                                true=first_zero)], default=extreme)


def _arg_extreme(name: str, inp: OpInput) -> exp.Expression:
    if inp.type not in (VegaType.NUMBER, VegaType.DATE, VegaType.BOOLEAN):
        # vega's argmin falls back to extentIndex, which (unlike min) sees "" as a value.
        raise UnsupportedError(f"{name} of a {inp.type.value if inp.type else 'missing'} field "
                               "is evaluated in the browser", path=inp.where)
    # Ties go to the first row in the group's order, for argmax too: (value, position) would
    # make arg_max pick the last, so argmax orders by (value, -position).
    position = inp.position.copy()
    if name == "arg_max":
        position = exp.Neg(this=position)
    key = exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier("v"), expression=inp.column.copy()),
        exp.PropertyEQ(this=exp.to_identifier("o"), expression=position)])
    found = filtered(fn(name, inp.row.copy(), key), is_valid(inp))
    return found


def _quantile(p: float) -> Callable[[OpInput], exp.Expression]:
    return lambda inp: _valid_numeric("quantile_cont", inp, exp.Literal.number(p))


def _stderr(inp: OpInput) -> exp.Expression:
    valid = count_rows(is_valid(inp))
    return fn("sqrt", exp.Div(this=_valid_numeric("var_samp", inp), expression=valid))


def _values(inp: OpInput) -> exp.Expression:
    ordered = exp.Order(this=inp.row.copy(), expressions=[exp.Ordered(this=inp.position.copy())])
    return fn("list", ordered)


@dataclass(frozen=True)
class AggregateOp:
    """One Vega aggregate op: its SQL and the Vega type it yields."""

    name: str
    sql: Callable[[OpInput], exp.Expression]
    result: Callable[[VegaType | None], VegaType]
    needs_field: bool = True
    # What a group without rows shows (cross / drop:false cells), as SQL; None = NULL.
    empty: Callable[[OpInput], exp.Expression] | None = None


def _number(_: VegaType | None) -> VegaType:
    return VegaType.NUMBER


def _same(kind: VegaType | None) -> VegaType:
    return kind or VegaType.NUMBER


def _zero(_: OpInput) -> exp.Expression:
    return num(0)


OPS: dict[str, AggregateOp] = {op.name: op for op in [
    AggregateOp("count", lambda inp: count_rows(), _number, needs_field=False, empty=_zero),
    AggregateOp("valid", lambda inp: count_rows(is_valid(inp)), _number, empty=_zero),
    AggregateOp("missing", lambda inp: count_rows(is_missing(inp)), _number, empty=_zero),
    AggregateOp("distinct", _distinct, _number, empty=_zero),
    AggregateOp("sum", lambda inp: _valid_numeric("sum", inp), _number),
    AggregateOp("product", lambda inp: _valid_numeric("product", inp), _number),
    AggregateOp("mean", lambda inp: _valid_numeric("avg", inp), _number),
    AggregateOp("average", lambda inp: _valid_numeric("avg", inp), _number),
    AggregateOp("variance", lambda inp: _valid_numeric("var_samp", inp), _number),
    AggregateOp("variancep", lambda inp: _valid_numeric("var_pop", inp), _number),
    AggregateOp("stdev", lambda inp: _valid_numeric("stddev_samp", inp), _number),
    AggregateOp("stdevp", lambda inp: _valid_numeric("stddev_pop", inp), _number),
    AggregateOp("stderr", _stderr, _number),
    AggregateOp("median", _quantile(0.5), _number),
    AggregateOp("q1", _quantile(0.25), _number),
    AggregateOp("q3", _quantile(0.75), _number),
    AggregateOp("min", lambda inp: _extreme("min", inp), _same),
    AggregateOp("max", lambda inp: _extreme("max", inp), _same),
    AggregateOp("argmin", lambda inp: _arg_extreme("arg_min", inp), lambda _: VegaType.OBJECT),
    AggregateOp("argmax", lambda inp: _arg_extreme("arg_max", inp), lambda _: VegaType.OBJECT),
    AggregateOp("values", _values, lambda _: VegaType.ARRAY),
]}

# Every op name Vega accepts (vega-transforms' ValidAggregateOps), server or browser.
VALID_AGGREGATE_OPS = tuple(OPS) + tuple(_BROWSER_OPS)


def measure_name(op: str, field: str | None, alias: str | None) -> str:
    """vega-transforms' measureName: ``as`` or ``op_field`` (``op`` without a field)."""
    return alias or (op + ("" if not field else "_" + field))


def aggregate_sql(op: str, inp: OpInput) -> exp.Expression:
    """The SQL aggregate for ``op`` over ``inp`` (UnsupportedError for browser-only ops)."""
    if op in _BROWSER_OPS:
        raise UnsupportedError(f"aggregate op {op!r}: {_BROWSER_OPS[op]}", path=inp.where)
    spec = OPS[op]
    if spec.needs_field and inp.column is None:
        from ..errors import SpecError

        raise SpecError("Null aggregate field specified.", path=inp.where)
    result = spec.sql(inp)
    if op in ("argmin", "argmax"):
        # An extreme-less group gives {} in Vega: a struct of nulls compares equal to it.
        result = exp.Coalesce(this=result, expressions=[null_row(inp.row_types)])
    elif op == "values":
        result = exp.Coalesce(this=result, expressions=[exp.Array(expressions=[])])
    return result


def null_row(columns: dict[str, VegaType]) -> exp.Expression:
    """A struct shaped like the row with every field null (Vega's ``{}``)."""
    return exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier(name, quoted=True),
                       expression=exp.cast(exp.Null(), storage_type(kind)))
        for name, kind in columns.items()])


def storage_type(kind: VegaType) -> exp.DataType:
    return sql_type(_STORAGE.get(kind, "DOUBLE"))


def result_type(op: str, field_type: VegaType | None) -> VegaType:
    return OPS[op].result(field_type) if op in OPS else VegaType.NUMBER


def empty_value(op: str, inp: OpInput) -> exp.Expression:
    """What a group with no rows shows for ``op`` (count 0, values [], argmin {}, else null)."""
    spec = OPS.get(op)
    if spec is not None and spec.empty is not None:
        return spec.empty(inp)
    if op in ("argmin", "argmax"):
        return null_row(inp.row_types)
    if op == "values":
        return exp.Array(expressions=[])
    return exp.Null()


_STORAGE = {VegaType.NUMBER: "DOUBLE", VegaType.STRING: "VARCHAR", VegaType.BOOLEAN: "BOOLEAN",
            VegaType.DATE: "TIMESTAMP"}


def row_struct(columns: dict[str, VegaType], source: Callable[[str], exp.Expression]
               ) -> exp.Struct:
    """The whole row as a struct (Vega's tuple object), for argmin/argmax/values."""
    return exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier(name, quoted=True), expression=source(name))
        for name in columns])


# -- shared by aggregate, joinaggregate and window ---------------------------------------------

def group_key(column: exp.Expression, kind: VegaType | None) -> exp.Expression:
    """What tells groups apart: Vega keys a group by ``String(value)`` (joined with ``|``).

    So a null and the string "null" share a group, -0 and 0 do, every NaN does. Dates are told
    apart by the millisecond (checked against the oracle).
    """
    if kind is VegaType.STRING:
        return exp.Coalesce(this=column, expressions=[exp.Literal.string("null")])
    if kind is VegaType.NUMBER:
        return exp.Add(this=column, expression=num(0))  # folds -0 into 0
    return column


@dataclass(frozen=True)
class Measure:
    """One requested output: ``op`` over ``field`` named ``out``."""

    op: str
    field: str | None
    out: str


def measures_from(fields: list | None, ops: list | None, names: list | None, where: str,
                  field_name: Callable[[object, str], str],
                  valid_ops: tuple[str, ...] = VALID_AGGREGATE_OPS) -> list[Measure]:
    """Pair ``fields``, ``ops`` and ``as`` as vega-transforms' Aggregate.init does."""
    from ..errors import SpecError

    fields = fields if fields is not None else [None]
    ops = ops if ops is not None else ["count"]
    names = names or []
    if len(fields) != len(ops):
        raise SpecError("Unmatched number of fields and aggregate ops.", path=where)
    out = []
    for i, (f, op) in enumerate(zip(fields, ops)):
        if op not in valid_ops:
            raise SpecError(f"unknown op {op!r}; allowed: {', '.join(valid_ops)}", path=where)
        name = field_name(f, f"{where}.fields[{i}]") if f is not None else None
        alias = names[i] if i < len(names) else None
        out.append(Measure(op=op, field=name, out=measure_name(op, name, alias)))
    return out


def epoch_ms(column: exp.Expression) -> exp.Expression:
    # Arrow's millisecond timestamps arrive as TIMESTAMP_MS, on which DuckDB's epoch_ms fails:
    # widen to TIMESTAMP first.
    return fn("epoch_ms", exp.cast(column, sql_type("TIMESTAMP")))


_AGGREGATE_CALLS = {"arg_min", "arg_max", "arg_min_null", "arg_max_null", "list", "quantile_cont",
                    "product", "var_samp", "var_pop", "stddev_samp", "stddev_pop", "avg", "sum",
                    "min", "max", "count"}


def _is_aggregate(node: exp.Expression) -> bool:
    if isinstance(node, exp.Filter):
        return True
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower() in _AGGREGATE_CALLS
    return isinstance(node, exp.AggFunc)


def windowed(expr: exp.Expression, over: Callable[[exp.Expression], exp.Expression]
             ) -> exp.Expression:
    """``expr`` with each of its aggregate calls wrapped by ``over`` (into a window function).

    Ops combine aggregates with scalar SQL (casts, coalesce, arithmetic); only the aggregate
    calls themselves take ``OVER``.
    """
    if _is_aggregate(expr):
        return over(expr)
    for key, value in list(expr.args.items()):
        if isinstance(value, exp.Expression):
            expr.set(key, windowed(value, over))
        elif isinstance(value, list):
            expr.set(key, [windowed(v, over) if isinstance(v, exp.Expression) else v
                           for v in value])
    return expr
