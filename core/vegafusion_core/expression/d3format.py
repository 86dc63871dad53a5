"""d3-format (v3.1) in pure Python: ``format_number(specifier, value)`` equals d3's default
(en-US) locale ``d3.format(specifier)(value)``.

The code follows d3-format's source line by line, so that every quirk carries over: the unicode
minus sign, ``formatTrim``, the SI prefix of ``s``, the grouping of zero-filled numbers, unknown
types that fall back to ``.12~g``. JavaScript's ``toFixed``/``toExponential``/``toPrecision`` round
the exact binary value with ties away from zero, which :mod:`decimal` reproduces exactly
(Python's own ``format`` rounds ties to even, hence not used).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import Any, Callable

from ..errors import SpecError

# Large enough for the exact decimal expansion of any double (at most 767 significant digits).
_EXACT = Context(prec=1200, Emax=2000, Emin=-2000)

MINUS = "\u2212"  # d3-format's default locale minus sign
_PREFIXES = ["y", "z", "a", "f", "p", "n", "\u00b5", "m", "", "k", "M", "G", "T", "P", "E", "Z", "Y"]

# [[fill]align][sign][symbol][0][width][,][.precision][~][type]; JS ``.`` excludes line
# terminators, JS ``\d`` is ASCII only and JS ``$`` does not match before a final newline.
_SPECIFIER_RE = re.compile(
    r"(?:([^\n\r\u2028\u2029])?([<>=^]))?([+\-( ])?([$#])?(0)?([0-9]+)?(,)?(\.[0-9]+)?(~)?([a-zA-Z%])?\Z"
)


# --------------------------------------------------------------------------------------------
# JavaScript number -> string conversions
# --------------------------------------------------------------------------------------------

def _shortest_digits(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of positive finite ``x`` and the decimal exponent of the first
    digit (``1.5e3`` -> ("15", 3)), as JavaScript's Number::toString chooses them."""
    sign, digits, exp = Decimal(repr(x)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return text, len(digits) + int(exp) - 1


def _nonfinite(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return None


def js_number_to_string(x: float) -> str:
    """JavaScript's ``String(x)`` for a number."""
    special = _nonfinite(x)
    if special is not None:
        return special
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits, e = _shortest_digits(abs(x))
    k, n = len(digits), e + 1
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + body


def _round_significant(x: float, p: int) -> tuple[str, int]:
    """``x`` (positive, finite) rounded to ``p`` significant digits, ties away from zero:
    (digits, exponent of the first digit)."""
    d = Decimal(x)
    e = d.adjusted()
    q = d.quantize(Decimal((0, (1,), e - p + 1)), rounding=ROUND_HALF_UP, context=_EXACT)
    digits = "".join(map(str, q.as_tuple().digits))
    if len(digits) > p:  # rounded up to the next power of ten
        digits, e = digits[:p], e + 1
    return digits.ljust(p, "0"), e


def js_to_fixed(x: float, f: int) -> str:
    """``Number.prototype.toFixed(f)``."""
    special = _nonfinite(x)
    if special is not None:
        return special
    if abs(x) >= 1e21:
        return js_number_to_string(x)
    sign = "-" if x < 0 else ""
    q = Decimal(abs(x)).quantize(Decimal((0, (1,), -f)), rounding=ROUND_HALF_UP, context=_EXACT)
    return sign + f"{q:f}"


def js_to_exponential(x: float, f: int | None = None) -> str:
    """``Number.prototype.toExponential(f)``; ``f=None`` uses as many digits as needed."""
    special = _nonfinite(x)
    if special is not None:
        return special
    sign = "-" if x < 0 else ""
    if x == 0:
        digits, e = "0" * ((f or 0) + 1), 0
    elif f is None:
        digits, e = _shortest_digits(abs(x))
    else:
        digits, e = _round_significant(abs(x), f + 1)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_to_precision(x: float, p: int) -> str:
    """``Number.prototype.toPrecision(p)``."""
    special = _nonfinite(x)
    if special is not None:
        return special
    sign = "-" if x < 0 else ""
    if x == 0:
        digits, e = "0" * p, 0
    else:
        digits, e = _round_significant(abs(x), p)
    if e < -6 or e >= p:
        mantissa = digits[0] + ("." + digits[1:] if p > 1 else "")
        return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    if e >= 0:
        return sign + digits[: e + 1] + ("." + digits[e + 1:] if p > e + 1 else "")
    return sign + "0." + "0" * (-e - 1) + digits


def js_math_round(x: float) -> float:
    """``Math.round``: halves round towards +Infinity."""
    if not math.isfinite(x):
        return x
    r = math.floor(x)
    return float(r + 1 if x - r >= 0.5 else r)


def _to_radix(x: float, radix_format: str) -> str:
    r = js_math_round(x)
    special = _nonfinite(r)
    if special is not None:
        return special
    n = int(r)
    return ("-" if n < 0 else "") + format(abs(n), radix_format)


# --------------------------------------------------------------------------------------------
# d3-format's internals
# --------------------------------------------------------------------------------------------

def _format_decimal(x: float) -> str:
    x = js_math_round(x)
    if math.isinf(x):  # toLocaleString("en") writes Infinity as the infinity sign
        return ("-" if x < 0 else "") + "\u221e"
    if abs(x) >= 1e21:  # toLocaleString("en") without its commas: shortest digits, zero padded
        digits, e = _shortest_digits(abs(x))
        return ("-" if x < 0 else "") + digits + "0" * (e + 1 - len(digits))
    return js_number_to_string(x)


def _format_decimal_parts(x: float, p: int | None = None) -> tuple[str, int] | None:
    """d3's formatDecimalParts: coefficient digits and exponent of ``x.toExponential(p - 1)``."""
    if not math.isfinite(x) or x == 0:
        return None
    text = js_to_exponential(x, p - 1 if p else None)
    i = text.index("e")
    coefficient = text[:i]
    if len(coefficient) > 1:
        coefficient = coefficient[0] + coefficient[2:]
    return coefficient, int(text[i + 1:])


def exponent(x: float) -> float:
    parts = _format_decimal_parts(abs(x))
    return parts[1] if parts else math.nan


def _format_rounded(x: float, p: int) -> str:
    parts = _format_decimal_parts(x, p)
    if parts is None:
        return js_number_to_string(x)
    coefficient, e = parts
    if e < 0:
        return "0." + "0" * (-e - 1) + coefficient
    if len(coefficient) > e + 1:
        return coefficient[: e + 1] + "." + coefficient[e + 1:]
    return coefficient + "0" * (e - len(coefficient) + 1)


def _format_prefix_auto(x: float, p: int) -> tuple[str, int | None]:
    """d3's formatPrefixAuto; also returns the SI prefix exponent (d3 keeps it in a global)."""
    parts = _format_decimal_parts(x, p)
    if parts is None:
        return js_to_precision(x, p), None
    coefficient, e = parts
    prefix_exponent = max(-8, min(8, math.floor(e / 3))) * 3
    i = e - prefix_exponent + 1
    n = len(coefficient)
    if i == n:
        text = coefficient
    elif i > n:
        text = coefficient + "0" * (i - n)
    elif i > 0:
        text = coefficient[:i] + "." + coefficient[i:]
    else:  # less than 1y
        rest = _format_decimal_parts(x, max(0, p + i - 1))
        text = "0." + "0" * (-i) + (rest[0] if rest else "")
    return text, prefix_exponent


def _format_trim(s: str) -> str:
    """d3's formatTrim: removes insignificant trailing zeros of the fraction (1.2000k -> 1.2k)."""
    i0 = -1
    i1 = -1
    for i in range(1, len(s)):
        c = s[i]
        if c == ".":
            i0 = i1 = i
        elif c == "0":
            if i0 == 0:
                i0 = i
            i1 = i
        else:
            if not ("1" <= c <= "9"):
                break
            if i0 > 0:
                i0 = 0
    return s[:i0] + s[i1 + 1:] if i0 > 0 else s


def _group(value: str, width: float) -> str:
    """d3's formatGroup with the en-US grouping [3] and separator ','."""
    i = len(value)
    parts: list[str] = []
    g = 3
    length = 0
    while i > 0 and g > 0:
        if length + g + 1 > width:
            g = max(1, int(width) - length)
        i -= g
        parts.append(value[max(0, i): i + g])
        length += g + 1
        if length > width:
            break
        g = 3
    return ",".join(reversed(parts))


_FORMAT_TYPES: dict[str, Callable[[float, int], str]] = {
    "%": lambda x, p: js_to_fixed(x * 100, p),
    "b": lambda x, p: _to_radix(x, "b"),
    "d": lambda x, p: _format_decimal(x),
    "e": lambda x, p: js_to_exponential(x, p),
    "f": lambda x, p: js_to_fixed(x, p),
    "g": lambda x, p: js_to_precision(x, p),
    "o": lambda x, p: _to_radix(x, "o"),
    "p": lambda x, p: _format_rounded(x * 100, p),
    "r": _format_rounded,
    "X": lambda x, p: _to_radix(x, "X"),
    "x": lambda x, p: _to_radix(x, "x"),
}  # "c" and "s" are handled in _format_value


@dataclass(frozen=True)
class FormatSpecifier:
    fill: str = " "
    align: str = ">"
    sign: str = "-"
    symbol: str = ""
    zero: bool = False
    width: int | None = None
    comma: bool = False
    precision: int | None = None
    trim: bool = False
    type: str = ""


def parse_specifier(specifier: str) -> FormatSpecifier:
    """d3's formatSpecifier; raises SpecError as d3 throws ``invalid format: ...``."""
    m = _SPECIFIER_RE.match(specifier)
    if m is None:
        raise SpecError(f"invalid format: {specifier}")
    fill, align, sign, symbol, zero, width, comma, precision, trim, type_ = m.groups()
    return FormatSpecifier(
        fill=" " if fill is None else fill,
        align=">" if align is None else align,
        sign="-" if sign is None else sign,
        symbol=symbol or "",
        zero=bool(zero),
        width=None if width is None else int(width),
        comma=bool(comma),
        precision=None if precision is None else int(precision[1:]),
        trim=bool(trim),
        type=type_ or "",
    )


@dataclass(frozen=True)
class _Plan:
    """What d3's newFormat computes once per specifier."""

    fill: str
    align: str
    sign: str
    zero: bool
    width: int | None
    comma: bool
    precision: int
    trim: bool
    type: str
    prefix: str
    suffix: str
    maybe_suffix: bool


@lru_cache(maxsize=512)
def _plan(specifier: str) -> _Plan:
    s = parse_specifier(specifier)
    fill, align, zero, comma, precision, trim, type_ = (
        s.fill, s.align, s.zero, s.comma, s.precision, s.trim, s.type)
    if type_ == "n":  # an alias for ",g"
        comma, type_ = True, "g"
    elif type_ not in _FORMAT_TYPES and type_ not in ("c", "s"):  # "" and unknown: ".12~g"
        precision = 12 if precision is None else precision
        trim, type_ = True, "g"
    if zero or (fill == "0" and align == "="):
        zero, fill, align = True, "0", "="
    prefix = "$" if s.symbol == "$" else ("0" + type_.lower()
                                          if s.symbol == "#" and type_ in "boxX" else "")
    suffix = "" if s.symbol == "$" else ("%" if type_ in ("%", "p") else "")
    if precision is None:
        precision = 6
    elif type_ in ("g", "p", "r", "s"):
        precision = max(1, min(21, precision))
    else:
        precision = max(0, min(20, precision))
    return _Plan(fill, align, s.sign, zero, s.width, comma, precision, trim, type_, prefix,
                 suffix, type_ in "defgprs%" and type_ != "")


def _js_string_is_zero(text: str) -> bool:
    """``+text === 0`` for the strings d3's formatters produce."""
    try:
        return float(text) == 0
    except ValueError:
        return False


def _format_value(plan: _Plan, value: Any, to_number: Callable[[Any], float],
                  to_string: Callable[[Any], str]) -> str:
    value_prefix, value_suffix = plan.prefix, plan.suffix
    if plan.type == "c":
        value_suffix = to_string(value) + value_suffix
        text = ""
    else:
        x = to_number(value)
        negative = x < 0 or (x == 0 and math.copysign(1.0, x) < 0)
        prefix_exponent = None
        if math.isnan(x):
            text = "NaN"
        elif plan.type == "s":
            text, prefix_exponent = _format_prefix_auto(abs(x), plan.precision)
        else:
            text = _FORMAT_TYPES[plan.type](abs(x), plan.precision)
        if plan.trim:
            text = _format_trim(text)
        # A negative value that rounds to zero loses its sign, unless "+" is asked for.
        if negative and _js_string_is_zero(text) and plan.sign != "+":
            negative = False
        sign_text = (plan.sign if plan.sign == "(" else MINUS) if negative else (
            "" if plan.sign in ("-", "(") else plan.sign)
        value_prefix = sign_text + value_prefix
        si = _PREFIXES[8 + prefix_exponent // 3] if (
            plan.type == "s" and text != "NaN" and prefix_exponent is not None) else ""
        value_suffix = si + value_suffix + (")" if negative and plan.sign == "(" else "")
        if plan.maybe_suffix:  # split "1234.5e+3" into the groupable integer part and the rest
            for i, c in enumerate(text):
                if not ("0" <= c <= "9"):
                    value_suffix = ("." + text[i + 1:] if c == "." else text[i:]) + value_suffix
                    text = text[:i]
                    break
    return _pad_and_align(plan, value_prefix, text, value_suffix)


def _pad_and_align(plan: _Plan, prefix: str, text: str, suffix: str) -> str:
    width = plan.width
    if plan.comma and not plan.zero:
        text = _group(text, math.inf)
    length = len(prefix) + len(text) + len(suffix)
    padding = plan.fill * (width - length) if width is not None and length < width else ""
    if plan.comma and plan.zero:
        text = _group(padding + text, width - len(suffix) if padding and width is not None
                      else math.inf)
        padding = ""
    if plan.align == "<":
        return prefix + text + suffix + padding
    if plan.align == "=":
        return prefix + padding + text + suffix
    if plan.align == "^":
        half = len(padding) >> 1
        return padding[:half] + prefix + text + suffix + padding[half:]
    return padding + prefix + text + suffix


def format_number(specifier: str, value: Any, *, to_number: Callable[[Any], float] | None = None,
                  to_string: Callable[[Any], str] | None = None) -> str:
    """``d3.format(specifier)(value)`` in the default en-US locale.

    ``value`` goes through JavaScript's unary ``+`` (``to_number``), except for type ``c``, which
    concatenates it to a string (``to_string``); callers with JS values pass the coercions.
    """
    plan = _plan(specifier)
    return _format_value(plan, value, to_number or _default_to_number,
                         to_string or _default_to_string)


def _default_to_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    return float(value)


def _default_to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_to_string(float(value))
    return str(value)
