"""d3-time-format (v4.1) in pure Python, en-US locale.

``format_time(specifier, ms, tz)`` equals ``d3.utcFormat(specifier)(new Date(ms))`` when ``tz`` is
None and ``d3.timeFormat`` in a browser whose zone is ``tz`` otherwise; ``parse_time`` likewise
for ``utcParse``/``timeParse`` (epoch ms, NaN for an Invalid Date, None where d3 returns null).

d3's code is followed closely, down to the d3-time intervals it uses (``timeDay.count``,
``timeThursday.ceil``, ...), which are emulated with JavaScript's Date setters from
:mod:`.jsvalues` so that DST transitions, LMT offsets and Invalid Dates come out as in a browser.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from .jsvalues import (
    JS_WHITESPACE,
    date_fields,
    fields_to_time,
    number_to_string,
    set_date_fields,
    time_clip,
    tz_offset_ms,
)

Zone = str | None  # an IANA zone for local time, None for UTC

PERIODS = ["AM", "PM"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SHORT_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LOCALE_DATE_TIME = "%x, %X"
LOCALE_DATE = "%-m/%-d/%Y"
LOCALE_TIME = "%-I:%M:%S %p"

_PADS = {"-": "", "_": " ", "0": "0"}
_MS_PER_MINUTE = 60_000
_MS_PER_DAY = 86_400_000
_MS_PER_WEEK = 7 * _MS_PER_DAY


# --------------------------------------------------------------------------------------------
# The JavaScript Date getters and the d3-time intervals d3-time-format uses
# --------------------------------------------------------------------------------------------

class _Clock:
    """JavaScript Date getters/setters in one zone (local time in ``tz``, or UTC)."""

    def __init__(self, tz: Zone) -> None:
        self.tz = tz

    def field(self, t: float, name: str) -> float:
        f = date_fields(t, self.tz)
        return math.nan if f is None else float(getattr(f, name))

    def set(self, t: float, **changes: float) -> float:
        return set_date_fields(t, self.tz, **changes)

    def timezone_offset(self, t: float) -> float:
        """``getTimezoneOffset()``: V8 truncates the offset to whole minutes."""
        if math.isnan(t):
            return math.nan
        if self.tz is None:
            return 0.0
        return float(math.trunc(-tz_offset_ms(t, self.tz) / _MS_PER_MINUTE)) + 0.0

    # -- floors and offsets (d3-time's floori/offseti) --

    def second_floor(self, t: float) -> float:
        return t - self.field(t, "ms")

    def minute_floor(self, t: float) -> float:
        if self.tz is None:
            return self.set(t, seconds=0, ms=0)
        return t - self.field(t, "ms") - self.field(t, "seconds") * 1000

    def hour_floor(self, t: float) -> float:
        if self.tz is None:
            return self.set(t, minutes=0, seconds=0, ms=0)
        return (t - self.field(t, "ms") - self.field(t, "seconds") * 1000
                - self.field(t, "minutes") * _MS_PER_MINUTE)

    def day_floor(self, t: float) -> float:
        return self.set(t, hours=0, minutes=0, seconds=0, ms=0)

    def day_offset(self, t: float, step: int) -> float:
        return self.set(t, date=self.field(t, "date") + step)

    def weekday_floor(self, t: float, weekday: int) -> float:
        t = self.set(t, date=self.field(t, "date") - (self.field(t, "weekday") + 7 - weekday) % 7)
        return self.day_floor(t)

    def week_offset(self, t: float, step: int) -> float:
        return self.set(t, date=self.field(t, "date") + step * 7)

    def month_floor(self, t: float) -> float:
        return self.day_floor(self.set(t, date=1))

    def quarter_floor(self, t: float) -> float:
        # timeMonth.every(3): step back a month at a time until the month is a multiple of 3.
        t = self.month_floor(t)
        while t == t and self.field(t, "month") % 3 != 0:
            t = self.month_floor(t - 1)
        return t

    def year_floor(self, t: float) -> float:
        return self.day_floor(self.set(t, month=0, date=1))

    def weekday_ceil(self, t: float, weekday: int) -> float:
        t = self.weekday_floor(t - 1, weekday)
        return self.weekday_floor(self.week_offset(t, 1), weekday)

    # -- counts (d3-time's interval.count) --

    def _elapsed(self, start: float, end: float) -> float:
        """end - start, corrected for a change of UTC offset as d3-time's count fields do."""
        return end - start - (self.timezone_offset(end) - self.timezone_offset(start)) * _MS_PER_MINUTE

    def day_count(self, start: float, end: float) -> float:
        return _js_floor(self._elapsed(self.day_floor(start), self.day_floor(end)) / _MS_PER_DAY)

    def weekday_count(self, start: float, end: float, weekday: int) -> float:
        elapsed = self._elapsed(self.weekday_floor(start, weekday), self.weekday_floor(end, weekday))
        return _js_floor(elapsed / _MS_PER_WEEK)


def _js_floor(x: float) -> float:
    return math.floor(x) if math.isfinite(x) else x


def _js_rem(a: float, b: int) -> float:
    """JavaScript's ``%`` (the sign of the dividend)."""
    return math.fmod(a, b) if math.isfinite(a) else math.nan


def _js_str(x: float) -> str:
    return number_to_string(float(x))


def _pad(value: float, fill: str, width: int) -> str:
    sign = "-" if value < 0 else ""
    text = _js_str(-value if sign else value)
    return sign + (fill * (width - len(text)) + text if len(text) < width else text)


def _hour12(hours: float) -> float:
    h = _js_rem(hours, 12)
    return h if h == h and h != 0 else 12


def _name(names: list[str], index: float) -> str:
    """``names[index]`` joined into a string: undefined (an Invalid Date) becomes ''."""
    return names[int(index)] if index == index else ""


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------

def _iso_thursday(c: _Clock, t: float) -> float:
    day = c.field(t, "weekday")
    return c.weekday_floor(t, 4) if (day >= 4 or day == 0) else c.weekday_ceil(t, 4)


def _iso_week(c: _Clock, t: float, p: str) -> str:
    t = _iso_thursday(c, t)
    year_start = c.year_floor(t)
    return _pad(c.weekday_count(year_start, t, 4) + (c.field(year_start, "weekday") == 4), p, 2)


def _zone_directive(c: _Clock, t: float) -> str:
    if c.tz is None:
        return "+0000"
    z = c.timezone_offset(t)
    if math.isnan(z):
        return "+00NaN"
    sign = "-" if z > 0 else "+"
    z = abs(z)
    return sign + _pad(math.trunc(z / 60), "0", 2) + _pad(_js_rem(z, 60), "0", 2)


_Directive = Callable[[_Clock, float, str], str]

_DIRECTIVES: dict[str, _Directive] = {
    "a": lambda c, t, p: _name(SHORT_DAYS, c.field(t, "weekday")),
    "A": lambda c, t, p: _name(DAYS, c.field(t, "weekday")),
    "b": lambda c, t, p: _name(SHORT_MONTHS, c.field(t, "month")),
    "B": lambda c, t, p: _name(MONTHS, c.field(t, "month")),
    "c": lambda c, t, p: _format(LOCALE_DATE_TIME, c, t),
    "d": lambda c, t, p: _pad(c.field(t, "date"), p, 2),
    "e": lambda c, t, p: _pad(c.field(t, "date"), p, 2),
    "f": lambda c, t, p: _pad(c.field(t, "ms"), p, 3) + "000",
    "g": lambda c, t, p: _pad(_js_rem(c.field(_iso_thursday(c, t), "year"), 100), p, 2),
    "G": lambda c, t, p: _pad(_js_rem(c.field(_iso_thursday(c, t), "year"), 10000), p, 4),
    "H": lambda c, t, p: _pad(c.field(t, "hours"), p, 2),
    # ``getHours() % 12 || 12``: NaN is falsy, so an Invalid Date shows 12.
    "I": lambda c, t, p: _pad(_hour12(c.field(t, "hours")), p, 2),
    "j": lambda c, t, p: _pad(1 + c.day_count(c.year_floor(t), t), p, 3),
    "L": lambda c, t, p: _pad(c.field(t, "ms"), p, 3),
    "m": lambda c, t, p: _pad(c.field(t, "month") + 1, p, 2),
    "M": lambda c, t, p: _pad(c.field(t, "minutes"), p, 2),
    "p": lambda c, t, p: PERIODS[int(c.field(t, "hours") >= 12)],
    # ``1 + ~~(month / 3)``: ~~NaN is 0.
    "q": lambda c, t, p: _js_str(1 + (math.trunc(c.field(t, "month") / 3)
                                      if t == t else 0)),
    "Q": lambda c, t, p: _js_str(t),
    "s": lambda c, t, p: _js_str(_js_floor(t / 1000)),
    "S": lambda c, t, p: _pad(c.field(t, "seconds"), p, 2),
    "u": lambda c, t, p: _js_str(7 if c.field(t, "weekday") == 0 else c.field(t, "weekday")),
    "U": lambda c, t, p: _pad(c.weekday_count(c.year_floor(t) - 1, t, 0), p, 2),
    "V": _iso_week,
    "w": lambda c, t, p: _js_str(c.field(t, "weekday")),
    "W": lambda c, t, p: _pad(c.weekday_count(c.year_floor(t) - 1, t, 1), p, 2),
    "x": lambda c, t, p: _format(LOCALE_DATE, c, t),
    "X": lambda c, t, p: _format(LOCALE_TIME, c, t),
    "y": lambda c, t, p: _pad(_js_rem(c.field(t, "year"), 100), p, 2),
    "Y": lambda c, t, p: _pad(_js_rem(c.field(t, "year"), 10000), p, 4),
    "Z": lambda c, t, p: _zone_directive(c, t),
    "%": lambda c, t, p: "%",
}


def _format(specifier: str, clock: _Clock, t: float) -> str:
    """d3's newFormat loop; an unknown directive prints its own letter, a final '%' nothing."""
    out: list[str] = []
    i, j, n = 0, 0, len(specifier)
    while i < n:
        if specifier[i] == "%":
            out.append(specifier[j:i])
            i += 1
            c = specifier[i] if i < n else ""
            pad = _PADS.get(c) if c else None
            if pad is not None:
                i += 1
                c = specifier[i] if i < n else ""
            else:
                pad = " " if c == "e" else "0"
            directive = _DIRECTIVES.get(c) if c else None
            out.append(directive(clock, t, pad) if directive else c)
            j = i + 1
        i += 1
    out.append(specifier[j:])
    return "".join(out)


def format_time(specifier: str, ms: float, tz: Zone) -> str:
    """``d3.utcFormat(specifier)(new Date(ms))`` (tz None) or ``d3.timeFormat`` in zone ``tz``."""
    return _format(specifier, _Clock(tz), time_clip(ms))


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_WS = "[" + re.escape(JS_WHITESPACE) + "]*"
_NUMBER_RE = re.compile("^" + _WS + "[0-9]+")
_ZONE_RE = re.compile(r"^(Z)|([+-][0-9][0-9])(?::?([0-9][0-9]))?")


def _names_re(names: list[str]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(map(re.escape, names)) + ")", re.IGNORECASE | re.ASCII)


def _lookup(names: list[str]) -> dict[str, int]:
    return {name.lower(): i for i, name in enumerate(names)}


_NAME_FIELDS: dict[str, tuple[str, re.Pattern[str], dict[str, int]]] = {
    "p": ("p", _names_re(PERIODS), _lookup(PERIODS)),
    "a": ("w", _names_re(SHORT_DAYS), _lookup(SHORT_DAYS)),
    "A": ("w", _names_re(DAYS), _lookup(DAYS)),
    "b": ("m", _names_re(SHORT_MONTHS), _lookup(SHORT_MONTHS)),
    "B": ("m", _names_re(MONTHS), _lookup(MONTHS)),
}

# directive -> (field, maximum number of characters read (None: the rest), conversion)
_NUMBER_FIELDS: dict[str, tuple[str, int | None, Callable[[int], int]]] = {
    "w": ("w", 1, lambda v: v),
    "u": ("u", 1, lambda v: v),
    "U": ("U", 2, lambda v: v),
    "V": ("V", 2, lambda v: v),
    "W": ("W", 2, lambda v: v),
    "Y": ("y", 4, lambda v: v),
    "G": ("y", 4, lambda v: v),
    "y": ("y", 2, lambda v: v + (1900 if v > 68 else 2000)),
    "g": ("y", 2, lambda v: v + (1900 if v > 68 else 2000)),
    "q": ("q", 1, lambda v: v * 3 - 3),
    "m": ("m", 2, lambda v: v - 1),
    "d": ("d", 2, lambda v: v),
    "e": ("d", 2, lambda v: v),
    "H": ("H", 2, lambda v: v),
    "I": ("H", 2, lambda v: v),
    "M": ("M", 2, lambda v: v),
    "S": ("S", 2, lambda v: v),
    "L": ("L", 3, lambda v: v),
    "f": ("L", 6, lambda v: v // 1000),
    "Q": ("Q", None, lambda v: v),
    "s": ("s", None, lambda v: v),
}

_Fields = dict[str, Any]


def _parse_number(d: _Fields, directive: str, string: str, i: int) -> int:
    field, width, convert = _NUMBER_FIELDS[directive]
    m = _NUMBER_RE.match(string[i:] if width is None else string[i:i + width])
    if m is None:
        return -1
    d[field] = convert(int(m.group(0).strip(JS_WHITESPACE)))
    return i + len(m.group(0))


def _parse_directive(d: _Fields, c: str, string: str, i: int) -> int:
    if c in _NUMBER_FIELDS:
        return _parse_number(d, c, string, i)
    if c in _NAME_FIELDS:
        field, pattern, lookup = _NAME_FIELDS[c]
        m = pattern.match(string[i:])
        if m is None:
            return -1
        d[field] = lookup[m.group(0).lower()]
        return i + len(m.group(0))
    if c == "j":
        m = _NUMBER_RE.match(string[i:i + 3])
        if m is None:
            return -1
        d["m"], d["d"] = 0, int(m.group(0).strip(JS_WHITESPACE))
        return i + len(m.group(0))
    if c == "Z":
        m = _ZONE_RE.search(string[i:i + 6])
        if m is None:
            return -1
        d["Z"] = 0 if m.group(1) else -int(m.group(2) + (m.group(3) or "00"))
        return i + len(m.group(0))
    if c == "%":
        return i + 1 if string[i:i + 1] == "%" else -1
    if c in ("c", "x", "X"):
        sub = {"c": LOCALE_DATE_TIME, "x": LOCALE_DATE, "X": LOCALE_TIME}[c]
        return _parse_specifier(d, sub, string, i)
    return -1


def _parse_specifier(d: _Fields, specifier: str, string: str, j: int) -> int:
    i, n, m = 0, len(specifier), len(string)
    while i < n:
        if j >= m:
            return -1
        c = specifier[i]
        i += 1
        if c == "%":
            c = specifier[i] if i < n else ""
            i += 1
            if c in _PADS:
                c = specifier[i] if i < n else ""
                i += 1
            if not c:
                return -1
            j = _parse_directive(d, c, string, j)
            if j < 0:
                return -1
        else:
            if c != string[j]:
                return -1
            j += 1
    return j


def _date_from_fields(d: _Fields, tz: Zone) -> float:
    """d3's localDate/utcDate: years 0-99 are built in year -1 and then moved (setFullYear),
    so that the Date constructor does not read them as 19xx."""
    y, m, day, hh, mm, ss, ms = d["y"], d["m"], d["d"], d["H"], d["M"], d["S"], d["L"]
    if 0 <= y < 100:
        t = fields_to_time(-1, m, day, hh, mm, ss, ms, tz)
        return set_date_fields(t, tz, year=y)
    return fields_to_time(y, m, day, hh, mm, ss, ms, tz)


def _resolve_iso_week(d: _Fields, clock: _Clock) -> None:
    if "w" not in d:
        d["w"] = 1
    week = _date_from_fields(_new_fields(d["y"], 0, 1), clock.tz)
    day = clock.field(week, "weekday")
    week = clock.weekday_ceil(week, 1) if (day > 4 or day == 0) else clock.weekday_floor(week, 1)
    week = clock.day_offset(week, (d["V"] - 1) * 7)
    d["y"] = clock.field(week, "year")
    d["m"] = clock.field(week, "month")
    d["d"] = clock.field(week, "date") + (d["w"] + 6) % 7


def _resolve_week(d: _Fields, clock: _Clock) -> None:
    if "w" not in d:
        d["w"] = d["u"] % 7 if "u" in d else (1 if "W" in d else 0)
    day = clock.field(_date_from_fields(_new_fields(d["y"], 0, 1), clock.tz), "weekday")
    d["m"] = 0
    if "W" in d:
        d["d"] = (d["w"] + 6) % 7 + d["W"] * 7 - (day + 5) % 7
    else:
        d["d"] = d["w"] + d["U"] * 7 - (day + 6) % 7


def _new_fields(y: float, m: float | None, day: float) -> _Fields:
    return {"y": y, "m": m, "d": day, "H": 0, "M": 0, "S": 0, "L": 0}


def _int_to_float(n: int) -> float:
    """``+digits`` in JavaScript: a very long run of digits is Infinity."""
    try:
        return float(n)
    except OverflowError:
        return math.inf


def parse_time(specifier: str, text: str, tz: Zone) -> float | None:
    """``d3.utcParse(specifier)(text)`` (tz None) or ``d3.timeParse`` in zone ``tz``: epoch ms,
    NaN for an Invalid Date, None where d3 returns null."""
    d = _new_fields(1900, None, 1)
    if _parse_specifier(d, specifier, text, 0) != len(text):
        return None
    if "Q" in d:
        return time_clip(_int_to_float(d["Q"]))
    if "s" in d:
        return time_clip(_int_to_float(d["s"]) * 1000 + d["L"])
    if tz is None and "Z" not in d:  # utcParse never uses a local zone
        d["Z"] = 0
    if "p" in d:
        d["H"] = d["H"] % 12 + d["p"] * 12
    if d["m"] is None:
        d["m"] = d["q"] if "q" in d else 0
    # Fields carrying an explicit zone are read as UTC; the others as local time in tz.
    clock = _Clock(None if "Z" in d else tz)
    if "V" in d:
        if d["V"] < 1 or d["V"] > 53:
            return None
        _resolve_iso_week(d, clock)
    elif "W" in d or "U" in d:
        _resolve_week(d, clock)
    if "Z" in d:
        d["H"] += math.trunc(d["Z"] / 100)
        d["M"] += int(math.fmod(d["Z"], 100))
        return _date_from_fields(d, None)
    return _date_from_fields(d, tz)


# --------------------------------------------------------------------------------------------
# Intervals for Vega's multi-format (vega-format's timeMultiFormat)
# --------------------------------------------------------------------------------------------

def interval_floor(unit: str, t: float, tz: Zone) -> float:
    """``interval(unit)(t)`` of vega-time, in zone ``tz`` (None = UTC)."""
    c = _Clock(tz)
    floors: dict[str, Callable[[float], float]] = {
        "seconds": c.second_floor,
        "minutes": c.minute_floor,
        "hours": c.hour_floor,
        "date": c.day_floor,
        "week": lambda t: c.weekday_floor(t, 0),
        "month": c.month_floor,
        "quarter": c.quarter_floor,
        "year": c.year_floor,
    }
    return floors[unit](t)
