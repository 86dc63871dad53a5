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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from .jsvalues import UNDEFINED, JSDate, JSRegExp
from .registry import sql_form
from .types import NOT_LITERAL, Typed, VegaType, sql_type

if TYPE_CHECKING:
    from .to_sql import SqlContext

T = VegaType
DOUBLE = sql_type("DOUBLE")
BIGINT = sql_type("BIGINT")
VARCHAR = sql_type("VARCHAR")
TIMESTAMP = sql_type("TIMESTAMP")
TIMESTAMPTZ = sql_type("TIMESTAMPTZ")
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


def invalid_date_if_null(e: exp.Expression) -> exp.Expression:
    """Mark a TIMESTAMP ``e`` whose NULL means an Invalid Date (a Date object), never null."""
    if not e.meta.get("vf_nonnull"):
        e.meta["vf_maybe_invalid"] = True
    return e


def maybe_invalid_date(t: Typed) -> bool:
    """Whether the DATE ``t`` may be an Invalid Date (held as SQL NULL, or a constant)."""
    if t.is_literal:
        return isinstance(t.value, JSDate) and not t.value.valid
    return bool(t.sql.meta.get("vf_maybe_invalid"))


def never_null(t: Typed) -> bool:
    """Whether ``t`` is never JavaScript null (an Invalid Date held as NULL is not null)."""
    return is_nonnull(t) or (t.type == T.DATE and maybe_invalid_date(t))


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
    if not values:
        return nonnull(exp.Array(expressions=[]))  # no elements: no element type to agree on
    types = {js_type_of_value(v) for v in values}
    if types == {T.NULL}:  # [undefined, undefined] (extent of nothing): NULLs of no type
        return nonnull(exp.Array(expressions=[exp.Null() for _ in values]))
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
    elif t.type == T.DATE and maybe_invalid_date(t):  # +InvalidDate is NaN
        e = nonnull(exp.Coalesce(this=exp.cast(call("epoch_ms", sql), DOUBLE), expressions=[number_sql(math.nan)]))
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
    if never_null(t):
        return bool_sql(True)  # objects, Invalid Dates included, are truthy
    return nonnull(exp.Not(this=exp.Is(this=paren(sql), expression=exp.Null())))


def js_typed_null(type_: VegaType) -> exp.Expression:
    """A SQL NULL of the storage type of ``type_`` (so that CASE branches agree)."""
    storage = {T.NUMBER: DOUBLE, T.STRING: VARCHAR, T.BOOLEAN: sql_type("BOOLEAN"),
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


def as_date(t: Typed, tz: str = "UTC") -> exp.Expression:
    """``new Date(x)`` as a TIMESTAMP; SQL NULL is an Invalid Date (new Date(null) is the epoch)."""
    if t.is_literal and t.type in (T.NUMBER, T.NULL, T.BOOLEAN, T.DATE):
        ms = t.value.ms if isinstance(t.value, JSDate) else js_to_number(t.value)
        return literal(JSDate(time_clip(ms))).sql
    sql = require_sql(t)
    if t.type == T.DATE:  # NULL is null (the epoch) unless it stands for an Invalid Date
        return coalesce(sql, date_from_ms_sql(exp.Literal.number(0)), never_null(t))
    if t.type == T.NUMBER and "vf_ts" in sql.meta:  # a date column: its TIMESTAMP, null -> epoch
        return nonnull(coalesce(sql.meta["vf_ts"], date_from_ms_sql(exp.Literal.number(0)), False))
    if t.type == T.NUMBER or t.type == T.BOOLEAN:
        return ms_to_timestamp(to_number(t).sql)
    if t.type == T.STRING:
        parsed = ms_to_timestamp(call("vf_date_parse", sql, exp.Literal.string(check_tz(tz))))
        return exp.If(this=exp.Is(this=sql, expression=exp.Null()),
                      true=date_from_ms_sql(exp.Literal.number(0)), false=parsed)
    raise UnsupportedError(f"converting a value of type {t.type.value} to a date")


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


# -- control flow and type checking ----------------------------------------------------------------

@sql_form("if")
def _if(ctx: "SqlContext", args: list[Typed]) -> Typed:
    if len(args) != 3:
        raise SpecError("if takes exactly three arguments")
    from .to_sql import choose
    return choose(truthy(args[0]), args[1], args[2], "if()")


def _bool(e: exp.Expression) -> Typed:
    return Typed(nonnull(e), T.BOOLEAN)


def _not_null(t: Typed) -> exp.Expression:
    if never_null(t):
        return bool_sql(True)
    return exp.Not(this=exp.Is(this=paren(require_sql(t)), expression=exp.Null()))


def _type_test(*types: VegaType) -> Callable[["SqlContext", list[Typed]], Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        (x,) = _args(args, 1)
        if x.is_literal:
            return literal(js_type_of_value(x.value) in types and x.value is not None
                           and x.value is not UNDEFINED)
        return _bool(_not_null(x) if x.type in types else bool_sql(False))
    return form


sql_form("isArray")(_type_test(T.ARRAY))
sql_form("isBoolean")(_type_test(T.BOOLEAN))
sql_form("isDate")(_type_test(T.DATE))
sql_form("isNumber")(_type_test(T.NUMBER))
sql_form("isString")(_type_test(T.STRING))
sql_form("isObject")(_type_test(T.ARRAY, T.DATE, T.OBJECT))


@sql_form("isRegExp")
def _is_regexp(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal:
        return literal(isinstance(x.value, JSRegExp))
    if x.type == T.OBJECT:
        raise UnsupportedError("isRegExp of a row object")
    return literal(False)


@sql_form("isDefined")
def _is_defined(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    return literal(not (x.is_literal and x.value is UNDEFINED))


@sql_form("isValid")
def _is_valid(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal:
        v = x.value
        return literal(v is not None and v is not UNDEFINED and not (isinstance(v, float) and math.isnan(v)))
    valid = _not_null(x)
    if x.type == T.NUMBER:
        valid = and_(valid, not_nan(x.sql))
    return _bool(valid)


@sql_form("isNaN")
def _is_nan_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)  # Number.isNaN: no coercion
    if x.is_literal:
        return literal(isinstance(x.value, float) and math.isnan(x.value))
    if x.type != T.NUMBER:
        return literal(False)
    return _bool(coalesce(is_nan(x.sql), bool_sql(False), False))


@sql_form("isFinite")
def _is_finite_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)  # Number.isFinite: no coercion
    if x.is_literal:
        return literal(isinstance(x.value, float) and math.isfinite(x.value))
    if x.type != T.NUMBER:
        return literal(False)
    return _bool(coalesce(call("isfinite", x.sql), bool_sql(False), False))


# -- coercion (vega-util: null and "" become null) ---------------------------------------------

def _empty(t: Typed) -> exp.Expression:
    """SQL: the value is null or the empty string."""
    sql = require_sql(t)
    test = exp.Is(this=paren(sql), expression=exp.Null())
    if t.type == T.STRING:
        test = or_(test, exp.EQ(this=paren(sql), expression=exp.Literal.string("")))
    return test


def _null_if_empty(t: Typed, value: exp.Expression, type_: VegaType) -> Typed:
    if is_nonnull(t) and t.type != T.STRING:
        return Typed(nonnull(value), type_)
    return Typed(case([(_empty(t), js_typed_null(type_))], value), type_)


@sql_form("toNumber")
def _to_number_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal:
        return literal(None if x.value is None or x.value == "" else js_to_number(x.value))
    return _null_if_empty(x, to_number(x).sql, T.NUMBER)


@sql_form("toString")
def _to_string_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal:
        return literal(None if x.value is None or x.value == "" else js_to_string(x.value))
    return _null_if_empty(x, to_string(x).sql, T.STRING)


@sql_form("toBoolean")
def _to_boolean_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal:
        v = x.value
        return literal(None if v is None or v == "" else (js_truthy(v) and v not in ("false", "0")))
    value = truthy(x)
    if x.type == T.STRING:
        value = and_(value, exp.Not(this=exp.In(this=paren(x.sql), expressions=[
            exp.Literal.string("false"), exp.Literal.string("0")])))
    return _null_if_empty(x, value, T.BOOLEAN)


@sql_form("toDate")
def _to_date_form(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal and (x.value is None or x.value == ""):
        return literal(None)
    if x.type in (T.NUMBER, T.DATE):
        return x
    if x.type == T.STRING:  # Date.parse: epoch milliseconds, NaN when unparseable
        parsed = call("vf_date_parse", require_sql(x), exp.Literal.string(check_tz(ctx.tz)))
        return _null_if_empty(x, parsed, T.NUMBER)
    if x.type == T.BOOLEAN:
        return _null_if_empty(x, number_sql(math.nan), T.NUMBER)
    raise UnsupportedError(f"toDate of a {x.type.value} value")


# -- math ------------------------------------------------------------------------------------------

@sql_form("round")
def _round(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """Math.round: halves go toward +Infinity; results in [-0.5, 0) are -0."""
    x = to_number(_args(args, 1)[0]).sql
    down = call("floor", x)
    up = exp.If(this=exp.GTE(this=exp.Sub(this=paren(x), expression=paren(down)), expression=number_sql(0.5)),
                true=exp.Add(this=paren(down), expression=number_sql(1)), false=down)
    negative_zero = and_(exp.LT(this=paren(x), expression=number_sql(0)),
                         exp.GTE(this=paren(x), expression=number_sql(-0.5)))
    return number_typed(exp.If(this=negative_zero, true=number_sql(-0.0), false=up))


def _extreme(ctx: "SqlContext", args: list[Typed], name: str) -> Typed:
    nums = [to_number(a) for a in args]
    if not nums:
        return literal(math.inf if name == "least" else -math.inf)
    if len(nums) == 1:
        return nums[0]
    any_nan = or_(*[exp.Coalesce(this=is_nan(n.sql), expressions=[bool_sql(False)]) for n in nums])
    extreme = call(name, *[n.sql for n in nums])
    zero = exp.EQ(this=paren(extreme), expression=number_sql(0))
    return number_typed(case([(any_nan, number_sql(math.nan)), (zero, _signed_zero(nums, name == "greatest"))],
                             extreme))


def _signed_zero(nums: list[Typed], is_max: bool) -> exp.Expression:
    """The zero Math.max/Math.min return when the extreme is zero: +0 beats -0 for max, -0 wins
    for min. IEEE addition of signed zeros gives +0 unless both are -0, with -0 as identity."""
    def term(n: Typed) -> exp.Expression:
        value = n.sql if is_max else exp.Neg(this=paren(n.sql))
        return exp.If(this=exp.EQ(this=paren(n.sql), expression=number_sql(0)), true=value,
                      false=number_sql(-0.0))
    total = term(nums[0])
    for n in nums[1:]:
        total = exp.Add(this=paren(total), expression=term(n))
    return total if is_max else exp.Neg(this=paren(total))


@sql_form("min")
def _min(ctx: "SqlContext", args: list[Typed]) -> Typed:
    return _extreme(ctx, args, "least")


@sql_form("max")
def _max(ctx: "SqlContext", args: list[Typed]) -> Typed:
    return _extreme(ctx, args, "greatest")


@sql_form("clamp")
def _clamp(ctx: "SqlContext", args: list[Typed]) -> Typed:
    if len(args) != 3:
        raise SpecError("clamp takes exactly three arguments")
    x, lo, hi = args
    return _max(ctx, [lo, _min(ctx, [hi, x])])


@sql_form("hypot")
def _hypot(ctx: "SqlContext", args: list[Typed]) -> Typed:
    nums = [to_number(a).sql for a in args]
    if not nums:
        return literal(0.0)
    any_inf = or_(*[call("isinf", n) for n in nums])
    any_nan = or_(*[is_nan(n) for n in nums])
    scale = call("greatest", *[call("abs", n) for n in nums]) if len(nums) > 1 else call("abs", nums[0])
    squares = [call("pow", exp.Div(this=paren(n), expression=paren(scale)), number_sql(2)) for n in nums]
    total = squares[0]
    for sq in squares[1:]:
        total = exp.Add(this=total, expression=sq)
    scaled = exp.Mul(this=paren(scale), expression=call("sqrt", total))
    return number_typed(case([(any_inf, number_sql(math.inf)), (any_nan, number_sql(math.nan)),
                              (exp.EQ(this=paren(scale), expression=number_sql(0)), number_sql(0))], scaled))


# -- date-time ---------------------------------------------------------------------------------------

def _date_part(part: Callable[[exp.Expression], exp.Expression], local: bool) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        ts = as_date(_args(args, 1)[0], ctx.tz)
        wall = wall_clock(ts, ctx.tz) if local else ts
        value = exp.Coalesce(this=exp.cast(part(wall), DOUBLE), expressions=[number_sql(math.nan)])
        if is_nonnull(ts):  # a part of a valid date: a small integer, never NaN
            value.meta["vf_date_part"] = True
        return number_typed(value)
    return form


def _week_number(w: exp.Expression) -> exp.Expression:
    """d3 timeWeek.count(startOfYear - 1, d): the Sundays from 1 January through the day of ``w``."""
    doy = call("dayofyear", w)
    jan1_dow = exp.Mod(this=paren(exp.Add(this=exp.Sub(this=call("dayofweek", w), expression=paren(
        exp.Sub(this=doy, expression=exp.Literal.number(1)))), expression=exp.Literal.number(700))),
        expression=exp.Literal.number(7))
    weeks = exp.IntDiv(this=paren(exp.Add(this=exp.Sub(this=doy, expression=exp.Literal.number(1)),
                                          expression=paren(jan1_dow))), expression=exp.Literal.number(7))
    return exp.Add(this=weeks, expression=exp.If(this=exp.EQ(this=paren(jan1_dow), expression=exp.Literal.number(0)),
                                                 true=exp.Literal.number(1), false=exp.Literal.number(0)))


_DATE_PARTS: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "year": lambda w: call("year", w),
    "quarter": lambda w: call("quarter", w),
    "month": lambda w: exp.Sub(this=call("month", w), expression=exp.Literal.number(1)),
    "date": lambda w: call("day", w),
    "day": lambda w: call("dayofweek", w),
    "dayofyear": lambda w: call("dayofyear", w),
    "week": _week_number,
    "isoweek": lambda w: call("week", w),  # ISO 8601 weeks, as vega-time's isoweek
    "hours": lambda w: call("hour", w),
    "minutes": lambda w: call("minute", w),
    "seconds": lambda w: call("second", w),
    "milliseconds": lambda w: exp.Mod(this=call("millisecond", w), expression=exp.Literal.number(1000)),
}
for _name, _part in _DATE_PARTS.items():
    sql_form(_name)(_date_part(_part, local=True))
    sql_form("utc" + _name)(_date_part(_part, local=False))


@sql_form("time")
def _time(ctx: "SqlContext", args: list[Typed]) -> Typed:
    ts = as_date(_args(args, 1)[0], ctx.tz)
    return number_typed(exp.Coalesce(this=exp.cast(call("epoch_ms", ts), DOUBLE), expressions=[number_sql(math.nan)]))


@sql_form("timezoneoffset")
def _timezoneoffset(ctx: "SqlContext", args: list[Typed]) -> Typed:
    ts = as_date(_args(args, 1)[0], ctx.tz)
    diff = exp.Sub(this=call("epoch_ms", ts), expression=call("epoch_ms", wall_clock(ts, ctx.tz)))
    # V8 truncates the offset to whole minutes (local mean time before 1900 has seconds).
    minutes = call("trunc", exp.Div(this=exp.cast(paren(diff), DOUBLE), expression=number_sql(60000)))
    return number_typed(exp.Coalesce(this=minutes, expressions=[number_sql(math.nan)]))


def _components_ms(args: list[Typed], years_1900: bool) -> exp.Expression:
    """MakeDate(MakeDay(y, m, d), MakeTime(h, min, s, ms)) as DOUBLE ms (macro vf_make_ms)."""
    defaults = [math.nan, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    nums = [to_number(args[i]).sql if i < len(args) else number_sql(defaults[i]) for i in range(7)]
    return call("vf_make_ms", *nums, bool_sql(years_1900))


@sql_form("datetime")
def _datetime(ctx: "SqlContext", args: list[Typed]) -> Typed:
    if not args:
        raise UnsupportedError("datetime() without arguments is the current time")
    if len(args) == 1:
        one = as_date(args[0]) if args[0].type != T.STRING else ms_to_timestamp(
            call("vf_date_parse", to_string(args[0]).sql, exp.Literal.string(check_tz(ctx.tz))))
        return Typed(invalid_date_if_null(one), T.DATE)
    wall = ms_to_timestamp(_components_ms(args, years_1900=True))
    instant = wall_to_instant(wall, check_tz(ctx.tz))
    if all(a.is_literal or a.sql.meta.get("vf_date_part") for a in args):
        return Typed(_fail_if_null(instant, "datetime() of date parts is out of JavaScript's date range"), T.DATE)
    return Typed(invalid_date_if_null(instant), T.DATE)


def _fail_if_null(e: exp.Expression, message: str) -> exp.Expression:
    """``e``, failing the query where it is NULL: for values that are valid but at the very edge
    of the representable range (an Invalid Date there has no SQL form)."""
    return nonnull(case([(exp.Is(this=paren(e), expression=exp.Null()), call("error", string_sql(message)))], e))


@sql_form("utc")
def _utc(ctx: "SqlContext", args: list[Typed]) -> Typed:
    ms = _components_ms(args, years_1900=True)
    return number_typed(call("vf_time_clip", ms))


# -- strings -----------------------------------------------------------------------------------------

def _string_of(t: Typed) -> exp.Expression:
    return to_string(t).sql


def _string_fn(build: Callable[[exp.Expression], exp.Expression]) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        return Typed(nonnull(build(_string_of(_args(args, 1)[0]))), T.STRING)
    return form


sql_form("lower")(_string_fn(lambda s: call("vf_lower", s)))
sql_form("upper")(_string_fn(lambda s: call("vf_upper", s)))
sql_form("trim")(_string_fn(lambda s: call("vf_js_trim", s)))


def utf16_length(s: exp.Expression) -> exp.Expression:
    return call("vf_utf16_length", s)


def require_never_null(t: Typed, what: str) -> None:
    """Vega throws on a null here (``null.length``): such a call stays in the browser unless the
    value can never be null. Row fields may always hold null."""
    if not never_null(t):
        raise UnsupportedError(f"{what} of a value that may be null (Vega throws on null)")


def _bmp_safe(t: Typed) -> bool:
    """Whether UTF-16 indices into ``t`` as a string can never split a surrogate pair."""
    if t.type in (T.NUMBER, T.BOOLEAN, T.NULL):
        return True  # their strings are ASCII
    return t.is_literal and isinstance(t.value, str) and all(ord(c) < 0x10000 for c in t.value)


def _require_bmp_safe(t: Typed, what: str) -> None:
    if not _bmp_safe(t):
        raise UnsupportedError(
            f"{what} of a row string (UTF-16 indices can split a character beyond the BMP into a "
            "lone surrogate, which SQL strings cannot hold)")


@sql_form("length")
def _length(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (x,) = _args(args, 1)
    if x.is_literal and isinstance(x.value, (str, list)):
        return literal(float(len(x.value) if isinstance(x.value, list)
                             else len(x.value.encode("utf-16-le")) // 2))
    if x.type in (T.STRING, T.ARRAY):
        require_never_null(x, "length")
    if x.type == T.STRING:
        return Typed(exp.cast(utf16_length(x.sql), DOUBLE), T.NUMBER)
    if x.type == T.ARRAY:
        return Typed(exp.cast(call("len", require_sql(x)), DOUBLE), T.NUMBER)
    raise UnsupportedError(f"length of a {x.type.value} value")


@sql_form("substring")
def _substring(ctx: "SqlContext", args: list[Typed]) -> Typed:
    s, start, end = _args(args, 3)
    _require_bmp_safe(s, "substring")
    text = _string_of(s)
    n = exp.cast(utf16_length(text), DOUBLE)
    lo = call("vf_clamp_index", to_number(start).sql, n)
    hi = n if end.is_literal and end.value is UNDEFINED else call("vf_clamp_index", to_number(end).sql, n)
    return Typed(nonnull(call("vf_substring", text, lo, hi)), T.STRING)


@sql_form("slice")
def _slice(ctx: "SqlContext", args: list[Typed]) -> Typed:
    seq, start, end = _args(args, 3)
    if seq.type not in (T.STRING, T.ARRAY):
        raise UnsupportedError(f"slice of a {seq.type.value} value")
    require_never_null(seq, "slice")
    if seq.type == T.STRING:
        _require_bmp_safe(seq, "slice")
    sql = require_sql(seq)
    n = exp.cast(utf16_length(sql) if seq.type == T.STRING else call("len", sql), DOUBLE)
    lo = call("vf_relative_index", to_number(start).sql, n)
    hi = n if end.is_literal and end.value is UNDEFINED else call("vf_relative_index", to_number(end).sql, n)
    if seq.type == T.STRING:
        return Typed(call("vf_substring", sql, lo, call("greatest", lo, hi)), T.STRING)
    out = call("list_slice", sql, exp.Add(this=paren(exp.cast(lo, BIGINT)), expression=exp.Literal.number(1)),
               exp.cast(hi, BIGINT))
    out.meta["vf_elem"] = element_type(seq)
    return Typed(out, T.ARRAY)


@sql_form("parseFloat")
def _parse_float(ctx: "SqlContext", args: list[Typed]) -> Typed:
    return number_typed(call("vf_parse_float", _string_of(_args(args, 1)[0])))


@sql_form("parseInt")
def _parse_int(ctx: "SqlContext", args: list[Typed]) -> Typed:
    s, radix = _args(args, 2)
    if radix.is_literal and (radix.value is UNDEFINED or js_to_number(radix.value) in (0.0, 10.0)):
        r = 0.0 if radix.value is UNDEFINED else js_to_number(radix.value)
        return number_typed(call("vf_parse_int", _string_of(s), number_sql(r)))
    # Other radixes (rare) go through the Python form: ToInt32 of the radix, digits per radix.
    return number_typed(call("vf_parse_int_py", _string_of(s), to_number(radix).sql))


@sql_form("pad")
def _pad(ctx: "SqlContext", args: list[Typed]) -> Typed:
    s, length, padchar, align = _args(args, 4)
    if not align.is_literal or not padchar.is_literal:
        raise UnsupportedError("pad with a row-dependent character or alignment")
    text = _string_of(s)
    c = padchar.value if js_truthy(padchar.value) else " "
    c = js_to_string(c)
    n = exp.Sub(this=paren(to_number(length).sql), expression=exp.cast(utf16_length(text), DOUBLE))
    def rep(count: exp.Expression) -> exp.Expression:
        return call("repeat", string_sql(c), exp.cast(call("floor", count), BIGINT))
    half_down = exp.Div(this=paren(n), expression=number_sql(2))
    if align.value == "left":
        padded = exp.DPipe(this=rep(n), expression=text, safe=True)
    elif align.value == "center":
        padded = exp.DPipe(this=exp.DPipe(this=rep(call("trunc", half_down)), expression=text, safe=True),
                           expression=rep(call("ceil", half_down)), safe=True)
    else:
        padded = exp.DPipe(this=text, expression=rep(n), safe=True)
    ok = and_(exp.GT(this=paren(n), expression=number_sql(0)), call("isfinite", n))
    return Typed(nonnull(exp.If(this=ok, true=padded, false=text)), T.STRING)


# -- regular expressions ---------------------------------------------------------------------------

_RE_UNSUPPORTED = re.compile(r"\(\?[=!<]")
_JS_SPACE_CLASS = r"[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]"
_JS_DOT = r"[^\n\r\x{2028}\x{2029}]"
_RE2_SAME_ESCAPES = "dDwWbBtnrfv"
_JS_SYNTAX_CHARS = "^$\\.*+?()[]{}|/-"
# Subject characters that make a translation inexact (a guard fails the query on them):
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"           # one code point, two UTF-16 code units
_LINE_BREAKS_BUT_LF = r"[\r\x{2028}\x{2029}]"  # JS multiline ^ $ see them; RE2's (?m) does not
# Characters whose RE2 case folding differs from JS's non-unicode Canonicalize (toUpperCase
# that keeps single, non-ASCII-from-non-ASCII results): long s, Kelvin, Ohm, sharp s.
_FOLD_DIFFERS = r"[\x{17F}\x{212A}\x{2126}\x{DF}\x{1E9E}]"


@dataclass(frozen=True)
class Re2:
    """A JavaScript regular expression as RE2: pattern, DuckDB options, and a guard.

    ``guard`` is an RE2 class of subject characters on which the translation is not exact; a
    subject containing one fails the query (never a wrong answer). ``groups`` counts captures.
    """

    pattern: str
    options: str
    guard: str | None
    groups: int


def to_re2(regex: JSRegExp) -> Re2:
    """A JavaScript regular expression as RE2, or UnsupportedError/SpecError when not exact."""
    from .py_functions import translate_regex
    translate_regex(regex.source, regex.flags)  # JavaScript's syntax errors, at compile time
    if set(regex.flags) - {"g", "i", "m", "u"}:
        raise UnsupportedError(f"regular expression flags {regex.flags!r}")
    src, unicode = regex.source, "u" in regex.flags
    if _RE_UNSUPPORTED.search(src):
        raise UnsupportedError(f"regular expression /{src}/ (lookaround or named group)")
    out, guards, groups = _translate_re(src, unicode)
    options = ("i" if "i" in regex.flags else "")
    if "m" in regex.flags:
        out = "(?m)" + out
        guards.append(_LINE_BREAKS_BUT_LF)
    if "i" in regex.flags and not unicode:
        guards.append(_FOLD_DIFFERS)
    guard = "|".join(guards) if guards else None
    return Re2("".join(out), options, guard, groups)


def _translate_re(src: str, unicode: bool) -> tuple[str, list[str], int]:
    out: list[str] = []
    guards: list[str] = []
    i, in_class, groups = 0, False, 0
    any_char = False  # whether some construct matches "any character but ..." (one code unit in JS)
    while i < len(src):
        ch = src[i]
        if ord(ch) >= 0x10000 and not unicode:
            raise UnsupportedError(f"regular expression /{src}/ (a character beyond the BMP is two "
                                   "code units without the u flag)")
        if ch == "\\":
            text, i, wide = _re_escape(src, i, in_class, unicode)
            any_char = any_char or wide
            out.append(text)
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                ch = "\\["
        elif ch == "[":
            if src.startswith("[^]", i) or src.startswith("[]", i):
                out.append(r"[\x{0}-\x{10FFFF}]" if src[i + 1] == "^" else r"[^\x{0}-\x{10FFFF}]")
                any_char = any_char or src[i + 1] == "^"
                i += 3 if src[i + 1] == "^" else 2
                continue
            in_class = True
            any_char = any_char or src.startswith("[^", i)
        elif ch == "(":
            groups += 0 if src.startswith("(?", i) else 1
        elif ch == "{":
            m = re.match(r"\{(\d+)(?:,(\d*))?\}", src[i:])
            if m and max(int(m.group(1)), int(m.group(2) or 0)) > 1000:
                raise UnsupportedError(f"regular expression /{src}/ (repetition above RE2's 1000)")
        elif ch == ".":
            out.append(_JS_DOT)
            any_char = True
            i += 1
            continue
        out.append(ch)
        i += 1
    if any_char and not unicode:
        guards.append(_ASTRAL)
    return "".join(out), guards, groups


def _re_escape(src: str, i: int, in_class: bool, unicode: bool) -> tuple[str, int, bool]:
    """One escape at ``src[i]``: (RE2 text, next index, whether it matches 'any but' a set)."""
    if i + 1 >= len(src):
        raise SpecError(f"Invalid regular expression: /{src}/: \\ at end of pattern")
    nxt = src[i + 1]
    if nxt == "u" and unicode and src.startswith("{", i + 2):
        m = re.match(r"\{([0-9a-fA-F]+)\}", src[i + 2:])
        if m:
            return "\\x{" + m.group(1) + "}", i + 2 + m.end(), False
    if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", src[i + 2:i + 6]):
        if 0xD800 <= int(src[i + 2:i + 6], 16) <= 0xDFFF:
            raise UnsupportedError(f"regular expression /{src}/ (a surrogate escape)")
        return "\\x{" + src[i + 2:i + 6] + "}", i + 6, False
    if nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", src[i + 2:i + 4]):
        return "\\x{" + src[i + 2:i + 4] + "}", i + 4, False
    if nxt in "pP" and unicode:
        m = re.match(r"\{(L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfo]?|[A-Z][a-z]+(?:_[A-Z][a-z]+)*)\}",
                     src[i + 2:])
        if not m or m.group(1) in ("Any", "Assigned", "Alphabetic", "Letter", "Number", "Lowercase",
                                   "Uppercase", "White_Space", "Emoji", "ASCII"):
            raise UnsupportedError(f"regular expression /{src}/ (a Unicode property RE2 lacks)")
        return "\\" + nxt + "{" + m.group(1) + "}", i + 2 + m.end(), nxt == "P"
    if nxt in "sS":
        if in_class:
            if nxt == "S":
                raise UnsupportedError(f"regular expression /{src}/ (\\S inside a class)")
            return _JS_SPACE_CLASS[1:-1], i + 2, False
        return ("[^" + _JS_SPACE_CLASS[1:]) if nxt == "S" else _JS_SPACE_CLASS, i + 2, nxt == "S"
    if nxt in _RE2_SAME_ESCAPES and not (in_class and nxt in "bB"):
        return "\\" + nxt, i + 2, nxt in "DW"
    if nxt in _JS_SYNTAX_CHARS:
        return ("\\" + nxt if nxt != "/" else "/"), i + 2, False
    raise UnsupportedError(f"regular expression /{src}/ (the escape {src[i:i + 2]!r})")


def _regex_arg(t: Typed, what: str) -> JSRegExp:
    if t.is_literal and isinstance(t.value, JSRegExp):
        return t.value
    if t.is_literal and isinstance(t.value, str):
        from .py_functions import translate_regex
        translate_regex(t.value, "")
        return JSRegExp(t.value, "")
    raise UnsupportedError(f"{what} with a row-dependent regular expression")


def _guarded(text: exp.Expression, re2: Re2, result: exp.Expression) -> exp.Expression:
    """``result``, unless ``text`` holds a character the translation is inexact on: then the
    query fails (DuckDB's error()) rather than give a wrong answer."""
    if re2.guard is None:
        return result
    inexact = call("regexp_matches", text, string_sql(re2.guard))
    message = string_sql("a regular expression translated to RE2 met a character on which "
                         "JavaScript matches differently")
    return exp.If(this=inexact, true=call("error", message), false=result)


@sql_form("regexp")
def _regexp(ctx: "SqlContext", args: list[Typed]) -> Typed:
    raise UnsupportedError("regexp with a row-dependent pattern or flags")


@sql_form("test")
def _test(ctx: "SqlContext", args: list[Typed]) -> Typed:
    regex_t, s = _args(args, 2)
    regex = _regex_arg(regex_t, "test")
    if "g" in regex.flags:
        raise UnsupportedError("test with a global regular expression (its lastIndex carries across rows)")
    re2 = to_re2(regex)
    text = _string_of(s)
    args_sql = [text, string_sql(re2.pattern)] + ([string_sql(re2.options)] if re2.options else [])
    return Typed(nonnull(_guarded(text, re2, call("regexp_matches", *args_sql))), T.BOOLEAN)


@sql_form("replace")
def _replace(ctx: "SqlContext", args: list[Typed]) -> Typed:
    s, pattern, repl = _args(args, 3)
    text = _string_of(s)
    if not repl.is_literal or isinstance(repl.value, (list, dict, JSRegExp, JSDate)):
        raise UnsupportedError("replace with a row-dependent or non-primitive replacement")
    replacement = js_to_string(repl.value)
    if pattern.type == T.STRING and not (pattern.is_literal and isinstance(pattern.value, JSRegExp)):
        if not never_null(pattern):
            raise UnsupportedError("replace with a pattern that may be null (Vega throws)")
        return Typed(nonnull(_replace_string(text, require_sql(pattern), replacement)), T.STRING)
    if not (pattern.is_literal and isinstance(pattern.value, JSRegExp)):
        raise UnsupportedError("replace with a row-dependent pattern that is not a string")
    re2 = to_re2(pattern.value)
    options = re2.options + ("g" if "g" in pattern.value.flags else "")
    rewritten = _re2_replacement(replacement, re2.groups)
    args_sql = [text, string_sql(re2.pattern), string_sql(rewritten)] + (
        [string_sql(options)] if options else [])
    return Typed(nonnull(_guarded(text, re2, call("regexp_replace", *args_sql))), T.STRING)


def _replace_string(text: exp.Expression, pattern: exp.Expression, replacement: str) -> exp.Expression:
    """``text.replace(pattern, replacement)`` for a string pattern: the first occurrence, with
    GetSubstitution's ``$$``, ``$&``, ``$` `` and ``$'`` (a string pattern has no groups)."""
    pos = call("strpos", text, pattern)
    before = call("substr", text, exp.Literal.number(1), exp.Sub(this=pos, expression=exp.Literal.number(1)))
    after = call("substr", text, exp.Add(this=pos, expression=call("length", pattern)))
    pieces: list[exp.Expression] = []
    plain: list[str] = []
    i = 0
    while i < len(replacement):
        two = replacement[i:i + 2]
        piece = {"$&": pattern, "$`": before, "$'": after}.get(two)
        if piece is not None or two == "$$":
            if plain or two == "$$":
                pieces.append(string_sql("".join(plain) + ("$" if two == "$$" else "")))
                plain = []
            if piece is not None:
                pieces.append(piece)
            i += 2
            continue
        plain.append(replacement[i])
        i += 1
    if plain:
        pieces.append(string_sql("".join(plain)))
    middle: exp.Expression = pieces[0] if pieces else string_sql("")
    for p in pieces[1:]:
        middle = exp.DPipe(this=middle, expression=p, safe=True)
    spliced = exp.DPipe(this=exp.DPipe(this=before, expression=paren(middle), safe=True), expression=after,
                        safe=True)
    return case([(exp.EQ(this=pos, expression=exp.Literal.number(0)), text)], spliced)


def _re2_replacement(js: str, groups: int) -> str:
    """A JavaScript replacement string ($&, $n, $nn, $$) in RE2's syntax (\\0, \\n, \\\\)."""
    out, i = [], 0
    while i < len(js):
        ch = js[i]
        if ch == "\\":
            out.append("\\\\")
        elif ch == "$" and i + 1 < len(js):
            nxt = js[i + 1]
            if nxt == "$":
                out.append("$")
            elif nxt == "&":
                out.append("\\0")
            elif nxt.isdigit():
                two = js[i + 1:i + 3]
                if len(two) == 2 and two.isdigit() and 1 <= int(two) <= groups:
                    raise UnsupportedError(f"replacement pattern ${two} (RE2 has groups 1-9 only)")
                n = int(nxt)
                if 1 <= n <= groups:
                    out.append("\\" + nxt)
                else:
                    out.append("$" + nxt)  # no such group: JavaScript keeps the text
            elif nxt in "`'<":
                raise UnsupportedError(f"replacement pattern {js[i:i + 2]!r}")
            else:
                out.append("$" + nxt)
            i += 2
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)



# -- arrays --------------------------------------------------------------------------------------------

@sql_form("inrange")
def _inrange(ctx: "SqlContext", args: list[Typed]) -> Typed:
    value, range_, left, right = _args(args, 4)
    if not (range_.is_literal and isinstance(range_.value, list) and range_.value):
        raise UnsupportedError("inrange with a row-dependent range")
    if not (left.is_literal and right.is_literal):
        raise UnsupportedError("inrange with row-dependent inclusion flags")
    from .to_sql import compare
    r0, r1 = range_.value[0], range_.value[-1]
    if compare_constants(r0, r1):
        r0, r1 = r1, r0
    inc_left = left.value is UNDEFINED or js_truthy(left.value)
    inc_right = right.value is UNDEFINED or js_truthy(right.value)
    lo = compare("<=" if inc_left else "<", literal(r0), value)
    hi = compare("<=" if inc_right else "<", value, literal(r1))
    return _bool(and_(lo, hi))


def compare_constants(a: Any, b: Any) -> bool:
    """JavaScript ``a > b`` for two constants."""
    from .jsvalues import js_compare
    return js_compare(a, b, ">")


@sql_form("join")
def _join(ctx: "SqlContext", args: list[Typed]) -> Typed:
    seq, sep = _args(args, 2)
    if seq.type != T.ARRAY or element_type(seq) not in (T.STRING, T.NUMBER, T.BOOLEAN):
        raise UnsupportedError("join of a value that is not an array of primitives")
    require_never_null(seq, "join")
    separator = "," if sep.value is UNDEFINED else js_to_string(sep.value) if sep.is_literal else None
    if separator is None:
        raise UnsupportedError("join with a row-dependent separator")
    elem = element_type(seq)
    x = exp.column("x")
    as_text = {T.STRING: x, T.NUMBER: call("vf_num_to_str", x),
               T.BOOLEAN: exp.If(this=x, true=exp.Literal.string("true"), false=exp.Literal.string("false"))}[elem]
    texts = call("list_transform", require_sql(seq), exp.Lambda(
        this=exp.Coalesce(this=as_text, expressions=[exp.Literal.string("")]), expressions=[exp.to_identifier("x")]))
    return Typed(call("array_to_string", texts, string_sql(separator)), T.STRING)


@sql_form("peek")
def _peek(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (seq,) = _args(args, 1)
    if seq.type == T.STRING:
        raise UnsupportedError("peek of a row string (its last UTF-16 code unit may be half a "
                               "character; undefined when empty)")
    if seq.type != T.ARRAY or element_type(seq) is None:
        raise UnsupportedError("peek of a value that is not a typed array")
    require_never_null(seq, "peek")
    return Typed(call("list_extract", require_sql(seq), exp.Literal.number(-1)), element_type(seq))


@sql_form("reverse")
def _reverse(ctx: "SqlContext", args: list[Typed]) -> Typed:
    (seq,) = _args(args, 1)
    if seq.type != T.ARRAY:
        raise UnsupportedError("reverse of a value that is not an array")
    require_never_null(seq, "reverse")
    out = call("list_reverse", require_sql(seq))
    out.meta["vf_elem"] = element_type(seq)
    return Typed(out, T.ARRAY)


# -- formatting ------------------------------------------------------------------------------------

def _spec(t: Typed, what: str) -> exp.Expression:
    if t.type != T.STRING:
        raise UnsupportedError(f"{what} with a specifier that is not a string")
    return require_sql(t)


def _formatted(value: Typed, text: exp.Expression) -> Typed:
    """Vega's format functions return 'null' for a null value."""
    if never_null(value):
        return Typed(text, T.STRING)
    if value.is_literal and value.value is None:
        return literal("null")
    return Typed(exp.If(this=exp.Is(this=paren(value.sql), expression=exp.Null()),
                        true=exp.Literal.string("null"), false=text), T.STRING)


@sql_form("format")
def _format(ctx: "SqlContext", args: list[Typed]) -> Typed:
    value, spec = _args(args, 2)
    if value.type not in (T.NUMBER, T.BOOLEAN, T.NULL, T.STRING) and not value.is_literal:
        raise UnsupportedError(f"format of a {value.type.value} value")
    return _formatted(value, call("vf_format", _spec(spec, "format"), to_number(value).sql))


def _time_ms(value: Typed) -> exp.Expression:
    """d3-time-format's ``new Date(+date)`` for a non-Date value."""
    if value.type == T.DATE:
        default = math.nan if maybe_invalid_date(value) else 0.0
        return exp.Coalesce(this=exp.cast(call("epoch_ms", value.sql), DOUBLE), expressions=[number_sql(default)])
    return to_number(value).sql


def _time_format(local: bool) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        value, spec = _args(args, 2)
        tz = check_tz(ctx.tz) if local else ""
        text = call("vf_time_format", _spec(spec, "timeFormat"), _time_ms(value), exp.Literal.string(tz))
        return _formatted(value, text)
    return form


sql_form("timeFormat")(_time_format(local=True))
sql_form("utcFormat")(_time_format(local=False))


def _time_parse(local: bool) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        value, spec = _args(args, 2)
        if value.type not in (T.STRING, T.NUMBER):
            raise UnsupportedError(f"timeParse of a {value.type.value} value")
        tz = check_tz(ctx.tz) if local else ""
        ms = call("vf_time_parse", _spec(spec, "timeParse"), to_string(value).sql, exp.Literal.string(tz))
        return Typed(exp.If(this=exp.Is(this=ms, expression=exp.Null()), true=exp.cast(exp.Null(), TIMESTAMP),
                            false=date_from_ms_sql(ms)), T.DATE)
    return form


sql_form("timeParse")(_time_parse(local=True))
sql_form("utcParse")(_time_parse(local=False))

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def _name_form(names: list[str]) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        x = _args(args, 1)[0]
        if x.type != T.NUMBER:
            return literal("")  # Number.isInteger fails for non-numbers
        n = exp.Literal.number(len(names))
        table = exp.Array(expressions=[string_sql(s) for s in names])
        index = exp.Mod(this=paren(exp.Add(this=exp.Mod(this=exp.cast(x.sql, BIGINT), expression=n), expression=n)),
                        expression=n)
        pick = call("list_extract", table, exp.Add(this=paren(index), expression=exp.Literal.number(1)))
        integer = and_(call("isfinite", x.sql), exp.EQ(this=paren(x.sql), expression=call("trunc", x.sql)))
        return Typed(exp.If(this=coalesce(integer, bool_sql(False), False), true=pick,
                            false=exp.Literal.string("")), T.STRING)
    return form


sql_form("monthFormat")(_name_form(_MONTHS))
sql_form("monthAbbrevFormat")(_name_form([m[:3] for m in _MONTHS]))
sql_form("dayFormat")(_name_form(_DAYS))
sql_form("dayAbbrevFormat")(_name_form([d[:3] for d in _DAYS]))


# -- rare numeric functions through their Python forms ---------------------------------------------

# vega-statistics' distributions: their erf/erfinv approximations are reproduced in Python
# (py_functions.py); a Python UDF calls those forms, so both engines agree to the last bit.
PY_NUMBER_FUNCTIONS = ("cumulativeNormal", "densityNormal", "quantileNormal", "cumulativeLogNormal",
                       "densityLogNormal", "quantileLogNormal", "cumulativeUniform", "densityUniform",
                       "quantileUniform")


def _python_number_form(name: str) -> Callable[..., Typed]:
    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        given = args[:3]
        for a in given:
            if a.type not in (T.NUMBER, T.NULL) or (a.is_literal and a.value is UNDEFINED):
                raise UnsupportedError(f"{name} of a {a.type.value} argument")
        values = [require_sql(a) if a.type == T.NUMBER else exp.cast(exp.Null(), DOUBLE) for a in given]
        values += [exp.cast(exp.Null(), DOUBLE)] * (3 - len(values))
        return number_typed(call("vf_py_number", string_sql(name), number_sql(len(given)), *values))
    return form


for _name in PY_NUMBER_FUNCTIONS:
    sql_form(_name)(_python_number_form(_name))


# -- more arrays and strings ----------------------------------------------------------------------

def _numeric_array(t: Typed, what: str) -> exp.Expression:
    if t.type != T.ARRAY or element_type(t) != T.NUMBER:
        raise UnsupportedError(f"{what} of a value that is not an array of numbers")
    return require_sql(t)


def _array_typed(e: exp.Expression, elem: VegaType | None, nonnull_: bool = True) -> Typed:
    e.meta["vf_elem"] = elem
    return Typed(nonnull(e) if nonnull_ else e, T.ARRAY)


def _element(arr: exp.Expression, i: int) -> Typed:
    return Typed(call("list_extract", arr, exp.Literal.number(i)), T.NUMBER)


@sql_form("span")
def _span(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """vega-util span: peek(a) - a[0], or 0 when that is falsy (NaN, 0, an empty array, null)."""
    (arr_t,) = _args(args, 1)
    arr = _numeric_array(arr_t, "span")
    diff = exp.Sub(this=paren(to_number(_element(arr, -1)).sql), expression=paren(to_number(_element(arr, 1)).sql))
    falsy = or_(exp.Is(this=paren(arr), expression=exp.Null()),
                exp.EQ(this=call("len", arr), expression=exp.Literal.number(0)),
                coalesce(is_nan(diff), bool_sql(False), False), exp.EQ(this=paren(diff), expression=number_sql(0)))
    return number_typed(case([(falsy, number_sql(0))], diff))


@sql_form("extent")
def _extent(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """vega-util extent of numbers: [min, max] skipping null and NaN; [undefined, undefined]."""
    (arr_t,) = _args(args, 1)
    arr = _numeric_array(arr_t, "extent")
    x = exp.column("x")
    kept = call("list_filter", arr, exp.Lambda(this=exp.Not(this=coalesce(is_nan(x), bool_sql(True), False)),
                                               expressions=[exp.to_identifier("x")]))
    return _array_typed(exp.Array(expressions=[call("list_min", kept), call("list_max", kept)]), T.NUMBER)


@sql_form("lerp")
def _lerp(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """vega-util lerp: a[0] + f * (peek(a) - a[0]), a[0] when f is falsy, peek(a) when f is 1."""
    arr_t, frac = _args(args, 2)
    arr = _numeric_array(arr_t, "lerp")
    require_never_null(arr_t, "lerp")
    lo, hi, f = _element(arr, 1), _element(arr, -1), to_number(frac)
    blend = exp.Add(this=paren(to_number(lo).sql), expression=exp.Mul(this=paren(f.sql), expression=paren(
        exp.Sub(this=paren(to_number(hi).sql), expression=paren(to_number(lo).sql)))))
    return Typed(case([(exp.EQ(this=call("len", arr), expression=exp.Literal.number(0)), js_typed_null(T.NUMBER)),
                       (exp.Not(this=truthy(f)), lo.sql),
                       (exp.EQ(this=paren(f.sql), expression=number_sql(1)), hi.sql)], blend), T.NUMBER)


@sql_form("clampRange")
def _clamp_range(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """vega-util clampRange over a range of numbers: shift [lo, hi] inside [min, max].

    Its ends only meet ``<``, ``-`` and Math.min/max, so a null end acts as 0.
    """
    from .to_sql import compare
    range_t, lo_bound, hi_bound = _args(args, 3)
    arr = _numeric_array(range_t, "clampRange")
    require_never_null(range_t, "clampRange")
    if lo_bound.type != T.NUMBER or hi_bound.type != T.NUMBER or not (never_null(lo_bound) and never_null(hi_bound)):
        raise UnsupportedError("clampRange with bounds that are not numbers (or may be null)")
    if not (isinstance(arr, exp.Array) and len(arr.expressions) >= 2):
        raise UnsupportedError("clampRange of a range whose length is not known to be 2 or more")
    a, b = to_number(_element(arr, 1)), to_number(_element(arr, 2))
    swap = compare("<", b, a)
    lo = number_typed(case([(swap, b.sql)], a.sql))
    hi = number_typed(case([(swap, a.sql)], b.sql))
    span = number_typed(exp.Sub(this=paren(hi.sql), expression=paren(lo.sql)))
    width = number_typed(exp.Sub(this=paren(hi_bound.sql), expression=paren(lo_bound.sql)))
    fits = compare(">=", span, width)
    new_lo = _min(ctx, [_max(ctx, [lo, lo_bound]), number_typed(exp.Sub(this=paren(hi_bound.sql),
                                                                        expression=paren(span.sql)))])
    shifted = exp.Array(expressions=[new_lo.sql, exp.Add(this=paren(new_lo.sql), expression=paren(span.sql))])
    bounds = exp.Array(expressions=[lo_bound.sql, hi_bound.sql])
    return _array_typed(exp.If(this=fits, true=bounds, false=shifted), T.NUMBER)


_MAX_SEQUENCE = 1_000_000


@sql_form("sequence")
def _sequence(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """d3-array range(start, stop, step): start + i * step for i < ceil((stop - start) / step)."""
    nums = [to_number(a) for a in args[:3]]
    if not nums:
        nums = [literal(math.nan)]
    if len(nums) == 1:
        start, stop, step = literal(0.0), nums[0], literal(1.0)
    else:
        start, stop = nums[0], nums[1]
        step = nums[2] if len(nums) > 2 else literal(1.0)
    ratio = exp.Div(this=paren(exp.Sub(this=paren(stop.sql), expression=paren(start.sql))), expression=paren(step.sql))
    # Math.max(0, Math.ceil(ratio)) | 0 : NaN and infinities give 0 (ToInt32).
    count = call("vf_int32", call("greatest", number_sql(0), call("ceil", ratio)))
    count = case([(coalesce(is_nan(ratio), bool_sql(True), False), exp.Literal.number(0))], count)
    # Beyond the limit the query fails; so does a count that ToInt32 wrapped below zero, where
    # Vega throws 'Invalid array length'.
    too_long = or_(exp.GT(this=paren(count), expression=exp.Literal.number(_MAX_SEQUENCE)),
                   exp.LT(this=paren(count), expression=exp.Literal.number(0)))
    checked = case([(too_long, call("error", string_sql("sequence() longer than the server's limit")))], count)
    i = exp.column("i")
    values = call("list_transform", call("range", exp.cast(checked, BIGINT)), exp.Lambda(
        this=exp.Add(this=paren(start.sql), expression=exp.Mul(this=exp.cast(i, DOUBLE), expression=paren(step.sql))),
        expressions=[exp.to_identifier("i")]))
    return _array_typed(values, T.NUMBER)


def _index_of_form(reverse: bool) -> Callable[..., Typed]:
    name = "lastindexof" if reverse else "indexof"

    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        seq, value = _args(args, 2)[:2]
        if len(args) > 2:
            raise UnsupportedError(f"{name} with a start position")
        if seq.type not in (T.STRING, T.ARRAY):
            raise UnsupportedError(f"{name} of a {seq.type.value} value (Vega throws)")
        require_never_null(seq, name)
        if seq.type == T.STRING:
            return _string_index_of(require_sql(seq), value, reverse)
        return _array_index_of(seq, value, reverse)
    return form


sql_form("indexof")(_index_of_form(reverse=False))
sql_form("lastindexof")(_index_of_form(reverse=True))


def _string_index_of(text: exp.Expression, value: Typed, reverse: bool) -> Typed:
    """String.prototype.indexOf / lastIndexOf in UTF-16 code units."""
    needle = to_string(value)
    if not reverse:
        pos = call("strpos", text, needle.sql)
        before = call("substr", text, exp.Literal.number(1), exp.Sub(this=pos, expression=exp.Literal.number(1)))
        found = exp.cast(utf16_length(before), DOUBLE)
        return number_typed(case([(exp.EQ(this=pos, expression=exp.Literal.number(0)), number_sql(-1))], found))
    if not needle.is_literal:
        raise UnsupportedError("lastindexof of a row-dependent search string")
    # The greedy prefix before the last occurrence.
    pattern = "(?s)^(.*)" + re.escape(needle.value).replace("\\\n", "\\n")
    prefix = call("regexp_extract", text, string_sql(pattern), exp.Literal.number(1))
    found = exp.cast(utf16_length(prefix), DOUBLE)
    matches = call("regexp_matches", text, string_sql(pattern))
    return number_typed(case([(exp.Not(this=matches), number_sql(-1))], found))


def _array_index_of(seq: Typed, value: Typed, reverse: bool) -> Typed:
    """Array.prototype.indexOf / lastIndexOf: strict equality (NaN is never found)."""
    elem = element_type(seq)
    arr = require_sql(seq)
    if elem is None:
        raise UnsupportedError("indexof of an array whose element type is unknown")
    if value.is_literal and value.value is UNDEFINED:
        return literal(-1.0)  # typed arrays from rows hold no undefined
    if value.type not in (elem, T.NULL):
        return literal(-1.0)  # strict equality never holds across types
    target = call("list_reverse", arr) if reverse else arr
    pos = call("list_position", target, require_sql(value) if value.type != T.NULL else exp.Null())
    index = exp.Sub(this=exp.cast(pos, DOUBLE), expression=number_sql(1))
    if reverse:
        index = exp.Sub(this=exp.cast(call("len", arr), DOUBLE), expression=exp.cast(pos, DOUBLE))
    missing = exp.Is(this=pos, expression=exp.Null())
    if value.type == T.NUMBER:
        missing = or_(missing, coalesce(is_nan(value.sql), bool_sql(False), False))
    return number_typed(case([(missing, number_sql(-1))], index))


@sql_form("split")
def _split(ctx: "SqlContext", args: list[Typed]) -> Typed:
    """String.prototype.split with a constant, non-empty string separator and optional limit."""
    s, sep, limit = _args(args, 3)
    text = _string_of(s)
    if not sep.is_literal or isinstance(sep.value, (JSRegExp, list, dict, JSDate)):
        raise UnsupportedError("split with a row-dependent or regular-expression separator")
    if not limit.is_literal:
        raise UnsupportedError("split with a row-dependent limit")
    if sep.value is UNDEFINED:
        parts: exp.Expression = exp.Array(expressions=[text])
    else:
        separator = js_to_string(sep.value)
        if separator == "":
            raise UnsupportedError("split into UTF-16 code units (a character beyond the BMP would "
                                   "become two lone surrogates)")
        parts = call("string_split", text, string_sql(separator))
    if limit.value is not UNDEFINED:
        n = _to_uint32(js_to_number(limit.value))
        parts = call("list_slice", parts, exp.Literal.number(1), exp.Literal.number(n)) if n else exp.Array(
            expressions=[])
    return _array_typed(parts, T.STRING)


def _to_uint32(x: float) -> int:
    if math.isnan(x) or math.isinf(x):
        return 0
    return int(x) % 2**32



# -- timeOffset / utcOffset (vega-time over d3-time intervals) --------------------------------------

# Intervals that shift by a fixed duration (d3: date.setTime(+date + step * duration)).
_FIXED_MS = {"hours": 3_600_000, "minutes": 60_000, "seconds": 1000, "milliseconds": 1}
# Calendar intervals: d3's setFullYear/setMonth/setDate with step * (years, months, days).
_CALENDAR = {"year": (1, 0, 0), "month": (0, 1, 0), "week": (0, 0, 7), "date": (0, 0, 1),
             "day": (0, 0, 1), "dayofyear": (0, 0, 1)}


def _offset_form(utc: bool) -> Callable[..., Typed]:
    name = "utcOffset" if utc else "timeOffset"

    def form(ctx: "SqlContext", args: list[Typed]) -> Typed:
        unit, date, step = _args(args, 3)
        if not unit.is_literal:
            raise UnsupportedError(f"{name} with a row-dependent unit")
        if unit.value == "quarter":  # d3's timeMonth.every(3) steps to the next matching month
            raise UnsupportedError(f"{name} by quarters (a filtered interval)")
        if not isinstance(unit.value, str) or unit.value not in {**_FIXED_MS, **_CALENDAR}:
            return literal(UNDEFINED)
        if not step.is_literal or isinstance(step.value, (list, dict, JSRegExp)):
            raise UnsupportedError(f"{name} with a row-dependent step")
        n = 1.0 if step.value is None or step.value is UNDEFINED else math.floor(js_to_number(step.value)) \
            if math.isfinite(js_to_number(step.value)) else math.nan
        if math.isnan(n):
            raise UnsupportedError(f"{name} with a step that is not a finite number (an Invalid Date)")
        ts = _offset_input(date, name)
        tz = "UTC" if utc else check_tz(ctx.tz)
        if unit.value in _FIXED_MS:
            ms = exp.Add(this=exp.cast(call("epoch_ms", ts), DOUBLE), expression=number_sql(n * _FIXED_MS[unit.value]))
            shifted = ms_to_timestamp(ms)
        else:
            shifted = wall_to_instant(_shift_fields(wall_clock(ts, tz), n, _CALENDAR[unit.value]), tz)
        return Typed(_fail_if_null(shifted, f"{name} leaves JavaScript's date range"), T.DATE)
    return form


def _offset_input(date: Typed, name: str) -> exp.Expression:
    """d3's ``new Date(+date)``, for values that always give a valid date."""
    if date.type == T.STRING:
        raise UnsupportedError(f"{name} of a string (ToNumber, usually NaN: an Invalid Date)")
    ts = as_date(date)
    if not is_nonnull(ts):
        raise UnsupportedError(f"{name} of a value that may be an invalid date")
    return ts


def _shift_fields(wall: exp.Expression, n: float, per_step: tuple[int, int, int]) -> exp.Expression:
    """The wall-clock time with years, months and days moved by ``n`` steps (JavaScript's MakeDay
    arithmetic: 31 January plus one month is 2 or 3 March)."""
    dy, dm, dd = (number_sql(n * k) for k in per_step)

    def part(fn: str) -> exp.Expression:
        return exp.cast(call(fn, wall), DOUBLE)
    millis = exp.Mod(this=call("millisecond", wall), expression=exp.Literal.number(1000))
    ms = call("vf_make_ms", exp.Add(this=part("year"), expression=dy),
              exp.Add(this=exp.Sub(this=part("month"), expression=number_sql(1)), expression=dm),
              exp.Add(this=part("day"), expression=dd), part("hour"), part("minute"), part("second"),
              exp.cast(millis, DOUBLE), bool_sql(False))
    return ms_to_timestamp(ms)


sql_form("timeOffset")(_offset_form(utc=False))
sql_form("utcOffset")(_offset_form(utc=True))
