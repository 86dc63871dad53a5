"""Vega's ``joinaggregate``: every input row, in input order, extended with its group's aggregates.

Vega writes the whole group tuple onto each row (``extend(t, cell.tuple)``), so the groupby
fields of every row take the values of the group's first row (a null joins the "null" group and
becomes "null"), and the measures overwrite input fields of the same name.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType
from .aggregate import (group_dims, measure_input, read_measures, referenced_fields,
                        with_missing_fields)
from .base import ORDER, Param, Relation, Transform, TransformContext, col
from .ops import VALID_AGGREGATE_OPS, aggregate_sql, fn, result_type, windowed
from .registry import register


@register
class JoinAggregate(Transform):
    type = "joinaggregate"
    params = (
        Param("groupby", "field", array=True),
        Param("fields", "field", array=True),
        Param("ops", "enum", array=True, values=VALID_AGGREGATE_OPS),
        Param("as", "string", array=True),
        Param("key", "field"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        rel = with_missing_fields(rel, referenced_fields(self, ctx))
        dims, keys = group_dims(self, ctx, rel)
        measures = read_measures(self, ctx)

        def over(agg: exp.Expression) -> exp.Expression:
            return windowed(agg, lambda a: exp.Window(
                this=a, partition_by=[k.copy() for k in keys], over="OVER"))

        selected: dict[str, exp.Expression] = {name: col(name) for name in rel.columns}
        columns: dict[str, VegaType] = dict(rel.columns)
        for name in dims:
            selected[name] = over(fn("arg_min_null", col(name), col(ORDER)))
        for m in measures:
            if m.op in ("argmin", "argmax", "values"):
                # Each row would hold row objects of its own group, itself included: a cycle.
                raise UnsupportedError(f"joinaggregate op {m.op!r} makes rows that contain "
                                       "themselves; evaluated in the browser", path=self.where)
            inp = measure_input(rel, m, self.where, col(ORDER))
            selected[m.out] = over(aggregate_sql(m.op, inp))
            columns[m.out] = result_type(m.op, inp.type)
        query = exp.select(*[exp.alias_(e, name, quoted=True) for name, e in selected.items()],
                           col(ORDER)).from_(rel.as_subquery("t"))
        return Relation(query=query, columns=columns)
