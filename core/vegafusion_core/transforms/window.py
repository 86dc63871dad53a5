"""Vega's ``window``: per-row window ops over sorted partitions; rows keep their input order.

As vega-transforms' Window: partitions are groups (keyed as aggregate keys them), sorted by
``sort`` with input order breaking ties; ``sort`` compares with vega-util's ``ascending`` (null
and undefined first, then NaN, then values). A frame ``[a, b]`` is rows i+a .. i+b; unless
``ignorePeers`` (or without ``sort``), both ends are widened to whole peer groups, which is
neither SQL's RANGE nor GROUPS: the frame bounds are computed per row and used as ROWS offsets.
``cume_dist`` (and ``ntile``) reproduce Vega's first row, which sees 1/n whatever its peers.
"""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import VegaType
from .aggregate import group_dims, measure_input, with_missing_fields
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .ops import (VALID_AGGREGATE_OPS, Measure, aggregate_sql,
                  as_double, fn, measures_from, num, result_type, windowed)
from .registry import register

WINDOW_OPS = ("row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag",
              "lead", "first_value", "last_value", "nth_value", "prev_value", "next_value")
_WINDOW_CALLS = {"rank", "dense_rank", "cume_dist", "lag", "lead", "first_value", "last_value",
                 "nth_value"}
_FRAMED = {"first_value", "last_value", "nth_value"}
_IDX, _N, _PS, _PE, _S, _E = "_vf_idx", "_vf_n", "_vf_ps", "_vf_pe", "_vf_s", "_vf_e"


def sort_keys(spec: Any, rel: Relation, where: str) -> list[exp.Ordered]:
    """ORDER BY terms reproducing vega-util's compare: nulls, then NaN, then values."""
    if not spec:
        return []
    fields = spec["field"] if isinstance(spec["field"], list) else [spec["field"]]
    orders = spec.get("order") or []
    orders = orders if isinstance(orders, list) else [orders]
    out = []
    for i, f in enumerate(fields):
        name = field_name(f, f"{where}.sort")
        if name not in rel.columns:
            raise UnsupportedError(f"sort field {name!r} is not in the data", path=where)
        desc = i < len(orders) and orders[i] == "descending"
        column = col(name)
        rank = exp.Case(ifs=[exp.If(this=exp.Is(this=column.copy(), expression=exp.Null()),
                                    true=exp.Literal.number(0))], default=exp.Literal.number(2))
        if rel.columns[name] is VegaType.NUMBER:
            rank.append("ifs", exp.If(this=fn("isnan", column.copy()), true=exp.Literal.number(1)))
        out.append(exp.Ordered(this=rank, desc=desc))
        out.append(exp.Ordered(this=column, desc=desc, nulls_first=not desc))
    return out


@register
class Window(Transform):
    type = "window"
    params = (
        Param("sort", "compare"),
        Param("groupby", "field", array=True),
        Param("ops", "enum", array=True, values=WINDOW_OPS + VALID_AGGREGATE_OPS),
        Param("params", "number", array=True),
        Param("aggregate_params", "number", array=True),
        Param("fields", "field", array=True),
        Param("as", "string", array=True),
        Param("frame", "number", array=True, length=2, default=[None, 0]),
        Param("ignorePeers", "boolean", default=False),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        ops = self.param("ops", ctx) or []
        fields = self.param("fields", ctx) or [None] * len(ops)
        fields = fields + [None] * (len(ops) - len(fields))
        measures = measures_from(fields, ops, self.param("as", ctx), self.where, field_name,
                                 WINDOW_OPS + VALID_AGGREGATE_OPS)
        rel = with_missing_fields(rel, [m.field for m in measures] + [
            field_name(f, self.where) for f in self.param("groupby", ctx) or []])
        params = self.param("params", ctx) or []
        _, keys = group_dims(self, ctx, rel)
        sort = sort_keys(self.param("sort", ctx), rel, self.where)
        frame = list(self.param("frame", ctx) or [None, 0])
        peers = bool(sort) and not self.param("ignorePeers", ctx)
        _check_frame(frame, peers, measures, self.where)

        staged = _with_positions(rel, keys, sort, frame, peers)
        order = sort + [exp.Ordered(this=col(ORDER))]

        def window(agg: exp.Expression, spec: exp.WindowSpec | None = None,
                   ordered: list[exp.Ordered] | None = None) -> exp.Expression:
            def over(call: exp.Expression) -> exp.Expression:
                node = exp.Window(this=call, partition_by=[k.copy() for k in keys], over="OVER",
                                  order=exp.Order(expressions=[
                                      o.copy() for o in (order if ordered is None else ordered)]))
                if spec is not None:
                    node.set("spec", spec.copy())
                return node
            if isinstance(agg, exp.Anonymous) and str(agg.this).lower() in _WINDOW_CALLS \
                    or isinstance(agg, exp.IgnoreNulls):
                return over(agg)
            return windowed(agg, over)

        framed = _frame_spec(frame, peers)
        selected: dict[str, exp.Expression] = {name: col(name) for name in rel.columns}
        columns: dict[str, VegaType] = dict(rel.columns)
        for i, m in enumerate(measures):
            param = params[i] if i < len(params) else None
            if m.op in WINDOW_OPS:
                sql, kind = _window_op(m, param, rel, sort, window, framed, self.where)
            elif m.op in ("argmin", "argmax", "values"):
                raise UnsupportedError(f"window op {m.op!r} makes rows that contain rows of their "
                                       "own partition; evaluated in the browser", path=self.where)
            else:
                inp = measure_input(rel, m, self.where, col(_IDX))
                sql = window(aggregate_sql(m.op, inp), framed)
                kind = result_type(m.op, inp.type)
            selected[m.out] = sql
            columns[m.out] = kind
        query = exp.select(*[exp.alias_(e, n, quoted=True) for n, e in selected.items()],
                           col(ORDER)).from_(staged.subquery("w"))
        return Relation(query=query, columns=columns)


def _check_frame(frame: list, peers: bool, measures: list[Measure], where: str) -> None:
    a, b = frame
    for bound in (a, b):
        if bound is not None and float(bound) != int(bound):
            raise UnsupportedError("a fractional window frame is evaluated in the browser",
                                   path=where)
    if a is not None and b is not None and a > b:
        raise UnsupportedError("an empty window frame (start after end) is evaluated in the "
                               "browser: Vega's incremental frame gives no SQL equivalent",
                               path=where)
    outside = (a is not None and a > 0) or (b is not None and b < 0)
    if outside and (peers or any(m.op in _FRAMED for m in measures)):
        raise UnsupportedError("a window frame that excludes the current row is evaluated in "
                               "the browser with peers or first/last/nth_value", path=where)


def _with_positions(rel: Relation, keys: list[exp.Expression], sort: list[exp.Ordered],
                    frame: list, peers: bool) -> exp.Select:
    """The input with each row's index in its sorted partition, and its peer-widened frame."""
    order = sort + [exp.Ordered(this=col(ORDER))]
    part = [k.copy() for k in keys]
    number = exp.Window(this=exp.RowNumber(), partition_by=part, over="OVER",
                        order=exp.Order(expressions=[o.copy() for o in order]))
    size = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[k.copy() for k in keys],
                      over="OVER")
    cols = [col(n) for n in rel.columns] + [col(ORDER)]
    first = exp.select(*cols, exp.alias_(exp.Sub(this=number, expression=exp.Literal.number(1)),
                                         _IDX, quoted=True),
                       exp.alias_(size, _N, quoted=True))
    if peers:
        rank = exp.Window(this=exp.Anonymous(this="rank", expressions=[]), over="OVER",
                          partition_by=[k.copy() for k in keys],
                          order=exp.Order(expressions=[o.copy() for o in sort]))
        group = exp.Window(this=exp.Count(this=exp.Star()), over="OVER",
                           partition_by=[k.copy() for k in keys] + [o.this.copy() for o in sort])
        first = first.select(exp.alias_(exp.Sub(this=rank, expression=exp.Literal.number(1)),
                                        _PS, quoted=True),
                             exp.alias_(exp.Add(this=exp.Sub(this=rank.copy(),
                                                             expression=exp.Literal.number(1)),
                                                expression=group), _PE, quoted=True))
    first = first.from_(rel.as_subquery("t"))
    if not peers:
        return first
    a, b = frame
    inner_cols = cols + [col(_IDX), col(_N)]

    def shifted(name: str, kind: str, offset: int) -> exp.Expression:
        node = exp.Window(this=exp.Anonymous(this=kind, expressions=[col(name),
                                                                       exp.Literal.number(offset)]),
                          over="OVER",
                          partition_by=[k.copy() for k in keys],
                          order=exp.Order(expressions=[o.copy() for o in order]))
        return node if offset else col(name)

    # Vega's adjustRange: the start moves back to the first peer of row i+a, the end forward
    # to the last peer of row i+b (rows outside the partition clamp to its ends).
    start = exp.Literal.number(0) if a is None else exp.Coalesce(
        this=shifted(_PS, "lag", -int(a)), expressions=[exp.Literal.number(0)])
    end = col(_N) if b is None else exp.Coalesce(this=shifted(_PE, "lead", int(b)),
                                                 expressions=[col(_N)])
    return exp.select(*inner_cols, exp.alias_(start, _S, quoted=True),
                      exp.alias_(end, _E, quoted=True)).from_(first.subquery("p"))


def _frame_spec(frame: list, peers: bool) -> exp.WindowSpec:
    a, b = frame
    if peers:
        start: Any = "UNBOUNDED" if a is None else exp.Paren(
            this=exp.Sub(this=col(_IDX), expression=col(_S)))
        end: Any = "UNBOUNDED" if b is None else exp.Paren(
            this=exp.Sub(this=exp.Sub(this=col(_E), expression=exp.Literal.number(1)),
                         expression=col(_IDX)))
        return exp.WindowSpec(kind="ROWS", start=start, start_side="PRECEDING", end=end,
                              end_side="FOLLOWING")

    def bound(value: Any, unbounded_side: str) -> tuple[Any, str | None]:
        if value is None:
            return "UNBOUNDED", unbounded_side
        if value == 0:
            return "CURRENT ROW", None
        side = "PRECEDING" if value < 0 else "FOLLOWING"
        return exp.Literal.number(abs(int(value))), side

    start, start_side = bound(a, "PRECEDING")
    end, end_side = bound(b, "FOLLOWING")
    return exp.WindowSpec(kind="ROWS", start=start, start_side=start_side, end=end,
                          end_side=end_side)


def _positive_int(value: Any, op: str, where: str, default: int | None = None) -> int:
    number = default if value is None and default is not None else value
    if op in ("lag", "lead"):
        number = (float(value) if value is not None else 0) or 1  # Vega: +param || 1
    if number is None or not float(number) > 0:
        raise SpecError(f"{op} parameter must be greater than zero.", path=where)
    if float(number) != int(number):
        raise UnsupportedError(f"a fractional {op} parameter is evaluated in the browser",
                               path=where)
    return int(number)


def _window_op(m: Measure, param: Any, rel: Relation, sort: list[exp.Ordered], window: Any,
               framed: exp.WindowSpec, where: str) -> tuple[exp.Expression, VegaType]:
    field = col(m.field) if m.field is not None else None
    kind = rel.columns.get(m.field, VegaType.NUMBER) if m.field is not None else VegaType.NUMBER
    n = as_double(col(_N))
    row_number = as_double(exp.Add(this=col(_IDX), expression=exp.Literal.number(1)))
    if m.op == "row_number":
        return row_number, VegaType.NUMBER
    if m.op in ("rank", "dense_rank"):
        if not sort:  # without sort every row differs from the previous one
            return row_number, VegaType.NUMBER
        return as_double(window(exp.Anonymous(this=m.op, expressions=[]), ordered=sort)), \
            VegaType.NUMBER
    if m.op == "percent_rank":
        rank = row_number if not sort else as_double(
            window(exp.Anonymous(this="rank", expressions=[]), ordered=sort))
        return exp.Div(this=exp.Paren(this=exp.Sub(this=rank, expression=num(1))),
                       expression=exp.Paren(this=exp.Sub(this=n, expression=num(1)))), \
            VegaType.NUMBER
    if m.op in ("cume_dist", "ntile"):
        cume = _cume_dist(sort, window, row_number, n)
        if m.op == "cume_dist":
            return cume, VegaType.NUMBER
        tiles = _positive_int(param, "ntile", where)
        return fn("ceil", exp.Mul(this=num(tiles), expression=cume)), VegaType.NUMBER
    if field is None:
        raise SpecError(f"window op {m.op!r} needs a field", path=where)
    if m.op in ("lag", "lead"):
        offset = _positive_int(param, m.op, where)
        return window(exp.Anonymous(this=m.op, expressions=[field, exp.Literal.number(offset)])), \
            kind
    if m.op in ("first_value", "last_value"):
        return window(exp.Anonymous(this=m.op, expressions=[field]), framed), kind
    if m.op == "nth_value":
        nth = _positive_int(param, "nth_value", where)
        return window(exp.Anonymous(this="nth_value", expressions=[field, exp.Literal.number(nth)]),
                      framed), kind
    if m.op == "prev_value":
        spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                              end="CURRENT ROW")
        return window(exp.IgnoreNulls(this=exp.LastValue(this=field)),
                      spec), kind
    spec = exp.WindowSpec(kind="ROWS", start="CURRENT ROW", end="UNBOUNDED",
                          end_side="FOLLOWING")
    return window(exp.IgnoreNulls(this=exp.FirstValue(this=field)),
                  spec), kind


def _cume_dist(sort: list[exp.Ordered], window: Any, row_number: exp.Expression,
               n: exp.Expression) -> exp.Expression:
    if not sort:
        return exp.Div(this=row_number, expression=n)
    cume = as_double(window(exp.Anonymous(this="cume_dist", expressions=[]), ordered=sort))
    first = exp.EQ(this=col(_IDX), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=first, true=exp.Div(this=num(1), expression=n.copy()))],
                    default=cume)
