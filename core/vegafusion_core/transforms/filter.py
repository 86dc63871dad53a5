"""Vega's ``filter`` transform: the rows for which ``expr`` is truthy, in input order."""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from .base import Param, Relation, Transform, TransformContext, col, order_col
from .registry import register


def expr_text(value: Any) -> str:
    """An ``expr`` parameter: a string, or {"expr": ...} as vega-parser accepts it."""
    return value["expr"] if isinstance(value, dict) else value


def refuse_bound_signal(transform: Transform) -> None:
    """A transform's ``signal`` binds its dataflow operator's value (a function, an id map, the
    tuples): Vega-internal objects with no server form, so such a transform stays in the browser.
    """
    if transform.spec.get("signal"):
        raise UnsupportedError(f"the signal bound to a {transform.type} transform holds Vega's "
                               "internal operator value; evaluated in the browser",
                               path=f"{transform.where}.signal")


def sql_context(rel: Relation, ctx: TransformContext, path: str):
    from ..expression.to_sql import SqlContext

    return SqlContext(columns=dict(rel.columns), signals=ctx.signals, tz=ctx.tz, table=None,
                      path=path)


@register
class Filter(Transform):
    type = "filter"
    params = (Param("expr", "expr", required=True),)

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        from ..expression.to_sql import compile_filter

        refuse_bound_signal(self)
        predicate = compile_filter(expr_text(self.spec["expr"]),
                                   sql_context(rel, ctx, f"{self.where}.expr"))
        query = (exp.select(*[col(c) for c in rel.columns], order_col())
                 .from_(rel.as_subquery("t"))
                 .where(predicate))
        return Relation(query=query, columns=dict(rel.columns))
