"""Vega's ``stack`` transform (vega-encode): y0/y1 of each row within its stack, rows unmoved.

Stacks are the groups of ``groupby`` (keyed by ``JSON.stringify`` of the values: null, NaN and
+-Infinity are one key, as JSON writes them all as null). Within a stack rows are visited in
``sort`` order (ties: input order). Offsets:

- zero: positive values (and NaN) pile up from 0, negative values pile down from 0 separately;
  the value is ``+field`` (null -> 0, strings as JavaScript converts them).
- center: each stack is centred on half the largest stack's sum of ``|value|``.
- normalize: cumulative ``|value|`` divided by the stack's sum.

The output order is the input order (the transform only adds fields).
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..expression.sql_functions import to_number
from ..expression.types import Typed, VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name, \
    select_from
from .collect import _sort_keys, vega_order_by
from .fold import string_list
from .registry import register

_NAN = exp.cast(exp.Literal.string("NaN"), sql_type("DOUBLE"))


def json_key(rel: Relation, name: str) -> exp.Expression | None:
    """A grouping expression equal exactly when ``JSON.stringify`` of the values is."""
    if name not in rel.columns:
        return None  # undefined for every row: one key
    if rel.columns[name] is VegaType.NUMBER:
        # NaN and +-Infinity are written as null.
        return exp.If(this=exp.Anonymous(this="isfinite", expressions=[col(name)]),
                      true=col(name))
    return col(name)


def number_of(rel: Relation, spec: object, path: str) -> exp.Expression:
    """``+field(t)`` as a DOUBLE; a missing field reads undefined (NaN); no field reads 1."""
    if spec is None:
        return exp.cast(exp.Literal.number(1), sql_type("DOUBLE"))
    name = field_name(spec, path)
    if name not in rel.columns:
        return _NAN
    return js_number(col(name), rel.columns[name])


def js_number(value: exp.Expression, kind: VegaType) -> exp.Expression:
    """``+value`` as a DOUBLE that is never NULL (null -> 0)."""
    if kind is VegaType.DATE:
        # Cast first: DuckDB's epoch_ms fails on TIMESTAMP_MS columns (Arrow timestamp[ms]).
        value = exp.cast(value, sql_type("TIMESTAMP"))
    return to_number(Typed(value, kind)).sql


def _sum(value: exp.Expression, partition: list[exp.Expression],
         order: list[exp.Ordered] | None, frame_end: str | None) -> exp.Expression:
    """SUM(value) over the stack, cumulated in stack order up to ``frame_end``."""
    spec = None
    if frame_end == "CURRENT ROW":
        spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                              end="CURRENT ROW")
    elif frame_end is not None:  # "1 PRECEDING": the rows before this one
        spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                              end=exp.Literal.number(1), end_side="PRECEDING")
    return exp.Window(this=exp.Sum(this=value), partition_by=partition or None,
                      order=exp.Order(expressions=order) if order else None, spec=spec)


@register
class Stack(Transform):
    type = "stack"
    params = (
        Param("field", "field"),
        Param("groupby", "field", array=True),
        Param("sort", "compare"),
        Param("offset", "enum", values=("zero", "center", "normalize"), default="zero"),
        Param("as", "string", array=True, length=2, default=["y0", "y1"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        y0_as, y1_as = string_list(self.param("as", ctx), "as", self.where, 2)
        value = number_of(rel, self.param("field", ctx), f"{self.where}.field")
        groupby = [field_name(f, f"{self.where}.groupby[{i}]")
                   for i, f in enumerate(self.param("groupby", ctx) or [])]
        partition = [k for k in (json_key(rel, g) for g in groupby) if k is not None]
        keys = _sort_keys(self.param("sort", ctx), f"{self.where}.sort")
        order = vega_order_by(rel, keys)
        offset = self.param("offset", ctx)
        inner = select_from(rel, *[col(c) for c in rel.columns], col(ORDER),
                            exp.alias_(value, "_vf_v", quoted=True))
        v = col("_vf_v")
        if offset == "zero":
            windows, (y0, y1) = _zero(v, partition, order)
        else:
            windows, (y0, y1) = _center_or_normalize(v, partition, order, offset == "center")
        # Window values are computed one level down: center needs a window over a window.
        middle = exp.select(*[col(c) for c in rel.columns], col(ORDER), v.copy(),
                            *[exp.alias_(w, n, quoted=True) for n, w in windows.items()]
                            ).from_(inner.subquery("s"))
        columns = {**rel.columns, y0_as: VegaType.NUMBER}
        columns[y1_as] = VegaType.NUMBER
        outputs = {name: col(name) for name in rel.columns}
        outputs[y0_as], outputs[y1_as] = y0, y1
        query = exp.select(*[exp.alias_(outputs[n], n, quoted=True) for n in columns],
                           col(ORDER)).from_(middle.subquery("m"))
        return Relation(query=query, columns=columns)


_ZERO = exp.cast(exp.Literal.number(0), sql_type("DOUBLE"))
Windows = dict[str, exp.Expression]


def _zero(v: exp.Expression, partition: list[exp.Expression], order: list[exp.Ordered]
          ) -> tuple[Windows, tuple[exp.Expression, exp.Expression]]:
    # Negative values pile down from 0, the others (NaN included: NaN < 0 is false) pile up.
    def negative() -> exp.Expression:
        return exp.LT(this=v.copy(), expression=exp.Literal.number(0))

    pos = exp.If(this=negative(), true=_ZERO.copy(), false=v.copy())
    neg = exp.If(this=negative(), true=v.copy(), false=_ZERO.copy())
    windows = {"_vf_pos": _sum(pos, partition, order, "1 PRECEDING"),
               "_vf_neg": _sum(neg, partition, order, "1 PRECEDING")}
    before_pos = exp.Coalesce(this=col("_vf_pos"), expressions=[_ZERO.copy()])
    before_neg = exp.Coalesce(this=col("_vf_neg"), expressions=[_ZERO.copy()])
    y0 = exp.If(this=negative(), true=before_neg, false=before_pos)
    return windows, (y0, exp.Add(this=y0.copy(), expression=v.copy()))


def _center_or_normalize(v: exp.Expression, partition: list[exp.Expression],
                         order: list[exp.Ordered], center: bool
                         ) -> tuple[Windows, tuple[exp.Expression, exp.Expression]]:
    size = exp.Abs(this=v.copy())
    windows = {"_vf_total": _sum(size, partition, None, None),
               "_vf_before": _sum(size.copy(), partition, order, "1 PRECEDING"),
               "_vf_upto": _sum(size.copy(), partition, order, "CURRENT ROW")}
    total, before = col("_vf_total"), col("_vf_before")
    if center:
        # The largest stack sum (NaN sums never win: `s > max` is false), at least 0.
        finite = exp.If(this=exp.Anonymous(this="isnan", expressions=[total.copy()]),
                        true=exp.Null(), false=total.copy())
        largest = exp.Greatest(this=_ZERO.copy(), expressions=[
            exp.Coalesce(this=exp.Window(this=exp.Max(this=finite)),
                         expressions=[_ZERO.copy()])])
        start = exp.Div(this=exp.Paren(this=exp.Sub(this=largest, expression=total.copy())),
                        expression=exp.Literal.number(2))
        y0 = exp.Add(this=start, expression=exp.Coalesce(this=before,
                                                         expressions=[_ZERO.copy()]))
        return windows, (y0, exp.Add(this=y0.copy(), expression=exp.Abs(this=v.copy())))
    scale = exp.Div(this=exp.Literal.number(1), expression=total)
    # The first row's y0 is the literal 0 (not scale * 0, which is NaN for an empty sum).
    y0 = exp.Coalesce(this=exp.Mul(this=scale, expression=before), expressions=[_ZERO.copy()])
    return windows, (y0, exp.Mul(this=scale.copy(), expression=col("_vf_upto")))
