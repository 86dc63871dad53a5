"""Vega's ``impute`` transform: new rows for the key values a group lacks.

As vega-transforms does it:

- the key domain is ``keyvals`` followed by the keys of the data in order of first appearance;
  keys are compared by ``String(key)`` (so null equals the string "null");
- groups are keyed by ``String([groupby values])`` in order of first appearance;
- a group holds, per key, its *last* row with that key; a domain entry the group does not hold
  gets a new row ``{_impute: true, groupby values of the group's first row, key, field: value}``.
  A key listed twice in ``keyvals`` only counts at its last position, so the earlier position
  is always imputed;
- the value is ``value`` (method "value") or d3's mean, median, min or max of the field over the
  rows the group holds;
- output: the input rows, then the imputed rows by group and domain position.
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.jsvalues import to_string as js_to_string
from ..expression.sql_functions import literal
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .fold import accessor_name, renumber, typed_null
from .quantile import joined_key, quantile_sorted
from .registry import register

_METHODS = ("value", "mean", "median", "max", "min")


def _js_type(value: Any) -> VegaType | None:
    return None if value is None else literal(value).type


def _key_sql(value: exp.Expression, kind: VegaType) -> exp.Expression:
    """The key as compared: String() equality is value equality, except null vs "null"."""
    if kind is VegaType.STRING:
        return exp.Coalesce(this=value, expressions=[exp.Literal.string("null")])
    return value


def _same(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return exp.NullSafeEQ(this=left, expression=right)


@register
class Impute(Transform):
    type = "impute"
    params = (
        Param("field", "field", required=True),
        Param("key", "field", required=True),
        Param("keyvals", "any", array=True),
        Param("groupby", "field", array=True),
        Param("method", "enum", values=_METHODS, default="value"),
        Param("value", "any", default=0),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        key = field_name(self.param("key", ctx), f"{self.where}.key")
        field_out = accessor_name(self.param("field", ctx), f"{self.where}.field")
        key_out = accessor_name(self.param("key", ctx), f"{self.where}.key")
        specs = self.param("groupby", ctx) or []
        groupby = [field_name(g, f"{self.where}.groupby[{i}]") for i, g in enumerate(specs)]
        group_out = [accessor_name(g, f"{self.where}.groupby[{i}]") for i, g in enumerate(specs)]
        keyvals = self.param("keyvals", ctx)
        method = self.param("method", ctx)
        if key not in rel.columns:
            if keyvals:
                raise UnsupportedError("keyvals for a key field the rows do not have",
                                       path=self.where)
            # One key (undefined) held by every group: nothing to impute.
            return _with_impute_flag(rel)
        key_kind = rel.columns[key]
        keyvals = self._check_keyvals(keyvals or [], key_kind)
        value_sql, field_kind = self._value(rel, field, method, ctx)

        columns = dict(rel.columns)
        for name, kind in [*zip(group_out, [rel.columns.get(g, VegaType.NUMBER) for g in groupby]),
                           (key_out, key_kind), (field_out, field_kind)]:
            columns.setdefault(name, kind)
        columns.setdefault("_impute", VegaType.BOOLEAN)

        based = self._base(rel, groupby, key, key_kind)
        domain = self._domain(keyvals, key, key_kind)
        groups = self._groups(rel, groupby)
        values = self._group_values(rel, field, method, value_sql)
        present = exp.select(col("_vf_g"), col("_vf_kk"), exp.alias_(
            exp.true(), "_vf_held", quoted=True)).from_(exp.to_table("b")).distinct()
        held = exp.And(this=exp.column("_vf_eff", table="d", quoted=True), expression=exp.Not(
            this=exp.Is(this=exp.column("_vf_held", table="p", quoted=True),
                        expression=exp.Null())))
        imputed_cols: dict[str, exp.Expression] = {}
        for i, name in enumerate(group_out):
            imputed_cols[name] = exp.column(f"_vf_d{i}", table="g", quoted=True)
        imputed_cols[key_out] = exp.column("_vf_kval", table="d", quoted=True)
        imputed_cols[field_out] = exp.column("_vf_val", table="v", quoted=True)
        imputed_cols["_impute"] = exp.true()
        imputed = exp.select(
            *[exp.alias_(imputed_cols.get(c, typed_null(k)), c, quoted=True)
              for c, k in columns.items()],
            exp.alias_(exp.Literal.number(1), "_vf_part", quoted=True),
            exp.alias_(exp.column("_vf_first", table="g", quoted=True), "_vf_a", quoted=True),
            exp.alias_(exp.column("_vf_pos", table="d", quoted=True), "_vf_b", quoted=True),
        ).from_(exp.alias_(groups, "g", table=True)).join(
            exp.alias_(domain, "d", table=True), join_type="cross").join(
            present.subquery("p"), join_type="left", on=exp.and_(
                exp.EQ(this=exp.column("_vf_g", table="p", quoted=True),
                       expression=exp.column("_vf_g", table="g", quoted=True)),
                _same(exp.column("_vf_kk", table="p", quoted=True),
                      exp.column("_vf_kk", table="d", quoted=True)))).join(
            exp.alias_(values, "v", table=True), join_type="left", on=exp.EQ(
                this=exp.column("_vf_g", table="v", quoted=True),
                expression=exp.column("_vf_g", table="g", quoted=True))).where(
            exp.Not(this=exp.Paren(this=held)))
        original = exp.select(
            *[exp.alias_(col(c) if c in rel.columns else typed_null(k), c, quoted=True)
              for c, k in columns.items()],
            exp.alias_(exp.Literal.number(0), "_vf_part", quoted=True),
            exp.alias_(col(ORDER), "_vf_a", quoted=True),
            exp.alias_(exp.Literal.number(0), "_vf_b", quoted=True),
        ).from_(exp.to_table("b"))
        union = exp.union(original, imputed, distinct=False)
        query = exp.select(*[col(c) for c in columns], exp.alias_(
            renumber(col("_vf_part"), col("_vf_a"), col("_vf_b")), ORDER, quoted=True)
        ).from_(union.subquery("u")).with_("b", as_=based)
        return Relation(query=query, columns=columns)

    # -- parts --------------------------------------------------------------------------------
    def _check_keyvals(self, keyvals: list, kind: VegaType) -> list:
        for v in keyvals:
            if v is not None and _js_type(v) is not kind:
                raise UnsupportedError(f"keyval {v!r} is not a {kind.value} like the key field",
                                       path=f"{self.where}.keyvals")
        return keyvals

    def _value(self, rel: Relation, field: str, method: str,
               ctx: TransformContext) -> tuple[exp.Expression | None, VegaType]:
        kind = rel.columns.get(field)
        if method != "value":
            if kind not in (None, VegaType.NUMBER):
                raise UnsupportedError(f"impute method {method!r} over {kind.value} values",
                                       path=self.where)
            return None, VegaType.NUMBER
        # `value: null` imputes null; an absent value imputes 0.
        value = None if "value" in self.spec and self.spec["value"] is None \
            else self.param("value", ctx)
        if value is None:
            return typed_null(kind or VegaType.NUMBER), kind or VegaType.NUMBER
        typed = literal(value)
        if typed.type not in (VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN):
            raise UnsupportedError(f"imputing the value {value!r}", path=self.where)
        if kind is not None and typed.type is not kind:
            raise UnsupportedError(f"imputing {value!r} would mix {typed.type.value} and "
                                   f"{kind.value} values in one column", path=self.where)
        return typed.sql, typed.type

    def _base(self, rel: Relation, groupby: list[str], key: str,
              kind: VegaType) -> exp.Select:
        """The rows with a group number ``_vf_g`` and the compared key ``_vf_kk``."""
        parts = joined_key(rel, groupby)
        group = exp.Window(this=exp.Anonymous(this="dense_rank", expressions=[]), order=exp.Order(
            expressions=[exp.Ordered(this=p, nulls_first=True) for p in parts])) if parts \
            else exp.Literal.number(1)
        return exp.select(*[col(c) for c in rel.columns], col(ORDER),
                          exp.alias_(group, "_vf_g", quoted=True),
                          exp.alias_(_key_sql(col(key), kind), "_vf_kk", quoted=True)
                          ).from_(rel.as_subquery("t"))

    def _domain(self, keyvals: list, key: str, kind: VegaType) -> exp.Expression:
        """(_vf_pos, _vf_kk, _vf_kval, _vf_eff): keyvals, then the data's other keys."""
        last: dict[str, int] = {}
        for i, v in enumerate(keyvals):
            last[js_to_string(v)] = i  # vega's kMap: the last position of a key string wins
        listed = [exp.select(
            exp.alias_(exp.Literal.number(i), "_vf_pos", quoted=True),
            exp.alias_(_key_sql(self._literal(v, kind), kind), "_vf_kk", quoted=True),
            exp.alias_(self._literal(v, kind), "_vf_kval", quoted=True),
            exp.alias_(exp.Boolean(this=last[js_to_string(v)] == i), "_vf_eff", quoted=True))
            for i, v in enumerate(keyvals)]
        in_listed = [_same(col("_vf_kk"), _key_sql(self._literal(v, kind), kind))
                     for v in keyvals]
        found = exp.select(
            col("_vf_kk"),
            exp.alias_(exp.Anonymous(this="arg_min_null", expressions=[col(key), col(ORDER)]),
                       "_vf_kval", quoted=True),
            exp.alias_(exp.Min(this=col(ORDER)), "_vf_first", quoted=True),
        ).from_(exp.to_table("b")).group_by(col("_vf_kk"))
        if in_listed:
            found = found.having(exp.Not(this=exp.Paren(this=exp.or_(*in_listed))))
        data = exp.select(
            exp.alias_(exp.Add(this=exp.Literal.number(len(keyvals) - 1), expression=renumber(
                col("_vf_first"))), "_vf_pos", quoted=True),
            col("_vf_kk"), col("_vf_kval"), exp.alias_(exp.true(), "_vf_eff", quoted=True),
        ).from_(found.subquery("f"))
        parts: list[exp.Select] = [*listed, data]
        domain: exp.Expression = parts[0]
        for part in parts[1:]:
            domain = exp.union(domain, part, distinct=False)
        return exp.Subquery(this=domain)

    def _literal(self, value: Any, kind: VegaType) -> exp.Expression:
        return typed_null(kind) if value is None else exp.cast(
            literal(value).sql, {VegaType.NUMBER: "DOUBLE", VegaType.STRING: "VARCHAR",
                                 VegaType.BOOLEAN: "BOOLEAN"}.get(kind, "DOUBLE"))

    def _groups(self, rel: Relation, groupby: list[str]) -> exp.Expression:
        """Each group's number, first position and group values (of its first row)."""
        ranked = exp.select(exp.Star(), exp.alias_(exp.Window(
            this=exp.RowNumber(), partition_by=[col("_vf_g")],
            order=exp.Order(expressions=[exp.Ordered(this=col(ORDER))])), "_vf_rn", quoted=True)
        ).from_(exp.to_table("b"))
        dims = [exp.alias_(col(g) if g in rel.columns else typed_null(VegaType.NUMBER),
                           f"_vf_d{i}", quoted=True) for i, g in enumerate(groupby)]
        return exp.Subquery(this=exp.select(
            col("_vf_g"), exp.alias_(col(ORDER), "_vf_first", quoted=True), *dims,
        ).from_(ranked.subquery("r")).where(exp.EQ(this=col("_vf_rn"),
                                                   expression=exp.Literal.number(1))))

    def _group_values(self, rel: Relation, field: str, method: str,
                      constant: exp.Expression | None) -> exp.Expression:
        """(_vf_g, _vf_val): the value imputed in each group."""
        if constant is not None:
            return exp.Subquery(this=exp.select(col("_vf_g"), exp.alias_(
                constant, "_vf_val", quoted=True)).from_(exp.to_table("b")).distinct())
        # The rows a group holds: its last row of each key.
        last = exp.select(exp.Star(), exp.alias_(exp.Window(
            this=exp.RowNumber(), partition_by=[col("_vf_g"), col("_vf_kk")],
            order=exp.Order(expressions=[exp.Ordered(this=col(ORDER), desc=True)])),
            "_vf_rn", quoted=True)).from_(exp.to_table("b"))
        value = col(field) if field in rel.columns else typed_null(VegaType.NUMBER)
        valid = exp.And(this=exp.Not(this=exp.Is(this=value, expression=exp.Null())),
                        expression=exp.Not(this=exp.Anonymous(this="isnan",
                                                              expressions=[value.copy()])))
        if method == "median":
            values = exp.Anonymous(this="list_sort", expressions=[exp.Filter(
                this=exp.Anonymous(this="list", expressions=[value.copy()]),
                expression=exp.Where(this=valid))])
            aggregate = quantile_sorted(values, 0.5)
        else:
            fn = {"mean": exp.Avg, "min": exp.Min, "max": exp.Max}[method]
            aggregate = exp.Filter(this=fn(this=value.copy()), expression=exp.Where(this=valid))
        if field not in rel.columns:
            aggregate = typed_null(VegaType.NUMBER)  # +undefined is NaN: no valid value
        return exp.Subquery(this=exp.select(col("_vf_g"), exp.alias_(
            aggregate, "_vf_val", quoted=True)).from_(last.subquery("l")).where(
            exp.EQ(this=col("_vf_rn"), expression=exp.Literal.number(1))).group_by(col("_vf_g")))


def _with_impute_flag(rel: Relation) -> Relation:
    """The rows unchanged, with the ``_impute`` field (unset: null) that imputed rows carry."""
    columns = {**rel.columns}
    columns.setdefault("_impute", VegaType.BOOLEAN)
    query = exp.select(*[col(c) if c in rel.columns else exp.alias_(
        typed_null(VegaType.BOOLEAN), c, quoted=True) for c in columns], col(ORDER)).from_(
        rel.as_subquery("t"))
    return Relation(query=query, columns=columns)
