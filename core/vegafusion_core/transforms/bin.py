"""Vega's ``bin`` transform: each value's bin boundaries, computed in SQL as Vega computes them.

The boundaries themselves (start, stop, step) depend only on parameters, so they are computed in
Python (binning.py) and enter the query as double literals; the per-row expression repeats the
bin transform's accessor operation for operation so that DuckDB's doubles equal V8's.
"""

from __future__ import annotations

import math
from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.jsvalues import JS_WHITESPACE, JSDate
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name, order_col
from .binning import BIN_EPSILON, Bins, bin_bounds, vega_bin
from .registry import register

_DECIMAL_RE = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_HEX_OR_BINARY_RE = r"0([xX][0-9a-fA-F]+|[bB][01]+)"


def double_literal(x: float) -> exp.Expression:
    """A DOUBLE literal holding exactly ``x`` (DuckDB reads a bare ``0.1`` as a DECIMAL)."""
    x = float(x)
    if math.isnan(x):
        text = "nan"
    elif math.isinf(x):
        text = "inf" if x > 0 else "-inf"
    else:
        text = repr(x)
    return exp.cast(exp.Literal.string(text), exp.DataType.build("DOUBLE"))


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def js_string_to_number(value: exp.Expression) -> exp.Expression:
    """JavaScript's ``+s`` for a VARCHAR (StringNumericLiteral), as a DOUBLE expression."""
    trimmed = _call("trim", value, exp.Literal.string(JS_WHITESPACE))
    decimal = exp.Cast(this=trimmed, to=exp.DataType.build("DOUBLE"))
    radix = exp.Cast(this=exp.TryCast(this=trimmed, to=exp.DataType.build("UBIGINT", dialect="duckdb")),
                     to=exp.DataType.build("DOUBLE"))
    match = lambda pattern: _call("regexp_full_match", trimmed, exp.Literal.string(pattern))  # noqa: E731
    return (exp.Case()
            .when(exp.EQ(this=trimmed, expression=exp.Literal.string("")), double_literal(0.0))
            .when(match(_DECIMAL_RE), decimal)
            .when(exp.In(this=trimmed, expressions=[exp.Literal.string("Infinity"),
                                                    exp.Literal.string("+Infinity")]),
                  double_literal(math.inf))
            .when(exp.EQ(this=trimmed, expression=exp.Literal.string("-Infinity")),
                  double_literal(-math.inf))
            .when(match(_HEX_OR_BINARY_RE), radix)
            .else_(double_literal(math.nan)))


def to_number_sql(column: exp.Expression, kind: VegaType, path: str) -> exp.Expression:
    """vega-util ``toNumber``: null and "" give null, anything else ``+value`` (a DOUBLE)."""
    if kind is VegaType.NUMBER or kind is VegaType.NULL:
        return exp.Cast(this=column, to=exp.DataType.build("DOUBLE"))
    if kind is VegaType.DATE:
        # Arrow millisecond timestamps arrive as TIMESTAMP_MS, which epoch_ms cannot read.
        micros = exp.Cast(this=column, to=exp.DataType.build("TIMESTAMP"))
        return exp.Cast(this=_call("epoch_ms", micros), to=exp.DataType.build("DOUBLE"))
    if kind is VegaType.BOOLEAN:
        return exp.Cast(this=column, to=exp.DataType.build("DOUBLE"))
    if kind is VegaType.STRING:
        empty = exp.or_(exp.Is(this=column, expression=exp.Null()),
                        exp.EQ(this=column, expression=exp.Literal.string("")))
        return exp.If(this=empty, true=exp.Null(), false=js_string_to_number(column))
    raise SpecError(f"cannot bin {kind.value} values", path=path)


def bin_lower_sql(v: exp.Expression, bounds: Bins) -> exp.Expression:
    """The accessor's ``v < start ? -Infinity : v > stop ? +Infinity : start + step * floor(...)``.

    NaN stays NaN (its comparisons are false in JavaScript, but DuckDB orders NaN above every
    number, so it is tested first).
    """
    start, step = double_literal(bounds.start), double_literal(bounds.step)
    if any(math.isnan(x) for x in (bounds.start, bounds.step, bounds.stop - bounds.step)):
        # Every comparison with NaN is false in JavaScript and the arithmetic yields NaN.
        return exp.If(this=exp.Is(this=v, expression=exp.Null()), true=exp.Null(),
                      false=double_literal(math.nan))
    clamped = _call("greatest", double_literal(bounds.start),
                    _call("least", v, double_literal(bounds.stop - bounds.step)))
    quotient = exp.Div(this=exp.paren(exp.Sub(this=clamped, expression=start)), expression=step)
    floored = _call("floor", exp.Add(this=double_literal(BIN_EPSILON), expression=quotient))
    value = exp.Add(this=start, expression=exp.Mul(this=step, expression=floored))
    return (exp.Case()
            .when(exp.Is(this=v, expression=exp.Null()), exp.Null())
            .when(_call("isnan", v), double_literal(math.nan))
            .when(exp.LT(this=v, expression=double_literal(bounds.start)),
                  double_literal(-math.inf))
            .when(exp.GT(this=v, expression=double_literal(bounds.stop)),
                  double_literal(math.inf))
            .else_(value))


def bin_upper_sql(b0: exp.Expression, bounds: Bins) -> exp.Expression:
    """``start + step * (1 + (v - start) / step)`` (vega/vega#830's formula, infinities kept)."""
    start, step = double_literal(bounds.start), double_literal(bounds.step)
    ratio = exp.Div(this=exp.paren(exp.Sub(this=b0, expression=start)), expression=step)
    return exp.Add(this=start, expression=exp.Mul(
        this=step, expression=exp.paren(exp.Add(this=exp.Literal.number(1), expression=ratio))))


@register
class Bin(Transform):
    type = "bin"
    params = (
        Param("field", "field", required=True),
        Param("interval", "boolean", default=True),
        Param("anchor", "number"),
        Param("maxbins", "number", default=20),
        Param("base", "number", default=10),
        Param("divide", "number", array=True, default=[5, 2]),
        Param("extent", "number", array=True, length=2, required=True),
        Param("span", "number"),
        Param("step", "number"),
        Param("steps", "number", array=True),
        Param("minstep", "number", default=0),
        Param("nice", "boolean", default=True),
        Param("name", "string"),
        Param("as", "string", array=True, length=2, default=["bin0", "bin1"]),
    )

    def bounds(self, ctx: TransformContext) -> Bins:
        """start, stop and step of the bins, as the transform's accessor holds them."""
        extent = [_number(v, f"{self.where}.extent") for v in self.param("extent", ctx)]
        bins = vega_bin(extent, maxbins=self.param("maxbins", ctx), base=self.param("base", ctx),
                        divide=self.param("divide", ctx), span=self.param("span", ctx),
                        step=self.param("step", ctx), steps=self.param("steps", ctx),
                        minstep=self.param("minstep", ctx), nice=self.param("nice", ctx))
        return bin_bounds(bins, self.param("anchor", ctx))

    def signal_value(self, ctx: TransformContext) -> dict[str, Any]:
        """What the ``signal`` parameter binds: the accessor's fields, fname, start, step, stop."""
        name = field_name(self.spec["field"], f"{self.where}.field")
        bounds = self.bounds(ctx)
        fname = self.param("name", ctx) or f"bin_{name}"
        return {"fields": [name], "fname": fname, "start": bounds.start, "step": bounds.step,
                "stop": bounds.stop}

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        name = field_name(self.spec["field"], f"{self.where}.field")
        bounds = self.bounds(ctx)
        as0, as1 = self.param("as", ctx)
        interval = self.param("interval", ctx) is not False
        # A field missing from every row is undefined in Vega: its bins are null.
        value = (to_number_sql(col(name), rel.columns[name], f"{self.where}.field")
                 if name in rel.columns else exp.cast(exp.Null(), exp.DataType.build("DOUBLE")))

        lower = "__vf_bin0"
        inner = exp.select(*[col(c) for c in rel.columns], order_col(),
                           exp.alias_(bin_lower_sql(value, bounds), lower, quoted=True)) \
            .from_(rel.as_subquery("t"))
        produced = {as0: col(lower)}
        if interval:
            produced[as1] = bin_upper_sql(col(lower), bounds)
        columns = dict(rel.columns)
        for out in produced:
            columns[out] = VegaType.NUMBER
        selected = [exp.alias_(produced[c], c, quoted=True) if c in produced else col(c)
                    for c in columns]
        query = exp.select(*selected, order_col()).from_(inner.subquery("b"))
        if self.spec.get("signal"):
            ctx.produced_signals[self.spec["signal"]] = self.signal_value(ctx)
        return Relation(query=query, columns=columns)


def _number(value: Any, path: str) -> float:
    if isinstance(value, JSDate):
        return value.ms
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"bin extent must hold numbers, got {value!r}", path=path)
    return float(value)


__all__ = ["Bin", "ORDER", "bin_lower_sql", "bin_upper_sql", "double_literal", "to_number_sql"]
