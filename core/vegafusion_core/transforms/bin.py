"""Vega's ``bin`` transform: each value's bin boundaries, computed in SQL as Vega computes them.

The boundaries themselves (start, stop, step) depend only on parameters, so they are computed in
Python (binning.py) and enter the query as double literals; the per-row expression repeats the
bin transform's accessor operation for operation so that DuckDB's doubles equal V8's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression import jsmath
from ..expression.jsvalues import JS_WHITESPACE, JSDate
from ..expression.types import VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name, order_col
from .binning import BIN_EPSILON, Bins, bin_bounds, v8_pow, vega_bin
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
    return exp.cast(exp.Literal.string(text), sql_type("DOUBLE"))


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def js_string_to_number(value: exp.Expression) -> exp.Expression:
    """JavaScript's ``+s`` for a VARCHAR (StringNumericLiteral), as a DOUBLE expression."""
    trimmed = _call("trim", value, exp.Literal.string(JS_WHITESPACE))
    decimal = exp.Cast(this=trimmed, to=sql_type("DOUBLE"))
    ubigint = sql_type("UBIGINT")
    radix = exp.Cast(this=exp.TryCast(this=trimmed, to=ubigint),
                     to=sql_type("DOUBLE"))

    def match(pattern: str) -> exp.Expression:
        return _call("regexp_full_match", trimmed, exp.Literal.string(pattern))
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
        return exp.Cast(this=column, to=sql_type("DOUBLE"))
    if kind is VegaType.DATE:
        # Arrow millisecond timestamps arrive as TIMESTAMP_MS, which epoch_ms cannot read.
        micros = exp.Cast(this=column, to=sql_type("TIMESTAMP"))
        return exp.Cast(this=_call("epoch_ms", micros), to=sql_type("DOUBLE"))
    if kind is VegaType.BOOLEAN:
        return exp.Cast(this=column, to=sql_type("DOUBLE"))
    if kind is VegaType.STRING:
        empty = exp.or_(exp.Is(this=column, expression=exp.Null()),
                        exp.EQ(this=column, expression=exp.Literal.string("")))
        return exp.If(this=empty, true=exp.Null(), false=js_string_to_number(column))
    raise SpecError(f"cannot bin {kind.value} values", path=path)


@dataclass(frozen=True)
class BoundsSql:
    """start, step, stop and stop - step as SQL (literals, or columns of a one-row query)."""

    start: exp.Expression
    step: exp.Expression
    stop: exp.Expression
    stop_minus_step: exp.Expression
    # True when a bound is NaN (JavaScript's comparisons with NaN are all false; DuckDB's are
    # not: it orders NaN above every number). None: known not to be NaN.
    any_nan: exp.Expression | None = None

    @classmethod
    def of(cls, bounds: Bins) -> "BoundsSql":
        nan = any(math.isnan(x) for x in (bounds.start, bounds.step, bounds.stop - bounds.step))
        return cls(double_literal(bounds.start), double_literal(bounds.step),
                   double_literal(bounds.stop), double_literal(bounds.stop - bounds.step),
                   exp.true() if nan else None)


def bin_lower_sql(v: exp.Expression, b: BoundsSql) -> exp.Expression:
    """The accessor's ``v < start ? -Infinity : v > stop ? +Infinity : start + step * floor(...)``.

    Null stays null and NaN stays NaN (its comparisons are false in JavaScript, but DuckDB
    orders NaN above every number, so ``v > stop`` excludes it). The in-range test comes first:
    one comparison decides most rows, which DuckDB evaluates faster than a chain of WHENs.
    """
    clamped = _call("least", v, b.stop_minus_step.copy())  # v >= start in this branch
    quotient = exp.Div(this=exp.paren(exp.Sub(this=clamped, expression=b.start.copy())),
                       expression=b.step.copy())
    floored = _call("floor", exp.Add(this=double_literal(BIN_EPSILON), expression=quotient))
    value = exp.Add(this=b.start.copy(), expression=exp.Mul(this=b.step.copy(), expression=floored))
    in_range = exp.and_(exp.GTE(this=v.copy(), expression=b.start.copy()),
                        exp.LTE(this=v.copy(), expression=b.stop.copy()))
    above = exp.and_(exp.GT(this=v.copy(), expression=b.stop.copy()),
                     exp.Not(this=_call("isnan", v.copy())))
    binned = (exp.Case()
              .when(in_range, value)
              .when(exp.LT(this=v.copy(), expression=b.start.copy()), double_literal(-math.inf))
              .when(above, double_literal(math.inf))
              .else_(v.copy()))
    if b.any_nan is None:
        return binned
    # NaN bounds (possibly known only to SQL): every number bins to NaN.
    return (exp.Case().when(exp.Is(this=v.copy(), expression=exp.Null()), exp.Null())
            .when(b.any_nan.copy(), double_literal(math.nan)).else_(binned))


def bin_upper_sql(b0: exp.Expression, b: BoundsSql) -> exp.Expression:
    """``start + step * (1 + (v - start) / step)`` (vega/vega#830's formula, infinities kept)."""
    ratio = exp.Div(this=exp.paren(exp.Sub(this=b0, expression=b.start.copy())),
                    expression=b.step.copy())
    return exp.Add(this=b.start.copy(), expression=exp.Mul(
        this=b.step.copy(), expression=exp.paren(exp.Add(this=exp.Literal.number(1),
                                                          expression=ratio))))


# -- bins whose extent is a signal computed by the same query (Vega-Lite: extent, then bin) ------

class _SqlBins:
    """vega-statistics ``bin`` and the transform's bounds over an extent known only to SQL.

    Each stage is one SELECT over the previous one, so every intermediate double is computed
    once and in JavaScript's order of operations. Sizing options are constants here.
    """

    def __init__(self, extent_query: exp.Select, opts: dict[str, Any]) -> None:
        self.opts = opts
        e = exp.Subquery(this=extent_query, alias=exp.TableAlias(
            this=exp.to_identifier("e"), columns=[exp.to_identifier("lo", quoted=True),
                                                  exp.to_identifier("hi", quoted=True)]))
        # An undefined end (no finite values) is NaN in JavaScript's arithmetic.
        self.query = exp.select(
            exp.alias_(self._or_nan(_c("lo")), "lo", quoted=True),
            exp.alias_(self._or_nan(_c("hi")), "hi", quoted=True)).from_(e)
        self.names = ["lo", "hi"]

    @staticmethod
    def _or_nan(e: exp.Expression) -> exp.Expression:
        return exp.Coalesce(this=exp.Cast(this=e, to=sql_type("DOUBLE")),
                            expressions=[double_literal(math.nan)])

    def stage(self, **added: exp.Expression) -> None:
        """One more SELECT: the columns so far, with ``added`` replacing or extending them."""
        kept = [_c(n) for n in self.names if n not in added]
        self.query = exp.select(*kept, *[exp.alias_(v, k, quoted=True)
                                         for k, v in added.items()]) \
            .from_(self.query.subquery(f"s{len(self.names)}"))
        self.names = [n for n in self.names if n not in added] + list(added)

    def build(self) -> exp.Select:
        o = self.opts
        maxb, base = o["maxbins"], o["base"]
        span = o["span"]
        self.stage(span=double_literal(span) if _truthy(span) else (
            exp.Case().when(_truthy_sql(_sub(_c("hi"), _c("lo"))), _sub(_c("hi"), _c("lo")))
            .when(_truthy_sql(_call("abs", _c("lo"))), _call("abs", _c("lo")))
            .else_(double_literal(1.0))))
        if _truthy(o["step"]):
            self.stage(step=double_literal(o["step"]))
        elif o["steps"] is not None:
            self.stage(step=self._from_list(o["steps"], maxb))
        else:
            self._nice_step(maxb, base, o["divide"], o["minstep"])
        logb = jsmath.log(base)
        # precision = v >= 0 ? 0 : ~~(-v / logb) + 1, with v = log(step)
        v = _js_ln(_c("step"))
        precision = exp.Case().when(exp.GTE(this=v, expression=double_literal(0)),
                                    double_literal(0)) \
            .else_(exp.Add(this=_call("trunc", exp.Div(this=exp.Neg(this=v),
                                                       expression=double_literal(logb))),
                           expression=double_literal(1)))
        self.stage(eps=_v8_pow_sql(base, exp.Sub(this=exp.Neg(this=exp.paren(precision)),
                                                 expression=double_literal(1))))
        if o["nice"] is None or o["nice"]:
            v = _mul(_call("floor", exp.Add(this=_div(_c("lo"), _c("step")),
                                            expression=_c("eps"))), _c("step"))
            self.stage(v=v)
            self.stage(start=exp.Case().when(_lt(_c("lo"), _c("v")), _sub(_c("v"), _c("step")))
                       .else_(_c("v")),
                       top=_mul(_call("ceil", _div(_c("hi"), _c("step"))), _c("step")))
        else:
            self.stage(start=_c("lo"), top=_c("hi"))
        self.stage(stop0=exp.Case().when(_eq(_c("top"), _c("start")),
                                         exp.Add(this=_c("start"), expression=_c("step")))
                   .else_(_c("top")))
        # The transform: stop = start + ceil((stop - start) / step) * step, then the anchor.
        self.stage(stop1=exp.Add(this=_c("start"), expression=_mul(
            _call("ceil", _div(_sub(_c("stop0"), _c("start")), _c("step"))), _c("step"))))
        anchor = o["anchor"]
        if anchor is not None:
            a = double_literal(anchor)
            d = _sub(a, exp.paren(exp.Add(this=_c("start"), expression=_mul(
                _c("step"), _call("floor", _div(_sub(a.copy(), _c("start")), _c("step")))))))
            self.stage(d=d)
            self.stage(start2=exp.Add(this=_c("start"), expression=_c("d")),
                       stop2=exp.Add(this=_c("stop1"), expression=_c("d")))
            start, stop = _c("start2"), _c("stop2")
        else:
            start, stop = _c("start"), _c("stop1")
        return exp.select(exp.alias_(start, "__vf_start", quoted=True),
                          exp.alias_(_c("step"), "__vf_step", quoted=True),
                          exp.alias_(stop, "__vf_stop", quoted=True),
                          exp.alias_(_sub(stop.copy(), _c("step")), "__vf_stopm", quoted=True)
                          ).from_(self.query.subquery("bins"))

    def _from_list(self, steps: list[float], maxb: float) -> exp.Expression:
        # The step before the first one that is not below span / maxbins (or the first).
        v = _div(_c("span"), double_literal(maxb))
        if not steps:
            return double_literal(math.nan)
        case = exp.Case()
        for i, step in enumerate(steps):
            case = case.when(exp.not_(_lt(double_literal(step), v.copy())),
                             double_literal(steps[max(0, i - 1)]))
        return case.else_(double_literal(steps[-1]))

    def _nice_step(self, maxb: float, base: float, divide: list[float], minstep: float) -> None:
        logb = jsmath.log(base)
        level = math.ceil(jsmath.log(maxb) / logb) if logb else math.nan
        power = exp.Sub(this=_js_round_sql(_div(_js_ln(_c("span")), double_literal(logb))),
                        expression=double_literal(level))
        self.stage(step=_js_max(double_literal(minstep), _v8_pow_sql(base, power)))
        # "while (ceil(span / step) > maxbins) step *= base" needs at most two rounds when
        # base > 1, since span / step starts below base^1.5 * maxbins.
        for _ in range(3):
            too_many = _gt(_call("ceil", _div(_c("span"), _c("step"))), double_literal(maxb))
            self.stage(step=exp.Case().when(too_many, _mul(_c("step"), double_literal(base)))
                       .else_(_c("step")))
        for d in divide:
            v = _div(_c("step"), double_literal(d))
            ok = exp.and_(_gte(v, double_literal(minstep)),
                          _lte(_div(_c("span"), v.copy()), double_literal(maxb)))
            self.stage(step=exp.Case().when(ok, v.copy()).else_(_c("step")))


def _v8_pow_sql(base: float, exponent: exp.Expression) -> exp.Expression:
    """Math.pow(base, n) for an integer n computed by SQL, with V8's doubles (binning.v8_pow).

    DuckDB's pow is the C library's; V8's differs in the last bit for some powers. The powers
    of ``base`` that are neither 0 nor infinite are few, so they travel as one list literal.
    """
    if not (math.isfinite(base) and base > 0 and base != 1):
        return _call("pow", double_literal(base), exponent)
    reach = min(1100, math.ceil(abs(1075 / math.log2(base))) + 1)
    values = ", ".join(repr(v8_pow(base, float(k))) for k in range(-reach, reach + 1))
    table = exp.cast(exp.Literal.string(f"[{values}]"), exp.DataType.build("DOUBLE[]",
                                                                             dialect="duckdb"))
    index = exp.Cast(this=exp.Add(this=exponent.copy(), expression=double_literal(reach + 1)),
                     to=sql_type("BIGINT"))
    inside = exp.Between(this=exponent.copy(), low=double_literal(-reach),
                         high=double_literal(reach))
    return exp.Case().when(inside, _call("list_extract", table, index)) \
        .else_(_call("pow", double_literal(base), exponent.copy()))


def _c(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _truthy(x: Any) -> bool:
    return x is not None and x == x and x != 0


def _not_nan(e: exp.Expression) -> exp.Expression:
    return exp.not_(_call("isnan", e.copy()))


def _truthy_sql(e: exp.Expression) -> exp.Expression:
    return exp.and_(_not_nan(e), exp.NEQ(this=e.copy(), expression=double_literal(0)))


# JavaScript comparisons: false whenever an operand is NaN (DuckDB orders NaN above numbers).
def _cmp(kind: type, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.and_(_not_nan(a), _not_nan(b), kind(this=a.copy(), expression=b.copy()))


def _lt(a, b): return _cmp(exp.LT, a, b)  # noqa: E704
def _gt(a, b): return _cmp(exp.GT, a, b)  # noqa: E704
def _gte(a, b): return _cmp(exp.GTE, a, b)  # noqa: E704
def _lte(a, b): return _cmp(exp.LTE, a, b)  # noqa: E704
def _eq(a, b): return _cmp(exp.EQ, a, b)  # noqa: E704


def _sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Sub(this=a, expression=b))


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Mul(this=a, expression=b))


def _div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Div(this=a, expression=b))


def _js_ln(e: exp.Expression) -> exp.Expression:
    """Math.log (DuckDB's ln; NaN below zero, -Infinity at zero)."""
    return exp.Case().when(_gt(e, double_literal(0)), _call("ln", e.copy())) \
        .when(exp.EQ(this=e.copy(), expression=double_literal(0)), double_literal(-math.inf)) \
        .else_(double_literal(math.nan))


def _js_round_sql(e: exp.Expression) -> exp.Expression:
    """Math.round: floor, plus one when the fraction is at least one half (ties up)."""
    floor = _call("floor", e)
    return exp.Case().when(exp.GTE(this=_sub(e.copy(), floor.copy()),
                                   expression=double_literal(0.5)),
                           exp.Add(this=floor.copy(), expression=double_literal(1))) \
        .else_(floor.copy())


def _js_max(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Math.max of two: NaN if either is NaN."""
    return exp.Case().when(exp.or_(_call("isnan", a.copy()), _call("isnan", b.copy())),
                           double_literal(math.nan)) \
        .else_(_call("greatest", a.copy(), b.copy()))


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

    def sizing(self, ctx: TransformContext) -> dict[str, Any]:
        """Every parameter of the bins but the extent, with Vega's defaults."""
        names = ("maxbins", "base", "divide", "span", "step", "steps", "minstep", "nice",
                 "anchor")
        opts = {n: self.param(n, ctx) for n in names}
        opts["maxbins"] = opts["maxbins"] if _truthy(opts["maxbins"]) else 20.0
        opts["base"] = opts["base"] if _truthy(opts["base"]) else 10.0
        opts["divide"] = opts["divide"] if opts["divide"] is not None else [5.0, 2.0]
        opts["minstep"] = opts["minstep"] or 0.0
        return opts

    def bounds(self, ctx: TransformContext) -> Bins:
        """start, stop and step of the bins, as the transform's accessor holds them."""
        extent = [_number(v, f"{self.where}.extent") for v in self.param("extent", ctx)]
        o = self.sizing(ctx)
        bins = vega_bin(extent, maxbins=o["maxbins"], base=o["base"], divide=o["divide"],
                        span=o["span"], step=o["step"], steps=o["steps"], minstep=o["minstep"],
                        nice=o["nice"])
        return bin_bounds(bins, o["anchor"])

    def extent_query(self, ctx: TransformContext) -> exp.Select | None:
        """The query of an extent signal computed earlier in the same SQL (or None).

        Vega-Lite bins this way: an ``extent`` transform sets a signal that ``bin`` reads.
        """
        ref = self.spec.get("extent")
        if not (isinstance(ref, dict) and set(ref) == {"signal"}):
            return None
        produced = ctx.produced_signals.get(str(ref["signal"]).strip())
        return produced if isinstance(produced, exp.Expression) else None

    def fname(self, ctx: TransformContext) -> str:
        return self.param("name", ctx) or f"bin_{field_name(self.spec['field'], self.where)}"

    def signal_value(self, ctx: TransformContext) -> dict[str, Any]:
        """What the ``signal`` parameter binds: the accessor's fields, fname, start, step, stop."""
        name = field_name(self.spec["field"], f"{self.where}.field")
        bounds = self.bounds(ctx)
        return {"fields": [name], "fname": self.fname(ctx), "start": bounds.start,
                "step": bounds.step, "stop": bounds.stop}

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        name = field_name(self.spec["field"], f"{self.where}.field")
        as0, as1 = self.param("as", ctx)
        interval = self.param("interval", ctx) is not False
        # A field missing from every row is undefined in Vega: its bins are null.
        value = (to_number_sql(col(name), rel.columns[name], f"{self.where}.field")
                 if name in rel.columns else exp.cast(exp.Null(), sql_type("DOUBLE")))

        source: exp.Expression = rel.as_subquery("t")
        extent_query = self.extent_query(ctx)
        if extent_query is None:
            bounds = BoundsSql.of(self.bounds(ctx))
            bounds_query = None
        else:
            bounds_query = _SqlBins(extent_query, self.sizing(ctx)).build()
            names = ("__vf_start", "__vf_step", "__vf_stop", "__vf_stopm")
            start, step, stop, stopm = (_c(n) for n in names)
            bounds = BoundsSql(start, step, stop, stopm, exp.or_(
                *[_call("isnan", _c(n)) for n in ("__vf_start", "__vf_step", "__vf_stopm")]))

        lower = "__vf_bin0"
        inner = exp.select(*[col(c) for c in rel.columns], order_col(),
                           exp.alias_(bin_lower_sql(value, bounds), lower, quoted=True)) \
            .from_(source)
        if bounds_query is not None:
            inner = inner.select(*[_c(n) for n in ("__vf_start", "__vf_step")]).join(
                bounds_query.subquery("bounds"), join_type="cross")
        produced = {as0: col(lower)}
        if interval:
            produced[as1] = bin_upper_sql(col(lower), bounds)
        columns = dict(rel.columns)
        for out in produced:
            columns[out] = VegaType.NUMBER
        selected = [exp.alias_(produced[c], c, quoted=True) if c in produced else col(c)
                    for c in columns]
        query = exp.select(*selected, order_col()).from_(inner.subquery("b"))
        signal = self.spec.get("signal")
        if signal:
            ctx.produced_signals[signal] = (self.signal_value(ctx) if bounds_query is None
                                            else self._signal_query(name, bounds_query, ctx))
        return Relation(query=query, columns=columns)

    def _signal_query(self, name: str, bounds_query: exp.Select,
                      ctx: TransformContext) -> exp.Select:
        value = exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.to_identifier("fields"),
                           expression=exp.Array(expressions=[exp.Literal.string(name)])),
            exp.PropertyEQ(this=exp.to_identifier("fname"),
                           expression=exp.Literal.string(self.fname(ctx))),
            exp.PropertyEQ(this=exp.to_identifier("start"), expression=_c("__vf_start")),
            exp.PropertyEQ(this=exp.to_identifier("step"), expression=_c("__vf_step")),
            exp.PropertyEQ(this=exp.to_identifier("stop"), expression=_c("__vf_stop")),
        ])
        return exp.select(value).from_(bounds_query.subquery("bounds"))


def _number(value: Any, path: str) -> float:
    if isinstance(value, JSDate):
        return value.ms
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"bin extent must hold numbers, got {value!r}", path=path)
    return float(value)


__all__ = ["Bin", "ORDER", "bin_lower_sql", "bin_upper_sql", "double_literal", "to_number_sql"]
