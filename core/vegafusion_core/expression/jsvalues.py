"""JavaScript values as the Python side of the expression language sees them.

Mapping: ``None`` is null, :data:`UNDEFINED` is undefined, numbers are ``float`` (``int`` is
accepted on input and treated as a double), strings are ``str``, booleans ``bool``, arrays
``list``, objects ``dict``, a JS ``Date`` is a :class:`JSDate` (UTC epoch milliseconds, NaN for an
Invalid Date) and a JS ``RegExp`` a :class:`JSRegExp`.

The coercion helpers (ToNumber, ToString, truthiness, ``==``) live here too, so that the
evaluator, the function forms and the formatters share one copy of JavaScript's rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class _Undefined:
    _instance: "_Undefined | None" = None

    def __new__(cls) -> "_Undefined":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()


@dataclass(frozen=True)
class JSDate:
    """A JavaScript Date: milliseconds since the UTC epoch (NaN when invalid)."""

    ms: float

    @property
    def valid(self) -> bool:
        return not math.isnan(self.ms)


@dataclass(frozen=True)
class JSRegExp:
    """A JavaScript RegExp literal or ``regexp(pattern, flags)`` result."""

    source: str
    flags: str = ""


JSValue = object  # any of the Python types listed in the module docstring

# Member names of Object.prototype (and "then", "__proto__") that Vega forbids as object keys.
DISALLOWED_OBJECT_PROPERTIES = frozenset({
    "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf",
    "toLocaleString", "__proto__", "then",
})


# --------------------------------------------------------------------------------------------
# Types


def is_number(v: object) -> bool:
    """typeof v === 'number' (bool is an int subclass in Python, but not a JS number)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_object(v: object) -> bool:
    """v === Object(v): arrays, plain objects, dates and regexps."""
    return isinstance(v, (list, tuple, dict, JSDate, JSRegExp))


def js_typeof(v: object) -> str:
    if v is UNDEFINED:
        return "undefined"
    if v is None or is_object(v):
        return "object"
    if isinstance(v, bool):
        return "boolean"
    if is_number(v):
        return "number"
    if isinstance(v, str):
        return "string"
    raise TypeError(f"not a JavaScript value: {v!r}")


# --------------------------------------------------------------------------------------------
# Numbers

# JavaScript's StrWhiteSpaceChar: WhiteSpace (incl. Unicode Zs) and LineTerminator.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_NON_DECIMAL = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_RADIX_BY_PREFIX = {"x": 16, "o": 8, "b": 2}


def _parse_decimal(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "Infinity":
        return sign * math.inf
    return sign * float(body)


def string_to_number(s: str) -> float:
    """ToNumber applied to a string (StringNumericLiteral)."""
    t = s.strip(JS_WHITESPACE)
    if t == "":
        return 0.0
    if _NON_DECIMAL.fullmatch(t):
        return float(int(t[2:], _RADIX_BY_PREFIX[t[1].lower()]))
    if _DECIMAL.fullmatch(t):
        return _parse_decimal(t)
    return math.nan


def to_number(v: object) -> float:
    """JavaScript's ToNumber (the unary ``+``)."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if is_number(v):
        return float(v)
    if v is None:
        return 0.0
    if v is UNDEFINED:
        return math.nan
    if isinstance(v, str):
        return string_to_number(v)
    if isinstance(v, JSDate):
        return v.ms
    # Other objects: ToPrimitive with hint number falls back to toString.
    return string_to_number(to_string(v))


def number_to_string(x: float) -> str:
    """JavaScript's Number::toString(10): shortest round-trip digits, JS's exponent rules."""
    if math.isnan(x):
        return "NaN"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x < 0:
        return "-" + number_to_string(-x)
    mantissa, _, exp = repr(float(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: position of the decimal point relative to the digit string (ES "n").
    n = len(whole.lstrip("0")) + (int(exp) if exp else 0)
    if whole.strip("0") == "":  # 0.000ddd
        n = (int(exp) if exp else 0) - (len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    mant = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mant}e{sign}{abs(e)}"


def to_int32(v: object) -> int:
    x = to_number(v)
    if not math.isfinite(x):
        return 0
    n = int(x) & 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


def to_uint32(v: object) -> int:
    x = to_number(v)
    if not math.isfinite(x):
        return 0
    return int(x) & 0xFFFFFFFF


def to_integer_or_infinity(v: object) -> float:
    x = to_number(v)
    if math.isnan(x):
        return 0.0
    if math.isinf(x):
        return x
    return float(math.trunc(x))


# --------------------------------------------------------------------------------------------
# Strings and primitives


def regexp_to_string(r: JSRegExp) -> str:
    return f"/{r.source or '(?:)'}/{r.flags}"


def to_primitive(v: object, hint: str = "default", tz: str = "UTC") -> object:
    """ToPrimitive: dates prefer strings unless the hint is number; other objects use toString."""
    if not is_object(v):
        return v
    if isinstance(v, JSDate):
        return v.ms if hint == "number" else date_to_string(v, tz)
    return to_string(v, tz)


def to_string(v: object, tz: str = "UTC") -> str:
    """JavaScript's ToString (``String(v)``; arrays join with "," and hide null/undefined)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_number(v):
        return number_to_string(float(v))
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, (list, tuple)):
        return ",".join("" if e is None or e is UNDEFINED else to_string(e, tz) for e in v)
    if isinstance(v, dict):
        return "[object Object]"
    if isinstance(v, JSDate):
        return date_to_string(v, tz)
    if isinstance(v, JSRegExp):
        return regexp_to_string(v)
    raise TypeError(f"not a JavaScript value: {v!r}")


def truthy(v: object) -> bool:
    """JavaScript's ToBoolean."""
    if v is None or v is UNDEFINED:
        return False
    if isinstance(v, bool):
        return v
    if is_number(v):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, str):
        return v != ""
    return True


# --------------------------------------------------------------------------------------------
# Equality and comparison


def _same_type(a: object, b: object) -> bool:
    ta, tb = js_typeof(a), js_typeof(b)
    if ta != tb:
        return False
    # typeof null is "object", but null and an object are different types.
    return (a is None) == (b is None)


def strict_equals(a: object, b: object) -> bool:
    """``===``: same type and value; objects (including dates) only when they are one object."""
    if not _same_type(a, b):
        return False
    if is_number(a):
        return float(a) == float(b)  # NaN != NaN, 0 == -0
    if is_object(a):
        return a is b
    return a == b


def loose_equals(a: object, b: object, tz: str = "UTC") -> bool:
    """``==`` with JavaScript's coercions (IsLooselyEqual)."""
    if _same_type(a, b):
        return strict_equals(a, b)
    nullish = (None, UNDEFINED)
    if a in nullish or b in nullish:
        return (a in nullish) and (b in nullish)
    if isinstance(a, bool):
        return loose_equals(to_number(a), b, tz)
    if isinstance(b, bool):
        return loose_equals(a, to_number(b), tz)
    if is_number(a) and isinstance(b, str):
        return float(a) == string_to_number(b)
    if isinstance(a, str) and is_number(b):
        return string_to_number(a) == float(b)
    if is_object(a) and not is_object(b):
        return loose_equals(to_primitive(a, "default", tz), b, tz)
    if is_object(b) and not is_object(a):
        return loose_equals(a, to_primitive(b, "default", tz), tz)
    return False


def _utf16_key(s: str) -> object:
    # JS compares strings by UTF-16 code units; Python by code points. They differ only when a
    # character outside the BMP meets one in U+E000..U+FFFF.
    if all(ord(c) < 0x10000 for c in s):
        return s
    return s.encode("utf-16-be")


def js_compare(a: object, b: object, op: str) -> bool:
    """``<``, ``>``, ``<=``, ``>=`` with JavaScript's rules (strings compare as strings)."""
    pa, pb = to_primitive(a, "number"), to_primitive(b, "number")
    if isinstance(pa, str) and isinstance(pb, str):
        ka, kb = _utf16_key(pa), _utf16_key(pb)
        if type(ka) is not type(kb):
            ka, kb = pa.encode("utf-16-be"), pb.encode("utf-16-be")
        x: object = ka
        y: object = kb
    else:
        x, y = to_number(pa), to_number(pb)
        if math.isnan(x) or math.isnan(y):  # type: ignore[arg-type]
            return False
    if op == "<":
        return x < y  # type: ignore[operator]
    if op == ">":
        return x > y  # type: ignore[operator]
    if op == "<=":
        return x <= y  # type: ignore[operator]
    if op == ">=":
        return x >= y  # type: ignore[operator]
    raise ValueError(op)


# --------------------------------------------------------------------------------------------
# Arithmetic


def js_add(a: object, b: object, tz: str = "UTC") -> object:
    """``+``: concatenation when either primitive is a string, else numeric addition."""
    pa, pb = to_primitive(a, "default", tz), to_primitive(b, "default", tz)
    if isinstance(pa, str) or isinstance(pb, str):
        return to_string(pa, tz) + to_string(pb, tz)
    return to_number(pa) + to_number(pb)


def js_sub(a: object, b: object) -> float:
    return to_number(a) - to_number(b)


def js_mul(a: object, b: object) -> float:
    x, y = to_number(a), to_number(b)
    if (math.isinf(x) and y == 0) or (math.isinf(y) and x == 0):
        return math.nan
    return x * y


def js_div(a: object, b: object) -> float:
    """``/`` with IEEE semantics: x/0 is ±Infinity (sign of both operands), 0/0 is NaN."""
    x, y = to_number(a), to_number(b)
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    if math.isinf(x) and math.isinf(y):
        return math.nan
    return x / y


def js_mod(a: object, b: object) -> float:
    """``%``: the result has the sign of the dividend."""
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or y == 0:
        return math.nan
    if math.isinf(y):
        return x
    return math.fmod(x, y)


def js_negate(a: object) -> float:
    return -to_number(a)


def js_bitwise(op: str, a: object, b: object) -> float:
    """``| & ^ << >> >>>`` on ToInt32/ToUint32 operands."""
    if op == "|":
        return float(_wrap32(to_int32(a) | to_int32(b)))
    if op == "&":
        return float(_wrap32(to_int32(a) & to_int32(b)))
    if op == "^":
        return float(_wrap32(to_int32(a) ^ to_int32(b)))
    shift = to_uint32(b) & 31
    if op == "<<":
        return float(_wrap32(to_int32(a) << shift))
    if op == ">>":
        return float(to_int32(a) >> shift)
    if op == ">>>":
        return float(to_uint32(a) >> shift)
    raise ValueError(op)


def js_bitnot(a: object) -> float:
    return float(~to_int32(a))


def _wrap32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


# --------------------------------------------------------------------------------------------
# Dates: ECMAScript's date arithmetic (ES2024 21.4.1), with local time in an IANA zone.

MS_PER_DAY = 86_400_000.0
MAX_TIME = 8.64e15
_WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _floor_div(a: float, b: float) -> float:
    return math.floor(a / b)


def es_day(t: float) -> float:
    return _floor_div(t, MS_PER_DAY)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m is 1-12)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month 0-11, day 1-31) of a day number."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m - 1, d


def make_time(h: float, m: float, s: float, ms: float) -> float:
    if not all(math.isfinite(x) for x in (h, m, s, ms)):
        return math.nan
    return math.trunc(h) * 3_600_000.0 + math.trunc(m) * 60_000.0 + math.trunc(s) * 1000.0 + math.trunc(ms)


def make_day(year: float, month: float, date: float) -> float:
    if not all(math.isfinite(x) for x in (year, month, date)):
        return math.nan
    y, m, dt = math.trunc(year), math.trunc(month), math.trunc(date)
    ym = y + math.floor(m / 12)
    if abs(ym) > 400_000:
        return math.nan
    mn = int(m % 12)
    return float(_days_from_civil(int(ym), mn + 1, 1)) + dt - 1


def make_date(day: float, time: float) -> float:
    if not (math.isfinite(day) and math.isfinite(time)):
        return math.nan
    tv = day * MS_PER_DAY + time
    return tv if math.isfinite(tv) else math.nan


def time_clip(t: float) -> float:
    if not math.isfinite(t) or abs(t) > MAX_TIME:
        return math.nan
    return float(math.trunc(t)) + 0.0  # + 0.0 turns -0 into +0


def _zone(tz: str) -> "ZoneInfo | None":
    if tz in ("UTC", "Etc/UTC", "GMT", "Z"):
        return None
    try:
        return _zoneinfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        from ..errors import SpecError

        raise SpecError(f"unknown time zone {tz!r}") from e


@lru_cache(maxsize=64)
def _zoneinfo(tz: str) -> "ZoneInfo":
    return ZoneInfo(tz)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MIN_DT_MS = (datetime(1, 1, 2, tzinfo=timezone.utc) - _EPOCH).total_seconds() * 1000
_MAX_DT_MS = (datetime(9999, 12, 30, tzinfo=timezone.utc) - _EPOCH).total_seconds() * 1000


_MS_PER_400_YEARS = 146097 * MS_PER_DAY  # the Gregorian calendar repeats every 400 years


def _in_datetime_range(t: float) -> float:
    """Map t into Python's datetime range: far-future times by whole 400-year cycles (so the
    zone's yearly rules still apply, as in V8); the far past onto year 1 (local mean time)."""
    if t > _MAX_DT_MS:
        t -= math.ceil((t - _MAX_DT_MS) / _MS_PER_400_YEARS) * _MS_PER_400_YEARS
    return max(t, _MIN_DT_MS)


def tz_offset_ms(t: float, tz: str) -> float:
    """Offset (local - UTC) in ms of zone ``tz`` at the UTC instant ``t``."""
    zone = _zone(tz)
    if zone is None or not math.isfinite(t):
        return 0.0
    t = _in_datetime_range(t)
    off = (_EPOCH + timedelta(milliseconds=t)).astimezone(zone).utcoffset()
    return off.total_seconds() * 1000 if off is not None else 0.0


def local_time(t: float, tz: str) -> float:
    return t + tz_offset_ms(t, tz)


def utc_from_local(t_local: float, tz: str) -> float:
    """ES UTC(t): ambiguous local times take the earlier instant, skipped ones the offset before."""
    zone = _zone(tz)
    if zone is None or not math.isfinite(t_local):
        return t_local
    clamped = _in_datetime_range(t_local)
    naive = datetime(1970, 1, 1) + timedelta(milliseconds=clamped)
    # fold=0 is the earlier of two repeated times and, in a gap, the offset before the gap,
    # which is what ECMAScript's UTC(t) prescribes.
    off = naive.replace(tzinfo=zone, fold=0).utcoffset()
    return t_local - (off.total_seconds() * 1000 if off is not None else 0.0)


@dataclass(frozen=True)
class DateFields:
    year: int
    month: int  # 0-11
    date: int  # 1-31
    hours: int
    minutes: int
    seconds: int
    ms: int
    weekday: int  # 0 = Sunday


def date_fields(t: float, tz: str | None) -> DateFields | None:
    """Calendar fields of instant ``t`` in zone ``tz`` (None = UTC); None for an Invalid Date."""
    if math.isnan(t):
        return None
    lt = local_time(t, tz) if tz else t
    day = int(es_day(lt))
    y, m, d = _civil_from_days(day)
    in_day = int(lt - day * MS_PER_DAY)
    return DateFields(y, m, d, in_day // 3_600_000, in_day // 60_000 % 60, in_day // 1000 % 60,
                      in_day % 1000, (day + 4) % 7)


def fields_to_time(year: float, month: float, date: float, h: float, mi: float, s: float,
                   ms: float, tz: str | None) -> float:
    """MakeDate(MakeDay(...), MakeTime(...)) read in zone ``tz`` (None = UTC), then TimeClip."""
    t = make_date(make_day(year, month, date), make_time(h, mi, s, ms))
    if tz:
        t = utc_from_local(t, tz)
    return time_clip(t)


def date_constructor(args: list[object], tz: str) -> float:
    """``new Date(...args)`` (with two or more arguments) or ``Date.UTC`` when tz is None."""
    nums = [to_number(a) for a in args]
    defaults = [math.nan, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    y, m, d, h, mi, s, ms = nums + defaults[len(nums):]
    if not math.isnan(y):
        yi = math.trunc(y)
        if 0 <= yi <= 99:  # two-digit years mean 19xx
            y = 1900.0 + yi
    return fields_to_time(y, m, d, h, mi, s, ms, tz)


def set_date_fields(t: float, tz: str | None, **changes: float) -> float:
    """A JS setter (setMonth, setUTCHours, ...): replace some local fields and recompose."""
    if math.isnan(t):
        if "year" not in changes:
            return math.nan
        t = 0.0  # setFullYear on an Invalid Date starts from +0
    f = date_fields(t, tz)
    assert f is not None
    v = {"year": f.year, "month": f.month, "date": f.date, "hours": f.hours,
         "minutes": f.minutes, "seconds": f.seconds, "ms": f.ms}
    v.update(changes)
    return fields_to_time(v["year"], v["month"], v["date"], v["hours"], v["minutes"],
                          v["seconds"], v["ms"], tz)


def timezone_offset_minutes(t: float, tz: str) -> float:
    if math.isnan(t):
        return math.nan
    # V8 truncates offsets with seconds (local mean time before 1900) to whole minutes.
    return float(math.trunc(-tz_offset_ms(t, tz) / 60000)) + 0.0


def date_to_string(d: JSDate, tz: str = "UTC") -> str:
    """Date.prototype.toString in zone ``tz``: 'Wed Jan 01 2020 00:00:00 GMT+0100 (...)'."""
    if not d.valid:
        return "Invalid Date"
    f = date_fields(d.ms, tz)
    assert f is not None
    off = tz_offset_ms(d.ms, tz) / 60000
    sign = "+" if off >= 0 else "-"
    off_min = int(abs(off))
    gmt = f"GMT{sign}{off_min // 60:02d}{off_min % 60:02d}"
    year = f"-{-f.year:04d}" if f.year < 0 else f"{f.year:04d}"
    return (f"{_WEEKDAYS[f.weekday]} {_MONTHS[f.month]} {f.date:02d} {year} "
            f"{f.hours:02d}:{f.minutes:02d}:{f.seconds:02d} {gmt} ({zone_long_name(tz, d.ms)})")


# ICU's long names (as Node 20 prints them) of the zones a dashboard's viewers commonly have:
# (name at the zone's lower offset of the year, name at its higher offset when it has DST).
_ZONE_NAMES: dict[str, tuple[str, ...]] = {
    "UTC": ("Coordinated Universal Time",),
    "Etc/UTC": ("Coordinated Universal Time",),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Dublin": ("Greenwich Mean Time", "Irish Standard Time"),
    "Europe/Lisbon": ("Western European Standard Time", "Western European Summer Time"),
    "Europe/Paris": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Berlin": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Madrid": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Rome": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Amsterdam": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Brussels": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Vienna": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Zurich": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Stockholm": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Oslo": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Copenhagen": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Warsaw": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Prague": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Budapest": ("Central European Standard Time", "Central European Summer Time"),
    "Europe/Athens": ("Eastern European Standard Time", "Eastern European Summer Time"),
    "Europe/Helsinki": ("Eastern European Standard Time", "Eastern European Summer Time"),
    "Europe/Kiev": ("Eastern European Standard Time", "Eastern European Summer Time"),
    "Europe/Kyiv": ("Eastern European Standard Time", "Eastern European Summer Time"),
    "Europe/Bucharest": ("Eastern European Standard Time", "Eastern European Summer Time"),
    "Europe/Istanbul": ("Türkiye Standard Time",),
    "Europe/Moscow": ("Moscow Standard Time",),
    "Africa/Cairo": ("Eastern European Standard Time",),
    "Africa/Johannesburg": ("South Africa Standard Time",),
    "Africa/Lagos": ("West Africa Time",),
    "Africa/Nairobi": ("East Africa Time",),
    "Africa/Casablanca": ("GMT+01:00",),
    "Asia/Dubai": ("Gulf Standard Time",),
    "Asia/Karachi": ("Pakistan Standard Time",),
    "Asia/Kolkata": ("India Standard Time",),
    "Asia/Calcutta": ("India Standard Time",),
    "Asia/Kathmandu": ("Nepal Time",),
    "Asia/Dhaka": ("Bangladesh Standard Time",),
    "Asia/Bangkok": ("Indochina Time",),
    "Asia/Jakarta": ("Western Indonesia Time",),
    "Asia/Singapore": ("Singapore Standard Time",),
    "Asia/Kuala_Lumpur": ("Malaysia Time",),
    "Asia/Manila": ("Philippine Standard Time",),
    "Asia/Shanghai": ("China Standard Time",),
    "Asia/Hong_Kong": ("Hong Kong Standard Time",),
    "Asia/Taipei": ("Taiwan Standard Time",),
    "Asia/Seoul": ("Korean Standard Time",),
    "Asia/Tokyo": ("Japan Standard Time",),
    "Asia/Jerusalem": ("Israel Standard Time", "Israel Daylight Time"),
    "Asia/Tehran": ("Iran Standard Time", "Iran Daylight Time"),
    "Asia/Riyadh": ("Arabian Standard Time",),
    "Australia/Perth": ("Australian Western Standard Time",),
    "Australia/Adelaide": ("Australian Central Standard Time", "Australian Central Daylight Time"),
    "Australia/Darwin": ("Australian Central Standard Time",),
    "Australia/Brisbane": ("Australian Eastern Standard Time",),
    "Australia/Sydney": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
    "Australia/Melbourne": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
    "Australia/Hobart": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
    "Australia/Lord_Howe": ("Lord Howe Standard Time", "Lord Howe Daylight Time"),
    "Pacific/Auckland": ("New Zealand Standard Time", "New Zealand Daylight Time"),
    "Pacific/Honolulu": ("Hawaii-Aleutian Standard Time",),
    "America/Anchorage": ("Alaska Standard Time", "Alaska Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Vancouver": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Phoenix": ("Mountain Standard Time",),
    "America/Edmonton": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Mexico_City": ("Central Standard Time", "Central Daylight Time"),
    "America/Winnipeg": ("Central Standard Time", "Central Daylight Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Toronto": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Detroit": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Halifax": ("Atlantic Standard Time", "Atlantic Daylight Time"),
    "America/St_Johns": ("Newfoundland Standard Time", "Newfoundland Daylight Time"),
    "America/Sao_Paulo": ("Brasilia Standard Time",),
    "America/Argentina/Buenos_Aires": ("Argentina Standard Time",),
    "America/Bogota": ("Colombia Standard Time",),
    "America/Lima": ("Peru Standard Time",),
    "America/Santiago": ("Chile Standard Time", "Chile Summer Time"),
    "America/Caracas": ("Venezuela Time",),
    "Atlantic/Reykjavik": ("Greenwich Mean Time",),
}


def zone_long_name(tz: str, t: float) -> str:
    """The name V8 prints in parentheses after a local date (from ICU; a table here)."""
    m = re.fullmatch(r"Etc/GMT([+-])(\d+)", tz)
    if m:  # POSIX-style sign: Etc/GMT+5 is five hours behind UTC
        sign = "-" if m.group(1) == "+" else "+"
        return f"GMT{sign}{int(m.group(2)):02d}:00"
    names = _ZONE_NAMES.get(tz)
    if names is None:
        from ..errors import UnsupportedError

        raise UnsupportedError(f"the browser's name of time zone {tz!r} is not known on the server")
    if len(names) == 1:
        return names[0]
    f = date_fields(t, tz)
    assert f is not None
    jan = tz_offset_ms(fields_to_time(f.year, 0, 1, 0, 0, 0, 0, None), tz)
    jul = tz_offset_ms(fields_to_time(f.year, 6, 1, 0, 0, 0, 0, None), tz)
    return names[1] if tz_offset_ms(t, tz) > min(jan, jul) else names[0]


# --------------------------------------------------------------------------------------------
# Date.parse (V8): the ES date-time string format first, then V8's legacy formats.

_ISO = re.compile(
    r"(?P<y>[+-]\d{6}|\d{4})(?:-(?P<m>\d\d)(?:-(?P<d>\d\d))?)?"
    r"(?:[Tt](?P<H>\d\d):(?P<M>\d\d)(?::(?P<S>\d\d)(?:\.(?P<f>\d+))?)?"
    r"(?P<z>[Zz]|[+-]\d\d:?\d\d)?)?"
)
# An ES date followed by "T": V8 parses it as the ES format or not at all.
_ISO_DATE_THEN_T = re.compile(r"(?:[+-]\d{6}|\d{4})(?:-\d\d(?:-\d\d)?)?[Tt]")
_LEGACY_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<word>[A-Za-z]+)|(?P<sym>[^\sA-Za-z\d]))")
_TZ_ABBREV = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
              "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}
_MONTH_WORDS = [m.lower() for m in _MONTHS]


def parse_date(s: str, tz: str) -> float:
    """Date.parse(s) in V8, local times read in zone ``tz``; NaN when V8 cannot parse it."""
    m = _ISO.fullmatch(s)
    if m:
        return _parse_iso(m, tz)
    if _ISO_DATE_THEN_T.match(s):
        return math.nan
    return _parse_legacy(s, tz)


def _parse_iso(m: re.Match[str], tz: str) -> float:
    y = int(m["y"])
    if m["y"] == "-000000":
        return math.nan
    mo = int(m["m"] or 1)
    d = int(m["d"] or 1)
    hh, mi, ss = int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0)
    frac = m["f"] or ""
    ms = int((frac + "000")[:3])
    # V8 checks each field's range but not the day against the month (Feb 30 rolls over).
    if not (1 <= mo <= 12 and 1 <= d <= 31 and mi <= 59 and ss <= 59):
        return math.nan
    if hh > 24 or (hh == 24 and (mi or ss or ms)):
        return math.nan
    t = make_date(make_day(y, mo - 1, d), make_time(hh, mi, ss, ms))
    z = m["z"]
    if (z and z in "Zz") or (m["H"] is None):  # date-only forms are UTC
        return time_clip(t)
    if z:
        sign = 1 if z[0] == "+" else -1
        minutes = z[-2:]
        return time_clip(t - sign * (int(z[1:3]) * 3_600_000 + int(minutes) * 60_000))
    return time_clip(utc_from_local(t, tz))


def _parse_legacy(s: str, tz: str) -> float:
    """V8's fallback parser, for the forms that data commonly holds:
    '2020/01/02', '2020-1-2 10:00', '1/2/2020', 'Jan 2, 2020 10:00:00 PM', 'Thu, 01 Jan 1970
    00:00:00 GMT', '... GMT+0100'. Without a zone the result is local time."""
    s = re.sub(r"\([^)]*\)", " ", s)  # V8 skips parenthesised comments
    tokens = [(t.group("num"), t.group("word"), t.group("sym")) for t in _LEGACY_TOKEN.finditer(s)]
    if "".join("".join(x for x in tok if x) for tok in tokens) != re.sub(r"\s", "", s):
        return math.nan
    nums: list[int] = []
    num_digits: list[int] = []
    time: list[int] = []
    month_word: int | None = None
    offset_min: float | None = None
    pm: bool | None = None
    after_time = False  # the previous token ended a time or named a zone: a sign is an offset
    i = 0
    while i < len(tokens):
        num, word, sym = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None, None)
        if num is not None:
            if nxt[2] == ":" or (time and len(time) < 3 and tokens[i - 1][2] == ":"):
                time.append(int(num))
                after_time = True
            elif time and tokens[i - 1][2] == "." and len(time) == 3:
                time.append(int((num + "00")[:3]))
                after_time = True
            else:
                nums.append(int(num))
                num_digits.append(len(num))
                after_time = False
        elif word is not None:
            w = word.lower()
            if w in ("am", "pm"):
                pm = w == "pm"
            elif w in _TZ_ABBREV:
                offset_min = _TZ_ABBREV[w] * 60.0
                after_time = True
                i += 1
                continue
            elif len(w) >= 3 and w[:3] in _MONTH_WORDS:
                month_word = _MONTH_WORDS.index(w[:3])
            elif len(w) >= 3 and w[:3] in ("sun", "mon", "tue", "wed", "thu", "fri", "sat"):
                pass
            elif nums or time:  # an unknown word after a number is an error, before it noise
                return math.nan
            after_time = False
        elif sym in ("+", "-") and after_time and nxt[0] is not None:
            sign = 1 if sym == "+" else -1
            digits = nxt[0]
            if i + 3 < len(tokens) and tokens[i + 2][2] == ":" and tokens[i + 3][0] is not None:
                hh, mm = int(digits), int(tokens[i + 3][0])
                i += 2
            elif len(digits) <= 2:
                hh, mm = int(digits), 0
            else:
                hh, mm = int(digits) // 100, int(digits) % 100
            offset_min = sign * (hh * 60 + mm)
            after_time = False
            i += 2
            continue
        elif sym not in ("/", "-", ",", ":", ".", "(", ")"):
            return math.nan
        elif sym != ":" and sym != ".":
            after_time = False
        i += 1
    return _compose_legacy(nums, num_digits, time, month_word, offset_min, pm, tz)


def _compose_legacy(nums: list[int], digits: list[int], time: list[int], month_word: int | None,
                    offset_min: float | None, pm: bool | None, tz: str) -> float:
    if month_word is not None:
        if len(nums) == 1 and nums[0] > 31:
            y, mo, d = nums[0], month_word, 1
        elif len(nums) == 1:
            y, mo, d = 2001, month_word, nums[0]
        elif len(nums) == 2:
            if digits[0] >= 3 or nums[0] > 31:
                y, d = nums[0], nums[1]
            else:
                d, y = nums[0], nums[1]
            mo = month_word
        else:
            return math.nan
    elif len(nums) == 3:
        if digits[0] >= 3 or nums[0] > 31:
            y, mo, d = nums[0], nums[1] - 1, nums[2]
        else:
            mo, d, y = nums[0] - 1, nums[1], nums[2]
    elif len(nums) == 2:
        if digits[0] >= 3 or nums[0] > 31:
            y, mo, d = nums[0], nums[1] - 1, 1
        else:
            y, mo, d = 2001, nums[0] - 1, nums[1]
    elif len(nums) == 1:
        return _compose_single_number(nums[0], digits[0], time, offset_min, pm, tz)
    else:
        return math.nan
    if 0 <= y <= 49 and (month_word is not None or len(nums) == 3) and _is_short_year(y, nums, digits):
        y += 2000
    elif 50 <= y <= 99 and _is_short_year(y, nums, digits):
        y += 1900
    return _finish_legacy(y, mo, d, time, offset_min, pm, tz)


def _compose_single_number(n: int, digits: int, time: list[int], offset_min: float | None,
                           pm: bool | None, tz: str) -> float:
    # V8 reads a lone number as a month of 2001 (1-12), else as a year (two digits: 20xx up
    # to 49, 19xx from 50); 13-31 could only be a day, which is an error.
    if 1 <= n <= 12 and digits <= 2:
        return _finish_legacy(2001, n - 1, 1, time, offset_min, pm, tz)
    if 13 <= n <= 31:
        return math.nan
    year = n + (2000 if n < 50 else 1900) if digits <= 2 else n
    return _finish_legacy(year, 0, 1, time, offset_min, pm, tz)


def _finish_legacy(y: int, mo: int, d: int, time: list[int], offset_min: float | None,
                   pm: bool | None, tz: str) -> float:
    if not (0 <= mo <= 11 and 1 <= d <= 31):
        return math.nan
    hh, mi, ss, ms = (time + [0, 0, 0, 0])[:4]
    if pm is not None:
        if hh > 12:
            return math.nan
        hh = hh % 12 + (12 if pm else 0)
    if hh > 24 or mi > 59 or ss > 59:
        return math.nan
    t = make_date(make_day(y, mo, d), make_time(hh, mi, ss, ms))
    if offset_min is None:
        return time_clip(utc_from_local(t, tz))
    return time_clip(t - offset_min * 60_000)


def _is_short_year(y: int, nums: list[int], digits: list[int]) -> bool:
    # A year written with one or two digits is a two-digit year.
    idx = nums.index(y) if y in nums else -1
    return idx >= 0 and digits[idx] <= 2
