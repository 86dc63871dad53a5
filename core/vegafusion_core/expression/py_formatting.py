"""Python forms of Vega's formatting functions (format, timeFormat, utcParse, monthFormat, ...).

They copy vega-functions' ``functions/format.js`` and vega-format's locale wrappers:

- ``format(value, spec)``, ``timeFormat``, ``utcFormat``, ``timeParse``, ``utcParse`` return the
  string ``'null'`` for a null value; otherwise d3's formatter for ``String(spec)`` is applied.
- ``timeFormat``/``utcFormat`` with a non-string spec use vega-format's multi-format (an object of
  per-unit specifiers, or the defaults when the spec is falsy).
- d3's time formatters take a Date as it is and anything else as ``new Date(+value)``.
- ``monthFormat`` and friends format a date of January 2000 built with JS Date setters in the
  viewer's zone, and return '' unless their argument is an integer number.
- ``timeUnitSpecifier`` is vega-time's, with its errors.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import SpecError
from .d3format import format_number
from .d3timeformat import format_time, interval_floor, parse_time
from .jsvalues import (
    JS_WHITESPACE,
    UNDEFINED,
    JSDate,
    fields_to_time,
    is_number,
    is_object,
    js_add,
    set_date_fields,
    time_clip,
    to_number,
    to_string,
)
from .registry import python_form


def _arg(args: tuple[Any, ...], i: int) -> Any:
    """The i-th argument, or undefined when the call passed fewer (as in JavaScript)."""
    return args[i] if i < len(args) else UNDEFINED


def _local_zone(ctx: Any) -> str:
    return getattr(ctx, "tz", None) or "UTC"


# --------------------------------------------------------------------------------------------
# format
# --------------------------------------------------------------------------------------------

@python_form("format")
def format_(ctx: Any, *args: Any) -> str:
    value, spec = _arg(args, 0), _arg(args, 1)
    if value is None:
        return "null"
    tz = _local_zone(ctx)
    return format_number(to_string(spec, tz), value, to_number=to_number,
                         to_string=lambda v: to_string(v, tz))


# --------------------------------------------------------------------------------------------
# timeFormat / utcFormat
# --------------------------------------------------------------------------------------------

def _date_ms(value: Any) -> float:
    """d3-time-format's ``date instanceof Date ? date : new Date(+date)``."""
    if isinstance(value, JSDate):
        return value.ms
    return time_clip(to_number(value))


# vega-format's timeMultiFormat: unit -> default specifier, in the order it tests them.
_MULTI_DEFAULTS = {
    "milliseconds": ".%L", "seconds": ":%S", "minutes": "%I:%M", "hours": "%I %p",
    "date": "%a %d", "week": "%b %d", "month": "%B", "quarter": "%B", "year": "%Y",
}


def _multi_specifier(spec: Any, unit: str, tz: str) -> str:
    if not isinstance(spec, dict):  # arrays, dates, regexps: no own unit keys
        return _MULTI_DEFAULTS[unit]
    chosen = spec.get(unit)
    if unit == "date" and not _js_truthy(chosen):
        chosen = spec.get("day")
    return to_string(chosen, tz) if _js_truthy(chosen) else _MULTI_DEFAULTS[unit]


def _js_truthy(v: Any) -> bool:
    if v is None or v is UNDEFINED or v is False:
        return False
    if is_number(v):
        return not (v == 0 or math.isnan(v))
    return v != ""


def _multi_format(value: Any, spec: Any, zone: str | None, tz: str) -> str:
    """vega-format's timeMultiFormat: the coarsest unit the date is not aligned to decides."""
    if not _js_truthy(spec):
        spec = {}
    if not is_object(spec):
        raise SpecError(f"Invalid time multi-format specifier: {to_string(spec, tz)}")
    # vega compares ``interval(unit)(date) < date``: the floor of ``new Date(+date)`` against the
    # value itself (a fractional number of ms is not aligned to anything).
    raw = value.ms if isinstance(value, JSDate) else to_number(value)
    t = time_clip(raw)

    def below(unit: str) -> bool:
        return interval_floor(unit, t, zone) < raw

    if below("seconds"):
        unit = "milliseconds"
    elif below("minutes"):
        unit = "seconds"
    elif below("hours"):
        unit = "minutes"
    elif below("date"):
        unit = "hours"
    elif below("month"):
        unit = "date" if below("week") else "week"
    elif below("year"):
        unit = "month" if below("quarter") else "quarter"
    else:
        unit = "year"
    return format_time(_multi_specifier(spec, unit, tz), t, zone)


def _time_format(args: tuple[Any, ...], zone: str | None, tz: str) -> str:
    value, spec = _arg(args, 0), _arg(args, 1)
    if value is None:
        return "null"
    if isinstance(spec, str):
        return format_time(spec, _date_ms(value), zone)
    return _multi_format(value, spec, zone, tz)


@python_form("timeFormat")
def time_format(ctx: Any, *args: Any) -> str:
    tz = _local_zone(ctx)
    return _time_format(args, tz, tz)


@python_form("utcFormat")
def utc_format(ctx: Any, *args: Any) -> str:
    return _time_format(args, None, _local_zone(ctx))


# --------------------------------------------------------------------------------------------
# timeParse / utcParse
# --------------------------------------------------------------------------------------------

def _time_parse(args: tuple[Any, ...], zone: str | None, tz: str) -> Any:
    value, spec = _arg(args, 0), _arg(args, 1)
    if value is None:
        return "null"
    ms = parse_time(to_string(spec, tz), to_string(value, tz), zone)
    return None if ms is None else JSDate(ms)


@python_form("timeParse")
def time_parse(ctx: Any, *args: Any) -> Any:
    tz = _local_zone(ctx)
    return _time_parse(args, tz, tz)


@python_form("utcParse")
def utc_parse(ctx: Any, *args: Any) -> Any:
    return _time_parse(args, None, _local_zone(ctx))


# --------------------------------------------------------------------------------------------
# monthFormat, monthAbbrevFormat, dayFormat, dayAbbrevFormat
# --------------------------------------------------------------------------------------------

def _is_integer(v: Any) -> bool:
    """``Number.isInteger``: a number (not a numeric string), finite and whole."""
    return is_number(v) and math.isfinite(v) and float(v).is_integer()


def _january_2000_format(ctx: Any, month: Any, day: Any, specifier: str) -> str:
    """vega-functions' ``time``: setYear(2000), setMonth(month), setDate(day) on a local Date
    of 2000-01-01, then timeFormat. (Vega reuses one Date object across calls, so a call after
    e.g. ``dayFormat(30)`` can differ in the browser; this form starts from 2000-01-01.)"""
    if not (_is_integer(month) and _is_integer(day)):
        return ""
    tz = _local_zone(ctx)
    t = fields_to_time(2000, 0, 1, 0, 0, 0, 0, tz)
    t = set_date_fields(t, tz, year=2000)
    t = set_date_fields(t, tz, month=float(month))
    t = set_date_fields(t, tz, date=float(day))
    return format_time(specifier, t, tz)


@python_form("monthFormat")
def month_format(ctx: Any, *args: Any) -> str:
    return _january_2000_format(ctx, _arg(args, 0), 1, "%B")


@python_form("monthAbbrevFormat")
def month_abbrev_format(ctx: Any, *args: Any) -> str:
    return _january_2000_format(ctx, _arg(args, 0), 1, "%b")


def _day_of_january(ctx: Any, day: Any) -> Any:
    """Vega's ``2 + day``, computed before the integer check: null counts as 0, "1" gives "21"."""
    return js_add(2.0, day, _local_zone(ctx))


@python_form("dayFormat")
def day_format(ctx: Any, *args: Any) -> str:
    return _january_2000_format(ctx, 0, _day_of_january(ctx, _arg(args, 0)), "%A")


@python_form("dayAbbrevFormat")
def day_abbrev_format(ctx: Any, *args: Any) -> str:
    return _january_2000_format(ctx, 0, _day_of_january(ctx, _arg(args, 0)), "%a")


# --------------------------------------------------------------------------------------------
# timeUnitSpecifier (vega-time)
# --------------------------------------------------------------------------------------------

TIME_UNITS = ["year", "quarter", "month", "week", "isoweek", "date", "day", "dayofyear",
              "hours", "minutes", "seconds", "milliseconds"]
_UNIT_ORDER = {unit: i for i, unit in enumerate(TIME_UNITS)}
_DEFAULT_UNIT_SPECIFIERS: dict[str, Any] = {
    "year": "%Y ", "quarter": "Q%q ", "month": "%b ", "date": "%d ", "week": "W%U ",
    "isoweek": "W%V ", "day": "%a ", "dayofyear": "%j ", "hours": "%H:00", "minutes": "00:%M",
    "seconds": ":%S", "milliseconds": ".%L", "year-isoweek": "%G W%V ",
    "year-month": "%Y-%m ", "year-month-date": "%Y-%m-%d ", "hours-minutes": "%H:%M",
}


def _time_units(units: Any, tz: str) -> list[str]:
    """vega-time's timeUnits: validated units in canonical order, with its error messages."""
    given = [] if units is None or units is UNDEFINED else (
        list(units) if isinstance(units, list) else [units])
    if not given:
        raise SpecError("Missing time unit.")
    names = []
    for unit in given:
        name = to_string(unit, tz)
        if name not in _UNIT_ORDER:
            raise SpecError(f"Invalid time unit: {name}.")
        names.append(name)
    present = set(names)
    kinds = (bool(present & {"week", "isoweek", "day"}) + bool(present & {"quarter", "month", "date"})
             + ("dayofyear" in present))
    if kinds > 1 or {"week", "isoweek"} <= present:
        raise SpecError(f"Incompatible time units: {to_string(units, tz)}")
    return sorted(names, key=_UNIT_ORDER.__getitem__)


def _own_keys(specifiers: Any) -> dict[str, Any]:
    """What ``extend({}, defaults, specifiers)`` copies: an object's keys, a string's indices."""
    if isinstance(specifiers, dict):
        return dict(specifiers)
    if isinstance(specifiers, list):
        return {str(i): v for i, v in enumerate(specifiers)}
    if isinstance(specifiers, str):
        return {str(i): c for i, c in enumerate(specifiers)}
    return {}


@python_form("timeUnitSpecifier")
def time_unit_specifier(ctx: Any, *args: Any) -> str:
    tz = _local_zone(ctx)
    specifiers = {**_DEFAULT_UNIT_SPECIFIERS, **_own_keys(_arg(args, 1))}
    units = _time_units(_arg(args, 0), tz)
    out, start, n = "", 0, len(units)
    while start < n:
        for end in range(n, start, -1):
            key = "-".join(units[start:end])
            value = specifiers.get(key)
            if value is not None and value is not UNDEFINED:
                out += to_string(value, tz)
                start = end
                break
        else:  # Vega loops forever here; refuse instead
            raise SpecError(f"timeUnitSpecifier: no specifier for time unit {units[start]!r}")
    return out.strip(JS_WHITESPACE)
