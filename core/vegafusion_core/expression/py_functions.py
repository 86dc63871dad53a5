"""Python forms of Vega expression functions (see functions.py).

Each form is ``fn(ctx, *args)`` where ``ctx`` is the evaluator's ``EvalContext`` (it carries the
viewer's time zone) and ``args`` are already-evaluated JavaScript values (see jsvalues.py).

Every form follows the JavaScript Vega runs (vega-expression's codegen, vega-functions,
vega-util, vega-statistics, vega-time, d3-array, d3-time, vega-selections), including its
coercions and its errors: where JavaScript throws, the form raises SpecError.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import unicodedata
from functools import cmp_to_key, lru_cache
from typing import Any, Callable
from urllib.parse import quote

from ..errors import SpecError, UnsupportedError
from . import jsmath
from . import py_formatting  # noqa: F401  (registers the formatting functions' Python forms)
from .evaluate import get_member, js_type_error
from .jsvalues import (
    JS_WHITESPACE,
    UNDEFINED,
    JSDate,
    JSRegExp,
    date_constructor,
    date_fields,
    is_number,
    is_object,
    js_add,
    js_compare,
    js_div,
    js_mul,
    js_sub,
    parse_date,
    set_date_fields,
    strict_equals,
    time_clip,
    timezone_offset_minutes,
    to_int32,
    to_integer_or_infinity,
    to_number,
    to_primitive,
    to_string,
    to_uint32,
    truthy,
)
from .registry import python_form

# Upper bound on arrays a form builds (sequence, timeSequence): a request must not exhaust memory.
MAX_ARRAY_LENGTH = 1_000_000


def _arg(args: tuple[Any, ...], i: int) -> Any:
    """The i-th argument, or undefined when the call passed fewer (as in JavaScript)."""
    return args[i] if i < len(args) else UNDEFINED


def _nullish(v: Any) -> bool:
    return v is None or v is UNDEFINED


# ============================================================================================
# Type checking (vega-util's isX; isDefined/isValid from vega-functions)


@python_form("isArray")
def is_array_(ctx: Any, *args: Any) -> bool:
    return isinstance(_arg(args, 0), list)


@python_form("isBoolean")
def is_boolean_(ctx: Any, *args: Any) -> bool:
    return isinstance(_arg(args, 0), bool)


@python_form("isDate")
def is_date_(ctx: Any, *args: Any) -> bool:
    return isinstance(_arg(args, 0), JSDate)


@python_form("isDefined")
def is_defined_(ctx: Any, *args: Any) -> bool:
    return _arg(args, 0) is not UNDEFINED


@python_form("isNumber")
def is_number_(ctx: Any, *args: Any) -> bool:
    return is_number(_arg(args, 0))


@python_form("isObject")
def is_object_(ctx: Any, *args: Any) -> bool:
    return is_object(_arg(args, 0))


@python_form("isRegExp")
def is_regexp_(ctx: Any, *args: Any) -> bool:
    return isinstance(_arg(args, 0), JSRegExp)


@python_form("isString")
def is_string_(ctx: Any, *args: Any) -> bool:
    return isinstance(_arg(args, 0), str)


@python_form("isValid")
def is_valid_(ctx: Any, *args: Any) -> bool:
    v = _arg(args, 0)
    return not _nullish(v) and not (is_number(v) and math.isnan(v))


# ============================================================================================
# Type coercion (vega-util: null and "" give null)


def _empty(v: Any) -> bool:
    return _nullish(v) or (isinstance(v, str) and v == "")


@python_form("toBoolean")
def to_boolean_(ctx: Any, *args: Any) -> bool | None:
    v = _arg(args, 0)
    if _empty(v):
        return None
    # `!_ || _ === 'false' || _ === '0' ? false : !!_` (strict: only the strings match)
    return not (not truthy(v) or (isinstance(v, str) and v in ("false", "0")))


@python_form("toDate")
def to_date_(ctx: Any, *args: Any) -> Any:
    v = _arg(args, 0)
    if _empty(v):
        return None
    if is_number(v):
        return float(v)
    if isinstance(v, JSDate):
        return v
    return parse_date(to_string(v, ctx.tz), ctx.tz)


@python_form("toNumber")
def to_number_(ctx: Any, *args: Any) -> float | None:
    v = _arg(args, 0)
    return None if _empty(v) else to_number(v)


@python_form("toString")
def to_string_(ctx: Any, *args: Any) -> str | None:
    v = _arg(args, 0)
    return None if _empty(v) else js_add(v, "", ctx.tz)  # type: ignore[return-value]


# ============================================================================================
# Control flow: ``if`` is evaluated lazily by the evaluator; this form serves callers that
# already hold the three values.


@python_form("if")
def if_(ctx: Any, *args: Any) -> Any:
    if len(args) != 3:
        raise SpecError(f"{'Missing' if len(args) < 3 else 'Too many'} arguments to if function.")
    return args[1] if truthy(args[0]) else args[2]


# ============================================================================================
# Math (JavaScript's Math and Number functions)


@python_form("isNaN")
def is_nan_(ctx: Any, *args: Any) -> bool:
    v = _arg(args, 0)
    return is_number(v) and math.isnan(v)


@python_form("isFinite")
def is_finite_(ctx: Any, *args: Any) -> bool:
    v = _arg(args, 0)
    return is_number(v) and math.isfinite(v)


def _math1(fn: Callable[[float], float], special: Callable[[float], float | None] | None = None
           ) -> Callable[..., float]:
    """A one-argument Math function with IEEE results where Python's math raises."""

    def form(ctx: Any, *args: Any) -> float:
        x = to_number(_arg(args, 0))
        if math.isnan(x):
            return math.nan
        if special is not None:
            result = special(x)
            if result is not None:
                return result
        try:
            return float(fn(x))
        except ValueError:
            return math.nan
        except OverflowError:
            return math.inf

    return form


def _sqrt(x: float) -> float | None:
    if x == 0:
        return x  # sqrt(-0) is -0
    return math.nan if x < 0 else None


python_form("abs")(_math1(abs))
# V8's own algorithms (jsmath.py), so that results agree to the last bit.
python_form("acos")(_math1(jsmath.acos))
python_form("asin")(_math1(jsmath.asin))
python_form("atan")(_math1(jsmath.atan))
python_form("cos")(_math1(jsmath.cos))
python_form("exp")(_math1(jsmath.exp))
python_form("log")(_math1(jsmath.log))
python_form("sin")(_math1(jsmath.sin))
python_form("sqrt")(_math1(math.sqrt, _sqrt))
python_form("tan")(_math1(jsmath.tan))


def _ceil(x: float) -> float | None:
    if not math.isfinite(x) or x == 0:
        return x
    r = float(math.ceil(x))
    return -0.0 if r == 0 and x < 0 else r


def _floor(x: float) -> float | None:
    if not math.isfinite(x) or x == 0:
        return x
    return float(math.floor(x))


def js_round(x: float) -> float:
    """Math.round: halves round up (towards +Infinity); -0 and (-0.5, 0) give -0."""
    if not math.isfinite(x) or x == 0:
        return x
    r = float(math.floor(x))
    if x - r >= 0.5:
        r += 1.0
    return -0.0 if r == 0 and x < 0 else r


python_form("ceil")(_math1(math.ceil, _ceil))
python_form("floor")(_math1(math.floor, _floor))
python_form("round")(_math1(js_round, lambda x: js_round(x)))


@python_form("atan2")
def atan2_(ctx: Any, *args: Any) -> float:
    y, x = to_number(_arg(args, 0)), to_number(_arg(args, 1))
    return jsmath.atan2(y, x)


def js_pow(base: float, exponent: float) -> float:
    """Math.pow / ``**`` (Number::exponentiate): fdlibm's pow, with (+-1) ** +-Infinity NaN."""
    return jsmath.pow(base, exponent)


@python_form("pow")
def pow_(ctx: Any, *args: Any) -> float:
    return js_pow(to_number(_arg(args, 0)), to_number(_arg(args, 1)))


@python_form("hypot")
def hypot_(ctx: Any, *args: Any) -> float:
    return jsmath.hypot(*[to_number(a) for a in args])


def js_max(values: list[float]) -> float:
    result = -math.inf
    for v in values:
        if math.isnan(v):
            return math.nan
        if v > result or (v == 0 and result == 0 and math.copysign(1, result) < 0):
            result = v
    return result


def js_min(values: list[float]) -> float:
    result = math.inf
    for v in values:
        if math.isnan(v):
            return math.nan
        if v < result or (v == 0 and result == 0 and math.copysign(1, v) < 0):
            result = v
    return result


@python_form("max")
def max_(ctx: Any, *args: Any) -> float:
    return js_max([to_number(a) for a in args])


@python_form("min")
def min_(ctx: Any, *args: Any) -> float:
    return js_min([to_number(a) for a in args])


@python_form("clamp")
def clamp_(ctx: Any, *args: Any) -> float:
    # Math.max(a1, Math.min(a2, a0)), as vega-expression generates it.
    if len(args) != 3:
        raise SpecError(f"{'Missing' if len(args) < 3 else 'Too many'} arguments to clamp function.")
    value, lo, hi = (to_number(a) for a in args)
    return js_max([lo, js_min([hi, value])])


# ============================================================================================
# Statistics (vega-statistics; its formulas, with JavaScript's operators)

SQRT2PI = math.sqrt(2 * math.pi)
SQRT2 = math.sqrt(2)


def _or0(v: Any) -> Any:
    return v if truthy(v) else 0.0


def _stdev(v: Any) -> Any:
    return 1.0 if _nullish(v) else v


def _js_exp(v: Any) -> float:
    return jsmath.exp(to_number(v))


def _js_log(x: float) -> float:
    return jsmath.log(x)


@python_form("densityNormal")
def density_normal_(ctx: Any, *args: Any) -> float:
    value, mean, stdev = _arg(args, 0), _arg(args, 1), _stdev(_arg(args, 2))
    z = js_div(js_sub(value, _or0(mean)), stdev)
    return js_div(_js_exp(-0.5 * z * z), js_mul(stdev, SQRT2PI))


def cumulative_normal(value: Any, mean: Any = UNDEFINED, stdev: Any = UNDEFINED) -> float:
    """West (2009), 'Better approximations to cumulative normal functions', as vega-statistics."""
    mean, stdev = _or0(mean), _stdev(stdev)
    z = js_div(js_sub(value, mean), stdev)
    zabs = abs(z)
    if zabs > 37:
        cd = 0.0
    else:
        exp = _js_exp(-zabs * zabs / 2)
        if zabs < 7.07106781186547:
            s = 3.52624965998911e-02 * zabs + 0.700383064443688
            s = s * zabs + 6.37396220353165
            s = s * zabs + 33.912866078383
            s = s * zabs + 112.079291497871
            s = s * zabs + 221.213596169931
            s = s * zabs + 220.206867912376
            cd = exp * s
            s = 8.83883476483184e-02 * zabs + 1.75566716318264
            s = s * zabs + 16.064177579207
            s = s * zabs + 86.7807322029461
            s = s * zabs + 296.564248779674
            s = s * zabs + 637.333633378831
            s = s * zabs + 793.826512519948
            s = s * zabs + 440.413735824752
            cd = js_div(cd, s)
        else:
            s = zabs + 0.65
            s = zabs + 4 / s
            s = zabs + 3 / s
            s = zabs + 2 / s
            s = zabs + 1 / s
            cd = exp / s / 2.506628274631
    return 1 - cd if z > 0 else cd


@python_form("cumulativeNormal")
def cumulative_normal_(ctx: Any, *args: Any) -> float:
    return cumulative_normal(_arg(args, 0), _arg(args, 1), _arg(args, 2))


_ERFINV_1 = [-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
             1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
             6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
             2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
             1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
             4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
             0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
             0.24015818242558961693, 1.6536545626831027356]
_ERFINV_2 = [2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
             1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
             2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
             6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
             0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
             -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
             3.0838856104922207635]
_ERFINV_3 = [-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
             -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
             2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
             -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
             7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
             1.0103004648645343977, 4.8499064014085844221]


def _horner(coefficients: list[float], w: float) -> float:
    p = coefficients[0]
    for c in coefficients[1:]:
        p = c + p * w
    return p


def erfinv(x: float) -> float:
    """Giles (2010) inverse error function, as vega-statistics ports it from Commons Math."""
    w = -_js_log((1 - x) * (1 + x))
    if w < 6.25:
        p = _horner(_ERFINV_1, w - 3.125)
    elif w < 16.0:
        p = _horner(_ERFINV_2, math.sqrt(w) - 3.25)
    elif math.isfinite(w):
        p = _horner(_ERFINV_3, math.sqrt(w) - 5.0)
    else:
        p = math.inf
    return js_mul(p, x)


def quantile_normal(p: Any, mean: Any = UNDEFINED, stdev: Any = UNDEFINED, tz: str = "UTC"
                    ) -> float:
    if js_compare(p, 0, "<") or js_compare(p, 1, ">"):
        return math.nan
    q = 2 * to_number(p) - 1
    return js_add(_or0(mean), js_mul(js_mul(_stdev(stdev), SQRT2), erfinv(q)), tz)  # type: ignore[return-value]


@python_form("quantileNormal")
def quantile_normal_(ctx: Any, *args: Any) -> float:
    return quantile_normal(_arg(args, 0), _arg(args, 1), _arg(args, 2), ctx.tz)


@python_form("densityLogNormal")
def density_log_normal_(ctx: Any, *args: Any) -> float:
    value, mean, stdev = _arg(args, 0), _or0(_arg(args, 1)), _stdev(_arg(args, 2))
    if js_compare(value, 0, "<="):
        return 0.0
    z = js_div(js_sub(_js_log(to_number(value)), mean), stdev)
    return js_div(_js_exp(-0.5 * z * z), js_mul(js_mul(stdev, SQRT2PI), value))


@python_form("cumulativeLogNormal")
def cumulative_log_normal_(ctx: Any, *args: Any) -> float:
    return cumulative_normal(_js_log(to_number(_arg(args, 0))), _arg(args, 1), _arg(args, 2))


@python_form("quantileLogNormal")
def quantile_log_normal_(ctx: Any, *args: Any) -> float:
    return _js_exp(quantile_normal(_arg(args, 0), _arg(args, 1), _arg(args, 2), ctx.tz))


def _uniform_bounds(lo: Any, hi: Any) -> tuple[Any, Any]:
    if _nullish(hi):
        return 0.0, (1.0 if _nullish(lo) else lo)
    return lo, hi


@python_form("densityUniform")
def density_uniform_(ctx: Any, *args: Any) -> float:
    value = _arg(args, 0)
    lo, hi = _uniform_bounds(_arg(args, 1), _arg(args, 2))
    inside = js_compare(value, lo, ">=") and js_compare(value, hi, "<=")
    return js_div(1, js_sub(hi, lo)) if inside else 0.0


@python_form("cumulativeUniform")
def cumulative_uniform_(ctx: Any, *args: Any) -> float:
    value = _arg(args, 0)
    lo, hi = _uniform_bounds(_arg(args, 1), _arg(args, 2))
    if js_compare(value, lo, "<"):
        return 0.0
    if js_compare(value, hi, ">"):
        return 1.0
    return js_div(js_sub(value, lo), js_sub(hi, lo))


@python_form("quantileUniform")
def quantile_uniform_(ctx: Any, *args: Any) -> Any:
    p = _arg(args, 0)
    lo, hi = _uniform_bounds(_arg(args, 1), _arg(args, 2))
    if js_compare(p, 0, ">=") and js_compare(p, 1, "<="):
        return js_add(lo, js_mul(p, js_sub(hi, lo)), ctx.tz)
    return math.nan


# ============================================================================================
# Date-time: JavaScript's Date (local getters read the viewer's zone, ctx.tz), vega-util's
# quarter, vega-time's week/dayofyear/isoweek and offset/sequence over d3-time intervals.


def _now_unsupported(name: str) -> UnsupportedError:
    return UnsupportedError(f"{name}() without a date reads the current time, which differs "
                            "between server and browser")


def new_date_ms(v: Any, tz: str) -> float:
    """``new Date(v)`` with one argument, as epoch milliseconds (NaN when invalid)."""
    if isinstance(v, JSDate):
        return v.ms
    prim = to_primitive(v, "default", tz)
    if isinstance(prim, str):
        return parse_date(prim, tz)
    return time_clip(to_number(prim))


@python_form("datetime")
def datetime_(ctx: Any, *args: Any) -> JSDate:
    if not args:
        raise _now_unsupported("datetime")
    if len(args) == 1:
        return JSDate(new_date_ms(args[0], ctx.tz))
    return JSDate(date_constructor(list(args), ctx.tz))


@python_form("utc")
def utc_(ctx: Any, *args: Any) -> float:
    if not args:
        return math.nan
    return date_constructor(list(args), None)  # type: ignore[arg-type]


def _getter(attr: str, utc: bool) -> Callable[..., float]:
    def form(ctx: Any, *args: Any) -> float:
        if not args:
            raise _now_unsupported(attr)
        f = date_fields(new_date_ms(args[0], ctx.tz), None if utc else ctx.tz)
        return math.nan if f is None else float(getattr(f, attr))

    return form


for _name, _attr in [("date", "date"), ("day", "weekday"), ("year", "year"), ("month", "month"),
                     ("hours", "hours"), ("minutes", "minutes"), ("seconds", "seconds"),
                     ("milliseconds", "ms")]:
    python_form(_name)(_getter(_attr, utc=False))
    python_form("utc" + _name)(_getter(_attr, utc=True))


@python_form("time")
def time_(ctx: Any, *args: Any) -> float:
    if not args:
        raise _now_unsupported("time")
    return new_date_ms(args[0], ctx.tz)


@python_form("timezoneoffset")
def timezoneoffset_(ctx: Any, *args: Any) -> float:
    if not args:
        raise _now_unsupported("timezoneoffset")
    return timezone_offset_minutes(new_date_ms(args[0], ctx.tz), ctx.tz)


def _quarter(utc: bool) -> Callable[..., float]:
    # 1 + ~~(new Date(date).getMonth() / 3): an Invalid Date is quarter 1 (~~NaN is 0).
    def form(ctx: Any, *args: Any) -> float:
        f = date_fields(new_date_ms(_arg(args, 0), ctx.tz), None if utc else ctx.tz)
        return 1.0 if f is None else float(1 + f.month // 3)

    return form


python_form("quarter")(_quarter(utc=False))
python_form("utcquarter")(_quarter(utc=True))


class Interval:
    """A d3-time interval over epoch milliseconds; ``tz`` None is UTC, else local time there."""

    MINUTE, HOUR, DAY, WEEK = 60_000.0, 3_600_000.0, 86_400_000.0, 604_800_000.0

    def __init__(self, floori: Callable[[float], float], offseti: Callable[[float, float], float],
                 count: Callable[[float, float], float] | None = None,
                 field: Callable[[float], float] | None = None) -> None:
        self.floori, self.offseti, self.count_fn, self.field = floori, offseti, count, field

    def floor(self, t: float) -> float:
        return self.floori(t)

    def ceil(self, t: float) -> float:
        return self.floori(self.offseti(self.floori(t - 1), 1))

    def offset(self, t: float, step: Any) -> float:
        return self.offseti(t, 1.0 if _nullish(step) else _floor_or_nan(to_number(step)))

    def range(self, start: float, stop: Any, step: Any) -> list[JSDate]:
        out: list[JSDate] = []
        start = self.ceil(start)
        step_n = 1.0 if _nullish(step) else _floor_or_nan(to_number(step))
        if not js_compare(JSDate(start), stop, "<") or not step_n > 0:
            return out
        while True:
            previous = start
            out.append(JSDate(previous))
            if len(out) > MAX_ARRAY_LENGTH:
                raise UnsupportedError(f"time sequence longer than {MAX_ARRAY_LENGTH} dates")
            start = self.floori(self.offseti(start, step_n))
            if not (previous < start and js_compare(JSDate(start), stop, "<")):
                return out

    def count(self, start: float, end: float) -> float:
        assert self.count_fn is not None
        return _floor_or_nan(self.count_fn(self.floori(start), self.floori(end)))

    def every(self, step: int) -> "Interval":
        field = self.field
        assert field is not None

        def test(t: float) -> bool:
            return field(t) % step == 0

        return self.filter(test)

    def filter(self, test: Callable[[float], bool]) -> "Interval":
        def floori(t: float) -> float:
            if t == t:
                while True:
                    t = self.floori(t)
                    if test(t):
                        break
                    t = t - 1
            return t

        def offseti(t: float, step: float) -> float:
            if t == t:
                if step < 0:
                    while step + 1 <= 0:
                        step += 1
                        t = self.offseti(t, -1)
                        while not test(t):
                            t = self.offseti(t, -1)
                else:
                    while step - 1 >= 0:
                        step -= 1
                        t = self.offseti(t, 1)
                        while not test(t):
                            t = self.offseti(t, 1)
            return t

        return Interval(floori, offseti)


def _floor_or_nan(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


def _intervals(tz: str | None) -> dict[str, Interval]:
    """vega-time's unit -> d3-time interval table, local (in ``tz``) or UTC (tz None)."""
    M, H, D, W = Interval.MINUTE, Interval.HOUR, Interval.DAY, Interval.WEEK

    def fields(t: float) -> Any:
        return date_fields(t, tz)

    def setf(t: float, **changes: float) -> float:
        return set_date_fields(t, tz, **changes)

    def get(t: float, attr: str) -> float:
        f = fields(t)
        return math.nan if f is None else float(getattr(f, attr))

    def tzo(t: float) -> float:
        return timezone_offset_minutes(t, tz) if tz else 0.0 if t == t else math.nan

    def shift(ms: float) -> Callable[[float, float], float]:
        return lambda t, step: time_clip(t + step * ms)

    millisecond = Interval(lambda t: t, shift(1.0), lambda a, b: b - a)
    second = Interval(lambda t: time_clip(t - get(t, "ms")), shift(1000.0),
                      lambda a, b: (b - a) / 1000)
    minute = Interval(lambda t: time_clip(t - get(t, "ms") - get(t, "seconds") * 1000),
                      shift(M), lambda a, b: (b - a) / M)
    hour = Interval(
        lambda t: time_clip(t - get(t, "ms") - get(t, "seconds") * 1000 - get(t, "minutes") * M),
        shift(H), lambda a, b: (b - a) / H)
    day = Interval(
        lambda t: setf(t, hours=0, minutes=0, seconds=0, ms=0),
        lambda t, step: setf(t, date=get(t, "date") + step),
        lambda a, b: (b - a - (tzo(b) - tzo(a)) * M) / D,
        lambda t: get(t, "date") - 1)

    def weekday(i: int) -> Interval:
        def floori(t: float) -> float:
            t = setf(t, date=get(t, "date") - (get(t, "weekday") + 7 - i) % 7)
            return setf(t, hours=0, minutes=0, seconds=0, ms=0)

        return Interval(floori, lambda t, step: setf(t, date=get(t, "date") + step * 7),
                        lambda a, b: (b - a - (tzo(b) - tzo(a)) * M) / W)

    month = Interval(
        lambda t: setf(setf(t, date=1), hours=0, minutes=0, seconds=0, ms=0),
        lambda t, step: setf(t, month=get(t, "month") + step),
        lambda a, b: get(b, "month") - get(a, "month") + (get(b, "year") - get(a, "year")) * 12,
        lambda t: get(t, "month"))
    year = Interval(
        lambda t: setf(setf(t, month=0, date=1), hours=0, minutes=0, seconds=0, ms=0),
        lambda t, step: setf(t, year=get(t, "year") + step),
        lambda a, b: get(b, "year") - get(a, "year"),
        lambda t: get(t, "year"))
    if tz is None:  # d3's UTC minute and hour floors use setUTCSeconds/setUTCMinutes
        minute = Interval(lambda t: setf(t, seconds=0, ms=0), shift(M), lambda a, b: (b - a) / M)
        hour = Interval(lambda t: setf(t, minutes=0, seconds=0, ms=0), shift(H),
                        lambda a, b: (b - a) / H)
        day = Interval(lambda t: setf(t, hours=0, minutes=0, seconds=0, ms=0),
                       lambda t, step: setf(t, date=get(t, "date") + step),
                       lambda a, b: (b - a) / D, lambda t: get(t, "date") - 1)
    sunday, monday = weekday(0), weekday(1)
    return {"year": year, "quarter": month.every(3), "month": month, "week": sunday,
            "isoweek": monday, "date": day, "day": day, "dayofyear": day, "hours": hour,
            "minutes": minute, "seconds": second, "milliseconds": millisecond,
            "_sunday": sunday, "_monday": monday, "_day": day}


def _unit_interval(unit: Any, tz: str | None) -> Interval | None:
    return _intervals(tz).get(unit) if isinstance(unit, str) and not unit.startswith("_") else None


def _offset_form(utc: bool) -> Callable[..., Any]:
    def form(ctx: Any, *args: Any) -> Any:
        ival = _unit_interval(_arg(args, 0), None if utc else ctx.tz)
        if ival is None:
            return UNDEFINED
        return JSDate(ival.offset(to_number(_date_value(_arg(args, 1))), _arg(args, 2)))

    return form


def _date_value(v: Any) -> Any:
    # d3 calls new Date(+date): ToNumber of a Date is its time value.
    return v.ms if isinstance(v, JSDate) else v


def _sequence_form(utc: bool) -> Callable[..., Any]:
    def form(ctx: Any, *args: Any) -> Any:
        ival = _unit_interval(_arg(args, 0), None if utc else ctx.tz)
        if ival is None:
            return UNDEFINED
        start = to_number(_date_value(_arg(args, 1)))
        return ival.range(start, _arg(args, 2), _arg(args, 3))

    return form


python_form("timeOffset")(_offset_form(utc=False))
python_form("utcOffset")(_offset_form(utc=True))
python_form("timeSequence")(_sequence_form(utc=False))
python_form("utcSequence")(_sequence_form(utc=True))


def _local_year(y: float, tz: str) -> float:
    # vega-time's localYear: a Date set to January 1 of year y, 00:00 local (no 2-digit rule).
    return set_date_fields(0.0, tz, year=y, month=0, date=1, hours=0, minutes=0, seconds=0, ms=0)


def _year_start(d: float, tz: str | None) -> float:
    f = date_fields(d, tz)
    if f is None:
        return math.nan
    if tz is None:  # Date.UTC(y, 0, 1): two-digit years mean 19xx here
        return date_constructor([float(f.year), 0.0, 1.0], None)  # type: ignore[arg-type]
    return _local_year(f.year, tz)


def dayofyear_ms(d: float, tz: str | None) -> float:
    return _intervals(tz)["_day"].count(_year_start(d, tz) - 1, d)


def week_ms(d: float, tz: str | None) -> float:
    return _intervals(tz)["_sunday"].count(_year_start(d, tz) - 1, d)


def isoweek_ms(d: float, tz: str | None) -> float:
    ivals = _intervals(tz)
    day, monday = ivals["_day"], ivals["_monday"]
    f = date_fields(day.offset(monday.floor(d), 3), tz)
    if f is None:
        return math.nan
    if tz is None:
        jan1 = date_constructor([float(f.year), 0.0, 1.0], None)  # type: ignore[arg-type]
    else:
        jan1 = _local_year(f.year, tz)
    week_one = monday.floor(day.offset(jan1, 3))
    return 1 + monday.count(week_one, d)


def _week_form(fn: Callable[[float, str | None], float], utc: bool) -> Callable[..., float]:
    def form(ctx: Any, *args: Any) -> float:
        return fn(new_date_ms(_arg(args, 0), ctx.tz), None if utc else ctx.tz)

    return form


python_form("dayofyear")(_week_form(dayofyear_ms, utc=False))
python_form("utcdayofyear")(_week_form(dayofyear_ms, utc=True))
python_form("week")(_week_form(week_ms, utc=False))
python_form("utcweek")(_week_form(week_ms, utc=True))
python_form("isoweek")(_week_form(isoweek_ms, utc=False))
python_form("utcisoweek")(_week_form(isoweek_ms, utc=True))


# ============================================================================================
# Arrays (vega-util, vega-functions' sequence.js, d3-array's range)


def to_utf16(s: str) -> str:
    """s with each astral character split into its two surrogates: one str item per UTF-16
    code unit, so that indices and lengths are JavaScript's."""
    if all(ord(c) <= 0xFFFF for c in s):
        return s
    return "".join(
        c if ord(c) <= 0xFFFF else chr(0xD800 + ((ord(c) - 0x10000) >> 10))
        + chr(0xDC00 + ((ord(c) - 0x10000) & 0x3FF)) for c in s)


def from_utf16(s: str) -> str:
    """Join surrogate pairs back into characters (a lone surrogate stays, as in JS)."""
    if all(not 0xD800 <= ord(c) <= 0xDFFF for c in s):
        return s
    return s.encode("utf-16-le", errors="surrogatepass").decode("utf-16-le", errors="surrogatepass")


def _array(seq: Any) -> list[Any] | None:
    return seq if isinstance(seq, list) else None


def _sequence(seq: Any) -> Any:
    return seq if isinstance(seq, (list, str)) else None


def _call_method(target: Any, method: str) -> Any:
    """``target.method`` where target may be null, as JavaScript would fail on it."""
    if target is None:
        raise js_type_error(f"Cannot read properties of null (reading '{method}')")
    return target


def _length(v: Any) -> Any:
    return get_member(v, "length")


def _index(v: Any, i: Any) -> Any:
    return get_member(v, i)


@python_form("length")
def length_(ctx: Any, *args: Any) -> Any:
    return _length(_arg(args, 0))


@python_form("extent")
def extent_(ctx: Any, *args: Any) -> list[Any]:
    array = _arg(args, 0)
    lo: Any = UNDEFINED
    hi: Any = UNDEFINED
    n = _length(array) if truthy(array) else 0
    if not truthy(n):
        return [lo, hi]
    n = to_number(n)
    if n > MAX_ARRAY_LENGTH and not isinstance(array, (list, str)):
        raise UnsupportedError(f"extent over an array-like of length {n} exceeds the server's limit")
    i = 0
    v = _index(array, 0)
    while i < n and (_nullish(v) or (is_number(v) and math.isnan(v))):
        i += 1
        v = _index(array, i)
    lo = hi = v
    while i < n:
        v = _index(array, i)
        if not _nullish(v):
            if js_compare(v, lo, "<"):
                lo = v
            if js_compare(v, hi, ">"):
                hi = v
        i += 1
    return [lo, hi]


@python_form("clampRange")
def clamp_range_(ctx: Any, *args: Any) -> list[Any]:
    rng, lo_bound, hi_bound = _arg(args, 0), _arg(args, 1), _arg(args, 2)
    lo, hi = _index(rng, 0), _index(rng, 1)
    if js_compare(hi, lo, "<"):
        lo, hi = hi, lo
    span = js_sub(hi, lo)
    if js_compare(span, js_sub(hi_bound, lo_bound), ">="):
        return [lo_bound, hi_bound]
    lo = js_min([js_max([to_number(lo), to_number(lo_bound)]), js_sub(hi_bound, span)])
    return [lo, js_add(lo, span, ctx.tz)]


def _strict_index_of(items: list[Any], value: Any, start: int, reverse: bool) -> float:
    order = range(start, -1, -1) if reverse else range(start, len(items))
    for i in order:
        if strict_equals(items[i], value):
            return float(i)
    return -1.0


def _index_of(seq: Any, args: tuple[Any, ...], reverse: bool, tz: str = "UTC") -> float:
    target = _call_method(_sequence(seq), "lastIndexOf" if reverse else "indexOf")
    search = _arg(args, 0)
    n = len(target)
    if isinstance(target, list):
        if n == 0:
            return -1.0
        k = to_integer_or_infinity(_arg(args, 1)) if len(args) > 1 else (n - 1 if reverse else 0)
        if reverse:
            start = min(k, n - 1) if k >= 0 else n + k
            return -1.0 if start < 0 else _strict_index_of(target, search, int(start), True)
        start = k if k >= 0 else max(n + k, 0)
        return -1.0 if start >= n else _strict_index_of(target, search, int(start), False)
    needle = to_utf16(to_string(search, tz))
    target = to_utf16(target)
    n = len(target)
    if reverse:
        pos_arg = to_number(_arg(args, 1))
        pos = math.inf if math.isnan(pos_arg) else to_integer_or_infinity(pos_arg)
        start = int(min(max(pos, 0), n))
        return float(target.rfind(needle, 0, start + len(needle)))
    start = int(min(max(to_integer_or_infinity(_arg(args, 1)), 0), n))
    return float(target.find(needle, start))


@python_form("indexof")
def indexof_(ctx: Any, *args: Any) -> float:
    return _index_of(_arg(args, 0), args[1:], reverse=False, tz=ctx.tz)


@python_form("lastindexof")
def lastindexof_(ctx: Any, *args: Any) -> float:
    return _index_of(_arg(args, 0), args[1:], reverse=True, tz=ctx.tz)


@python_form("inrange")
def inrange_(ctx: Any, *args: Any) -> bool:
    return inrange(_arg(args, 0), _arg(args, 1), _arg(args, 2), _arg(args, 3))


def inrange(value: Any, rng: Any, left: Any = UNDEFINED, right: Any = UNDEFINED) -> bool:
    r0 = _index(rng, 0)
    r1 = _index(rng, js_sub(_length(rng), 1))
    if js_compare(r0, r1, ">"):
        r0, r1 = r1, r0
    left_inc = left is UNDEFINED or truthy(left)
    right_inc = right is UNDEFINED or truthy(right)
    ok_left = js_compare(r0, value, "<=") if left_inc else js_compare(r0, value, "<")
    if not ok_left:
        return False
    return js_compare(value, r1, "<=") if right_inc else js_compare(value, r1, "<")


@python_form("join")
def join_(ctx: Any, *args: Any) -> str:
    items = _call_method(_array(_arg(args, 0)), "join")
    sep = _arg(args, 1)
    sep_s = "," if sep is UNDEFINED else to_string(sep, ctx.tz)
    return sep_s.join("" if _nullish(v) else to_string(v, ctx.tz) for v in items)


@python_form("lerp")
def lerp_(ctx: Any, *args: Any) -> Any:
    array, frac = _arg(args, 0), _arg(args, 1)
    lo = _index(array, 0)
    hi = peek(array)
    f = to_number(frac)
    if hi is UNDEFINED:
        return lo
    if not truthy(f):
        return lo
    if f == 1:
        return hi
    return js_add(lo, js_mul(f, js_sub(hi, lo)), ctx.tz)


def peek(array: Any) -> Any:
    return _index(array, js_sub(_length(array), 1))


@python_form("peek")
def peek_(ctx: Any, *args: Any) -> Any:
    return peek(_arg(args, 0))


@python_form("pluck")
def pluck_(ctx: Any, *args: Any) -> Any:
    data, name = _arg(args, 0), _arg(args, 1)
    path = split_access_path(name, ctx.tz)
    if isinstance(data, list):
        return [get_path(d, path) for d in data]
    return get_path(data, path)


def get_path(obj: Any, path: list[str]) -> Any:
    for key in path:
        obj = get_member(obj, key)
    return obj


def split_access_path(p: Any, tz: str = "UTC") -> list[str]:
    """vega-util's splitAccessPath: 'a.b', 'a[0]', 'a["b.c"]', with backslash escapes."""
    if _nullish(p):
        raise js_type_error(f"Cannot read properties of {to_string(p)} (reading 'length')")
    n_attr = get_member(p, "length")
    p = to_string(p, tz)
    n = int(to_number(n_attr)) if is_number(n_attr) else 0
    path: list[str] = []
    quote: str | None = None
    b = 0
    s = ""
    i = j = 0

    def push() -> None:
        nonlocal s, i
        path.append(s + p[i:j])
        s = ""
        i = j + 1

    while j < n:
        c = p[j]
        if c == "\\":
            s += p[i:j]
            j += 1
            i = j
        elif c == quote:
            push()
            quote = None
            b = -1
        elif quote:
            pass
        elif i == b and c in "\"'":
            i = j + 1
            quote = c
        elif c == "." and not b:
            if j > i:
                push()
            else:
                i = j + 1
        elif c == "[":
            if j > i:
                push()
            b = i = j + 1
        elif c == "]":
            if not b:
                raise SpecError("Access path missing open bracket: " + p)
            if b > 0:
                push()
            b = 0
            i = j + 1
        j += 1
    if b:
        raise SpecError("Access path missing closing bracket: " + p)
    if quote:
        raise SpecError("Access path missing closing quote: " + p)
    if j > i:
        j += 1
        push()
    return path


@python_form("reverse")
def reverse_(ctx: Any, *args: Any) -> list[Any]:
    return list(reversed(_call_method(_array(_arg(args, 0)), "slice")))


@python_form("sequence")
def sequence_(ctx: Any, *args: Any) -> list[float]:
    # d3-array's range(start, stop, step), which reads arguments.length.
    start, stop = to_number(_arg(args, 0)), to_number(_arg(args, 1))
    if len(args) < 2:
        start, stop, step = 0.0, start, 1.0
    else:
        step = 1.0 if len(args) < 3 else to_number(args[2])
    ratio = js_div(stop - start, step)
    # Math.max(0, Math.ceil(ratio)) | 0: NaN and Infinity become 0.
    n = to_int32(js_max([0.0, float(math.ceil(ratio)) if math.isfinite(ratio) else ratio]))
    if n > MAX_ARRAY_LENGTH:
        raise UnsupportedError(f"sequence of {n} numbers exceeds the server's limit")
    return [start + i * step for i in range(max(n, 0))]


def _relative_index(v: Any, n: int, default: int) -> int:
    if v is UNDEFINED:
        return default
    k = to_integer_or_infinity(v)
    return int(max(n + k, 0) if k < 0 else min(k, n))


@python_form("slice")
def slice_(ctx: Any, *args: Any) -> Any:
    seq = _call_method(_sequence(_arg(args, 0)), "slice")
    if isinstance(seq, str):
        units = to_utf16(seq)
        n = len(units)
        lo, hi = _relative_index(_arg(args, 1), n, 0), _relative_index(_arg(args, 2), n, n)
        return from_utf16(units[lo:max(hi, lo)])
    n = len(seq)
    lo, hi = _relative_index(_arg(args, 1), n, 0), _relative_index(_arg(args, 2), n, n)
    return seq[lo:max(hi, lo)]


def ascending(u: Any, v: Any) -> int:
    """vega-util's ascending comparator (nulls first, dates by time value, NaN first)."""
    if (js_compare(u, v, "<") or _nullish(u)) and not _nullish(v):
        return -1
    if (js_compare(u, v, ">") or _nullish(v)) and not _nullish(u):
        return 1
    v2 = v.ms if isinstance(v, JSDate) else v
    u2 = u.ms if isinstance(u, JSDate) else u
    if not strict_equals(u2, u2) and strict_equals(v2, v2):
        return -1
    if not strict_equals(v2, v2) and strict_equals(u2, u2):
        return 1
    return 0


@python_form("sort")
def sort_(ctx: Any, *args: Any) -> list[Any]:
    items = _call_method(_array(_arg(args, 0)), "slice")
    # Array.prototype.sort moves undefined to the end without calling the comparator.
    defined = [v for v in items if v is not UNDEFINED]
    undefined = [v for v in items if v is UNDEFINED]
    return sorted(defined, key=cmp_to_key(ascending)) + undefined


@python_form("span")
def span_(ctx: Any, *args: Any) -> Any:
    array = _arg(args, 0)
    if not truthy(array):
        return 0.0
    diff = js_sub(peek(array), _index(array, 0))
    return diff if truthy(diff) else 0.0


# ============================================================================================
# Strings


def _string(v: Any, tz: str) -> str:
    return to_string(v, tz)


@python_form("lower")
def lower_(ctx: Any, *args: Any) -> str:
    return _string(_arg(args, 0), ctx.tz).lower()


@python_form("upper")
def upper_(ctx: Any, *args: Any) -> str:
    return _string(_arg(args, 0), ctx.tz).upper()


@python_form("trim")
def trim_(ctx: Any, *args: Any) -> str:
    return _string(_arg(args, 0), ctx.tz).strip(JS_WHITESPACE)


def _repeat(c: Any, reps: Any, tz: str) -> str:
    out: Any = ""
    n = to_number(reps)
    count = 0 if math.isnan(n) or n <= 0 else math.floor(n) if math.isfinite(n) else MAX_ARRAY_LENGTH + 1
    if count > MAX_ARRAY_LENGTH:
        raise UnsupportedError("padding longer than the server's limit")
    for _ in range(int(count)):
        out = js_add(out, c, tz)
    return out


@python_form("pad")
def pad_(ctx: Any, *args: Any) -> Any:
    s_in, length, padchar, align = _arg(args, 0), _arg(args, 1), _arg(args, 2), _arg(args, 3)
    c = padchar if truthy(padchar) else " "
    s = js_add(s_in, "", ctx.tz)
    n = js_sub(length, utf16_len(s))
    if not js_compare(n, 0, ">"):
        return s
    tz = ctx.tz
    if align == "left":
        return js_add(_repeat(c, n, tz), s, tz)
    if align == "center":
        half = to_int32(js_div(n, 2))
        left = js_add(_repeat(c, half, tz), s, tz)
        return js_add(left, _repeat(c, math.ceil(js_div(n, 2)), tz), tz)
    return js_add(s, _repeat(c, n, tz), tz)


def utf16_len(s: str) -> int:
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


@python_form("truncate")
def truncate_(ctx: Any, *args: Any) -> Any:
    s_in, length, align, ellipsis = _arg(args, 0), _arg(args, 1), _arg(args, 2), _arg(args, 3)
    e = "\u2026" if _nullish(ellipsis) else ellipsis
    s = js_add(s_in, "", ctx.tz)
    n = utf16_len(s)
    lim = js_max([0.0, to_number(js_sub(length, _length(e)))])
    if js_compare(n, length, "<="):
        return s
    tz = ctx.tz
    if align == "left":
        return js_add(e, _js_slice(s, n - lim), tz)
    if align == "center":
        head = js_add(_js_slice(s, 0, math.ceil(lim / 2)), e, tz)
        return js_add(head, _js_slice(s, n - to_int32(lim / 2)), tz)
    return js_add(_js_slice(s, 0, lim), e, tz)


def _js_slice(s: str, start: float, end: float | None = None) -> str:
    units = to_utf16(s)
    n = len(units)
    lo = _relative_index(start, n, 0)
    hi = n if end is None else _relative_index(end, n, n)
    return from_utf16(units[lo:max(lo, hi)])


@python_form("substring")
def substring_(ctx: Any, *args: Any) -> str:
    s = to_utf16(_string(_arg(args, 0), ctx.tz))
    n = len(s)
    start = min(max(to_integer_or_infinity(_arg(args, 1)), 0), n)
    end_arg = _arg(args, 2)
    end = n if end_arg is UNDEFINED else min(max(to_integer_or_infinity(end_arg), 0), n)
    lo, hi = int(min(start, end)), int(max(start, end))
    return from_utf16(s[lo:hi])


_PARSE_FLOAT = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


@python_form("parseFloat")
def parse_float_(ctx: Any, *args: Any) -> float:
    s = _string(_arg(args, 0), ctx.tz).lstrip(JS_WHITESPACE)
    m = _PARSE_FLOAT.match(s)
    if not m:
        return math.nan
    text = m.group(0)
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    return sign * (math.inf if body == "Infinity" else float(body))


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@python_form("parseInt")
def parse_int_(ctx: Any, *args: Any) -> float:
    s = _string(_arg(args, 0), ctx.tz).lstrip(JS_WHITESPACE)
    sign = 1.0
    if s[:1] in ("+", "-"):
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    radix = to_int32(_arg(args, 1))
    strip_prefix = True
    if radix != 0:
        if radix < 2 or radix > 36:
            return math.nan
        strip_prefix = radix == 16
    else:
        radix = 10
    if strip_prefix and s[:2].lower() == "0x":
        s = s[2:]
        radix = 16
    valid = _DIGITS[:radix]
    end = 0
    while end < len(s) and s[end].lower() in valid and s[end].isascii():
        end += 1
    if end == 0:
        return math.nan
    return sign * float(int(s[:end], radix))


def _required_input(args: tuple[Any, ...], name: str) -> None:
    if not args:
        raise SpecError(f'{name}(): The "input" argument must be specified')


@python_form("btoa")
def btoa_(ctx: Any, *args: Any) -> str:
    _required_input(args, "btoa")
    s = _string(_arg(args, 0), ctx.tz)
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError as e:
        raise SpecError("InvalidCharacterError: Invalid character (btoa needs Latin-1 text)") from e
    return base64.b64encode(raw).decode("ascii")


@python_form("atob")
def atob_(ctx: Any, *args: Any) -> str:
    # The forgiving-base64 decode of the HTML standard.
    _required_input(args, "atob")
    s = re.sub(r"[\t\n\f\r ]", "", _string(_arg(args, 0), ctx.tz))
    if len(s) % 4 == 0 and s.endswith("=="):
        s = s[:-2]
    elif len(s) % 4 == 0 and s.endswith("="):
        s = s[:-1]
    if len(s) % 4 == 1 or not re.fullmatch(r"[A-Za-z0-9+/]*", s):
        raise SpecError("InvalidCharacterError: The string to be decoded is not correctly encoded.")
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4)).decode("latin-1")
    except binascii.Error as e:
        raise SpecError("InvalidCharacterError: The string to be decoded is not correctly "
                        "encoded.") from e


@python_form("encodeURIComponent")
def encode_uri_component_(ctx: Any, *args: Any) -> str:
    s = _string(_arg(args, 0), ctx.tz)
    try:
        return quote(s.encode("utf-8"), safe="-_.!~*'()")
    except UnicodeEncodeError as e:  # a lone surrogate
        raise SpecError("URIError: URI malformed") from e


# ============================================================================================
# Objects


@python_form("merge")
def merge_(ctx: Any, *args: Any) -> dict[str, Any]:
    # extend({}, ...args): for-in over each argument's enumerable properties.
    out: dict[str, Any] = {}
    for arg in args:
        if isinstance(arg, dict):
            out.update(arg)
        elif isinstance(arg, list):
            out.update({str(i): v for i, v in enumerate(arg)})
        elif isinstance(arg, str):
            out.update({str(i): ch for i, ch in enumerate(arg)})
    index_keys = sorted((k for k in out if k.isdigit() and (k == "0" or k[0] != "0")), key=int)
    return {**{k: out[k] for k in index_keys}, **{k: v for k, v in out.items() if k not in index_keys}}


# ============================================================================================
# Regular expressions: JavaScript's syntax translated to Python's ``re``.

_LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"
_JS_SPACE_CLASS = (
    "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff")
_WORD = "A-Za-z0-9_"
_CLASS_ESCAPES = {"d": "0-9", "w": _WORD, "s": _JS_SPACE_CLASS}
_ATOM_ESCAPES = {
    "d": "[0-9]", "D": "[^0-9]", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
    "s": f"[{_JS_SPACE_CLASS}]", "S": f"[^{_JS_SPACE_CLASS}]",
    "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
    "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))",
}
def _ranges_text(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, at = [], 0
    for a, b in sorted(ranges):
        if a > at:
            out.append((at, a - 1))
        at = max(at, b + 1)
    if at <= 0x10FFFF:
        out.append((at, 0x10FFFF))
    return out


_JS_SPACE_RANGES = [(0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
                    (0xFEFF, 0xFEFF)]
# \D, \W and \S inside a class, as explicit ranges (Python has no negated escapes there).
_NEGATED_BASE = {
    "D": [(0x30, 0x39)],
    "W": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "S": _JS_SPACE_RANGES,
}
_NEGATED_CLASS_ESCAPES = {c: _ranges_text(_complement(r)) for c, r in _NEGATED_BASE.items()}
# Python's IGNORECASE folds these four onto ASCII letters; JavaScript (without the u flag) never
# maps a non-ASCII character to an ASCII one. Left out of negated escapes under the i flag, so
# that [^\W\d] still rejects nothing but non-letters in ASCII text.
_FOLDS_TO_ASCII = [(0x130, 0x131), (0x17F, 0x17F), (0x212A, 0x212A)]
_NEGATED_CLASS_ESCAPES_I = {c: _ranges_text(_complement(r + _FOLDS_TO_ASCII))
                            for c, r in _NEGATED_BASE.items()}
_SIMPLE_ESCAPES = {"n": "\\n", "r": "\\r", "t": "\\t", "f": "\\f", "v": "\\v"}
_VALID_FLAGS = set("dgimsuy")


# Unicode general categories for \p{...} (with the u flag): long name -> short names.
_GC_ALIASES: dict[str, tuple[str, ...]] = {
    "L": ("Lu", "Ll", "Lt", "Lm", "Lo"), "Letter": ("Lu", "Ll", "Lt", "Lm", "Lo"),
    "LC": ("Lu", "Ll", "Lt"), "Cased_Letter": ("Lu", "Ll", "Lt"),
    "M": ("Mn", "Mc", "Me"), "Mark": ("Mn", "Mc", "Me"), "Combining_Mark": ("Mn", "Mc", "Me"),
    "N": ("Nd", "Nl", "No"), "Number": ("Nd", "Nl", "No"),
    "P": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "Punctuation": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "punct": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "S": ("Sm", "Sc", "Sk", "So"), "Symbol": ("Sm", "Sc", "Sk", "So"),
    "Z": ("Zs", "Zl", "Zp"), "Separator": ("Zs", "Zl", "Zp"),
    "C": ("Cc", "Cf", "Cs", "Co", "Cn"), "Other": ("Cc", "Cf", "Cs", "Co", "Cn"),
    "Uppercase_Letter": ("Lu",), "Lowercase_Letter": ("Ll",), "Titlecase_Letter": ("Lt",),
    "Modifier_Letter": ("Lm",), "Other_Letter": ("Lo",), "Nonspacing_Mark": ("Mn",),
    "Spacing_Mark": ("Mc",), "Enclosing_Mark": ("Me",), "Decimal_Number": ("Nd",),
    "digit": ("Nd",), "Letter_Number": ("Nl",), "Other_Number": ("No",),
    "Connector_Punctuation": ("Pc",), "Dash_Punctuation": ("Pd",), "Open_Punctuation": ("Ps",),
    "Close_Punctuation": ("Pe",), "Initial_Punctuation": ("Pi",), "Final_Punctuation": ("Pf",),
    "Other_Punctuation": ("Po",), "Math_Symbol": ("Sm",), "Currency_Symbol": ("Sc",),
    "Modifier_Symbol": ("Sk",), "Other_Symbol": ("So",), "Space_Separator": ("Zs",),
    "Line_Separator": ("Zl",), "Paragraph_Separator": ("Zp",), "Control": ("Cc",),
    "cntrl": ("Cc",), "Format": ("Cf",), "Surrogate": ("Cs",), "Private_Use": ("Co",),
    "Unassigned": ("Cn",),
}
for _short in ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
               "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc",
               "Cf", "Cs", "Co", "Cn"):
    _GC_ALIASES[_short] = (_short,)


@lru_cache(maxsize=64)
def _category_class(categories: tuple[str, ...], negate: bool) -> str:
    """The body of a character class (ranges) of the code points in the given categories."""
    wanted = set(categories)
    ranges: list[tuple[int, int]] = []
    start = -1
    for cp in range(0x110000):
        inside = (unicodedata.category(chr(cp)) in wanted) != negate
        if inside and start < 0:
            start = cp
        elif not inside and start >= 0:
            ranges.append((start, cp - 1))
            start = -1
    if start >= 0:
        ranges.append((start, 0x10FFFF))
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _property_escape(src: str, i: int, in_class: bool) -> tuple[str, int]:
    m = re.match(r"\\([pP])\{(?:(?:General_Category|gc)=)?([A-Za-z_]+)\}", src[i:])
    if not m or m.group(2) not in _GC_ALIASES:
        raise _unsupported_regex(src, "a Unicode property escape other than a general category")
    body = _category_class(_GC_ALIASES[m.group(2)], m.group(1) == "P")
    return (body if in_class else f"[{body}]"), i + len(m.group(0))


def _unsupported_regex(source: str, why: str) -> UnsupportedError:
    return UnsupportedError(f"regular expression /{source}/ uses {why}, which the server "
                            "cannot translate from JavaScript")


def _escape_at(src: str, i: int, in_class: bool, unicode: bool, ascii_fold: bool = False
               ) -> tuple[str, int]:
    """Translate the escape starting at src[i] == '\\'; return (python text, next index)."""
    if i + 1 >= len(src):
        raise SpecError(f"Invalid regular expression: /{src}/: \\ at end of pattern")
    c = src[i + 1]
    if unicode and c in "pP":
        return _property_escape(src, i, in_class)
    if c in _CLASS_ESCAPES and in_class:
        return _CLASS_ESCAPES[c], i + 2
    if c in "DWS" and in_class:
        return (_NEGATED_CLASS_ESCAPES_I if ascii_fold else _NEGATED_CLASS_ESCAPES)[c], i + 2
    if c == "b" and in_class:
        return "\\x08", i + 2
    if c in _ATOM_ESCAPES:
        return _ATOM_ESCAPES[c], i + 2
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i + 2
    if c == "c" and i + 2 < len(src) and src[i + 2].isascii() and src[i + 2].isalpha():
        return f"\\x{ord(src[i + 2]) % 32:02x}", i + 3
    if c == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", src[i + 2:i + 4]):
        return "\\x" + src[i + 2:i + 4], i + 4
    if c == "u":
        m = re.match(r"\{([0-9a-fA-F]+)\}", src[i + 2:]) if unicode else None
        if m:
            return f"\\U{int(m.group(1), 16):08x}", i + 2 + len(m.group(0))
        if re.fullmatch(r"[0-9a-fA-F]{4}", src[i + 2:i + 6]):
            return "\\u" + src[i + 2:i + 6], i + 6
        return "u", i + 2
    if c == "k" and not in_class:
        m = re.match(r"<([A-Za-z_$][\w$]*)>", src[i + 2:])
        if m:
            return f"(?P={m.group(1)})", i + 2 + len(m.group(0))
        return "k", i + 2
    if c == "0" and not (i + 2 < len(src) and src[i + 2].isdigit()):
        return "\\x00", i + 2
    if c.isdigit():
        if in_class:
            raise _unsupported_regex(src, "an octal escape")
        m = re.match(r"\d+", src[i + 1:])
        assert m
        return f"(?:\\{m.group(0)})", i + 1 + len(m.group(0))
    # Identity escape: a JS "\A" or "\Z" is the letter itself.
    return re.escape(c), i + 2


def _group_at(src: str, i: int) -> tuple[str, int]:
    rest = src[i:]
    for js, py in (("(?:", "(?:"), ("(?=", "(?="), ("(?!", "(?!"), ("(?<=", "(?<="),
                   ("(?<!", "(?<!")):
        if rest.startswith(js):
            return py, i + len(js)
    m = re.match(r"\(\?<([A-Za-z_$][\w$]*)>", rest)
    if m:
        if "$" in m.group(1):
            raise _unsupported_regex(src, "a '$' in a group name")
        return f"(?P<{m.group(1)}>", i + len(m.group(0))
    if rest.startswith("(?"):
        raise SpecError(f"Invalid regular expression: /{src}/: Invalid group")
    return "(", i + 1


def translate_regex(source: str, flags: str) -> re.Pattern[str]:
    """Compile a JavaScript regular expression as an equivalent Python pattern."""
    if set(flags) - _VALID_FLAGS or len(set(flags)) != len(flags):
        raise SpecError(f"Invalid flags supplied to RegExp constructor '{flags}'")
    unicode, multiline, dotall = "u" in flags, "m" in flags, "s" in flags
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            text, i = _escape_at(source, i, in_class, unicode, "i" in flags)
            out.append(text)
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c in "[&~|":  # literal in JS; Python reserves them for set operations
                c = "\\" + c
            out.append(c)
        elif c == "[":
            if source.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
                continue
            if source.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            in_class = True
            out.append("[^" if source.startswith("[^", i) else "[")
            i += 2 if source.startswith("[^", i) else 1
            continue
        elif c == "{" and re.match(r"\{\d+(?:,\d*)?\}", source[i:]):
            quantifier = re.match(r"\{\d+(?:,\d*)?\}", source[i:])
            assert quantifier
            out.append(quantifier.group(0))
            i += len(quantifier.group(0))
            continue
        elif c == "{":
            if unicode:
                raise SpecError(f"Invalid regular expression: /{source}/{flags}: Lone quantifier "
                                "brackets")
            out.append("\\{")  # not a quantifier: JS reads a literal brace (Python: {,n})
        elif c in "}]" and unicode:
            raise SpecError(f"Invalid regular expression: /{source}/{flags}: Lone quantifier "
                            "brackets")
        elif c == "(":
            text, i = _group_at(source, i)
            out.append(text)
            continue
        elif c == ".":
            out.append("[\\s\\S]" if dotall else f"[^{_LINE_TERMINATORS}]")
        elif c == "$":
            out.append(f"(?=[{_LINE_TERMINATORS}]|\\Z)" if multiline else "\\Z")
        elif c == "^":
            out.append(f"(?:(?<![\\s\\S])|(?<=[{_LINE_TERMINATORS}]))" if multiline else "(?<![\\s\\S])")
        else:
            out.append(c)
        i += 1
    if in_class:
        raise SpecError(f"Invalid regular expression: /{source}/: Unterminated character class")
    py_flags = re.IGNORECASE if "i" in flags else 0
    try:
        return re.compile("".join(out), py_flags)
    except re.error as e:
        raise _unsupported_regex(source, f"syntax Python's re rejects ({e})") from e
    except RecursionError as e:
        raise _unsupported_regex(source, "too deep nesting") from e


def _as_regexp(pattern: Any, flags: Any = UNDEFINED, tz: str = "UTC") -> JSRegExp:
    """``RegExp(pattern, flags)`` called as a function (returns a RegExp argument itself)."""
    if isinstance(pattern, JSRegExp):
        if flags is UNDEFINED:
            return pattern
        source = pattern.source
    else:
        source = "(?:)" if pattern is UNDEFINED else to_string(pattern, tz)
    if flags is UNDEFINED:
        flag_text = pattern.flags if isinstance(pattern, JSRegExp) else ""
    else:
        flag_text = to_string(flags, tz)
    translate_regex(source, flag_text)  # validates: JS throws a SyntaxError here
    return JSRegExp(source, flag_text)


@python_form("regexp")
def regexp_(ctx: Any, *args: Any) -> JSRegExp:
    return _as_regexp(_arg(args, 0), _arg(args, 1), ctx.tz)


@python_form("test")
def test_(ctx: Any, *args: Any) -> bool:
    rx = _as_regexp(_arg(args, 0), tz=ctx.tz)
    s = to_string(_arg(args, 1), ctx.tz)
    compiled = translate_regex(rx.source, rx.flags)
    if "y" in rx.flags:
        return compiled.match(s, 0) is not None
    return compiled.search(s) is not None


def _expand_replacement(repl: str, m: re.Match[str] | None, matched: str, pos: int, s: str,
                        groups: list[Any], named: dict[str, Any] | None) -> str:
    """GetSubstitution: $$, $&, $`, $', $n, $nn, $<name>."""
    out: list[str] = []
    i, n, m_count = 0, len(repl), len(groups)
    while i < n:
        c = repl[i]
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = repl[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "&":
            out.append(matched)
            i += 2
        elif nxt == "`":
            out.append(s[:pos])
            i += 2
        elif nxt == "'":
            out.append(s[pos + len(matched):])
            i += 2
        elif nxt.isdigit():
            two = repl[i + 1:i + 3]
            if len(two) == 2 and two.isdigit() and 1 <= int(two) <= m_count:
                g = groups[int(two) - 1]
                out.append("" if g is None else g)
                i += 3
            elif 1 <= int(nxt) <= m_count:
                g = groups[int(nxt) - 1]
                out.append("" if g is None else g)
                i += 2
            else:
                out.append("$" + nxt)
                i += 2
        elif nxt == "<" and named is not None:
            close = repl.find(">", i + 2)
            if close < 0:
                out.append("$<")
                i += 2
            else:
                g = named.get(repl[i + 2:close])
                out.append("" if g is None else g)
                i = close + 1
        else:
            out.append("$")
            i += 1
    return "".join(out)


@python_form("replace")
def replace_(ctx: Any, *args: Any) -> str:
    s_in, pattern, repl = _arg(args, 0), _arg(args, 1), _arg(args, 2)
    if not isinstance(pattern, (str, JSRegExp)):
        raise SpecError("Please pass a string or RegExp argument to replace.")
    s = to_string(s_in, ctx.tz)
    repl_s = to_string(repl, ctx.tz)
    if isinstance(pattern, str):
        pos = s.find(pattern)
        if pos < 0:
            return s
        sub = _expand_replacement(repl_s, None, pattern, pos, s, [], None)
        return s[:pos] + sub + s[pos + len(pattern):]
    compiled = translate_regex(pattern.source, pattern.flags)
    sticky = "y" in pattern.flags
    if "g" in pattern.flags:
        matches = list(compiled.finditer(s))
        if sticky:  # each match must start where the previous ended
            chained, at = [], 0
            for m in matches:
                if m.start() != at:
                    break
                chained.append(m)
                at = m.end() if m.end() > m.start() else at + 1
            matches = chained
    else:
        m1 = compiled.match(s) if sticky else compiled.search(s)
        matches = [m1] if m1 else []
    has_named = bool(compiled.groupindex)
    out, last = [], 0
    for m in matches:
        named = m.groupdict() if has_named else None
        out.append(s[last:m.start()])
        out.append(_expand_replacement(repl_s, m, m.group(0), m.start(), s, list(m.groups()), named))
        last = m.end()
    out.append(s[last:])
    return "".join(out)


@python_form("split")
def split_(ctx: Any, *args: Any) -> list[Any]:
    s = to_string(_arg(args, 0), ctx.tz)
    sep, limit_arg = _arg(args, 1), _arg(args, 2)
    limit = 2**32 - 1 if limit_arg is UNDEFINED else to_uint32(limit_arg)
    if limit == 0:
        return []
    if sep is UNDEFINED:
        return [s]
    if isinstance(sep, JSRegExp):
        return _split_regex(s, translate_regex(sep.source, sep.flags), limit)
    sep_s = to_string(sep, ctx.tz)
    if sep_s == "":
        return list(to_utf16(s))[:limit]
    return s.split(sep_s)[:limit]


def _split_regex(s: str, rx: re.Pattern[str], limit: int) -> list[Any]:
    """RegExp.prototype[@@split]: captures are spliced in; empty matches never split at p."""
    size = len(s)
    if size == 0:
        return [] if rx.match(s, 0) else [s]
    out: list[Any] = []
    p = q = 0
    while q < size:
        m = rx.match(s, q)
        if m is None or m.end() == p:
            q += 1
            continue
        out.append(s[p:q])
        if len(out) == limit:
            return out
        p = m.end()
        for g in m.groups():
            out.append(UNDEFINED if g is None else g)
            if len(out) == limit:
                return out
        q = p
    out.append(s[p:])
    return out


# ============================================================================================
# Vega-Lite selections (vega-selections). Vega reads the store dataset from its dataflow; here
# it comes from ctx.datasets. As in Vega, a unit index (tuples per unit) exists only when the
# op is "intersect".

_SELECTION_ID = "_vgsid_"


def _store(ctx: Any, name: Any) -> list[Any]:
    """The selection store's tuples. Vega's parser rejects a store name that is no dataset."""
    datasets = getattr(ctx, "datasets", None) or {}
    key = to_string(name)
    if key not in datasets:
        raise SpecError(f"Undefined data set name: {key!r} (selection store not given to the "
                        "evaluator)")
    return list(datasets[key])


def _unit_counts(entries: list[Any]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for entry in entries:
        unit = get_member(entry, "unit")
        counts[_intern(unit)] = counts.get(_intern(unit), 0) + 1
    return counts


def _intern(v: Any) -> Any:
    # Map keys compare with SameValueZero; make Python keys behave alike (1 and 1.0, dates).
    if is_number(v):
        return ("num", float(v)) if not math.isnan(v) else ("nan",)
    if isinstance(v, JSDate):
        return ("date", id(v))
    if isinstance(v, (list, dict, JSRegExp)):
        return ("obj", id(v))
    return (type(v).__name__, v)


def _vega_to_number(v: Any) -> Any:
    return None if _empty(v) else to_number(v)


def _same_value_zero(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b) and math.isnan(a) and math.isnan(b):
        return True
    return strict_equals(a, b)


def _test_point(datum: Any, entry: Any) -> bool:
    fields, values = get_member(entry, "fields"), get_member(entry, "values")
    n = int(to_number(_length(fields)))
    for i in range(n):
        f = _index(fields, i)
        dval = get_path(datum, split_access_path(get_member(f, "field")))
        value = _index(values, i)
        if isinstance(dval, JSDate):
            dval = dval.ms
        if isinstance(value, JSDate):
            value = value.ms
        if isinstance(value, list) and value and isinstance(value[0], JSDate):
            value = [_vega_to_number(v) for v in value]
        if not _test_field(get_member(f, "type"), dval, value):
            return False
    return True


def _test_field(ftype: Any, dval: Any, value: Any) -> bool:
    if ftype == "E":
        if isinstance(value, list):
            return any(_same_value_zero(v, dval) for v in value)
        return strict_equals(dval, value)
    checks: dict[str, Callable[[], bool]] = {
        "R": lambda: inrange(dval, value),
        "R-RE": lambda: inrange(dval, value, True, False),
        "R-E": lambda: inrange(dval, value, False, False),
        "R-LE": lambda: inrange(dval, value, False, True),
        "E-LT": lambda: not js_compare(dval, value, ">="),
        "E-LTE": lambda: not js_compare(dval, value, ">"),
        "E-GT": lambda: not js_compare(dval, value, "<="),
        "E-GTE": lambda: not js_compare(dval, value, "<"),
        "E-VALID": lambda: not (dval is None or math.isnan(to_number(dval))),
        "E-ONE": lambda: _index_of(value, (dval,), reverse=False) != -1,
    }
    check = checks.get(ftype) if isinstance(ftype, str) else None
    return True if check is None else check()


@python_form("vlSelectionTest")
def vl_selection_test_(ctx: Any, *args: Any) -> Any:
    name, datum, op = _arg(args, 0), _arg(args, 1), _arg(args, 2)
    entries = _store(ctx, name)
    intersect = op == "intersect"
    unit_idx = _unit_counts(entries) if intersect else None
    miss: dict[Any, int] = {}
    for entry in entries:
        if unit_idx and intersect:
            unit = _intern(get_member(entry, "unit"))
            count = miss.get(unit, 0)
            if count == -1:
                continue
            b = _test_point(datum, entry)
            miss[unit] = -1 if b else count + 1
            if b and len(unit_idx) == 1:
                return True
            if not b and count + 1 == unit_idx[unit]:
                return False
        else:
            b = _test_point(datum, entry)
            if intersect != b:
                return b
    # `n && intersect`: an empty store gives the number 0.
    return intersect if entries else 0.0


def _d3_ascending(a: Any, b: Any) -> float:
    if _nullish(a) or _nullish(b):
        return math.nan
    if js_compare(a, b, "<"):
        return -1.0
    if js_compare(a, b, ">"):
        return 1.0
    return 0.0 if js_compare(a, b, ">=") else math.nan


def _bisect(entries: list[Any], value: Any, right: bool) -> int:
    lo, hi = 0, len(entries)
    if lo < hi:
        if _d3_ascending(value, value) != 0:
            return hi
        while lo < hi:
            mid = (lo + hi) >> 1
            c = _d3_ascending(get_member(entries[mid], _SELECTION_ID), value)
            if (c <= 0) if right else (c < 0):
                lo = mid + 1
            else:
                hi = mid
    return lo


@python_form("vlSelectionIdTest")
def vl_selection_id_test_(ctx: Any, *args: Any) -> bool:
    name, datum, op = _arg(args, 0), _arg(args, 1), _arg(args, 2)
    entries = _store(ctx, name)
    intersect = op == "intersect"
    unit_idx = _unit_counts(entries) if intersect else None
    value = get_member(datum, _SELECTION_ID)
    index = _bisect(entries, value, right=False)
    if index == len(entries):
        return False
    if not strict_equals(get_member(entries[index], _SELECTION_ID), value):
        return False
    if unit_idx is not None and intersect:
        if len(unit_idx) == 1:
            return True
        if _bisect(entries, value, right=True) - index < len(unit_idx):
            return False
    return True


def _array_of(v: Any) -> list[Any]:
    return [] if _nullish(v) else list(v) if isinstance(v, list) else [v]


def _e_union(base: list[Any], value: list[Any]) -> list[Any]:
    if not base:
        return list(value)
    for v in value:
        if not any(_same_value_zero(b, v) for b in base):
            base.append(v)
    return base


def _e_intersect(base: list[Any], value: list[Any]) -> list[Any]:
    if not base:
        return list(value)
    return [b for b in base if any(_same_value_zero(b, v) for v in value)]


def _ordered_range(value: list[Any]) -> tuple[Any, Any]:
    lo, hi = _vega_to_number(_index(value, 0)), _vega_to_number(_index(value, 1))
    if js_compare(lo, hi, ">"):
        lo, hi = _index(value, 1), _index(value, 0)
    return lo, hi


def _r_union(base: list[Any], value: list[Any]) -> list[Any]:
    lo, hi = _ordered_range(value)
    if not base:
        return [lo, hi]
    if js_compare(base[0], lo, ">"):
        base[0] = lo
    if js_compare(base[1], hi, "<"):
        base[1] = hi
    return base


def _r_intersect(base: list[Any], value: list[Any]) -> list[Any]:
    lo, hi = _ordered_range(value)
    if not base:
        return [lo, hi]
    if js_compare(hi, base[0], "<") or js_compare(base[1], lo, "<"):
        return []
    if js_compare(base[0], lo, "<"):
        base[0] = lo
    if js_compare(base[1], hi, ">"):
        base[1] = hi
    return base


_RESOLVE_OPS: dict[str, Callable[[list[Any], list[Any]], list[Any]]] = {
    "E_union": _e_union, "E_intersect": _e_intersect,
    "R_union": _r_union, "R_intersect": _r_intersect,
}


def _resolve_op(key: str) -> Callable[[list[Any], list[Any]], list[Any]]:
    op = _RESOLVE_OPS.get(key)
    if op is None:
        raise js_type_error(f"ops[\"{key}\"] is not a function")
    return op


def _id_sets(units: list[list[Any]], op: str) -> list[Any]:
    """d3's union / intersection of the ids per unit (an InternSet in JS; a list here)."""
    if op == "union":
        out: list[Any] = []
        for ids in units:
            for v in ids:
                if not any(_same_value_zero(v, o) for o in out):
                    out.append(v)
        return out
    if op == "intersect":
        first = _id_sets(units[:1], "union") if units else []
        return [v for v in first if all(any(_same_value_zero(v, o) for o in other)
                                        for other in units[1:])]
    raise js_type_error(f"ops[\"_vgsid__{op}\"] is not a function")


@python_form("vlSelectionResolve")
def vl_selection_resolve_(ctx: Any, *args: Any) -> dict[str, Any]:
    name, op, is_multi, vl5 = _arg(args, 0), _arg(args, 1), _arg(args, 2), _arg(args, 3)
    entries = _store(ctx, name)
    resolved: dict[str, dict[str, list[Any]]] = {}
    multi_res: dict[str, list[Any]] = {}
    types: dict[str, str] = {}
    for entry in entries:
        unit = to_string(get_member(entry, "unit"))
        fields, values = get_member(entry, "fields"), get_member(entry, "values")
        if truthy(fields) and truthy(values):
            for j in range(int(to_number(_length(fields)))):
                f = _index(fields, j)
                fname = to_string(get_member(f, "field"))
                res = resolved.setdefault(fname, {})
                res_unit = res.setdefault(unit, [])
                ftype = to_string(get_member(f, "type"))[:1]
                types[fname] = ftype
                res[unit] = _resolve_op(f"{ftype}_union")(res_unit, _array_of(_index(values, j)))
            if truthy(is_multi):
                row = {to_string(get_member(_index(fields, j), "field")): v
                       for j, v in enumerate(_array_of(values))}
                multi_res.setdefault(unit, []).append(row)
        else:
            value = get_member(entry, _SELECTION_ID)
            resolved.setdefault(_SELECTION_ID, {}).setdefault(unit, []).append(value)
            if truthy(is_multi):
                multi_res.setdefault(unit, []).append({_SELECTION_ID: value})
    op = op if truthy(op) else "union"
    out: dict[str, Any] = {}
    if _SELECTION_ID in resolved:
        out = dict(resolved)
        # Vega resolves ids to a Set, which has no own properties: as JSON, and to every
        # expression function that reads it, it is an empty object.
        _id_sets(list(resolved[_SELECTION_ID].values()), to_string(op))  # raises for a bad op
        out[_SELECTION_ID] = {}
    else:
        for fname, by_unit in resolved.items():
            acc: Any = UNDEFINED
            for curr in by_unit.values():
                acc = curr if acc is UNDEFINED else _resolve_op(f"{types[fname]}_{to_string(op)}")(acc, curr)
            out[fname] = acc
    if truthy(is_multi) and multi_res:
        key = "vlPoint" if truthy(vl5) else "vlMulti"
        if op == "union":
            out[key] = {"or": [row for rows in multi_res.values() for row in rows]}
        else:
            out[key] = {"and": [{"or": rows} for rows in multi_res.values()]}
    return out
