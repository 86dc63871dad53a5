"""Vega's ``extent``: the signal ``signal`` = [min, max] of a field; the data passes through.

As vega-transforms' Extent: values go through ``toNumber`` (null and "" are skipped, dates
become epoch ms), NaN fails every comparison, and an extent that is not finite (no value, or an
infinite one) is ``[undefined, undefined]``.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType
from .aggregate import with_missing_fields
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .ops import OpInput, first_extreme, fn, is_valid, numeric
from .registry import register


@register
class Extent(Transform):
    type = "extent"
    params = (Param("field", "field", required=True),)

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        name = field_name(self.param("field", ctx), f"{self.where}.field")
        signal = self.spec.get("signal")
        if signal is None:
            return rel
        rel_with = with_missing_fields(rel, [name])
        kind = rel_with.columns[name]
        if kind is VegaType.STRING:
            raise UnsupportedError("extent of a string field coerces with JavaScript's Number(); "
                                   "evaluated in the browser", path=self.where)
        inp = OpInput(column=exp.column(name, quoted=True), type=kind, row=exp.Null(),
                      position=col(ORDER), where=self.where, row_types={})
        value, valid = numeric(inp), is_valid(inp)
        low = first_extreme("min", value, valid, inp.position)
        high = first_extreme("max", value, valid, inp.position)
        finite = exp.and_(fn("isfinite", exp.column("lo", quoted=True)),
                          fn("isfinite", exp.column("hi", quoted=True)))

        def bound(which: str) -> exp.Expression:
            return exp.alias_(exp.Case(ifs=[exp.If(this=finite.copy(),
                                                   true=exp.column(which, quoted=True))]),
                              which, quoted=True)

        inner = exp.select(exp.alias_(low, "lo", quoted=True), exp.alias_(high, "hi", quoted=True)
                           ).from_(rel_with.as_subquery("t"))
        ctx.produced_signals[signal] = exp.select(bound("lo"), bound("hi")).from_(
            inner.subquery("e"))
        return rel
