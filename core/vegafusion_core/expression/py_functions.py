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
from functools import cmp_to_key
from typing import Any, Callable
from urllib.parse import quote

from ..errors import SpecError, UnsupportedError
from . import py_formatting  # noqa: F401  (registers the formatting functions' Python forms)
from .evaluate import binary_op, get_member, js_type_error
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
    loose_equals,
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
MAX_ARRAY_LENGTH = 10_000_000


def _arg(args: tuple[Any, ...], i: int) -> Any:
    """The i-th argument, or undefined when the call passed fewer (as in JavaScript)."""
    return args[i] if i < len(args) else UNDEFINED


def _nullish(v: Any) -> bool:
    return v is None or v is UNDEFINED


def _num(v: float) -> float:
    return float(v)


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


def _log(x: float) -> float | None:
    if x == 0:
        return -math.inf
    if x < 0:
        return math.nan
    return math.inf if x == math.inf else None


def _exp(x: float) -> float | None:
    return 0.0 if x == -math.inf else None


def _sqrt(x: float) -> float | None:
    if x == 0:
        return x  # sqrt(-0) is -0
    return math.nan if x < 0 else None


def _trig(x: float) -> float | None:
    return math.nan if math.isinf(x) else None


def _keep_zero(fn: Callable[[float], float]) -> Callable[[float], float | None]:
    # Functions with f(±0) = ±0, where Python may lose the sign.
    return lambda x: x if x == 0 else None


python_form("abs")(_math1(abs))
python_form("acos")(_math1(math.acos))
python_form("asin")(_math1(math.asin, _keep_zero(math.asin)))
python_form("atan")(_math1(math.atan, _keep_zero(math.atan)))
python_form("cos")(_math1(math.cos, _trig))
python_form("exp")(_math1(math.exp, _exp))
python_form("log")(_math1(math.log, _log))
python_form("sin")(_math1(math.sin, lambda x: _trig(x) if x != 0 else x))
python_form("sqrt")(_math1(math.sqrt, _sqrt))
python_form("tan")(_math1(math.tan, lambda x: _trig(x) if x != 0 else x))


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
    if math.isnan(x) or math.isnan(y):
        return math.nan
    return math.atan2(y, x)


def js_pow(base: float, exponent: float) -> float:
    """Math.pow / ``**`` (Number::exponentiate), which differs from C's pow at 1 and NaN."""
    if math.isnan(exponent):
        return math.nan
    if exponent == 0:
        return 1.0
    if math.isnan(base):
        return math.nan
    if abs(base) == 1 and math.isinf(exponent):
        return math.nan
    try:
        result = math.pow(base, exponent)
    except ValueError:  # negative base, non-integer exponent; or 0 to a negative power
        if base == 0:
            odd = exponent.is_integer() and exponent % 2 == 1
            return math.copysign(math.inf, base) if odd else math.inf
        return math.nan
    except OverflowError:
        odd = exponent.is_integer() and exponent % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    return result


@python_form("pow")
def pow_(ctx: Any, *args: Any) -> float:
    return js_pow(to_number(_arg(args, 0)), to_number(_arg(args, 1)))


@python_form("hypot")
def hypot_(ctx: Any, *args: Any) -> float:
    values = [to_number(a) for a in args]
    if any(math.isinf(v) for v in values):
        return math.inf
    if any(math.isnan(v) for v in values):
        return math.nan
    return math.hypot(*values)


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


def _js_exp(x: float) -> float:
    try:
        return math.exp(x) if not math.isnan(x) else math.nan
    except OverflowError:
        return math.inf


def _js_log(x: float) -> float:
    result = _log(x) if not math.isnan(x) else math.nan
    return math.log(x) if result is None else result


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


def quantile_normal(p: Any, mean: Any = UNDEFINED, stdev: Any = UNDEFINED) -> float:
    if js_compare(p, 0, "<") or js_compare(p, 1, ">"):
        return math.nan
    q = 2 * to_number(p) - 1
    return to_number(js_add(_or0(mean), js_mul(js_mul(_stdev(stdev), SQRT2), erfinv(q))))


@python_form("quantileNormal")
def quantile_normal_(ctx: Any, *args: Any) -> float:
    return quantile_normal(_arg(args, 0), _arg(args, 1), _arg(args, 2))


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
    return _js_exp(quantile_normal(_arg(args, 0), _arg(args, 1), _arg(args, 2)))


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
        return js_add(lo, js_mul(p, js_sub(hi, lo)))
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
        return self.offseti(t, 1.0 if _nullish(step) else float(math.floor(to_number(step))))

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
