"""vega-time's time units: validation, the floor of a date to units (local or UTC), the next
boundary (``unit1``), and ``timeBin`` (automatic units from an extent and maxbins).

The floor is vega-time's ``floor``: read the date's fields in the zone, floor the finest unit by
``step``, and rebuild a date from the fields with ``new Date(y, m, d, H, M, S, L)`` (or
``Date.UTC``). Rebuilding a local wall-clock time follows ECMAScript: a time skipped by a DST
change uses the offset before it, a repeated one the earlier instant. The SQL below works in
milliseconds (DOUBLE): in UTC per row; in a local zone with no per-row zone lookup (see "local
time without per-row zone lookups"). ``floor_ms`` does the same in Python for single values.
"""

from __future__ import annotations

import math
from typing import Sequence

import sqlglot.expressions as exp

from ..errors import SpecError
from ..expression import jsvalues as js
from ..expression.jsmath import js_div
from .base import col
from .binning import v8_pow

YEAR, QUARTER, MONTH, WEEK, ISOWEEK = "year", "quarter", "month", "week", "isoweek"
DATE, DAY, DAYOFYEAR = "date", "day", "dayofyear"
HOURS, MINUTES, SECONDS, MILLISECONDS = "hours", "minutes", "seconds", "milliseconds"
TIME_UNITS = [YEAR, QUARTER, MONTH, WEEK, ISOWEEK, DATE, DAY, DAYOFYEAR, HOURS, MINUTES,
              SECONDS, MILLISECONDS]
_RANK = {u: i for i, u in enumerate(TIME_UNITS)}

# vega-time fills missing years with these (2012 starts on a Sunday; 2015 has 53 ISO weeks).
REFERENCE_YEAR = 2012
ISOWEEK_REFERENCE_YEAR = 2015

MS_SECOND, MS_MINUTE, MS_HOUR, MS_DAY = 1000.0, 60_000.0, 3_600_000.0, 86_400_000.0
_DURATION = {HOURS: MS_HOUR, MINUTES: MS_MINUTE, SECONDS: MS_SECOND, MILLISECONDS: 1.0}


def time_units(units: str | Sequence[str], path: str = "") -> list[str]:
    """vega-time ``timeUnits``: check the units and sort them from coarse to fine."""
    u = [units] if isinstance(units, str) else list(units)
    if not u:
        raise SpecError("missing time unit", path=path)
    for unit in u:
        if unit not in _RANK:
            raise SpecError(f"invalid time unit {unit!r}; allowed: {TIME_UNITS}", path=path)
    m = set(u)
    kinds = (bool(m & {WEEK, ISOWEEK, DAY}) + bool(m & {QUARTER, MONTH, DATE})
             + (DAYOFYEAR in m))
    if kinds > 1 or {WEEK, ISOWEEK} <= m:
        raise SpecError(f"incompatible time units {u}", path=path)
    return sorted(u, key=_RANK.__getitem__)


# -- timeBin: automatic units ---------------------------------------------------------------------

_MS_MONTH, _MS_YEAR, _MS_WEEK = MS_DAY * 30, MS_DAY * 365, MS_DAY * 7
_MILLI = [YEAR, MONTH, DATE, HOURS, MINUTES, SECONDS, MILLISECONDS]
_SECONDS, _MINUTES, _HOURS, _DAY = _MILLI[:-1], _MILLI[:-2], _MILLI[:-3], _MILLI[:-4]
_INTERVALS = [
    (_SECONDS, 1, MS_SECOND), (_SECONDS, 5, 5 * MS_SECOND), (_SECONDS, 15, 15 * MS_SECOND),
    (_SECONDS, 30, 30 * MS_SECOND), (_MINUTES, 1, MS_MINUTE), (_MINUTES, 5, 5 * MS_MINUTE),
    (_MINUTES, 15, 15 * MS_MINUTE), (_MINUTES, 30, 30 * MS_MINUTE), (_HOURS, 1, MS_HOUR),
    (_HOURS, 3, 3 * MS_HOUR), (_HOURS, 6, 6 * MS_HOUR), (_HOURS, 12, 12 * MS_HOUR),
    (_DAY, 1, MS_DAY), ([YEAR, WEEK], 1, _MS_WEEK), ([YEAR, MONTH], 1, _MS_MONTH),
    ([YEAR, MONTH], 3, 3 * _MS_MONTH), ([YEAR], 1, _MS_YEAR),
]


def _js_log10(x: float) -> float:
    if x != x or x < 0:
        return math.nan
    return -math.inf if x == 0 else math.inf if x == math.inf else math.log10(x)


def _js_pow10(p: float) -> float:
    return v8_pow(10.0, p)


def _js_floor(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


def js_round(x: float) -> float:
    """``Math.round``: ties toward +Infinity."""
    if not math.isfinite(x):
        return x
    r = math.floor(x)
    return float(r + 1 if x - r >= 0.5 else r)


def _tick_increment(start: float, stop: float, count: float) -> float:
    """d3-array's ``tickSpec(start, stop, count)[2]``, with JavaScript's infinities and NaN."""
    step = js_div(stop - start, max(0.0, count))
    power = _js_floor(_js_log10(step))
    error = js_div(step, _js_pow10(power))
    factor = 10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else \
        2 if error >= math.sqrt(2) else 1
    if power < 0:
        inc = js_div(_js_pow10(-power), factor)
        i1, i2 = js_round(start * inc), js_round(stop * inc)
        if js_div(i1, inc) < start:
            i1 += 1
        if js_div(i2, inc) > stop:
            i2 -= 1
        inc = -inc
    else:
        inc = _js_pow10(power) * factor
        i1, i2 = js_round(js_div(start, inc)), js_round(js_div(stop, inc))
        if i1 * inc < start:
            i1 += 1
        if i2 * inc > stop:
            i2 -= 1
    if i2 < i1 and 0.5 <= count < 2:
        return _tick_increment(start, stop, count * 2)
    return inc


def tick_step(start: float, stop: float, count: float) -> float:
    """d3-array ``tickStep``."""
    reverse = stop < start
    inc = _tick_increment(stop, start, count) if reverse else _tick_increment(start, stop, count)
    if math.isnan(inc):
        return math.nan
    return (-1 if reverse else 1) * (js_div(1, -inc) if inc < 0 else inc)


def time_bin(extent: Sequence[float], maxbins: float | None = None) -> tuple[list[str], float]:
    """vega-time ``timeBin``: the units and step that give at most about ``maxbins`` bins."""
    lo, hi = float(extent[0]), float(extent[1])
    maxb = maxbins if maxbins else 40
    target = abs(hi - lo) / maxb
    # bisector(i => i[2]).right(intervals, target)
    i = 0 if target != target else next(
        (k for k, iv in enumerate(_INTERVALS) if iv[2] > target), len(_INTERVALS))
    if i == len(_INTERVALS):
        return [YEAR], tick_step(lo / _MS_YEAR, hi / _MS_YEAR, maxb)
    if i:
        before, after = _INTERVALS[i - 1], _INTERVALS[i]
        chosen = before if target / before[2] < after[2] / target else after
        return list(chosen[0]), float(chosen[1])
    return list(_MILLI), max(tick_step(lo, hi, maxb), 1.0)


# -- the floor, in SQL ----------------------------------------------------------------------------

def _f(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _type(name: str) -> exp.DataType:
    # Built from the enum: DataType.build parses its argument, and the floor builds hundreds.
    return exp.DataType(this=exp.DataType.Type[name])


def _num(x: float) -> exp.Expression:
    return exp.cast(exp.Literal.number(repr(float(x))), _type("DOUBLE"))


def _dbl(e: exp.Expression) -> exp.Expression:
    return exp.Cast(this=e, to=_type("DOUBLE"))


def _add(*terms: exp.Expression) -> exp.Expression:
    out = terms[0]
    for t in terms[1:]:
        out = exp.Add(this=out, expression=t)
    return exp.paren(out)


def _sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Sub(this=a, expression=b))


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Mul(this=a, expression=b))


def _floor_div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _f("floor", exp.Div(this=a, expression=b))


def _mod(a: exp.Expression, n: float) -> exp.Expression:
    # a - n * floor(a / n): JavaScript's % for the non-negative values used here, and a true
    # modulo for month arithmetic that may go below zero.
    return _sub(a, _mul(_num(n), _floor_div(a, _num(n))))


def ms_to_timestamp(ms: exp.Expression) -> exp.Expression:
    """A TIMESTAMP (UTC instant) from epoch milliseconds."""
    return _f("epoch_ms", exp.Cast(this=ms, to=_type("BIGINT")))


def timestamp_to_ms(ts: exp.Expression) -> exp.Expression:
    """Epoch ms of a TIMESTAMP as ``t.setTime(+v)`` reads the value Vega receives: whole ms,
    truncated toward zero (DuckDB's integer ``//``). Not epoch_ms: it rounds, and costs ~8x
    more than epoch_us. TIMESTAMP_MS (Arrow's ms timestamps) is cast first."""
    us = _f("epoch_us", exp.Cast(this=ts, to=_type("TIMESTAMP")))
    return _dbl(exp.IntDiv(this=us, expression=exp.Literal.number(1000)))


class Zone:
    """SQL for wall-clock conversions in one zone (``tz`` None or UTC: no conversion)."""

    def __init__(self, tz: str | None) -> None:
        self.tz = None if tz in (None, "UTC", "Etc/UTC", "GMT") else tz

    def wall(self, ms: exp.Expression) -> exp.Expression:
        """The local wall-clock TIMESTAMP of the instant ``ms``."""
        ts = ms_to_timestamp(ms)
        if self.tz is None:
            return ts
        return _f("timezone", exp.Literal.string(self.tz),
                  _f("timezone", exp.Literal.string("UTC"), ts))

    def offset(self, ms: exp.Expression) -> exp.Expression:
        """Local minus UTC, in ms, at instant ``ms``."""
        return _sub(timestamp_to_ms(self.wall(ms)), ms)

    def offsets_around(self, local_ms: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        """The zone's offsets a day before and a day after the naive local time ``local_ms``."""
        return (self.offset(_sub(local_ms, _num(MS_DAY))),
                self.offset(_add(local_ms, _num(MS_DAY))))

    def resolve(self, local_ms: exp.Expression, before: exp.Expression,
                after: exp.Expression) -> exp.Expression:
        """ECMAScript's UTC(t) given the offsets a day before (oB) and after (oA) ``t``.

        When only ``t - oA`` is consistent the answer is ``t - oA``; otherwise ``t - oB`` (no
        change nearby, the earlier of two repeated times, or a skipped time read with the
        offset before the change). Pass column references: each input appears several times.
        """
        with_after, with_before = _sub(local_ms, after), _sub(local_ms, before)
        after_ok = exp.EQ(this=self.offset(with_after), expression=after)
        before_ok = exp.EQ(this=self.offset(with_before), expression=before)
        return exp.Case().when(exp.and_(after_ok, exp.not_(before_ok)), with_after) \
            .else_(with_before)

    def to_utc(self, local_ms: exp.Expression) -> exp.Expression:
        """UTC(t) as one expression (large: prefer offsets_around + resolve over columns)."""
        if self.tz is None:
            return local_ms
        return self.resolve(local_ms, *self.offsets_around(local_ms))


# -- local time without per-row zone lookups ----------------------------------------------------
#
# A zone lookup (DuckDB's ICU ``timezone``) costs far more than arithmetic, so it is never done
# per row. Offsets change rarely (the closest changes in the tz database are a week apart), so
# they are looked up for each UTC hour that holds an instant, at both ends of the hour; inside an
# hour whose ends differ, the second at which the offset changes is found by looking up every
# second of that hour (tz database changes fall on whole seconds). A row's wall-clock time is then
# its instant plus the offset of its hour (before or after the change), exact to the ms. Rows
# read their hour's offsets from lists indexed by hour (offset_lists), which cover up to
# OFFSET_LIST_HOURS from the earliest hour; later rows look the zone up themselves.
#
# vega-time's floor reads only the wall-clock fields down to the finest unit, so it is the same
# for every instant in one span (floor_span_ms: a local day for calendar units, else the finest
# unit's duration): the floor and the next boundary are computed once per span and joined back.

OFFSET_SPAN_MS = MS_HOUR
OFFSET_LIST_HOURS = 1 << 20  # ~120 years of hours (24 MB of lists at most)
_JS_MAX_TIME = 8.64e15  # ECMAScript TimeClip: farther instants are Invalid Dates
_SECOND_MS = 1000


def floor_span_ms(units: list[str]) -> float:
    """The wall-clock span (ms, aligned to local midnight) in which the floor cannot change."""
    return _DURATION.get(units[-1], MS_DAY)


def _bigint(e: exp.Expression) -> exp.Expression:
    return exp.Cast(this=e, to=_type("BIGINT"))


def hour_of(instant_ms: exp.Expression) -> exp.Expression:
    """The number of the UTC hour holding the instant (the key of offset_table's rows)."""
    return _bigint(_floor_div(instant_ms, _num(OFFSET_SPAN_MS)))


def hours_holding(instants: exp.Expression, instant: str) -> exp.Select:
    """The hours (hour_of, column ``h``) holding the valid dates (finite, within TimeClip's
    range) of column ``instant`` of the subquery ``instants``."""
    t = col(instant)
    valid = exp.and_(_f("isfinite", t), exp.LTE(this=_f("abs", t), expression=_num(_JS_MAX_TIME)))
    return exp.select(exp.alias_(hour_of(t), "h", quoted=True)).distinct() \
        .from_(instants).where(valid)


def offset_table(zone: Zone) -> exp.Select:
    """The zone's offsets over the hours of table ``__vf_hours`` (hours_holding): columns ``h``,
    ``lo``/``hi`` (the offsets at the hour's first and last ms) and ``ch`` (the instant the
    offset becomes ``hi``; NULL if unchanged). It reads no data: build it once per zone."""
    start = _mul(_dbl(col("h")), _num(OFFSET_SPAN_MS))
    ends = exp.select(col("h"), exp.alias_(zone.offset(start), "lo", quoted=True),
                      exp.alias_(zone.offset(_add(start, _num(OFFSET_SPAN_MS - 1))), "hi",
                                 quoted=True)).from_(exp.to_table("__vf_hours", quoted=True))
    seconds = _f("unnest", _f("range", _bigint(start),
                              _bigint(_add(start, _num(OFFSET_SPAN_MS))),
                              exp.Literal.number(_SECOND_MS)))
    changing = exp.select(col("h"), col("hi"), exp.alias_(seconds, "s", quoted=True)) \
        .from_(exp.to_table("__vf_ends", quoted=True)) \
        .where(exp.NEQ(this=col("lo"), expression=col("hi")))
    changes = exp.select(col("h"), exp.alias_(_dbl(_f("min", col("s"))), "ch", quoted=True)) \
        .from_(changing.subquery("cs")) \
        .where(exp.EQ(this=zone.offset(_dbl(col("s"))), expression=col("hi"))).group_by(col("h"))
    on = exp.EQ(this=exp.column("h", table="e", quoted=True),
                expression=exp.column("h", table="c", quoted=True))
    return exp.select(*[exp.column(c, table="e", quoted=True) for c in ("h", "lo", "hi")],
                      exp.column("ch", table="c", quoted=True)) \
        .from_(exp.to_table("__vf_ends", quoted=True).as_("e")) \
        .join(changes.subquery("c"), on=on, join_type="left") \
        .with_("__vf_ends", as_=ends)


def valid_time_or_error(number: exp.Expression, path: str) -> exp.Expression:
    """A number read as a date by ``t.setTime(+v)``: truncated to whole ms; null stays null.

    NaN and numbers beyond TimeClip's range are Invalid Dates in Vega, which a TIMESTAMP cannot
    hold: the query fails with a message saying so rather than answer anything else.
    """
    valid = exp.and_(_f("isfinite", number),
                     exp.LTE(this=_f("abs", number), expression=_num(_JS_MAX_TIME)))
    message = (f"{path}: timeunit of a number that is no valid date (NaN or beyond "
               f"8.64e15 ms); Vega gives an Invalid Date, which the server cannot represent")
    return exp.Case().when(valid, _f("trunc", number)) \
        .when(exp.Is(this=number, expression=exp.Null()), exp.Null()) \
        .else_(exp.cast(_f("error", exp.Literal.string(message)), _type("DOUBLE")))


def offset_lists(list_hours: int) -> exp.Select:
    """One row: offset_table ``__vf_off`` as lists ``lo``, ``hi``, ``ch`` over the hours
    [``h0``, ``h0`` + ``n``) (n at most ``list_hours``; NULLs for hours without rows). A
    row's hour indexes them: cheaper than a hash join on the hour, ~2x over 10M rows."""
    h = col("h")
    bounds = exp.select(exp.alias_(_f("min", h), "h0", quoted=True),
                        exp.alias_(_f("least", _add(_sub(_f("max", h), _f("min", h)),
                                                    exp.Literal.number(1)),
                                      exp.Literal.number(list_hours)), "n", quoted=True)) \
        .from_(exp.to_table("__vf_off", quoted=True))
    every_hour = _f("unnest", _f("range", col("h0"), exp.Add(this=col("h0"),
                                                             expression=col("n"))))
    hours = exp.select(exp.alias_(every_hour, "h", quoted=True)).from_(bounds.subquery("b"))
    on = exp.EQ(this=exp.column("h", table="g", quoted=True),
                expression=exp.column("h", table="o", quoted=True))
    dense = exp.select(exp.column("h", table="g", quoted=True),
                       *[exp.column(c, table="o", quoted=True) for c in ("lo", "hi", "ch")]) \
        .from_(hours.subquery("g")).join(exp.to_table("__vf_off", quoted=True).as_("o"),
                                         on=on, join_type="left")
    ordered = [exp.alias_(_f("list", exp.Order(this=col(c), expressions=[exp.Ordered(this=h)])),
                          c, quoted=True) for c in ("lo", "hi", "ch")]
    return exp.select(exp.alias_(_f("min", h), "h0", quoted=True),
                      exp.alias_(_f("count", exp.Star()), "n", quoted=True), *ordered) \
        .from_(dense.subquery("d"))


def wall_ms(instant: exp.Expression, lists: str, zone: Zone) -> exp.Expression:
    """The naive local ms of an instant (pass a column), through its hour's offsets in the
    offset_lists row aliased ``lists``; hours beyond the lists look the zone up."""
    def at(name: str) -> exp.Expression:
        return exp.column(name, table=lists, quoted=True)

    index = _add(_sub(hour_of(instant), at("h0")), exp.Literal.number(1))
    inside = exp.Between(this=index, low=exp.Literal.number(1), high=at("n"))
    lo, hi, change = (_f("list_extract", at(c), index) for c in ("lo", "hi", "ch"))
    after = exp.GTE(this=instant, expression=change)  # NULL change: the offset is lo
    listed = _add(instant, exp.Case().when(after, hi).else_(lo))
    return exp.Case().when(inside, listed).else_(_add(instant, zone.offset(instant)))


def span_of(wall: exp.Expression, span: float) -> exp.Expression:
    """The number of the span (floor_span_ms) holding a naive local ms."""
    return _bigint(_floor_div(wall, _num(span)))


def span_start(span_number: exp.Expression, span: float) -> exp.Expression:
    """The wall-clock TIMESTAMP at which a span starts."""
    return ms_to_timestamp(_mul(_dbl(span_number), _num(span)))


def spans_of_hours(span: float) -> exp.Select:
    """Every span that the wall-clock times of the hours in ``__vf_off`` (an offset_table) can
    fall in: a few per hour for spans of an hour or more; extra ones are harmless."""
    start = _mul(_dbl(col("h")), _num(OFFSET_SPAN_MS))
    first = span_of(_add(start, _f("least", col("lo"), col("hi"))), span)
    last = span_of(_add(start, _num(OFFSET_SPAN_MS - 1), _f("greatest", col("lo"), col("hi"))),
                   span)
    spans = _f("unnest", _f("range", first, exp.Add(this=last, expression=exp.Literal.number(1))))
    return exp.select(exp.alias_(spans, "k", quoted=True)).distinct() \
        .from_(exp.to_table("__vf_off", quoted=True))


def _days_of_month(year: exp.Expression, month0: exp.Expression) -> exp.Expression:
    """ES MakeDay(year, month, 1) * msPerDay, for any integer month (overflow rolls the year)."""
    ym = _add(year, _floor_div(month0, _num(12)))
    mn = _mod(month0, 12)
    first = _f("make_date", exp.Cast(this=ym, to=_type("BIGINT")),
               exp.Cast(this=_add(mn, _num(1)), to=_type("BIGINT")),
               exp.Literal.number(1))
    return _mul(_dbl(_f("epoch", first)), _num(1000))


def make_local_ms(y: exp.Expression, m: exp.Expression, d: exp.Expression, h: exp.Expression,
                  mi: exp.Expression, s: exp.Expression, ms: exp.Expression) -> exp.Expression:
    """MakeDate(MakeDay(y, m, d), MakeTime(h, mi, s, ms)) as naive ms (fields truncated as JS)."""
    t = [_f("trunc", e) for e in (y, m, d, h, mi, s, ms)]
    return _add(_days_of_month(t[0], t[1]), _mul(_sub(t[2], _num(1)), _num(MS_DAY)),
                _mul(t[3], _num(MS_HOUR)), _mul(t[4], _num(MS_MINUTE)),
                _mul(t[5], _num(MS_SECOND)), t[6])


class _Fields:
    """The calendar fields of a wall-clock TIMESTAMP, as DOUBLE expressions."""

    def __init__(self, wall: exp.Expression) -> None:
        self.w = wall

    def get(self, name: str) -> exp.Expression:
        w = self.w
        if name == "ms":
            return _mod(_dbl(_f("millisecond", w)), 1000)
        if name == "month0":
            return _sub(_dbl(_f("month", w)), _num(1))
        fn = {"year": "year", "date": "day", "hours": "hour", "minutes": "minute",
              "seconds": "second", "dow": "dayofweek", "doy": "dayofyear", "isoweek": "week",
              "isoyear": "isoyear"}[name]
        return _dbl(_f(fn, w))

    def sunday_week(self) -> exp.Expression:
        # d3's timeWeek.count(start of year - 1ms, d): Sundays from January 1 through d (%U).
        yday = _sub(self.get("doy"), _num(1))
        return _floor_div(_sub(_add(yday, _num(7)), self.get("dow")), _num(7))


def _first_weekday(year: exp.Expression) -> exp.Expression:
    """Day of the week (0 = Sunday) of January 1 of ``year``."""
    jan1 = _f("make_date", exp.Cast(this=year, to=_type("BIGINT")),
              exp.Literal.number(1), exp.Literal.number(1))
    return _dbl(_f("dayofweek", jan1))


def _iso_week_one_date(year: exp.Expression) -> exp.Expression:
    """The day of January (<= 0: December) on which ISO week 1 of ``year`` starts (a Monday)."""
    jan4 = _f("make_date", exp.Cast(this=year, to=_type("BIGINT")),
              exp.Literal.number(1), exp.Literal.number(4))
    return _sub(_num(4), _mod(_add(_dbl(_f("dayofweek", jan4)), _num(6)), 7))


def _stepped(value: exp.Expression, step: float, phase: float | None) -> exp.Expression:
    """vega-time getUnit: only the finest unit is floored to multiples of ``step``."""
    if step <= 1:
        return value
    if phase:
        return _add(_num(phase), _mul(_num(step), _floor_div(_sub(value, _num(phase)),
                                                             _num(step))))
    return _mul(_num(step), _floor_div(value, _num(step)))


def floor_fields_sql(instant_ms: exp.Expression, units: list[str], step: float,
                     tz: str | None) -> list[exp.Expression]:
    """The floored (year, month, date, hours, minutes, seconds, ms) of vega-time's floor."""
    return floor_fields_from_wall(Zone(tz).wall(instant_ms), units, step)


def floor_fields_from_wall(wall: exp.Expression, units: list[str],
                           step: float) -> list[exp.Expression]:
    """floor_fields_sql given the wall-clock TIMESTAMP (pass a column: it is read often)."""
    u = set(units)
    last = units[-1]
    fields = _Fields(wall)

    def unit(name: str, value: exp.Expression, phase: float | None = None) -> exp.Expression:
        return _stepped(value, step if name == last else 1, phase)

    if YEAR in u:
        y = unit(YEAR, fields.get("isoyear" if ISOWEEK in u else "year"))
    else:
        y = _num(ISOWEEK_REFERENCE_YEAR if ISOWEEK in u else REFERENCE_YEAR)
    if MONTH in u:
        m = unit(MONTH, fields.get("month0"))
    elif QUARTER in u:
        m = _mul(_num(3), unit(QUARTER, _floor_div(fields.get("month0"), _num(3))))
    else:
        m = _num(0)
    first_offset = _mod(_add(_first_weekday(y), _num(6)), 7)  # (firstDay + 6) % 7
    dow = fields.get("dow")
    if WEEK in u and DAY in u:
        d = unit(DAY, _sub(_add(dow, _mul(fields.sunday_week(), _num(7))), first_offset), 1)
    elif ISOWEEK in u and DAY in u:
        iso = _add(_iso_week_one_date(y), _mul(_sub(fields.get("isoweek"), _num(1)), _num(7)),
                   _mod(_add(dow, _num(6)), 7))
        d = unit(DAY, iso, 1)
    elif WEEK in u:
        d = _sub(_mul(unit(WEEK, fields.sunday_week(), 1), _num(7)), first_offset)
    elif ISOWEEK in u:
        w = unit(ISOWEEK, fields.get("isoweek"), 1)
        d = _add(_iso_week_one_date(y), _mul(_sub(w, _num(1)), _num(7)))
    elif DAY in u:
        d = unit(DAY, _sub(_add(dow, _num(7)), first_offset), 1)
    elif DATE in u:
        d = unit(DATE, fields.get("date"), 1)
    elif DAYOFYEAR in u:
        d = unit(DAYOFYEAR, fields.get("doy"), 1)
    else:
        d = _num(1)
    rest = [unit(name, fields.get(key)) if name in u else _num(0)
            for name, key in ((HOURS, "hours"), (MINUTES, "minutes"), (SECONDS, "seconds"),
                              (MILLISECONDS, "ms"))]
    return [y, m, d, *rest]


def floor_sql(instant_ms: exp.Expression, units: list[str], step: float,
              tz: str | None) -> exp.Expression:
    """vega-time ``timeFloor`` (tz = the viewer's zone) or ``utcFloor`` (tz None), in ms."""
    return Zone(tz).to_utc(make_local_ms(*floor_fields_sql(instant_ms, units, step, tz)))


def offset_is_duration(units: list[str]) -> bool:
    """Whether unit1 is unit0 plus a fixed duration (hours and finer) or a wall-clock move."""
    return units[-1] in _DURATION


def duration_offset_sql(instant_ms: exp.Expression, units: list[str],
                        step: float) -> exp.Expression:
    """d3-time's hour/minute/second/millisecond ``offset(date, step)``: a fixed duration."""
    return _add(instant_ms, _num(float(math.floor(step)) * _DURATION[units[-1]]))


def calendar_offset_local_sql(fields: list[exp.Expression], units: list[str],
                              step: float) -> exp.Expression:
    """The naive local ms of d3-time's calendar ``offset(floor, step)`` (year down to day).

    It moves the wall-clock fields the floor was built from (``fields``) as JavaScript's
    setFullYear/setMonth/setDate do; turn it into an instant with Zone.resolve. In a zone with
    changes of offset, use next_boundary_local.
    """
    last = units[-1]
    n = float(math.floor(step))
    y, m, d, h, mi, s, ms = fields
    if last == YEAR:
        y = _add(_f("trunc", y), _num(n))
    elif last in (QUARTER, MONTH):
        m = _add(_f("trunc", m), _num(n * (3 if last == QUARTER else 1)))
    else:
        d = _add(_f("trunc", d), _num(n * (7 if last in (WEEK, ISOWEEK) else 1)))
    return make_local_ms(y, m, d, h, mi, s, ms)


def next_boundary_local(fields: list[exp.Expression], units: list[str], step: float,
                        floor: exp.Expression, floor_local: exp.Expression,
                        zone: Zone) -> exp.Expression:
    """calendar_offset_local_sql in a zone: d3-time's offset moves the fields of the floor's
    own local time (the wall clock of instant ``floor``), which is later than the fields the
    floor was built from (local ms ``floor_local``) when a change of offset skipped them:
    01:00 for a skipped midnight, the next day where Samoa skipped one. So the floor's fields
    are moved and that difference added; calendar floors are midnights and no change skips a
    month, so adding it never changes which day or month was moved."""
    skipped = _sub(_add(floor, zone.offset(floor)), floor_local)
    return _add(calendar_offset_local_sql(fields, units, step), skipped)


# -- the floor, in Python -------------------------------------------------------------------------

def _sunday_week(f: js.DateFields) -> int:
    yday = js._days_from_civil(f.year, f.month + 1, f.date) - js._days_from_civil(f.year, 1, 1)
    return (yday + 7 - f.weekday) // 7


def _weekday_of(y: float, m0: int, d: int) -> int:
    return (js._days_from_civil(int(y), m0 + 1, d) + 4) % 7


def _iso_week(f: js.DateFields) -> tuple[int, int]:
    import datetime

    iso = datetime.date(f.year, f.month + 1, f.date).isocalendar()
    return iso[0], iso[1]


def floor_ms(t: float, units: list[str], step: float, tz: str | None) -> float:
    """vega-time's floor of instant ``t`` (ms), in zone ``tz`` (None = UTC); NaN if invalid."""
    f = js.date_fields(js.time_clip(t), tz)  # t.setTime(+v) truncates to whole ms
    if f is None:
        return math.nan
    u, last = set(units), units[-1]

    def unit(name: str, value: float, phase: float | None = None) -> float:
        s = step if name == last else 1
        if s <= 1:
            return value
        if phase:
            return phase + s * math.floor((value - phase) / s)
        return s * math.floor(value / s)

    isoyear, isoweek = _iso_week(f)
    if YEAR in u:
        y = unit(YEAR, isoyear if ISOWEEK in u else f.year)
    else:
        y = ISOWEEK_REFERENCE_YEAR if ISOWEEK in u else REFERENCE_YEAR
    if MONTH in u:
        m = unit(MONTH, f.month)
    elif QUARTER in u:
        m = 3 * unit(QUARTER, f.month // 3)
    else:
        m = 0
    first_offset = (_weekday_of(y, 0, 1) + 6) % 7
    week_one = 4 - (_weekday_of(y, 0, 4) + 6) % 7
    if WEEK in u and DAY in u:
        d = unit(DAY, f.weekday + _sunday_week(f) * 7 - first_offset, 1)
    elif ISOWEEK in u and DAY in u:
        d = unit(DAY, week_one + (isoweek - 1) * 7 + (f.weekday + 6) % 7, 1)
    elif WEEK in u:
        d = unit(WEEK, _sunday_week(f), 1) * 7 - first_offset
    elif ISOWEEK in u:
        d = week_one + (unit(ISOWEEK, isoweek, 1) - 1) * 7
    elif DAY in u:
        d = unit(DAY, f.weekday + 7 - first_offset, 1)
    elif DATE in u:
        d = unit(DATE, f.date, 1)
    elif DAYOFYEAR in u:
        doy = js._days_from_civil(f.year, f.month + 1, f.date) - js._days_from_civil(f.year, 1, 1)
        d = unit(DAYOFYEAR, doy + 1, 1)
    else:
        d = 1
    rest = [unit(name, value) if name in u else 0
            for name, value in ((HOURS, f.hours), (MINUTES, f.minutes), (SECONDS, f.seconds),
                                (MILLISECONDS, f.ms))]
    return js.fields_to_time(y, m, d, *rest, tz)
