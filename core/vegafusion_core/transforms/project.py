"""Vega's ``project`` transform: new rows holding only the listed fields (renamed by ``as``)."""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.types import DUCKDB_STORAGE, VegaType, sql_type
from .base import Param, Relation, Transform, TransformContext, col, field_name, order_col
from .filter import refuse_bound_signal
from .registry import register


@register
class Project(Transform):
    type = "project"
    params = (
        Param("fields", "field", array=True),
        Param("as", "string", array=True),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        refuse_bound_signal(self)
        fields = self.param("fields", ctx)
        if fields is None:
            return rel  # without fields, project copies every field (vega's rederive)
        names = self.param("as", ctx) or []
        out: dict[str, exp.Expression] = {}
        columns: dict[str, VegaType] = {}
        for i, f in enumerate(fields):
            source = field_name(f, f"{self.where}.fields[{i}]")
            # vega-util's fieldNames: as[i], else the accessor's name (the field string).
            target = names[i] if i < len(names) and names[i] else _accessor_name(f, source)
            if not isinstance(target, str):
                raise SpecError(f"as[{i}] must be a string", path=f"{self.where}.as")
            kind = rel.columns.get(source, VegaType.NUMBER)
            # A missing field is undefined in Vega: a typed NULL here.
            value = col(source) if source in rel.columns else exp.cast(
                exp.Null(), sql_type(DUCKDB_STORAGE[kind]))
            out[target] = value  # a repeated name keeps its first position, the last value
            columns[target] = kind
        query = exp.select(*[exp.alias_(v, k, quoted=True) for k, v in out.items()],
                           order_col()).from_(rel.as_subquery("t"))
        return Relation(query=query, columns=columns)


def _accessor_name(spec: object, source: str) -> str:
    if isinstance(spec, dict):
        return spec.get("as") or spec["field"]
    return source
