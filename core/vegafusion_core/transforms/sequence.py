"""Vega's ``sequence`` transform: d3-array's ``range(start, stop, step)`` as rows.

Vega appends the generated rows to the rows that reach the transform (its output pulse is the
input's ``add`` followed by the sequence), so a sequence after inline values keeps them first.
"""

from __future__ import annotations

import math
from typing import Any

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.jsvalues import JSDate, to_int32, to_number
from ..expression.types import DUCKDB_STORAGE, VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, order_col
from .bin import double_literal
from .filter import refuse_bound_signal
from .registry import register


# Vega allocates the whole sequence as one JavaScript array; beyond this it is a spec mistake
# (a stop of 1e10), not data, and would only exhaust the server.
MAX_SEQUENCE_ROWS = 10_000_000


def range_length(start: float, stop: float, step: float) -> int:
    """d3-array's ``Math.max(0, Math.ceil((stop - start) / step)) | 0``."""
    if step == 0:
        q = math.nan if stop == start or math.isnan(stop - start) else math.copysign(
            math.inf, stop - start)
    else:
        q = (stop - start) / step
    n = max(0.0, math.ceil(q)) if math.isfinite(q) else (0.0 if math.isnan(q) else max(0.0, q))
    return max(0, to_int32(n))


def _number(value: Any) -> float:
    return value.ms if isinstance(value, JSDate) else to_number(value)


@register
class Sequence(Transform):
    type = "sequence"
    params = (
        Param("start", "number", required=True),
        Param("stop", "number", required=True),
        Param("step", "number", default=1),
        Param("as", "string", default="data"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        refuse_bound_signal(self)
        start = _number(self.param("start", ctx))
        stop = _number(self.param("stop", ctx))
        step = _number(self.param("step", ctx))
        step = step if step == step and step != 0 else 1.0  # `_.step || 1`
        name = self.param("as", ctx) or "data"
        n = range_length(start, stop, step)
        if n > MAX_SEQUENCE_ROWS:
            raise UnsupportedError(f"sequence of {n} values exceeds the server's limit of "
                                   f"{MAX_SEQUENCE_ROWS}", path=self.where)
        i = exp.column("i")
        value = exp.Add(this=double_literal(start),
                        expression=exp.Mul(this=exp.Cast(this=i, to=sql_type("DOUBLE")),
                                           expression=double_literal(step)))
        columns = dict(rel.columns)
        if columns.get(name, VegaType.NUMBER) is not VegaType.NUMBER:
            raise UnsupportedError(f"sequence field {name!r} would mix numbers with "
                                   f"{columns[name].value}s; evaluated in the browser",
                                   path=f"{self.where}.as")
        columns[name] = VegaType.NUMBER
        generated = exp.select(*[
            exp.alias_(value, c, quoted=True) if c == name
            else exp.alias_(_typed_null(k), c, quoted=True)
            for c, k in columns.items()
        ], exp.alias_(exp.Add(this=i, expression=_after_input(rel)), ORDER, quoted=True)).from_(
            exp.Table(this=exp.Anonymous(this="range", expressions=[exp.Literal.number(n)]),
                      alias=exp.TableAlias(this=exp.to_identifier("r"),
                                           columns=[exp.to_identifier("i")])))
        existing = exp.select(*[col(c) if c in rel.columns else exp.alias_(
            exp.cast(exp.Null(), sql_type("DOUBLE")), c, quoted=True)
            for c in columns], order_col()).from_(rel.as_subquery("t"))
        query = exp.select(*[col(c) for c in columns], order_col()).from_(
            exp.union(existing, generated, distinct=False).subquery("s"))
        return Relation(query=query, columns=columns)


def _typed_null(kind: VegaType) -> exp.Expression:
    return exp.cast(exp.Null(), sql_type(DUCKDB_STORAGE.get(kind, "DOUBLE")))


def _after_input(rel: Relation) -> exp.Expression:
    """A number above every input row's order (sequence rows follow the input rows)."""
    highest = exp.select(exp.Max(this=order_col())).from_(rel.as_subquery("o"))
    return exp.Add(this=exp.Coalesce(this=exp.paren(highest), expressions=[exp.Literal.number(-1)]),
                   expression=exp.Literal.number(1))
