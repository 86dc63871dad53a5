"""Vega's ``aggregate``: one row per group, groups in order of first appearance.

Groups are keyed as Vega keys them (see ops.group_key); each output groupby field holds the
value of the group's first row. With ``cross`` (two or more groupby fields) the missing
combinations follow the real groups, in the order Vega's nested ``for ... in`` loops produce
them: per field, integer-like keys ascending first (JavaScript object key order), then the other
keys in order of first appearance.
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..expression.types import VegaType, sql_type
from ..errors import UnsupportedError
from .base import ORDER, WEIGHT, Param, Relation, Transform, TransformContext, col, field_name
from .ops import (VALID_AGGREGATE_OPS, Measure, OpInput, aggregate_sql, as_double, empty_value,
                  filtered, fn, group_key, is_missing, is_valid, measures_from, num, result_type,
                  row_struct)
from .registry import register

_KEY = "_vf_key{}"


def group_dims(transform: Transform, ctx: TransformContext, rel: Relation
               ) -> tuple[list[str], list[exp.Expression]]:
    """The groupby field names and the SQL keys that tell groups apart (``key`` overrides)."""
    dims = [field_name(f, f"{transform.where}.groupby[{i}]")
            for i, f in enumerate(transform.param("groupby", ctx) or [])]
    key_field = transform.param("key", ctx) if any(p.name == "key" for p in transform.params) \
        else None
    key_names = [field_name(key_field, f"{transform.where}.key")] if key_field else dims
    keys = [group_key(col(name), rel.columns.get(name)) for name in key_names]
    return dims, keys


def referenced_fields(transform: Transform, ctx: TransformContext) -> list[str | None]:
    """Every field the transform reads: groupby, key and the measures' fields."""
    names = [field_name(f, transform.where) for f in transform.param("groupby", ctx) or []]
    if any(p.name == "key" for p in transform.params) and transform.param("key", ctx):
        names.append(field_name(transform.param("key", ctx), transform.where))
    names += [m.field for m in read_measures(transform, ctx)]
    return names


def measure_input(rel: Relation, m: Measure, where: str, position: exp.Expression) -> OpInput:
    return OpInput(column=col(m.field) if m.field is not None else None,
                   type=rel.columns.get(m.field) if m.field is not None else None,
                   row=row_struct(rel.columns, col), position=position, where=where,
                   row_types=dict(rel.columns))


def read_measures(transform: Transform, ctx: TransformContext) -> list[Measure]:
    return measures_from(transform.param("fields", ctx), transform.param("ops", ctx),
                         transform.param("as", ctx), transform.where, field_name)


def with_missing_fields(rel: Relation, names: list[str | None]) -> Relation:
    """``rel`` with a null column for each named field no row has (undefined in every row)."""
    missing = [n for n in dict.fromkeys(names) if n is not None and n not in rel.columns]
    if not missing:
        return rel
    nulls = [exp.alias_(exp.cast(exp.Null(), sql_type("DOUBLE")), n, quoted=True)
             for n in missing]
    query = exp.select(*[col(n) for n in rel.columns], *nulls, col(ORDER)).from_(
        rel.as_subquery("t"))
    return Relation(query=query, columns={**rel.columns, **{n: VegaType.NUMBER for n in missing}})


@register
class Aggregate(Transform):
    type = "aggregate"
    params = (
        Param("groupby", "field", array=True),
        Param("ops", "enum", array=True, values=VALID_AGGREGATE_OPS),
        Param("aggregate_params", "number", array=True),
        Param("fields", "field", array=True),
        Param("as", "string", array=True),
        Param("drop", "boolean", default=True),
        Param("cross", "boolean", default=False),
        Param("key", "field"),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        rel = with_missing_fields(rel, referenced_fields(self, ctx))
        dims, keys = group_dims(self, ctx, rel)
        measures = read_measures(self, ctx)
        key_field = self.param("key", ctx)
        columns: dict[str, VegaType] = {name: rel.columns[name] for name in dims}
        selected: dict[str, exp.Expression] = {}
        for name in dims:
            # The group's tuple takes its fields from the group's first row.
            selected[name] = fn("arg_min_null", col(name), col(ORDER))
        inputs = {}
        for m in measures:
            inp = measure_input(rel, m, self.where, col(ORDER))
            inputs[m.out] = (m, inp)
            selected[m.out] = (weighted_sql(m.op, inp) if WEIGHT in rel.columns
                               else aggregate_sql(m.op, inp))
            columns[m.out] = result_type(m.op, inp.type)
        grouped = exp.select(
            *[exp.alias_(e, name, quoted=True) for name, e in selected.items()],
            *[exp.alias_(k, _KEY.format(i), quoted=True) for i, k in enumerate(keys)],
            exp.alias_(as_double(fn("min", col(ORDER))), ORDER, quoted=True),
        ).from_(rel.as_subquery("t"))
        if keys:
            grouped = grouped.group_by(*[col(_KEY.format(i)) for i in range(len(keys))])
        else:
            # One group of all rows, and none at all without rows (Vega makes no cell then).
            grouped = grouped.having(exp.GT(this=exp.Count(this=exp.Star()),
                                            expression=exp.Literal.number(0)))
        if self.param("cross", ctx) and len(dims) > 1 and not key_field:
            query = _with_cross_product(grouped, dims, columns, inputs, len(keys))
        else:
            query = exp.select(*[col(name) for name in columns], col(ORDER)).from_(
                grouped.subquery("g"))
        return Relation(query=query, columns=columns)


def weighted_sql(op: str, inp: OpInput) -> exp.Expression:
    """``op`` over pre-aggregated rows, each standing for ``WEIGHT`` equal rows (see
    runtime/preaggregate.py): counts add the weights; distinct, min and max are unchanged."""
    if op in ("distinct", "min", "max"):
        return aggregate_sql(op, inp)
    conditions = {"count": None, "valid": is_valid, "missing": is_missing}
    if op not in conditions:
        raise UnsupportedError(f"aggregate op {op!r} over pre-aggregated rows", path=inp.where)
    total: exp.Expression = exp.Sum(this=col(WEIGHT))
    if conditions[op] is not None:
        total = filtered(total, conditions[op](inp))
    return as_double(exp.Coalesce(this=total, expressions=[num(0)]))


def _integer_like(key: exp.Expression, kind: VegaType | None) -> exp.Expression:
    """Is ``String(value)`` a canonical array index (JavaScript visits those keys first)?"""
    if kind is VegaType.NUMBER:
        return exp.and_(exp.EQ(this=key.copy(), expression=fn("floor", key.copy())),
                        exp.GTE(this=key.copy(), expression=exp.Literal.number(0)),
                        exp.LTE(this=key.copy(), expression=exp.Literal.number(4294967294)))
    if kind is VegaType.STRING:
        return exp.and_(
            fn("regexp_full_match", key.copy(), exp.Literal.string("0|[1-9][0-9]{0,9}")),
            exp.LTE(this=exp.TryCast(this=key.copy(), to=sql_type("DOUBLE")), expression=exp.Literal.number(4294967294)))
    return exp.false()


def _index_value(key: exp.Expression, kind: VegaType | None) -> exp.Expression:
    if kind is VegaType.STRING:
        return exp.TryCast(this=key.copy(), to=sql_type("DOUBLE"))
    if kind is VegaType.NUMBER:
        return key.copy()
    return exp.Literal.number(0)


def _with_cross_product(grouped: exp.Select, dims: list[str], columns: dict[str, VegaType],
                        inputs: dict[str, Any], n_keys: int) -> exp.Select:
    """Real groups, then every missing combination of groupby values (Vega's ``cross``)."""
    query = exp.select(*[col(name) for name in columns], col(ORDER)).from_("g")
    ctes: list[tuple[str, exp.Select]] = [("g", grouped)]
    domains = []
    for i, name in enumerate(dims):
        kind = columns[name]
        key = col(_KEY.format(i))
        domain = exp.select(
            exp.alias_(key.copy(), "k", quoted=True),
            # vals[i][key] = value: the last group with that key sets the value.
            exp.alias_(fn("arg_max_null", col(name), col(ORDER)), "v", quoted=True),
            exp.alias_(exp.Case(ifs=[exp.If(this=_integer_like(key, kind), true=exp.Literal.number(0))],
                                default=exp.Literal.number(1)), "c", quoted=True),
            exp.alias_(_index_value(key, kind), "i", quoted=True),
            exp.alias_(fn("min", col(ORDER)), "f", quoted=True),
        ).from_("g").group_by(key.copy())
        ctes.append((f"d{i}", domain))
        domains.append(f"d{i}")
    # Generation order: dims nested left to right, each in JavaScript key order.
    positions = []
    for d in domains:
        cls = exp.column("c", table=d, quoted=True)
        positions += [exp.Ordered(this=cls),
                      exp.Ordered(this=exp.Case(ifs=[exp.If(
                          this=exp.EQ(this=cls.copy(), expression=exp.Literal.number(0)),
                          true=exp.column("i", table=d, quoted=True))],
                          default=exp.column("f", table=d, quoted=True)))]
    existing = exp.select(exp.Literal.number(1)).from_("g").where(exp.and_(*[
        exp.NullSafeEQ(this=col(_KEY.format(i)).copy(),
                       expression=exp.column("k", table=d, quoted=True))
        for i, d in enumerate(domains)]))
    offset = exp.Subquery(this=exp.select(fn("max", col(ORDER))).from_("g"))
    generated_cols: list[exp.Expression] = []
    for name in columns:
        if name in dims:
            d = domains[dims.index(name)]
            generated_cols.append(exp.alias_(exp.column("v", table=d, quoted=True), name,
                                             quoted=True))
        else:
            m, inp = inputs[name]
            generated_cols.append(exp.alias_(exp.cast(empty_value(m.op, inp), _storage(columns[name])),
                                             name, quoted=True)
                                  if columns[name] in _SCALAR else
                                  exp.alias_(empty_value(m.op, inp), name, quoted=True))
    number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=positions), over="OVER")
    generated = exp.select(*generated_cols, exp.alias_(
        exp.Add(this=offset, expression=as_double(number)), ORDER, quoted=True))
    generated = generated.from_(domains[0])
    for d in domains[1:]:
        generated = generated.join(d, join_type="cross")
    generated = generated.where(exp.Not(this=exp.Exists(this=existing)))
    union = exp.union(query, generated, distinct=False)
    outer = exp.select(*[col(name) for name in columns], col(ORDER)).from_(union.subquery("u"))
    for name, cte in ctes:
        outer = outer.with_(name, as_=cte)
    return outer


_SCALAR = {VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN, VegaType.DATE}


def _storage(kind: VegaType) -> exp.DataType:
    from .ops import storage_type

    return storage_type(kind)
