"""Vega's ``collect`` transform: a stable sort by fields and orders, with Vega's comparator.

vega-util's ``ascending`` puts null (and undefined) first, then NaN (and Invalid Dates), then
the values in JavaScript's ``<`` order; ``descending`` reverses the whole comparison. Ties keep
input order (vega-dataflow's stableCompare breaks them by tuple id, which follows input order).
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name, \
    order_col
from .filter import refuse_bound_signal
from .registry import register


def _sort_keys(spec: Any, path: str) -> list[tuple[str, bool]]:
    """(field, descending) pairs of a ``compare`` parameter: {"field": f | [f...], "order": ...}."""
    if spec is None:
        return []
    if not isinstance(spec, dict) or "field" not in spec:
        raise SpecError("sort must be an object with a \"field\"", path=path)
    fields = spec["field"] if isinstance(spec["field"], list) else [spec["field"]]
    orders = spec.get("order")
    orders = orders if isinstance(orders, list) else [orders]
    keys = []
    for i, f in enumerate(fields):
        if f is None:
            continue  # vega-util's compare skips null fields
        order = orders[i] if i < len(orders) else None
        if not isinstance(f, str):
            raise SpecError(f"sort fields must be field names, got {f!r}", path=f"{path}.field")
        keys.append((field_name(f, f"{path}.field"), order == "descending"))
    return keys


def vega_order_by(rel: Relation, keys: list[tuple[str, bool]]) -> list[exp.Ordered]:
    """ORDER BY terms equal to vega-util's comparator over ``keys``, then input order."""
    terms: list[exp.Ordered] = []
    for name, desc in keys:
        if name not in rel.columns:
            continue  # undefined everywhere: every comparison is a tie
        column = col(name)
        kind = rel.columns[name]
        # null < NaN < values in ascending order; descending reverses all three.
        terms.append(exp.Ordered(this=exp.Is(this=column, expression=exp.Null()), desc=not desc))
        if kind is VegaType.NUMBER:
            terms.append(exp.Ordered(this=exp.Anonymous(this="isnan", expressions=[column]),
                                     desc=not desc))
        # DuckDB orders VARCHAR by code point; JavaScript by UTF-16 code unit. They differ only
        # between astral characters and U+E000..U+FFFF.
        terms.append(exp.Ordered(this=column, desc=desc, nulls_first=False))
    terms.append(exp.Ordered(this=order_col()))
    return terms


# Outputs of collect -> their inputs. Vega breaks ties by tuple id (creation order), not by the
# order an earlier collect produced, and a collect keeps its input's tuples: so a collect applied
# directly to a collect's output sorts that collect's input instead.
_COLLECTED: dict[int, tuple[exp.Select, Relation]] = {}
_REMEMBERED = 512


def _collect_input(rel: Relation) -> Relation:
    found = _COLLECTED.get(id(rel.query))
    return found[1] if found is not None and found[0] is rel.query else rel


def _remember(output: exp.Select, source: Relation) -> None:
    if len(_COLLECTED) >= _REMEMBERED:
        _COLLECTED.pop(next(iter(_COLLECTED)))
    _COLLECTED[id(output)] = (output, source)


@register
class Collect(Transform):
    type = "collect"
    params = (Param("sort", "compare"),)

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        refuse_bound_signal(self)
        keys = _sort_keys(self.param("sort", ctx), f"{self.where}.sort")
        if not keys:
            return rel
        rel = _collect_input(rel)
        number = exp.Window(this=exp.RowNumber(), order=exp.Order(
            expressions=vega_order_by(rel, keys)))
        query = exp.select(*[col(c) for c in rel.columns],
                           exp.alias_(number, ORDER, quoted=True)).from_(rel.as_subquery("t"))
        _remember(query, rel)
        return Relation(query=query, columns=dict(rel.columns))
