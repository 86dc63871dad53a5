"""vega-statistics' ``bin`` and the bin transform's boundaries, ported operation for operation.

The planner and the bin transform both need the exact doubles Vega computes (a value on a
boundary must land in the same bar), so every expression below keeps JavaScript's order of
operations; ``Math.round`` and ``~~`` are reproduced rather than replaced by Python's.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Sequence

from ..expression import jsmath
from ..expression.jsvalues import to_int32

# Vega's bin transform adds this before flooring so that values a hair below a boundary (after
# floating-point division) still fall into the upper bin.
BIN_EPSILON = 1e-14


def js_round(x: float) -> float:
    """``Math.round``: the nearest integer, ties toward +Infinity (unlike Python's round)."""
    if not math.isfinite(x):
        return x
    r = math.floor(x)
    return float(r + 1 if x - r >= 0.5 else r)


def _js_log(x: float) -> float:
    """``Math.log`` with V8's (fdlibm) rounding."""
    return jsmath.log(x)


def _js_pow(base: float, exponent: float) -> float:
    return v8_pow(base, exponent)


def _js_ceil(x: float) -> float:
    return float(math.ceil(x)) if math.isfinite(x) else x


def _js_floor(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


def _js_div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _truthy(x: float | None) -> bool:
    return x is not None and x == x and x != 0


@dataclass(frozen=True)
class Bins:
    start: float
    stop: float
    step: float


def vega_bin(extent: Sequence[float], maxbins: float | None = None, base: float | None = None,
             divide: Sequence[float] | None = None, span: float | None = None,
             step: float | None = None, steps: Sequence[float] | None = None,
             minstep: float | None = None, nice: bool | None = None) -> Bins:
    """vega-statistics ``bin(_)``: start, stop and step from an extent and the sizing options."""
    maxb = maxbins if _truthy(maxbins) else 20.0
    base = base if _truthy(base) else 10.0
    logb = _js_log(base)
    div = list(divide) if divide is not None else [5.0, 2.0]
    lo, hi = float(extent[0]), float(extent[1])
    span_ = next((s for s in (span, hi - lo, abs(lo)) if _truthy(s)), 1.0)

    if _truthy(step):
        size = float(step)
    elif steps is not None:
        size = _step_from_list(span_, maxb, steps)
    else:
        size = _nice_step(span_, maxb, base, logb, div, float(minstep or 0))

    v = _js_log(size)
    precision = 0 if v >= 0 else to_int32(_js_div(-v, logb)) + 1
    eps = _js_pow(base, -precision - 1)
    if nice is None or nice:
        v = _js_floor(_js_div(lo, size) + eps) * size
        lo = v - size if lo < v else v
        hi = _js_ceil(_js_div(hi, size)) * size
    return Bins(start=lo, stop=lo + size if hi == lo else hi, step=size)


def _step_from_list(span: float, maxb: float, steps: Sequence[float]) -> float:
    # The largest listed step below span / maxbins (or the first one).
    v = _js_div(span, maxb)
    i = 0
    while i < len(steps) and steps[i] < v:
        i += 1
    index = max(0, i - 1)
    return float(steps[index]) if index < len(steps) else math.nan


def _nice_step(span: float, maxb: float, base: float, logb: float, div: Sequence[float],
               minstep: float) -> float:
    level = _js_ceil(_js_div(_js_log(maxb), logb))
    step = max(minstep, _js_pow(base, js_round(_js_div(_js_log(span), logb)) - level))
    # Increase the step while there are too many bins (guarded: Vega would loop forever on a
    # step that cannot grow, e.g. base 1).
    guard = 0
    while _js_ceil(_js_div(span, step)) > maxb and guard < 2000:
        step *= base
        guard += 1
    for d in div:
        v = _js_div(step, d)
        if v >= minstep and _js_div(span, v) <= maxb:
            step = v
    return step


def bin_bounds(bins: Bins, anchor: float | None = None) -> Bins:
    """The bin transform's start and stop: stop rounded up to whole steps, then anchored."""
    start, step = bins.start, bins.step
    stop = start + _js_ceil(_js_div(bins.stop - start, step)) * step
    if anchor is not None:
        d = anchor - (start + step * _js_floor(_js_div(anchor - start, step)))
        start += d
        stop += d
    return Bins(start=start, stop=stop, step=step)


def bin_value(v: float | None, bounds: Bins) -> float | None:
    """The lower boundary of ``v``'s bin, as the bin transform's accessor computes it."""
    if v is None:
        return None
    start, stop, step = bounds.start, bounds.stop, bounds.step
    if v < start:
        return -math.inf
    if v > stop:
        return math.inf
    if math.isnan(v):
        return math.nan
    v = max(start, min(v, stop - step))
    return start + step * _js_floor(BIN_EPSILON + _js_div(v - start, step))


# -- Math.pow --------------------------------------------------------------------------------------
# V8 computes Math.pow with a port of fdlibm's __ieee754_pow (Sun Microsystems' freely
# distributable math library: "Developed at SunPro, a Sun Microsystems, Inc. business. Permission
# to use, copy, modify, and distribute this software is freely granted, provided that this notice
# is preserved."), with one grouping of its own. It is not correctly rounded: Math.pow(10, -4) is
# 9.999999999999999e-05 where the C library gives 0.0001, and bin steps are powers of the base.
# Reproduced operation for operation (log2 x in two pieces, then 2**(y*log2 x)); checked equal to
# Node on 36,000 inputs (integer powers of common bases, random pairs, negative bases).

_BP = (1.0, 1.5)
_DP_H = (0.0, 5.84962487220764160156e-01)
_DP_L = (0.0, 1.35003920212974897128e-08)
_TWO53 = 9007199254740992.0
_HUGE, _TINY = 1.0e300, 1.0e-300
_L1, _L2, _L3 = 5.99999999999994648725e-01, 4.28571428578550184252e-01, 3.33333329818377432918e-01
_L4, _L5, _L6 = 2.72728123808534006489e-01, 2.30660745775561754067e-01, 2.06975017800338417784e-01
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
_LG2, _LG2_H, _LG2_L = 6.93147180559945286227e-01, 6.93147182464599609375e-01, \
    -1.90465429995776804525e-09
_OVT = 8.0085662595372944372e-17
_CP, _CP_H, _CP_L = 9.61796693925975554329e-01, 9.61796700954437255859e-01, \
    -7.02846165095275826516e-09
_IVLN2, _IVLN2_H, _IVLN2_L = 1.44269504088896338700e+00, 1.44269502162933349609e+00, \
    1.92596299112661746887e-08


def _words(x: float) -> tuple[int, int]:
    """High (signed 32-bit) and low (unsigned) words of a double."""
    b = struct.unpack("<Q", struct.pack("<d", x))[0]
    hi = b >> 32
    return (hi - (1 << 32) if hi >= 1 << 31 else hi), b & 0xFFFFFFFF


def _make(hi: int, lo: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", ((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF)))[0]


def _zero_lo(x: float) -> float:
    return _make(_words(x)[0], 0)


def _i32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def _scalbn(x: float, n: int) -> float:
    return math.ldexp(x, n)


def v8_pow(x: float, y: float) -> float:
    """``Math.pow(x, y)`` exactly as V8 computes it."""
    x, y = float(x), float(y)
    hx, lx = _words(x)
    hy, ly = _words(y)
    ix, iy = hx & 0x7FFFFFFF, hy & 0x7FFFFFFF

    if (iy | ly) == 0:
        return 1.0
    if math.isnan(x) or math.isnan(y):
        return math.nan
    # ECMAScript: (+-1) ** (+-Infinity) is NaN.
    if math.isinf(y) and abs(x) == 1:
        return math.nan

    yisint = 0  # 0: not an integer, 1: odd, 2: even (only needed when x < 0)
    if hx < 0:
        if iy >= 0x43400000:
            yisint = 2
        elif iy >= 0x3FF00000:
            k = (iy >> 20) - 0x3FF
            if k > 20:
                j = ly >> (52 - k)
                if (j << (52 - k)) == ly:
                    yisint = 2 - (j & 1)
            elif ly == 0:
                j = iy >> (20 - k)
                if (j << (20 - k)) == iy:
                    yisint = 2 - (j & 1)

    if ly == 0:
        if iy == 0x7FF00000:  # y is +-inf
            if ix >= 0x3FF00000:
                return y if hy >= 0 else 0.0
            return -y if hy < 0 else 0.0
        if iy == 0x3FF00000:  # y is +-1
            if hy >= 0:
                return x
            return math.copysign(math.inf, x) if x == 0 else 1.0 / x
        if hy == 0x40000000:  # y is 2
            return x * x
        if hy == 0x3FE00000 and hx >= 0:  # y is 0.5
            return math.sqrt(x)

    ax = abs(x)
    if lx == 0 and (ix == 0x7FF00000 or ix == 0 or ix == 0x3FF00000):
        z = ax  # x is +-0, +-inf, +-1
        if hy < 0:
            z = math.inf if z == 0 else 1.0 / z
        if hx < 0:
            if ((ix - 0x3FF00000) | yisint) == 0:
                return math.nan  # (-1) ** non-integer
            if yisint == 1:
                z = -z
        return z

    n = 0 if hx < 0 else -1  # (unsigned)hx >> 31, minus one: 0 for negative x, -1 otherwise
    if (n | yisint) == 0:
        return math.nan  # negative ** non-integer
    s = -1.0 if (n | (yisint - 1)) == 0 else 1.0

    if iy > 0x41E00000:  # |y| > 2**31
        if iy > 0x43F00000:  # |y| > 2**64: over- or underflow
            if ix <= 0x3FEFFFFF:
                return math.inf if hy < 0 else 0.0
            if ix >= 0x3FF00000:
                return math.inf if hy > 0 else 0.0
        if ix < 0x3FEFFFFF:
            return s * math.inf if hy < 0 else s * 0.0
        if ix > 0x3FF00000:
            return s * math.inf if hy > 0 else s * 0.0
        t = ax - 1.0
        w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25))
        u = _IVLN2_H * t
        v = t * _IVLN2_L - w * _IVLN2
        t1 = _zero_lo(u + v)
        t2 = v - (t1 - u)
    else:
        n = 0
        if ix < 0x00100000:  # subnormal x
            ax *= _TWO53
            n -= 53
            ix = _words(ax)[0]
        n += (ix >> 20) - 0x3FF
        j = ix & 0x000FFFFF
        ix = j | 0x3FF00000
        if j <= 0x3988E:
            k = 0
        elif j < 0xBB67A:
            k = 1
        else:
            k = 0
            n += 1
            ix -= 0x00100000
        ax = _make(ix, _words(ax)[1])

        u = ax - _BP[k]
        v = 1.0 / (ax + _BP[k])
        ss = u * v
        s_h = _zero_lo(ss)
        t_h = _make(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0)
        t_l = ax - (t_h - _BP[k])
        s_l = v * ((u - s_h * t_h) - s_h * t_l)
        s2 = ss * ss
        r = s2 * s2 * (_L1 + s2 * (_L2 + s2 * (_L3 + s2 * (_L4 + s2 * (_L5 + s2 * _L6)))))
        r += s_l * (s_h + ss)
        s2 = s_h * s_h
        t_h = _zero_lo(3.0 + s2 + r)
        t_l = r - ((t_h - 3.0) - s2)
        u = s_h * t_h
        v = s_l * t_h + t_l * ss
        p_h = _zero_lo(u + v)
        p_l = v - (p_h - u)
        z_h = _CP_H * p_h
        z_l = _CP_L * p_h + p_l * _CP + _DP_L[k]
        t = float(n)
        t1 = _zero_lo(((z_h + z_l) + _DP_H[k]) + t)
        t2 = z_l - (((t1 - t) - _DP_H[k]) - z_h)

    y1 = _zero_lo(y)
    p_l = (y - y1) * t1 + y * t2
    p_h = y1 * t1
    z = p_l + p_h
    j, i = _words(z)
    if j >= 0x40900000:  # z >= 1024
        if ((j - 0x40900000) | i) != 0 or p_l + _OVT > z - p_h:
            return s * math.inf
    elif (j & 0x7FFFFFFF) >= 0x4090CC00:  # z <= -1075
        if ((_i32(j - 0xC090CC00)) | i) != 0 or p_l <= z - p_h:
            return s * 0.0

    i = j & 0x7FFFFFFF
    k = (i >> 20) - 0x3FF
    n = 0
    if i > 0x3FE00000:  # |z| > 0.5: n = [z + 0.5]
        n = _i32(j + (0x00100000 >> (k + 1)))
        k = ((n & 0x7FFFFFFF) >> 20) - 0x3FF
        t = _make(n & ~(0x000FFFFF >> k), 0)
        n = ((n & 0x000FFFFF) | 0x00100000) >> (20 - k)
        if j < 0:
            n = -n
        p_h -= t
    t = _zero_lo(p_l + p_h)
    u = t * _LG2_H
    v = (p_l - (t - p_h)) * _LG2 + t * _LG2_L
    z = u + v
    w = v - (z - u)
    t = z * z
    t1 = z - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    # V8's grouping differs from fdlibm's (z*t1)/(t1-2) - (w+z*w); V8's is reproduced.
    r = _js_div(z * t1, (t1 - 2.0) - (w + z * w))
    z = 1.0 - (r - z)
    j = _i32(_words(z)[0] + (n << 20))
    if (j >> 20) <= 0:
        z = _scalbn(z, n)  # subnormal result
    else:
        z = _make(_words(z)[0] + (n << 20), _words(z)[1])
    return s * z
