"""vega-statistics' ``bin`` and the bin transform's boundaries, ported operation for operation.

The planner and the bin transform both need the exact doubles Vega computes (a value on a
boundary must land in the same bar), so every expression below keeps JavaScript's order of
operations; ``Math.round`` and ``~~`` are reproduced rather than replaced by Python's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ..expression import jsmath
from ..expression.jsmath import js_div
from ..expression.jsmath import pow as v8_pow
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
    precision = 0 if v >= 0 else to_int32(js_div(-v, logb)) + 1
    eps = _js_pow(base, -precision - 1)
    if nice is None or nice:
        v = _js_floor(js_div(lo, size) + eps) * size
        lo = v - size if lo < v else v
        hi = _js_ceil(js_div(hi, size)) * size
    return Bins(start=lo, stop=lo + size if hi == lo else hi, step=size)


def _step_from_list(span: float, maxb: float, steps: Sequence[float]) -> float:
    # The largest listed step below span / maxbins (or the first one).
    v = js_div(span, maxb)
    i = 0
    while i < len(steps) and steps[i] < v:
        i += 1
    index = max(0, i - 1)
    return float(steps[index]) if index < len(steps) else math.nan


def _nice_step(span: float, maxb: float, base: float, logb: float, div: Sequence[float],
               minstep: float) -> float:
    level = _js_ceil(js_div(_js_log(maxb), logb))
    step = max(minstep, _js_pow(base, js_round(js_div(_js_log(span), logb)) - level))
    # Increase the step while there are too many bins (guarded: Vega would loop forever on a
    # step that cannot grow, e.g. base 1).
    guard = 0
    while _js_ceil(js_div(span, step)) > maxb and guard < 2000:
        step *= base
        guard += 1
    for d in div:
        v = js_div(step, d)
        if v >= minstep and js_div(span, v) <= maxb:
            step = v
    return step


def bin_bounds(bins: Bins, anchor: float | None = None) -> Bins:
    """The bin transform's start and stop: stop rounded up to whole steps, then anchored."""
    start, step = bins.start, bins.step
    stop = start + _js_ceil(js_div(bins.stop - start, step)) * step
    if anchor is not None:
        d = anchor - (start + step * _js_floor(js_div(anchor - start, step)))
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
    return start + step * _js_floor(BIN_EPSILON + js_div(v - start, step))
