"""Vega's ``pivot`` transform: one output column per distinct value of ``field``.

vega-transforms shoehorns pivot into aggregate: it collects the distinct values of ``field``
(distinct by ``String(value)``, first seen kept), sorts them with vega-util's ``ascending``,
keeps the first ``limit`` (``slice(0, limit)``, so a negative limit drops the last ones), and
aggregates ``value`` with ``op`` once per key over the rows whose ``field`` is that key
(``===``); other rows read NaN, which every op but ``count`` ignores. The column of key ``k`` is
named ``String(k)``.

The column names come from the data, and compiling never runs a query. So pivot compiles in two
phases: ``keys_query`` is the one-row query whose single LIST value is the sorted distinct keys;
the runtime runs it and binds the result under ``keys_signal`` (in ``ctx.produced_signals`` as a
value, or in ``ctx.signals``), then compiles again. Until the keys are bound, ``to_sql`` leaves
the query in ``ctx.produced_signals[keys_signal]`` and raises UnsupportedError.
"""

from __future__ import annotations

import math
from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.jsvalues import to_string as js_to_string
from ..expression.sql_functions import literal
from ..expression.types import VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .ops import VALID_AGGREGATE_OPS
from .registry import TRANSFORMS, register

_NAN = exp.cast(exp.Literal.string("NaN"), sql_type("DOUBLE"))
# Ops that read the rows themselves (objects) rather than the value.
_OBJECT_OPS = ("values", "argmin", "argmax")


@register
class Pivot(Transform):
    type = "pivot"
    params = (
        Param("groupby", "field", array=True),
        Param("field", "field", required=True),
        Param("value", "field", required=True),
        Param("op", "enum", values=VALID_AGGREGATE_OPS, default="sum"),
        Param("limit", "number", default=0),
        Param("key", "field"),
    )

    @property
    def keys_signal(self) -> str:
        """The name under which the runtime binds the result of ``keys_query``."""
        return f"pivot_keys:{self.path}"

    def keys_query(self, rel: Relation, ctx: TransformContext) -> exp.Select:
        """One row, one LIST column: the distinct keys in vega-util's ascending order."""
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        kind = rel.columns.get(field)
        if kind is None:
            # undefined everywhere: one key, undefined (a null here).
            return exp.select(exp.Anonymous(this="list_value", expressions=[exp.Null()]))
        if kind not in (VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN, VegaType.DATE):
            raise UnsupportedError(f"pivot on {kind.value} values", path=self.where)
        # Distinct by String(key): null meets "null", -0 meets 0; the first seen is kept.
        if kind is VegaType.STRING:
            distinct = exp.Coalesce(this=col(field), expressions=[exp.Literal.string("null")])
        elif kind is VegaType.NUMBER:
            distinct = exp.Add(this=col(field), expression=exp.Literal.number(0))
        else:
            distinct = col(field)
        firsts = exp.select(exp.alias_(exp.Anonymous(this="arg_min_null", expressions=[
            col(field), col(ORDER)]), "_vf_k", quoted=True)).from_(rel.as_subquery("t")).group_by(
            distinct)
        # ascending: null first, then NaN, then values.
        ordered = exp.Order(this=col("_vf_k"), expressions=[
            exp.Ordered(this=exp.Is(this=col("_vf_k"), expression=exp.Null()), desc=True),
            *([exp.Ordered(this=exp.Anonymous(this="isnan", expressions=[col("_vf_k")]),
                           desc=True)] if kind is VegaType.NUMBER else []),
            exp.Ordered(this=col("_vf_k"))])
        return exp.select(exp.alias_(exp.Coalesce(
            this=exp.Anonymous(this="list", expressions=[ordered]),
            expressions=[exp.Array(expressions=[])]), "_vf_keys", quoted=True)).from_(
            firsts.subquery("k"))

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        keys = self._bound_keys(ctx)
        if keys is None:
            ctx.produced_signals[self.keys_signal] = self.keys_query(rel, ctx)
            raise UnsupportedError(
                f"pivot's column names come from the data: run the produced query "
                f"{self.keys_signal!r} and bind its value, then compile again", path=self.where)
        keys = self._limited(keys, ctx)
        op = self.param("op", ctx)
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        value = field_name(self.param("value", ctx), f"{self.where}.value")
        if op in _OBJECT_OPS:
            raise UnsupportedError(f"pivot with op {op!r} puts rows (objects) in cells",
                                   path=self.where)
        value_kind = rel.columns.get(value, VegaType.NUMBER)
        if op != "count" and value_kind is not VegaType.NUMBER:
            raise UnsupportedError(f"pivot of {value_kind.value} values: rows of other keys "
                                   "read NaN, which such a column cannot hold", path=self.where)
        names = [js_to_string(k) for k in keys]
        if len(set(names)) != len(names):
            raise UnsupportedError("pivot keys with equal names", path=self.where)
        # One column per key: the value where the field is the key (===), NaN elsewhere.
        # Vega's pivot count counts the matching rows (whatever their value): 1s, counted valid.
        source = exp.cast(col(value), "DOUBLE") if value in rel.columns and op != "count" \
            else exp.cast(exp.Literal.number(1 if op == "count" else 0), "DOUBLE")
        if value not in rel.columns and op != "count":
            source = exp.cast(exp.Null(), "DOUBLE")  # undefined
        helpers = [exp.alias_(self._value_for(rel, field, source, k), f"_vf_p{i}", quoted=True)
                   for i, k in enumerate(keys)]
        widened = Relation(
            query=exp.select(*[col(c) for c in rel.columns], *helpers, col(ORDER)).from_(
                rel.as_subquery("t")),
            columns={**rel.columns, **{f"_vf_p{i}": VegaType.NUMBER for i in range(len(keys))}})
        spec: dict[str, Any] = {"type": "aggregate", "fields": [f"_vf_p{i}" for i in
                                                                range(len(keys))],
                                "ops": ["valid" if op == "count" else op] * len(keys),
                                "as": names}
        for name in ("groupby", "key"):
            if self.spec.get(name) is not None:
                spec[name] = self.spec[name]
        aggregate = TRANSFORMS["aggregate"](spec, self.path)
        return aggregate.to_sql(widened, ctx)

    def _bound_keys(self, ctx: TransformContext) -> list | None:
        produced = ctx.produced_signals.get(self.keys_signal)
        if produced is not None and not isinstance(produced, exp.Expression):
            return list(produced)
        bound = ctx.signals.get(self.keys_signal)
        return list(bound) if bound is not None else None

    def _limited(self, keys: list, ctx: TransformContext) -> list:
        limit = self.param("limit", ctx) or 0
        if not isinstance(limit, (int, float)) or isinstance(limit, bool) or math.isnan(limit):
            raise SpecError("limit must be a number", path=self.where)
        # JavaScript's slice(0, limit): fractional limits truncate, negative ones count back.
        return keys[:int(limit)] if limit else keys

    def _value_for(self, rel: Relation, field: str, source: exp.Expression,
                   key: Any) -> exp.Expression:
        if field not in rel.columns:
            matches: exp.Expression = exp.Boolean(this=key is None)
        elif key is None:
            matches = exp.Is(this=col(field), expression=exp.Null())
        else:
            typed = literal(key)
            if typed.type is not rel.columns[field] and not (
                    typed.type is VegaType.NUMBER and rel.columns[field] is VegaType.DATE):
                return _NAN.copy()  # === across types is false
            target = typed.sql
            if rel.columns[field] is VegaType.DATE:
                target = literal(_as_date(key)).sql
            # NaN === NaN is false: DuckDB's NaN = NaN is true, so exclude it.
            matches = exp.EQ(this=col(field), expression=target)
            if isinstance(key, float) and math.isnan(key):
                matches = exp.false()
        return exp.If(this=matches, true=source.copy(), false=_NAN.copy())


def _as_date(key: Any) -> Any:
    from ..expression.jsvalues import JSDate

    return key if isinstance(key, JSDate) else JSDate(float(key))
