"""Vega's ``pie`` transform (vega-encode): start and end angles of each row's sector.

``k = (endAngle - startAngle) / d3.sum(values)`` (d3's sum skips NaN); sectors follow each other
from ``startAngle`` in input order, or by ascending value when ``sort`` is true (a stable sort on
``values[a] - values[b]``, so null counts as 0). A sector spans ``value * k``. Rows keep their
input order.
"""

from __future__ import annotations

import math

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.sql_functions import number_sql
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, select_from
from .fold import string_list
from .registry import register
from .stack import number_of


@register
class Pie(Transform):
    type = "pie"
    params = (
        Param("field", "field"),
        Param("startAngle", "number", default=0),
        Param("endAngle", "number", default=2 * math.pi),
        Param("sort", "boolean", default=False),
        Param("as", "string", array=True, length=2, default=["startAngle", "endAngle"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        start_as, end_as = string_list(self.param("as", ctx), "as", self.where, 2)
        start = float(self.param("startAngle", ctx) or 0)
        end = self.param("endAngle", ctx)
        end = 2 * math.pi if end is None else float(end)
        if not isinstance(self.param("sort", ctx), bool):
            raise SpecError("sort must be a boolean", path=self.where)
        value = number_of(rel, self.param("field", ctx), f"{self.where}.field")
        inner = select_from(rel, *[col(c) for c in rel.columns], col(ORDER),
                            exp.alias_(value, "_vf_v", quoted=True))
        v = col("_vf_v")
        # d3.sum adds +value when it is neither 0 nor NaN.
        summed = exp.If(this=exp.Anonymous(this="isnan", expressions=[v.copy()]),
                        true=number_sql(0), false=v.copy())
        # The sum is a window of its own, one level down (windows do not nest).
        inner = exp.select(*[col(c) for c in rel.columns], col(ORDER), v.copy(), exp.alias_(
            exp.Window(this=exp.Sum(this=summed)), "_vf_total", quoted=True)
        ).from_(inner.subquery("i"))
        k = exp.Div(this=number_sql(end - start), expression=col("_vf_total"))
        span = exp.Mul(this=v.copy(), expression=k)
        sort_terms = [exp.Ordered(this=col(ORDER))]
        if self.param("sort", ctx):
            sort_terms.insert(0, exp.Ordered(this=v.copy()))
        order = exp.Order(expressions=sort_terms)
        before = exp.Window(this=exp.Sum(this=span), order=order, spec=exp.WindowSpec(
            kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
            end=exp.Literal.number(1), end_side="PRECEDING"))
        upto = exp.Window(this=exp.Sum(this=span.copy()), order=order.copy(), spec=exp.WindowSpec(
            kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"))
        # The first sector starts at startAngle exactly (not start + NULL).
        start_angle = exp.Coalesce(this=exp.Add(this=number_sql(start), expression=before),
                                   expressions=[number_sql(start)])
        end_angle = exp.Add(this=number_sql(start), expression=upto)
        columns = {**rel.columns, start_as: VegaType.NUMBER}
        columns[end_as] = VegaType.NUMBER
        outputs = {name: col(name) for name in rel.columns}
        outputs[start_as], outputs[end_as] = start_angle, end_angle
        query = exp.select(*[exp.alias_(outputs[n], n, quoted=True) for n in columns],
                           col(ORDER)).from_(inner.subquery("s"))
        return Relation(query=query, columns=columns)
