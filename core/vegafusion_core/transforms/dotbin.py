"""Vega's ``dotbin`` transform: Wilkinson's dot-plot bins, written to each row in place.

Per group (keyed by ``String([groupby values])``) the rows are sorted by value (stable; null
counts as 0). vega-statistics' ``dotbin`` walks them in order: a bin starts at value ``a`` and
takes the following values below ``a + step``; every row of the bin gets ``(a + b) / 2``, ``b``
being the bin's last value. ``step`` defaults to the span of the field's (non-null, non-NaN)
extent over all rows divided by 30.

The walk is sequential (each bin starts where the previous one stopped), so it is a recursive
query with one step per bin, not per row. ``smooth`` (which swaps dots between neighbouring
stacks, again sequentially) is left to the browser. The transform's value, which a ``signal``
can expose, is ``{start: min center, stop: max center, step}``.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.sql_functions import number_sql
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .quantile import joined_key
from .registry import register
from .stack import js_number

_INF = float("inf")


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


@register
class DotBin(Transform):
    type = "dotbin"
    params = (
        Param("field", "field", required=True),
        Param("groupby", "field", array=True),
        Param("step", "number"),
        Param("smooth", "boolean", default=False),
        Param("as", "string", default="bin"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        if self.param("smooth", ctx):
            raise UnsupportedError("dotbin smoothing swaps dots between stacks one by one; "
                                   "evaluated in the browser", path=self.where)
        out = self.param("as", ctx) or "bin"
        if not isinstance(out, str):
            raise SpecError("as must be a string", path=self.where)
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        groupby = [field_name(g, f"{self.where}.groupby[{i}]")
                   for i, g in enumerate(self.param("groupby", ctx) or [])]
        step = self.param("step", ctx)
        kind = rel.columns.get(field)
        if kind in (VegaType.STRING, VegaType.OBJECT, VegaType.ARRAY):
            raise UnsupportedError(f"dotbin over {kind.value} values (JavaScript's + would "
                                   "concatenate them)", path=self.where)
        columns = {**rel.columns, out: VegaType.NUMBER}
        if kind is None:
            # undefined values: one bin per group whose centre is NaN.
            return self._constant_nan(rel, out, columns, step, ctx)
        binned = self._binned(rel, field, groupby, step)
        query = exp.select(*[exp.alias_(_c(c) if c != out else _c("_vf_center"), c, quoted=True)
                             for c in columns], _c(ORDER)).from_(binned.subquery("d"))
        self._produce_signal(binned, step, ctx)
        return Relation(query=query, columns=columns)

    def _binned(self, rel: Relation, field: str, groupby: list[str],
                step: float | None) -> exp.Select:
        """Every input column plus ``_vf_center`` (the bin centre) and ``_vf_step``."""
        x = js_number(col(field), rel.columns[field])
        valid = exp.And(this=exp.Not(this=exp.Is(this=col(field), expression=exp.Null())),
                        expression=exp.Not(this=exp.Anonymous(this="isnan",
                                                              expressions=[x.copy()])))
        if step:
            step_sql: exp.Expression = number_sql(float(step))
        else:
            span = exp.Sub(
                this=exp.Window(this=exp.Filter(this=exp.Max(this=x.copy()),
                                                expression=exp.Where(this=valid))),
                expression=exp.Window(this=exp.Filter(this=exp.Min(this=x.copy()),
                                                      expression=exp.Where(this=valid.copy()))))
            step_sql = exp.Coalesce(this=exp.Div(this=exp.Paren(this=span),
                                                 expression=exp.Literal.number(30)),
                                    expressions=[number_sql(float("nan"))])
        parts = joined_key(rel, groupby)
        group = exp.Window(this=exp.Anonymous(this="dense_rank", expressions=[]), order=exp.Order(
            expressions=[exp.Ordered(this=p, nulls_first=True) for p in parts])) if parts \
            else exp.Literal.number(1)
        keyed = exp.select(*[col(c) for c in rel.columns], col(ORDER),
                           exp.alias_(group, "_vf_g", quoted=True),
                           exp.alias_(x, "_vf_x", quoted=True),
                           exp.alias_(step_sql, "_vf_step", quoted=True)
                           ).from_(rel.as_subquery("t"))
        rows = exp.select(exp.Star(), exp.alias_(exp.Sub(this=exp.Window(
            this=exp.RowNumber(), partition_by=[_c("_vf_g")], order=exp.Order(expressions=[
                exp.Ordered(this=_c("_vf_x")), exp.Ordered(this=_c(ORDER))])),
            expression=exp.Literal.number(1)), "_vf_i", quoted=True)).from_(keyed.subquery("k"))
        first = exp.select(_c("_vf_g"), exp.alias_(_c("_vf_i"), "_vf_i0", quoted=True),
                           exp.alias_(_c("_vf_x"), "_vf_a", quoted=True)).from_(
            exp.to_table("_vf_rows", quoted=True)).where(
            exp.EQ(this=_c("_vf_i"), expression=exp.Literal.number(0)))
        # The next bin starts at the first later value >= a + step.
        following = exp.select(
            _c("_vf_g", "r"),
            exp.alias_(exp.Min(this=_c("_vf_i", "r")), "_vf_i0", quoted=True),
            exp.alias_(exp.Anonymous(this="arg_min", expressions=[_c("_vf_x", "r"),
                                                                  _c("_vf_i", "r")]),
                       "_vf_a", quoted=True),
        ).from_(exp.alias_(exp.to_table("_vf_bins", quoted=True), "b", table=True)).join(
            exp.alias_(exp.to_table("_vf_rows", quoted=True), "r", table=True), on=exp.and_(
                exp.EQ(this=_c("_vf_g", "r"), expression=_c("_vf_g", "b")),
                exp.GT(this=_c("_vf_i", "r"), expression=_c("_vf_i0", "b")),
                exp.GTE(this=_c("_vf_x", "r"), expression=exp.Add(
                    this=_c("_vf_a", "b"), expression=_c("_vf_step", "r"))))
        ).group_by(_c("_vf_g", "r"))
        bins = exp.union(first, following, distinct=False)
        spans = exp.select(_c("_vf_g"), _c("_vf_i0"), _c("_vf_a"), exp.alias_(exp.Coalesce(
            this=exp.Window(this=exp.Anonymous(this="lead", expressions=[_c("_vf_i0")]),
                            partition_by=[_c("_vf_g")],
                            order=exp.Order(expressions=[exp.Ordered(this=_c("_vf_i0"))])),
            expressions=[exp.Literal.number(2 ** 62)]), "_vf_i1", quoted=True)).from_(
            exp.to_table("_vf_bins", quoted=True))
        joined = exp.select(exp.Star(), exp.alias_(exp.Window(
            this=exp.Max(this=_c("_vf_x", "r")), partition_by=[_c("_vf_g", "r"),
                                                               _c("_vf_i0", "p")]),
            "_vf_last", quoted=True)).from_(
            exp.alias_(exp.to_table("_vf_rows", quoted=True), "r", table=True)).join(
            spans.subquery("p"), on=exp.and_(
                exp.EQ(this=_c("_vf_g", "r"), expression=_c("_vf_g", "p")),
                exp.GTE(this=_c("_vf_i", "r"), expression=_c("_vf_i0", "p")),
                exp.LT(this=_c("_vf_i", "r"), expression=_c("_vf_i1", "p"))))
        centered = exp.select(*[col(c) for c in rel.columns], col(ORDER), _c("_vf_step"),
                              exp.alias_(exp.Div(this=exp.Paren(this=exp.Add(
                                  this=_c("_vf_a"), expression=_c("_vf_last"))),
                                  expression=exp.Literal.number(2)), "_vf_center", quoted=True)
                              ).from_(joined.subquery("j"))
        return centered.with_("_vf_rows", as_=rows).with_("_vf_bins", as_=bins, recursive=True)

    def _constant_nan(self, rel: Relation, out: str, columns: dict[str, VegaType],
                      step: float | None, ctx: TransformContext) -> Relation:
        nan = number_sql(float("nan"))
        query = exp.select(*[exp.alias_(col(c) if c != out else nan.copy(), c, quoted=True)
                             for c in columns], col(ORDER)).from_(rel.as_subquery("t"))
        name = self.spec.get("signal")
        if isinstance(name, str):
            ctx.produced_signals[name] = {"start": _INF, "stop": -_INF,
                                          "step": float(step) if step else float("nan")}
        return Relation(query=query, columns=columns)

    def _produce_signal(self, binned: exp.Select, step: float | None,
                        ctx: TransformContext) -> None:
        """The transform's value ``{start, stop, step}`` as a one-row query, if a signal asks."""
        name = self.spec.get("signal")
        if not isinstance(name, str):
            return
        center = _c("_vf_center")
        finite = exp.If(this=exp.Anonymous(this="isnan", expressions=[center]), true=exp.Null(),
                        false=center.copy())
        step_value = number_sql(float(step)) if step else exp.Coalesce(
            this=exp.Max(this=_c("_vf_step")),
            expressions=[exp.Anonymous(this="any_value", expressions=[_c("_vf_step")])])
        start = exp.Coalesce(this=exp.Min(this=finite), expressions=[number_sql(_INF)])
        stop = exp.Coalesce(this=exp.Max(this=finite.copy()), expressions=[number_sql(-_INF)])
        empty_step = number_sql(float(step)) if step else number_sql(float("nan"))
        value = exp.Anonymous(this="struct_pack", expressions=[
            exp.PropertyEQ(this=exp.to_identifier("start"), expression=start),
            exp.PropertyEQ(this=exp.to_identifier("stop"), expression=stop),
            exp.PropertyEQ(this=exp.to_identifier("step"), expression=exp.Coalesce(
                this=step_value, expressions=[empty_step]))])
        ctx.produced_signals[name] = exp.select(value).from_(binned.subquery("s"))
