"""SQL forms of Vega expression functions (see functions.py), and the JavaScript coercions they share.

Every form is ``fn(ctx, args: list[Typed]) -> Typed`` where ``ctx`` is the compiler's
``SqlContext`` (it carries the viewer's time zone) and ``args`` are compiled arguments with their
static types. Missing arguments arrive as the ``undefined`` constant, as in JavaScript.

SQL is built as sqlglot nodes only. A compiled value of a type may be SQL NULL at run time, which
stands for JavaScript ``null`` (a column's missing value); ``undefined`` only exists as a constant.
The first part of this module holds the JavaScript coercions (ToNumber, ToString, truthiness) as
SQL builders; compile-time constants are coerced in Python so that literals stay literals.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from typing import TYPE_CHECKING, Any, Callable, Sequence

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from .jsvalues import UNDEFINED, JSDate, JSRegExp
from .registry import sql_form
from .types import NOT_LITERAL, Typed, VegaType

if TYPE_CHECKING:
    from .to_sql import SqlContext

T = VegaType
DOUBLE = exp.DataType.build("DOUBLE")
BIGINT = exp.DataType.build("BIGINT")
VARCHAR = exp.DataType.build("VARCHAR")
TIMESTAMP = exp.DataType.build("TIMESTAMP")
TIMESTAMPTZ = exp.DataType.build("TIMESTAMPTZ")
MAX_TIME_MS = 8.64e15  # JavaScript's TimeClip bound

# ---------------------------------------------------------------------------------------------
# JavaScript values in Python (for constants known at compile time)
# ---------------------------------------------------------------------------------------------

_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
                 "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")


def js_number_to_string(x: float) -> str:
    """JavaScript's Number::toString(10)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 2**53:
        return str(int(x))
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0")
    return sign + _place_decimal_point(digits, point)


def _place_decimal_point(s: str, n: int) -> str:
    """Number::toString step 6-10: digits ``s`` with the decimal point after ``n`` digits."""
    k = len(s)
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    return s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def js_string_to_number(s: str) -> float:
    """JavaScript's ToNumber applied to a string."""
    t = s.strip(_JS_WHITESPACE)
    if t == "":
        return 0.0
    if _JS_DECIMAL.fullmatch(t):
        return float(t)
    if t in ("Infinity", "+Infinity"):
        return math.inf
    if t == "-Infinity":
        return -math.inf
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if t[:2].lower() == prefix and len(t) > 2:
            try:
                return float(int(t[2:], base))
            except ValueError:
                return math.nan
    return math.nan


def js_to_number(v: Any) -> float:
    """JavaScript's ToNumber of a constant (arrays and objects go through ToString)."""
    if v is None:
        return 0.0
    if v is UNDEFINED:
        return math.nan
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return js_string_to_number(v)
    if isinstance(v, JSDate):
        return v.ms
    return js_string_to_number(js_to_string(v))


def js_to_string(v: Any) -> str:
    """JavaScript's ToString of a constant (Dates are refused: their text is locale-specific)."""
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number_to_string(float(v))
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ",".join("" if e is None or e is UNDEFINED else js_to_string(e) for e in v)
    if isinstance(v, JSRegExp):
        return f"/{v.source}/{v.flags}"
    if isinstance(v, dict):
        return "[object Object]"
    raise UnsupportedError("converting a Date to a string (Date.toString is locale-specific)")


def js_truthy(v: Any) -> bool:
    if v is None or v is UNDEFINED:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, str):
        return v != ""
    return True  # objects, arrays, Dates (even invalid ones), regular expressions


def js_type_of_value(v: Any) -> VegaType:
    if v is None or v is UNDEFINED:
        return T.NULL
    if isinstance(v, bool):
        return T.BOOLEAN
    if isinstance(v, (int, float)):
        return T.NUMBER
    if isinstance(v, str):
        return T.STRING
    if isinstance(v, JSDate):
        return T.DATE
    if isinstance(v, list):
        return T.ARRAY
    return T.OBJECT


# ---------------------------------------------------------------------------------------------
# SQL building blocks
# ---------------------------------------------------------------------------------------------

def call(name: str, *args: exp.Expression) -> exp.Expression:
    """A DuckDB function call (names are ours, never from a spec)."""
    return exp.Anonymous(this=name, expressions=list(args))


def nonnull(e: exp.Expression) -> exp.Expression:
    """Mark ``e`` as never SQL NULL, so that coercions can skip their COALESCE."""
    e.meta["vf_nonnull"] = True
    return e


def is_nonnull(t: Typed | exp.Expression) -> bool:
    if isinstance(t, Typed):
        if t.is_literal:
            return t.value is not None and t.value is not UNDEFINED and not (
                isinstance(t.value, JSDate) and not t.value.valid)
        t = t.sql
    return bool(t.meta.get("vf_nonnull"))


def number_sql(v: float) -> exp.Expression:
    """A DOUBLE literal (NaN, infinities and -0 included)."""
    v = float(v)
    if math.isnan(v) or math.isinf(v) or (v == 0 and math.copysign(1, v) < 0):
        text = "NaN" if math.isnan(v) else ("-0.0" if v == 0 else ("Infinity" if v > 0 else "-Infinity"))
        return nonnull(exp.cast(exp.Literal.string(text), DOUBLE))
    return nonnull(exp.cast(exp.Literal.number(repr(v)), DOUBLE))


def string_sql(s: str) -> exp.Expression:
    if "\x00" in s:
        raise UnsupportedError("a string containing the NUL character")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UnsupportedError("a string containing a lone UTF-16 surrogate") from e
    return nonnull(exp.Literal.string(s))


def bool_sql(b: bool) -> exp.Expression:
    return nonnull(exp.Boolean(this=bool(b)))


def date_from_ms_sql(ms: exp.Expression) -> exp.Expression:
    """TIMESTAMP of integral epoch milliseconds ``ms`` (a DOUBLE known to be in range)."""
    return call("make_timestamp", exp.cast(exp.Mul(this=paren(ms), expression=exp.Literal.number(1000)), BIGINT))


def literal(value: Any) -> Typed:
    """A JavaScript constant as a typed SQL literal."""
    if value is None or value is UNDEFINED:
        return Typed(exp.Null(), T.NULL, value)
    if isinstance(value, bool):
        return Typed(bool_sql(value), T.BOOLEAN, value)
    if isinstance(value, (int, float)):
        return Typed(number_sql(float(value)), T.NUMBER, float(value))
    if isinstance(value, str):
        return Typed(string_sql(value), T.STRING, value)
    if isinstance(value, JSDate):
        ms = time_clip(value.ms)
        if math.isnan(ms):
            return Typed(exp.Null(), T.DATE, JSDate(math.nan))
        return Typed(nonnull(date_from_ms_sql(exp.Literal.number(repr(int(ms))))), T.DATE, JSDate(ms))
    if isinstance(value, list):
        return Typed(_array_literal_sql(value), T.ARRAY, value)
    return Typed(_no_sql("an object or regular expression value"), T.OBJECT, value)


def time_clip(ms: float) -> float:
    if math.isnan(ms) or abs(ms) > MAX_TIME_MS:
        return math.nan
    return float(math.trunc(ms)) + 0.0


def _no_sql(what: str) -> exp.Expression:
    placeholder = exp.Null()
    placeholder.meta["vf_no_sql"] = what
    return placeholder


def _array_literal_sql(values: list) -> exp.Expression:
    types = {js_type_of_value(v) for v in values}
    if len(types) != 1 or types & {T.NULL, T.ARRAY, T.OBJECT}:
        return _no_sql("an array whose elements are not all numbers, all strings or all booleans")
    (elem_type,) = types
    arr = exp.Array(expressions=[literal(v).sql for v in values])
    arr.meta["vf_elem"] = elem_type
    return nonnull(arr)


def require_sql(t: Typed) -> exp.Expression:
    """The SQL of ``t``; refuse constants that have no SQL value (objects, mixed arrays)."""
    reason = t.sql.meta.get("vf_no_sql")
    if reason:
        raise UnsupportedError(f"{reason} used as a row value")
    return t.sql


def element_type(t: Typed) -> VegaType | None:
    return t.sql.meta.get("vf_elem")


def coalesce(e: exp.Expression, default: exp.Expression, known_nonnull: bool) -> exp.Expression:
    if known_nonnull:
        return e
    return nonnull(exp.Coalesce(this=e, expressions=[default]))


def case(whens: Sequence[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None) -> exp.Case:
    c = exp.Case()
    for cond, value in whens:
        c = c.when(cond, value)
    if default is not None:
        c = c.else_(default)
    return c


def is_nan(e: exp.Expression) -> exp.Expression:
    return call("isnan", e)


def not_nan(e: exp.Expression) -> exp.Expression:
    """SQL TRUE unless ``e`` is NaN (NULL counts as not NaN)."""
    if e.meta.get("vf_notnan"):
        return bool_sql(True)
    return exp.Not(this=exp.Coalesce(this=is_nan(e), expressions=[bool_sql(False)]))


def notnan(e: exp.Expression) -> exp.Expression:
    e.meta["vf_notnan"] = True
    return e


def and_(*parts: exp.Expression) -> exp.Expression:
    kept = [p for p in parts if not (isinstance(p, exp.Boolean) and p.this is True)]
    if not kept:
        return bool_sql(True)
    out = kept[0]
    for p in kept[1:]:
        out = exp.And(this=exp.Paren(this=out), expression=exp.Paren(this=p))
    return out


def or_(*parts: exp.Expression) -> exp.Expression:
    out = parts[0]
    for p in parts[1:]:
        out = exp.Or(this=exp.Paren(this=out), expression=exp.Paren(this=p))
    return out


_ATOMIC = (exp.Paren, exp.Column, exp.Literal, exp.Cast, exp.Anonymous, exp.Boolean, exp.Null,
           exp.Coalesce, exp.Case, exp.If, exp.Array)


def paren(e: exp.Expression) -> exp.Expression:
    """``e`` parenthesised unless atomic: sqlglot prints trees without adding parentheses."""
    if isinstance(e, _ATOMIC):
        return e
    wrapped = exp.Paren(this=e)
    wrapped.meta.update(e.meta)
    return wrapped


def number_typed(e: exp.Expression, is_nonnull_: bool = True, value: Any = NOT_LITERAL) -> Typed:
    if is_nonnull_:
        nonnull(e)
    return Typed(e, T.NUMBER, value)


# ---------------------------------------------------------------------------------------------
# JavaScript coercions as SQL
# ---------------------------------------------------------------------------------------------

def to_number(t: Typed) -> Typed:
    """ToNumber: a NUMBER that is never NULL (null -> 0, undefined -> NaN)."""
    if t.is_literal and t.type != T.ARRAY:
        return literal(js_to_number(t.value))
    if t.type == T.NUMBER:
        return number_typed(coalesce(t.sql, number_sql(0), is_nonnull(t)))
    return number_typed(coalesce(to_number_keep_null(t).sql, number_sql(0), False))


def to_number_keep_null(t: Typed) -> Typed:
    """ToNumber of a value that is not null; SQL NULL (JavaScript null) stays NULL."""
    if t.is_literal:
        if t.value is None:
            return Typed(exp.Null(), T.NUMBER, None)
        if t.type != T.ARRAY:
            return literal(js_to_number(t.value))
    sql = require_sql(t)
    if t.type == T.NUMBER:
        return t
    if t.type == T.BOOLEAN:
        e = exp.cast(sql, DOUBLE)
    elif t.type == T.STRING:
        e = call("vf_str_to_num", sql)
    elif t.type == T.DATE:
        e = notnan(exp.cast(call("epoch_ms", sql), DOUBLE))
    else:
        raise UnsupportedError(f"converting a value of type {t.type.value} to a number")
    if is_nonnull(t):
        nonnull(e)
    return Typed(e, T.NUMBER)


def to_string(t: Typed) -> Typed:
    """ToString: a STRING that is never NULL (null -> "null")."""
    if t.is_literal:
        return literal(js_to_string(t.value))
    sql = require_sql(t)
    if t.type == T.STRING:
        e = sql
    elif t.type == T.NUMBER:
        e = call("vf_num_to_str", sql)
    elif t.type == T.BOOLEAN:
        e = exp.If(this=sql, true=exp.Literal.string("true"), false=exp.Literal.string("false"))
    else:
        raise UnsupportedError(f"converting a value of type {t.type.value} to a string")
    if is_nonnull(t):
        return Typed(nonnull(e), T.STRING)
    return Typed(nonnull(case([(exp.Is(this=sql, expression=exp.Null()), exp.Literal.string("null"))], e)),
                 T.STRING)


def truthy(t: Typed) -> exp.Expression:
    """JavaScript truthiness as a SQL BOOLEAN that is never NULL."""
    if t.is_literal:
        return bool_sql(js_truthy(t.value))
    sql = require_sql(t)
    if t.type == T.BOOLEAN:
        return coalesce(sql, bool_sql(False), is_nonnull(t))
    if t.type == T.NUMBER:
        test = and_(exp.NEQ(this=paren(sql), expression=number_sql(0)), not_nan(sql))
        return coalesce(test, bool_sql(False), is_nonnull(t))
    if t.type == T.STRING:
        return coalesce(exp.NEQ(this=paren(sql), expression=exp.Literal.string("")), bool_sql(False),
                        is_nonnull(t))
    return nonnull(exp.Not(this=exp.Is(this=paren(sql), expression=exp.Null())))


def js_typed_null(type_: VegaType) -> exp.Expression:
    """A SQL NULL of the storage type of ``type_`` (so that CASE branches agree)."""
    storage = {T.NUMBER: DOUBLE, T.STRING: VARCHAR, T.BOOLEAN: exp.DataType.build("BOOLEAN"),
               T.DATE: TIMESTAMP}.get(type_)
    return exp.cast(exp.Null(), storage) if storage is not None else exp.Null()


# ---------------------------------------------------------------------------------------------
# Dates: JavaScript ``new Date(x)`` and the viewer's wall clock
# ---------------------------------------------------------------------------------------------

def check_tz(tz: str) -> str:
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as e:
        raise SpecError(f"unknown time zone {tz!r}") from e
    return tz


def ms_to_timestamp(ms: exp.Expression) -> exp.Expression:
    """new Date(ms) for a non-null DOUBLE: NULL (Invalid Date) outside TimeClip's range."""
    in_range = exp.LTE(this=call("abs", ms), expression=number_sql(MAX_TIME_MS))
    return exp.If(this=in_range, true=date_from_ms_sql(call("trunc", ms)), false=exp.cast(exp.Null(), TIMESTAMP))


def as_date(t: Typed) -> exp.Expression:
    """``new Date(x)`` as a TIMESTAMP; SQL NULL is an Invalid Date (new Date(null) is the epoch)."""
    if t.is_literal and t.type in (T.NUMBER, T.NULL, T.BOOLEAN, T.DATE):
        ms = t.value.ms if isinstance(t.value, JSDate) else js_to_number(t.value)
        return literal(JSDate(time_clip(ms))).sql
    sql = require_sql(t)
    if t.type == T.DATE:
        return coalesce(sql, date_from_ms_sql(exp.Literal.number(0)), is_nonnull(t))
    if t.type == T.NUMBER or t.type == T.BOOLEAN:
        return ms_to_timestamp(to_number(t).sql)
    if t.type == T.STRING:
        parsed = parse_date_sql(sql)
        return exp.If(this=exp.Is(this=sql, expression=exp.Null()),
                      true=date_from_ms_sql(exp.Literal.number(0)), false=parsed)
    raise UnsupportedError(f"converting a value of type {t.type.value} to a date")


# ISO 8601 as ECMAScript's Date.parse reads it: a date alone is UTC, a date-time without an
# offset is local time. Other formats are implementation-specific and parse to NaN here.
_ISO_DATE = r"([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
_ISO_TIME = r"T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?"


def parse_date_sql(s: exp.Expression, tz: str = "UTC") -> exp.Expression:
    """Date.parse of ISO 8601 strings as a TIMESTAMP (NULL when not ISO: Invalid Date)."""
    return call("vf_parse_iso_date", s, exp.Literal.string(tz))


def wall_clock(ts: exp.Expression, tz: str) -> exp.Expression:
    """The viewer's local wall-clock time of a UTC instant, as a TIMESTAMP."""
    if tz == "UTC":
        return ts
    return exp.cast(call("timezone", exp.Literal.string(check_tz(tz)), exp.cast(ts, TIMESTAMPTZ)), TIMESTAMP)


def wall_to_instant(wall: exp.Expression, tz: str) -> exp.Expression:
    """The UTC instant of a local wall-clock time, resolving gaps and overlaps as JS Date does.

    JavaScript reads a local time in a DST gap with the offset from before the transition
    (02:30 becomes 03:30) and an ambiguous time as the earlier instant. Both follow from trying
    the offset in force a day before, then the one a day after.
    """
    if tz == "UTC":
        return wall
    return call("vf_local_to_utc", wall, exp.Literal.string(check_tz(tz)))


# ---------------------------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------------------------

UNDEF = literal(UNDEFINED)


def _args(args: list[Typed], n: int) -> list[Typed]:
    return list(args[:n]) + [UNDEF] * max(0, n - len(args))


def _number_fn(sql_name: str, arity: int = 1) -> Callable[["SqlContext", list[Typed]], Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        nums = [to_number(a).sql for a in _args(args, arity)]
        return number_typed(call(sql_name, *nums))
    return form


for _name, _sql, _arity in [("abs", "abs", 1), ("acos", "acos", 1), ("asin", "asin", 1),
                            ("atan", "atan", 1), ("atan2", "atan2", 2), ("ceil", "ceil", 1),
                            ("cos", "cos", 1), ("exp", "exp", 1), ("floor", "floor", 1),
                            ("log", "ln", 1), ("sin", "sin", 1), ("sqrt", "sqrt", 1),
                            ("tan", "tan", 1), ("pow", "vf_pow", 2)]:
    sql_form(_name)(_number_fn(_sql, _arity))
