"""Vega's ``lookup`` transform: fields of the matching row of another dataset.

Vega indexes the ``from`` dataset with a fastmap keyed by ``String(key)``; a later row with the
same key string replaces an earlier one, so the *last* matching row wins. A row's lookup key
matches when ``String(field)`` equals that key string: null matches null (both "null"), a null
string matches the string "null", 1 matches "1". Rows keep their order; ``values`` copies those
fields of the match (``default`` when there is none); without ``values`` the whole matching row
is stored, here as a STRUCT.
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.sql_functions import literal, to_string
from ..expression.types import Typed, VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .fold import accessor_name, string_list, typed_null
from .registry import register

_UNDEFINED = exp.Literal.string("undefined")


def key_string(value: exp.Expression | None, kind: VegaType | None) -> exp.Expression:
    """``String(value)`` as SQL (None for a field the rows do not have: "undefined")."""
    if value is None or kind is None:
        return _UNDEFINED.copy()
    if kind is VegaType.DATE:
        raise UnsupportedError("matching dates with values of another type by their string form")
    return to_string(Typed(value, kind)).sql


def same_key(left: exp.Expression, right: exp.Expression, kind: VegaType) -> exp.Expression:
    """Equal ``String()`` forms of two values of one type, without building the strings."""
    if kind is VegaType.STRING:
        null = exp.Literal.string("null")
        return exp.EQ(this=exp.Coalesce(this=left, expressions=[null]),
                      expression=exp.Coalesce(this=right, expressions=[null.copy()]))
    # Dates compare by instant: vega-loader's "date" parse yields epoch milliseconds (numbers),
    # whose String() is exact. (A Date object's String() would show whole seconds only.)
    # DuckDB's equality makes NaN equal NaN and -0 equal 0, as String() does.
    return exp.NullSafeEQ(this=left, expression=right)


def group_value(value: exp.Expression, kind: VegaType) -> exp.Expression:
    """An expression equal for two values exactly when ``same_key`` holds (for PARTITION BY)."""
    if kind is VegaType.STRING:
        return exp.Coalesce(this=value, expressions=[exp.Literal.string("null")])
    return value


class _Side:
    """How the key of one side of the join is compared: by value or by its string form."""

    def __init__(self, rel: Relation, name: str) -> None:
        self.present = name in rel.columns
        self.name = name
        self.kind = rel.columns.get(name)


def _match(left: _Side, right: _Side, lt: str, rt: str) -> tuple[exp.Expression, exp.Expression]:
    """(join condition, the right side's partition key) for String(left) == String(right)."""
    lcol = exp.column(left.name, table=lt, quoted=True) if left.present else None
    rcol = exp.column(right.name, quoted=True) if right.present else None
    if lcol is not None and rcol is not None and left.kind is right.kind:
        rkey = exp.column("_vf_key", table=rt, quoted=True)
        return same_key(lcol, rkey, left.kind), group_value(rcol, right.kind)
    rkey_sql = key_string(rcol, right.kind)
    return (exp.EQ(this=key_string(lcol, left.kind),
                   expression=exp.column("_vf_key", table=rt, quoted=True)), rkey_sql)


@register
class Lookup(Transform):
    type = "lookup"
    params = (
        Param("from", "data", required=True),
        Param("key", "field", required=True),
        Param("fields", "field", required=True, array=True),
        Param("values", "field", array=True),
        Param("as", "string", array=True),
        Param("default", "any"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        source = self._from_relation(ctx)
        key = _Side(source, field_name(self.param("key", ctx), f"{self.where}.key"))
        fields = [_Side(rel, field_name(f, f"{self.where}.fields[{i}]"))
                  for i, f in enumerate(self.param("fields", ctx))]
        values = self.param("values", ctx)
        default = self.param("default", ctx)
        outputs = self._output_names(values, len(fields), ctx)
        query = exp.select().from_(rel.as_subquery("t"))
        columns = dict(rel.columns)
        selected: dict[str, exp.Expression] = {c: exp.column(c, table="t", quoted=True)
                                               for c in rel.columns}
        for i, side in enumerate(fields):
            alias = f"l{i}"
            condition, partition_key = _match(side, key, "t", alias)
            query = query.join(_last_per_key(source, partition_key).subquery(alias),
                               on=condition, join_type="left")
            hit = exp.Not(this=exp.Is(this=exp.column("_vf_hit", table=alias, quoted=True),
                                      expression=exp.Null()))
            for name, (value, kind) in self._looked_up(source, values, alias, i, outputs):
                fallback, kind = _default(default, kind, self.where)
                selected[name] = exp.If(this=hit.copy(), true=value, false=fallback)
                columns[name] = kind
        query = query.select(*[exp.alias_(selected[c], c, quoted=True) for c in columns],
                             exp.alias_(exp.column(ORDER, table="t", quoted=True), ORDER,
                                        quoted=True))
        return Relation(query=query, columns=columns)

    def _from_relation(self, ctx: TransformContext) -> Relation:
        name = self.param("from", ctx)
        if not isinstance(name, str):
            raise SpecError("from must name a dataset", path=self.where)
        if name not in ctx.datasets:
            raise UnsupportedError(f"dataset {name!r} is not available on the server",
                                   path=self.where)
        return ctx.datasets[name]

    def _output_names(self, values: list | None, n: int, ctx: TransformContext) -> list[str]:
        names = self.param("as", ctx)
        if names is not None:
            names = string_list(names, "as", self.where)
        if values:
            if n > 1 and names is None:
                raise SpecError('Multi-field lookup requires explicit "as" parameter.',
                                path=self.where)
            if names is not None and len(names) != n * len(values):
                raise SpecError('The "as" parameter has too few output field names.',
                                path=self.where)
            return names or [accessor_name(v, f"{self.where}.values[{j}]")
                             for j, v in enumerate(values)]
        if names is None:
            raise SpecError("Missing output field names.", path=self.where)
        return names

    def _looked_up(self, source: Relation, values: list | None, alias: str, i: int,
                   outputs: list[str]):
        """(output name, (SQL value, type)) of each field copied for lookup field ``i``."""
        if not values:
            if i >= len(outputs):
                return  # Vega writes t[undefined]: no named field
            whole = exp.Struct(expressions=[
                exp.PropertyEQ(this=exp.to_identifier(c, quoted=True),
                               expression=exp.column(c, table=alias, quoted=True))
                for c in source.columns])
            yield outputs[i], (whole, VegaType.OBJECT)
            return
        for j, v in enumerate(values):
            name = field_name(v, f"{self.where}.values[{j}]")
            kind = source.columns.get(name, VegaType.NUMBER)
            value = (exp.column(name, table=alias, quoted=True) if name in source.columns
                     else typed_null(kind))
            yield outputs[i * len(values) + j], (value, kind)


def _last_per_key(source: Relation, partition_key: exp.Expression) -> exp.Select:
    """The from rows that win the index: the last row of each key, with its key as ``_vf_key``."""
    ranked = exp.select(
        *[col(c) for c in source.columns],
        exp.alias_(partition_key, "_vf_key", quoted=True),
        exp.alias_(exp.Window(this=exp.RowNumber(), partition_by=[partition_key.copy()],
                              order=exp.Order(expressions=[exp.Ordered(this=col(ORDER),
                                                                       desc=True)])),
                   "_vf_rank", quoted=True),
    ).from_(source.as_subquery("f"))
    return exp.select(*[col(c) for c in source.columns], col("_vf_key"),
                      exp.alias_(exp.true(), "_vf_hit", quoted=True)).from_(
        ranked.subquery("r")).where(exp.EQ(this=col("_vf_rank"), expression=exp.Literal.number(1)))


def _default(default: Any, kind: VegaType, where: str) -> tuple[exp.Expression, VegaType]:
    """The value written when nothing matches, and the column's type with it."""
    if default is None:
        return typed_null(kind), kind
    typed = literal(default)
    if typed.type is not kind:
        raise UnsupportedError(f"the default {default!r} would mix {typed.type.value} and "
                               f"{kind.value} values in one column", path=where)
    return typed.sql, kind
