"""Vega's ``timeunit`` transform: each date floored to time units (unit0) and the next boundary
(unit1), in the viewer's zone (``timezone: "local"``, ctx.tz) or in UTC. See timeunits.py."""

from __future__ import annotations

from typing import Any

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.jsvalues import JSDate, to_number
from ..expression.types import VegaType
from .base import Param, Relation, Transform, TransformContext, col, field_name, order_col
from .filter import refuse_bound_signal
from .registry import register
from .timeunits import TIME_UNITS, Zone, calendar_offset_local_sql, duration_offset_sql, \
    floor_fields_from_wall, make_local_ms, ms_to_timestamp, offset_is_duration, time_bin, \
    time_units, timestamp_to_ms


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
        calendar_upper = interval and not offset_is_duration(units)

        # One layer per step, each reading the previous one's columns: every intermediate value
        # is computed once, and DuckDB plans small expressions.
        query = exp.select(*[col(c) for c in rel.columns], order_col(),
                           exp.alias_(self._instant(rel, name), "__vf_t", quoted=True)) \
            .from_(rel.as_subquery("t"))
        query = _layer(query, {"__vf_w": zone.wall(col("__vf_t"))})
        fields = floor_fields_from_wall(col("__vf_w"), units, step)
        query = _layer(query, {f"__vf_f{i}": f for i, f in enumerate(fields)})
        floored = [col(f"__vf_f{i}") for i in range(7)]
        locals_ = {"__vf_l0": make_local_ms(*floored)}
        if calendar_upper:
            locals_["__vf_l1"] = calendar_offset_local_sql(floored, units, step)
        query = _layer(query, locals_)
        if zone.tz is None:
            query = _layer(query, {f"__vf_u{n[-1]}": col(n) for n in locals_})
        else:
            query = _resolve_distinct(query, list(locals_), zone)

        is_null = exp.Is(this=col("__vf_t"), expression=exp.Null())
        produced = {as0: _timestamp_or_null(is_null, col("__vf_u0"))}
        if interval:
            upper = col("__vf_u1") if calendar_upper else duration_offset_sql(
                col("__vf_u0"), units, step)
            produced[as1] = _timestamp_or_null(is_null, upper)
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
            # Only finite numbers are valid dates; an Invalid Date has no SQL form.
            return exp.Anonymous(this="trunc", expressions=[col(name)])
        raise UnsupportedError(f"timeunit over {kind.value} values (Invalid Dates in Vega) is "
                               "evaluated in the browser", path=f"{self.where}.field")


def _resolve_distinct(query: exp.Select, locals_: list[str], zone: Zone) -> exp.Select:
    """Add ``__vf_u0``/``__vf_u1``: the instants of the local times in ``locals_`` columns.

    The conversion costs several time-zone lookups, and floored times repeat a lot (a month
    floor has one value per month), so it runs once per distinct local time and is joined back.
    """
    rows = "__vf_rows"
    distinct = exp.union(*[exp.select(exp.alias_(col(n), "l", quoted=True)).from_(
        exp.to_table(rows, quoted=True)) for n in locals_], distinct=True) \
        if len(locals_) > 1 else exp.select(exp.alias_(col(locals_[0]), "l", quoted=True)) \
        .distinct().from_(exp.to_table(rows, quoted=True))
    before, after = zone.offsets_around(col("l"))
    around = exp.select(col("l"), exp.alias_(before, "b", quoted=True),
                        exp.alias_(after, "a", quoted=True)).from_(distinct.subquery("d"))
    converted = exp.select(col("l"), exp.alias_(zone.resolve(col("l"), col("b"), col("a")),
                                                "u", quoted=True)).from_(around.subquery("o"))
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("r")),
                        *[exp.alias_(exp.column("u", table=f"c{i}", quoted=True),
                                     f"__vf_u{n[-1]}", quoted=True)
                          for i, n in enumerate(locals_)]) \
        .from_(exp.to_table(rows, quoted=True).as_("r"))
    for i, n in enumerate(locals_):
        on = exp.EQ(this=exp.column(n, table="r", quoted=True),
                    expression=exp.column("l", table=f"c{i}", quoted=True))
        joined = joined.join(exp.to_table("__vf_conv", quoted=True).as_(f"c{i}"), on=on,
                             join_type="left")
    return joined.with_(rows, as_=query).with_("__vf_conv", as_=converted)


def _layer(query: exp.Select, added: dict[str, exp.Expression]) -> exp.Select:
    """``SELECT *, <added> FROM (query)``."""
    return exp.select(exp.Star(), *[exp.alias_(e, n, quoted=True) for n, e in added.items()]) \
        .from_(query.subquery(f"q{len(added)}"))


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
