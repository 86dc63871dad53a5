"""Vega's ``identifier`` transform: a unique, increasing id per row.

Vega draws ids from one counter shared by the whole view (``t[as] = t[as] || ++id``), so only
their uniqueness and order are meaningful; here the rows without an id get 1..n in row order.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType, sql_type
from .base import Param, Relation, Transform, TransformContext, col, order_col
from .filter import refuse_bound_signal
from .registry import register


def _running_count(condition: exp.Expression) -> exp.Expression:
    """How many rows up to this one (in row order) satisfy ``condition``."""
    counted = exp.Sum(this=exp.Cast(this=condition, to=sql_type("DOUBLE")))
    frame = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                           end="CURRENT ROW")
    return exp.Window(this=counted, order=exp.Order(expressions=[exp.Ordered(this=order_col())]),
                      spec=frame)


@register
class Identifier(Transform):
    type = "identifier"
    params = (Param("as", "string", required=True),)

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        refuse_bound_signal(self)
        name = self.param("as", ctx)
        kind = rel.columns.get(name)
        if kind is None:
            ident = _running_count(exp.true())
        elif kind is VegaType.NUMBER:
            # A truthy existing value is kept; the counter only advances for the others.
            existing = col(name)
            truthy = exp.and_(exp.not_(exp.Is(this=existing, expression=exp.Null())),
                              exp.NEQ(this=existing, expression=exp.Literal.number(0)),
                              exp.not_(exp.Anonymous(this="isnan", expressions=[existing])))
            ident = exp.Case().when(truthy, existing).else_(_running_count(exp.not_(truthy)))
        else:
            raise UnsupportedError(f"identifier over an existing {kind.value} field {name!r} "
                                   "would mix types; evaluated in the browser", path=self.where)
        columns = dict(rel.columns)
        columns[name] = VegaType.NUMBER
        query = exp.select(*[exp.alias_(ident, c, quoted=True) if c == name else col(c)
                             for c in columns], order_col()).from_(rel.as_subquery("t"))
        return Relation(query=query, columns=columns)
