"""Vega's ``quantile`` transform: one row per group and probability, as d3's quantileSorted.

Groups (vega-transforms' ``partition``) are keyed by ``String([values])``: the values joined by
commas, null and undefined written as empty strings; they come out in order of first appearance,
with the group fields of the group's first row. Without ``groupby`` there is always one group,
even for empty input (whose quantiles are undefined). Values are those vega-statistics'
``numbers`` keeps (not null, not "", ``+value`` not NaN), sorted ascending;
``quantileSorted(values, p)`` interpolates between ``values[floor((n-1)p)]`` and the next one.

This module also holds the group-key helpers that dotbin and impute share.
"""

from __future__ import annotations

import math
import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression.sql_functions import number_sql, to_string
from ..expression.types import Typed, VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .fold import accessor_name, renumber, string_list, typed_null
from .registry import register
from .stack import js_number

EPSILON = 1e-14


def joined_key(rel: Relation, names: list[str]) -> list[exp.Expression]:
    """Grouping expressions equal exactly when ``String([v1, v2, ...])`` is equal.

    Without a string field no part can hold a comma, so the parts themselves are the key; null
    and "" meet only in string fields. With strings among several fields, the joined string
    itself is built (JavaScript's number to string conversion included).
    """
    present = [n for n in names if n in rel.columns]
    kinds = [rel.columns[n] for n in present]
    if VegaType.STRING not in kinds:
        return [col(n) for n in present]
    if len(names) == 1:
        return [exp.Coalesce(this=col(names[0]), expressions=[exp.Literal.string("")])]
    parts: list[exp.Expression] = []
    for name in names:
        kind = rel.columns.get(name)
        if kind is None:
            parts.append(exp.Literal.string(""))
            continue
        value = js_number(col(name), kind) if kind is VegaType.DATE else col(name)
        text = to_string(Typed(value, VegaType.NUMBER if kind is VegaType.DATE else kind)).sql
        parts.append(exp.If(this=exp.Is(this=col(name), expression=exp.Null()),
                            true=exp.Literal.string(""), false=text))
    return [exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string(","), *parts])]


def first_of_group(key: list[exp.Expression]) -> exp.Expression:
    """1 for the first row (in input order) of each group."""
    return exp.Window(this=exp.RowNumber(), partition_by=[k.copy() for k in key] or None,
                      order=exp.Order(expressions=[exp.Ordered(this=col(ORDER))]))


def valid_number(rel: Relation, name: str) -> tuple[exp.Expression, exp.Expression]:
    """(``+value``, whether vega-statistics' ``numbers`` keeps the value) for field ``name``."""
    kind = rel.columns.get(name)
    if kind is None:
        return typed_null(VegaType.NUMBER), exp.false()
    number = js_number(col(name), kind)
    keep = exp.And(this=exp.Not(this=exp.Is(this=col(name), expression=exp.Null())),
                   expression=exp.Not(this=exp.Anonymous(this="isnan", expressions=[number])))
    if kind is VegaType.STRING:
        keep = exp.And(this=keep, expression=exp.NEQ(this=col(name),
                                                     expression=exp.Literal.string("")))
    return number.copy(), keep


def quantile_sorted(values: exp.Expression, p: float) -> exp.Expression:
    """d3-array's quantileSorted of a sorted DOUBLE list and a constant probability."""
    n = exp.Anonymous(this="len", expressions=[values])

    def at(index: exp.Expression) -> exp.Expression:
        # 0-based, as in JavaScript; list_extract counts from 1. (sqlglot's Bracket rewrites
        # index offsets on its own, not always.)
        return exp.Anonymous(this="list_extract", expressions=[
            values.copy(), exp.Add(this=index, expression=exp.Literal.number(1))])

    if math.isnan(p):
        return typed_null(VegaType.NUMBER)
    empty = exp.EQ(this=n, expression=exp.Literal.number(0))
    if p <= 0:
        value = at(exp.Literal.number(0))
    elif p >= 1:
        value = at(exp.Sub(this=n.copy(), expression=exp.Literal.number(1)))
    else:
        i = exp.Mul(this=exp.Paren(this=exp.Sub(this=n.copy(), expression=exp.Literal.number(1))),
                    expression=number_sql(p))
        i0 = exp.cast(exp.Floor(this=i), "BIGINT")
        v0 = at(i0)
        v1 = at(exp.Add(this=i0.copy(), expression=exp.Literal.number(1)))
        step = exp.Paren(this=exp.Sub(this=i.copy(), expression=i0.copy()))
        interpolated = exp.Add(this=v0, expression=exp.Mul(
            this=exp.Paren(this=exp.Sub(this=v1, expression=v0.copy())), expression=step))
        value = exp.If(this=exp.LT(this=n.copy(), expression=exp.Literal.number(2)),
                       true=at(exp.Literal.number(0)), false=interpolated)
    return exp.If(this=empty, true=typed_null(VegaType.NUMBER), false=value)


def d3_range(start: float, stop: float, step: float) -> list[float]:
    """d3.range(start, stop, step)."""
    count = (stop - start) / step if step else math.nan
    n = max(0, math.ceil(count)) if not math.isnan(count) and not math.isinf(count) else 0
    return [start + i * step for i in range(n)]


@register
class Quantile(Transform):
    type = "quantile"
    params = (
        Param("groupby", "field", array=True),
        Param("field", "field", required=True),
        Param("probs", "number", array=True),
        Param("step", "number", default=0.01),
        Param("as", "string", array=True, default=["prob", "value"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        prob_as, value_as = string_list(self.param("as", ctx), "as", self.where)[:2]
        probs = self._probs(ctx)
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        specs = self.param("groupby", ctx) or []
        groupby = [field_name(f, f"{self.where}.groupby[{i}]") for i, f in enumerate(specs)]
        dims = [accessor_name(f, f"{self.where}.groupby[{i}]") for i, f in enumerate(specs)]
        key = joined_key(rel, groupby)
        number, keep = valid_number(rel, field)
        values = exp.Anonymous(this="list_sort", expressions=[
            exp.Filter(this=exp.Anonymous(this="list", expressions=[number]),
                       expression=exp.Where(this=keep))])
        firsts = [exp.alias_(exp.Anonymous(this="arg_min_null", expressions=[
            col(g) if g in rel.columns else typed_null(VegaType.NUMBER), col(ORDER)]),
            f"_vf_d{i}", quoted=True) for i, g in enumerate(groupby)]
        grouped = exp.select(*firsts, exp.alias_(exp.Min(this=col(ORDER)), "_vf_first",
                                                 quoted=True),
                             exp.alias_(values, "_vf_values", quoted=True)
                             ).from_(rel.as_subquery("t"))
        if groupby:
            # Group fields missing from every row make one group, and none for empty input.
            grouped = grouped.group_by(*(key or [exp.Literal.string("")]))
        probs_table = exp.Values(
            expressions=[exp.Tuple(expressions=[exp.Literal.number(i), number_sql(p)])
                         for i, p in enumerate(probs)] or [exp.Tuple(expressions=[
                             exp.Literal.number(0), number_sql(0)])],
            alias=exp.TableAlias(this=exp.to_identifier("p"), columns=[
                exp.to_identifier("_vf_i"), exp.to_identifier("_vf_p")]))
        value = exp.Case(this=exp.column("_vf_i", table="p"))
        for i, p in enumerate(probs):
            value = value.when(exp.Literal.number(i), quantile_sorted(col("_vf_values"), p))
        value = value.else_(typed_null(VegaType.NUMBER)) if probs else typed_null(VegaType.NUMBER)
        columns: dict[str, VegaType] = {}
        outputs: dict[str, exp.Expression] = {}
        for i, (name, source) in enumerate(zip(dims, groupby)):
            outputs[name] = col(f"_vf_d{i}")
            columns[name] = rel.columns.get(source, VegaType.NUMBER)
        outputs[prob_as], columns[prob_as] = exp.column("_vf_p", table="p"), VegaType.NUMBER
        outputs[value_as], columns[value_as] = value, VegaType.NUMBER
        query = exp.select(
            *[exp.alias_(outputs[n], n, quoted=True) for n in columns],
            exp.alias_(renumber(col("_vf_first"), exp.column("_vf_i", table="p")), ORDER,
                       quoted=True),
        ).from_(grouped.subquery("g")).join(probs_table, join_type="cross")
        if not probs:
            query = query.where(exp.false())
        return Relation(query=query, columns=columns)

    def _probs(self, ctx: TransformContext) -> list[float]:
        probs = self.param("probs", ctx)
        if probs is not None:
            if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in probs):
                raise SpecError("probs must be numbers", path=self.where)
            return [float(p) for p in probs]
        step = self.param("step", ctx) or 0.01
        return d3_range(step / 2, 1 - EPSILON, float(step))
