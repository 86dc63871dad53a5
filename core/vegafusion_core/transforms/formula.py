"""Vega's ``formula`` transform: ``expr`` evaluated per row into field ``as``.

``initonly`` only matters when the dataflow re-runs on changed rows; a server query always
evaluates every row once, which is what both settings do on the first pulse.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType, sql_type
from .base import Param, Relation, Transform, TransformContext, col, order_col
from .filter import expr_text, refuse_bound_signal, sql_context
from .registry import register

_STORED = {VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN, VegaType.DATE, VegaType.NULL}


@register
class Formula(Transform):
    type = "formula"
    params = (
        Param("expr", "expr", required=True),
        Param("as", "string", required=True),
        Param("initonly", "boolean"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        from ..expression.to_sql import compile_expression

        refuse_bound_signal(self)
        name = self.param("as", ctx)
        typed = compile_expression(expr_text(self.spec["expr"]),
                                   sql_context(rel, ctx, f"{self.where}.expr"))
        if typed.type not in _STORED:
            raise UnsupportedError(f"formula values of type {typed.type.value} stay in the "
                                   "browser", path=f"{self.where}.expr")
        kind = VegaType.NUMBER if typed.type is VegaType.NULL else typed.type
        value = typed.sql
        if typed.type is VegaType.NULL:
            value = exp.cast(exp.Null(), sql_type("DOUBLE"))
        columns = dict(rel.columns)
        columns[name] = kind
        query = exp.select(*[exp.alias_(value, c, quoted=True) if c == name else col(c)
                             for c in columns], order_col()).from_(rel.as_subquery("t"))
        return Relation(query=query, columns=columns)
