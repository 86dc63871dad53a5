"""Vega's ``fold`` transform: each input row becomes one row per folded field.

vega-transforms' Fold derives, for each input tuple in order and each field in order, a copy of
the tuple with ``as[0]`` = the field's accessor name and ``as[1]`` = the field's value.

This module also holds small helpers the other reshaping transforms (flatten, impute, lookup,
pie, ...) share: typed NULLs, accessor names and renumbering of the order column.
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import DUCKDB_STORAGE, VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name, \
    order_col
from .registry import register


def typed_null(kind: VegaType) -> exp.Expression:
    """A NULL of the storage type of ``kind`` (an undefined field in Vega)."""
    storage = DUCKDB_STORAGE.get(kind)
    return exp.cast(exp.Null(), sql_type(storage)) if storage else exp.Null()


def column_or_null(rel: Relation, name: str, kind: VegaType | None = None) -> exp.Expression:
    """The column ``name``, or a typed NULL when the relation has no such field (undefined)."""
    if name in rel.columns:
        return col(name)
    return typed_null(kind or VegaType.NUMBER)


def accessor_name(spec: Any, path: str) -> str:
    """vega-util's accessorName of a field parameter: ``as`` of a {"field", "as"} object, else
    the field string."""
    source = field_name(spec, path)
    if isinstance(spec, dict) and spec.get("as"):
        return str(spec["as"])
    return spec["field"] if isinstance(spec, dict) else source


def renumber(*terms: exp.Expression | exp.Ordered) -> exp.Expression:
    """``ROW_NUMBER() OVER (ORDER BY terms)``: a fresh order column for generated rows."""
    ordered = [t if isinstance(t, exp.Ordered) else exp.Ordered(this=t) for t in terms]
    return exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=ordered))


def string_list(value: Any, name: str, where: str, length: int | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (
            length is not None and len(value) != length):
        n = f"{length} " if length else ""
        raise SpecError(f"{name!r} must be an array of {n}strings", path=where)
    return value


def common_type(kinds: list[VegaType], what: str, where: str) -> VegaType:
    """The one type of values that end up in a single column (NUMBER when there are none)."""
    distinct = set(kinds)
    if len(distinct) > 1:
        names = ", ".join(sorted(k.value for k in distinct))
        raise UnsupportedError(f"{what} would mix {names} values in one column", path=where)
    if distinct and not distinct <= set(DUCKDB_STORAGE):
        raise UnsupportedError(f"{what} holds {distinct.pop().value}s", path=where)
    return distinct.pop() if distinct else VegaType.NUMBER


@register
class Fold(Transform):
    type = "fold"
    params = (
        Param("fields", "field", required=True, array=True),
        Param("as", "string", array=True, length=2, default=["key", "value"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        specs = self.param("fields", ctx)
        key_as, value_as = string_list(self.param("as", ctx), "as", self.where, 2)
        sources = [field_name(f, f"{self.where}.fields[{i}]") for i, f in enumerate(specs)]
        names = [accessor_name(f, f"{self.where}.fields[{i}]") for i, f in enumerate(specs)]
        kind = common_type([rel.columns[s] for s in sources if s in rel.columns],
                           "fold's value field", self.where)
        if not sources:
            return Relation(query=_no_rows(rel), columns=dict(rel.columns))
        # One row of (index, name) per folded field, joined to every input row.
        fields_table = exp.Values(
            expressions=[exp.Tuple(expressions=[exp.Literal.number(i), exp.Literal.string(n)])
                         for i, n in enumerate(names)],
            alias=exp.TableAlias(this=exp.to_identifier("f"),
                                 columns=[exp.to_identifier("_vf_i"), exp.to_identifier("_vf_k")]))
        value = exp.Case(this=exp.column("_vf_i", table="f"))
        for i, source in enumerate(sources):
            value = value.when(exp.Literal.number(i), column_or_null(rel, source, kind))
        value = value.else_(typed_null(kind))
        columns = {**rel.columns, key_as: VegaType.STRING}
        columns[value_as] = kind
        outputs = {name: exp.column(name, table="t", quoted=True) for name in rel.columns}
        outputs[key_as] = exp.column("_vf_k", table="f")
        outputs[value_as] = value
        query = exp.select(
            *[exp.alias_(outputs[name], name, quoted=True) for name in columns],
            exp.alias_(renumber(exp.column(ORDER, table="t", quoted=True),
                                exp.column("_vf_i", table="f")), ORDER, quoted=True),
        ).from_(rel.as_subquery("t")).join(fields_table, join_type="cross")
        return Relation(query=query, columns=columns)


def _no_rows(rel: Relation) -> exp.Select:
    return exp.select(*[col(c) for c in rel.columns], order_col()).from_(
        rel.as_subquery("t")).where(exp.false())
