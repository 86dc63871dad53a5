"""Vega's ``timeunit`` transform: each date floored to time units (unit0) and the next boundary
(unit1), in the viewer's zone (``timezone: "local"``, ctx.tz) or in UTC. See timeunits.py."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.jsvalues import JSDate, to_number
from ..expression.types import VegaType
from .base import Param, Relation, SharedSubquery, Transform, TransformContext, col, \
    field_name, order_col
from .filter import refuse_bound_signal
from . import timeunits
from .registry import register
from .timeunits import OFFSET_SPAN_MS, TIME_UNITS, Zone, calendar_offset_local_sql, \
    duration_offset_sql, floor_fields_from_wall, floor_span_ms, hours_holding, \
    make_local_ms, ms_to_timestamp, next_boundary_local, offset_is_duration, offset_lists, \
    offset_table, span_of, span_start, spans_of_hours, time_bin, time_units, timestamp_to_ms, \
    valid_time_or_error, wall_ms


@register
class TimeUnit(Transform):
    type = "timeunit"
    params = (
        Param("field", "field", required=True),
        Param("interval", "boolean", default=True),
        Param("units", "enum", array=True, values=tuple(TIME_UNITS)),
        Param("step", "number", default=1),
        Param("maxbins", "number", default=40),
        Param("extent", "any", array=True),
        Param("inferUnits", "boolean", default=False),
        Param("timezone", "enum", values=("local", "utc"), default="local"),
        Param("as", "string", array=True, length=2, default=["unit0", "unit1"]),
    )

    def units_and_step(self, ctx: TransformContext) -> tuple[list[str], float]:
        """The units and step vega-transforms' TimeUnit._floor settles on."""
        if self.param("inferUnits", ctx):
            raise UnsupportedError("inferUnits detects units from the data; evaluated in the "
                                   "browser", path=f"{self.where}.inferUnits")
        units = self.param("units", ctx)
        if units:
            step = self.spec.get("step")
            step = self.param("step", ctx) if step is not None else 1
            return time_units(units, f"{self.where}.units"), float(step or 1)
        extent = self.param("extent", ctx)
        if not extent:
            raise UnsupportedError("timeunit without units or extent bins over the data's "
                                   "extent; evaluated in the browser", path=self.where)
        lo, hi = (_ms(v, f"{self.where}.extent") for v in extent)
        maxbins = self.spec.get("maxbins")
        units, step = time_bin([lo, hi], self.param("maxbins", ctx) if maxbins is not None
                               else None)
        return time_units(units, f"{self.where}.units"), step

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        refuse_bound_signal(self)
        name = field_name(self.spec["field"], f"{self.where}.field")
        units, step = self.units_and_step(ctx)
        zone = Zone(None if self.param("timezone", ctx) == "utc" else ctx.tz)
        as0, as1 = self.param("as", ctx)
        interval = self.param("interval", ctx) is not False

        instants = exp.select(*[col(c) for c in rel.columns], order_col(),
                              exp.alias_(self._instant(rel, name), "__vf_t", quoted=True)) \
            .from_(rel.as_subquery("t"))
        if zone.tz is None:
            query = _floor_utc(instants, units, step, interval)
        else:
            query = _floor_local(instants, units, step, interval, zone)

        is_null = exp.Is(this=col("__vf_t"), expression=exp.Null())
        produced = {as0: _timestamp_or_null(is_null, col("__vf_u0"))}
        if interval:
            produced[as1] = _timestamp_or_null(is_null, col("__vf_u1"))
        columns = dict(rel.columns)
        for out in produced:
            columns[out] = VegaType.DATE
        final = exp.select(*[exp.alias_(produced[c], c, quoted=True) if c in produced else col(c)
                             for c in columns], order_col()).from_(query.subquery("l"))
        return Relation(query=final, columns=columns)

    def _instant(self, rel: Relation, name: str) -> exp.Expression:
        """The field as epoch ms, as ``t.setTime(+v)`` reads it (numbers truncated to whole ms)."""
        kind = rel.columns.get(name)
        if kind is None:
            return exp.cast(exp.Null(), exp.DataType.build("DOUBLE"))  # undefined: null units
        if kind is VegaType.DATE:
            return timestamp_to_ms(col(name))
        if kind is VegaType.NUMBER:
            return valid_time_or_error(col(name), f"{self.where}.field")
        raise UnsupportedError(f"timeunit over {kind.value} values (Invalid Dates in Vega) is "
                               "evaluated in the browser", path=f"{self.where}.field")


def _floor_utc(instants: exp.Select, units: list[str], step: float,
               interval: bool) -> exp.Select:
    """Add ``__vf_u0``/``__vf_u1`` (the floor and the next boundary, in UTC) row by row: all
    arithmetic, no zone lookups. One layer per step, each reading the previous one's columns:
    every intermediate value is computed once, and DuckDB plans small expressions."""
    query = _layer(instants, {"__vf_w": ms_to_timestamp(col("__vf_t"))})
    query = _floor_layers(query, units, step, interval)
    return _layer(query, {f"__vf_u{i}": col(f"__vf_l{i}") for i in range(1 + interval)})


def _floor_layers(query: exp.Select, units: list[str], step: float,
                  interval: bool) -> exp.Select:
    """Add the floor's naive local ms ``__vf_l0`` and, for an interval, the next boundary's
    ``__vf_l1``, given the wall-clock ``__vf_w``. The boundary is a local time for calendar
    units; for hours and finer it is a duration after the floor (an instant once the floor is
    one), which _floor_local adds to the instant instead."""
    fields = floor_fields_from_wall(col("__vf_w"), units, step)
    query = _layer(query, {f"__vf_f{i}": f for i, f in enumerate(fields)})
    floored = [col(f"__vf_f{i}") for i in range(7)]
    query = _layer(query, {"__vf_l0": make_local_ms(*floored)})
    if not interval:
        return query
    upper = duration_offset_sql(col("__vf_l0"), units, step) if offset_is_duration(units) \
        else calendar_offset_local_sql(floored, units, step)
    return _layer(query, {"__vf_l1": upper})


def _floor_local(instants: exp.Select, units: list[str], step: float, interval: bool,
                 zone: Zone) -> exp.Select:
    """Add ``__vf_u0``/``__vf_u1`` in a local zone with no per-row zone lookup (see
    timeunits.py): each row finds its wall-clock span through its UTC hour's offsets, and the
    floor of each span is computed once and joined back. The rows are read twice (their hours,
    then the join), never materialised."""
    span = floor_span_ms(units)
    # Builders below are called with copy=False on the fresh queries they extend: copying the
    # growing query at every call was most of the time spent building it.
    wall = wall_ms(exp.column("__vf_t", table="r", quoted=True), "o", zone)
    with_span = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("r")),
                           exp.alias_(span_of(wall, span), "__vf_k", quoted=True)) \
        .from_(_shared(instants, "r"), copy=False) \
        .join(exp.to_table("__vf_lists", quoted=True).as_("o"), join_type="cross", copy=False)
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("w")),
                        *[exp.alias_(exp.column(f"__vf_u{i}", table="u", quoted=True),
                                     f"__vf_u{i}", quoted=True) for i in range(1 + interval)]) \
        .from_(_shared(with_span, "w"), copy=False) \
        .join(exp.to_table("__vf_units", quoted=True).as_("u"), join_type="left", copy=False,
              on=exp.EQ(this=exp.column("__vf_k", table="w", quoted=True),
                        expression=exp.column("k", table="u", quoted=True)))
    offsets, lists, spans_of_offsets, floors = _zone_tables(
        zone.tz, span, tuple(units), step, interval, timeunits.OFFSET_LIST_HOURS)
    if spans_of_offsets is not None:
        spans = _select_all(spans_of_offsets)
    else:  # minutes and finer: too many spans per hour, so only those that hold a row
        spans = exp.select(exp.alias_(col("__vf_k"), "k", quoted=True)).distinct() \
            .from_(_shared(with_span, "s"), copy=False) \
            .where(exp.not_(exp.Is(this=col("__vf_k"), expression=exp.Null())), copy=False)
    ctes = {"__vf_hours": hours_holding(_shared(instants, "i"), "__vf_t"),
            "__vf_off": _select_all(offsets), "__vf_lists": _select_all(lists),
            "__vf_spans": spans, "__vf_units": _select_all(floors)}
    for name, query in ctes.items():
        joined = joined.with_(name, as_=query, copy=False)
    return joined


@lru_cache(maxsize=256)
def _zone_tables(tz: str, span: float, units: tuple[str, ...], step: float, interval: bool,
                 list_hours: int) -> tuple[SharedSubquery, SharedSubquery,
                                           SharedSubquery | None, SharedSubquery]:
    """The parts of _floor_local that read no rows, built (and rendered) once per process:
    the zone's offsets over ``__vf_hours``, their lists, the spans they reach (for spans of an
    hour or more) and the floors of the spans of ``__vf_spans``."""
    zone = Zone(tz)
    spans = _shared(spans_of_hours(span), "s") if span >= OFFSET_SPAN_MS else None
    floors = _span_floors(span, list(units), step, interval, zone)
    return _shared(offset_table(zone), "o"), _shared(offset_lists(list_hours), "l"), spans, \
        _shared(floors, "f")


def _select_all(shared: SharedSubquery) -> exp.Select:
    return exp.select(exp.Star()).from_(shared, copy=False)


def _span_floors(span: float, units: list[str], step: float, interval: bool,
                 zone: Zone) -> exp.Select:
    """For each span ``k`` of table ``__vf_spans``: the floor ``__vf_u0`` and next boundary
    ``__vf_u1`` of any instant whose wall-clock time falls in it, as instants (ECMAScript's
    UTC(t) for local times: a zone lookup per distinct value, few of them)."""
    start = span_start(col("k"), span)
    query = exp.select(col("k"), exp.alias_(start, "__vf_w", quoted=True)) \
        .from_(exp.to_table("__vf_spans", quoted=True))
    query = _floor_layers(query, units, step, interval=False)
    query = _resolve(query, "__vf_l0", "__vf_u0", zone)
    if interval and offset_is_duration(units):  # a duration after the floor's instant
        query = _layer(query, {"__vf_u1": duration_offset_sql(col("__vf_u0"), units, step)})
    elif interval:
        floored = [col(f"__vf_f{i}") for i in range(7)]
        moved = next_boundary_local(floored, units, step, col("__vf_u0"), col("__vf_l0"), zone)
        query = _resolve(_layer(query, {"__vf_l1": moved}), "__vf_l1", "__vf_u1", zone)
    return exp.select(col("k"), *[col(f"__vf_u{i}") for i in range(1 + interval)]) \
        .from_(query.subquery("f"))


def _resolve(query: exp.Select, local: str, out: str, zone: Zone) -> exp.Select:
    """Add column ``out``: the instant of the naive local ms in column ``local``."""
    before, after = zone.offsets_around(col(local))
    query = _layer(query, {f"{local}_b": before, f"{local}_a": after})
    return _layer(query, {out: zone.resolve(col(local), col(f"{local}_b"), col(f"{local}_a"))})


def _shared(query: exp.Select, alias: str) -> SharedSubquery:
    """``(query) AS alias``, sharing the query's tree (and rendered text) between its uses."""
    return SharedSubquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _layer(query: exp.Select, added: dict[str, exp.Expression]) -> exp.Select:
    """``SELECT *, <added> FROM (query)`` (query shared, not copied: layers nest deeply)."""
    return exp.select(exp.Star(), *[exp.alias_(e, n, quoted=True) for n, e in added.items()]) \
        .from_(_shared(query, f"q{len(added)}"))


def _timestamp_or_null(is_null: exp.Expression, ms: exp.Expression) -> exp.Expression:
    return exp.If(this=is_null, true=exp.cast(exp.Null(), exp.DataType.build("TIMESTAMP")),
                  false=ms_to_timestamp(ms))


def _ms(value: Any, path: str) -> float:
    if isinstance(value, JSDate):
        return value.ms
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return to_number(value)  # Vega subtracts the extent's ends: strings become numbers
    raise SpecError(f"timeunit extent must hold dates or numbers, got {value!r}", path=path)
