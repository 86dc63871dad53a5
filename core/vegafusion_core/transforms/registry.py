"""The registry of transforms: which Vega transforms run on the server, and why the rest do not.

Server transforms register their class with ``@register``; ``TRANSFORMS`` is filled by importing
every module of this package (see ``__init__.py``). ``BROWSER_TRANSFORMS`` gives, for every other
transform Vega documents, the reason it stays in the browser. The planner and
``vegafusion-suite support`` read these two tables and nothing else.
"""

from __future__ import annotations

from typing import TypeVar

from .base import Transform

T = TypeVar("T", bound=type[Transform])

TRANSFORMS: dict[str, type[Transform]] = {}

_LATER = "planned for a later issue (statistical transforms); evaluated in the browser for now"
_LAYOUT = "computes layout from the view's size and marks, which exist only in the browser"
_GEO = "needs projections or geo shapes, which exist only in the browser's view"
_HIERARCHY = "builds hierarchy nodes (object trees), which have no table form"
BROWSER_TRANSFORMS: dict[str, str] = {
    "density": _LATER,
    "kde": _LATER,
    "regression": _LATER,
    "loess": _LATER,
    "sample": "random sampling: the browser draws its own sample, results could not match",
    "crossfilter": "bit-vector crossfilter indexes live in the browser's dataflow",
    "resolvefilter": "reads the browser's crossfilter indexes",
    "contour": _GEO, "geojson": _GEO, "geopath": _GEO, "geopoint": _GEO, "geoshape": _GEO,
    "graticule": _GEO, "heatmap": _GEO, "isocontour": _GEO, "kde2d": _GEO,
    "force": _LAYOUT, "label": _LAYOUT, "voronoi": _LAYOUT,
    "wordcloud": _LAYOUT,
    "nest": _HIERARCHY, "stratify": _HIERARCHY, "treelinks": _HIERARCHY, "pack": _HIERARCHY,
    "partition": _HIERARCHY, "tree": _HIERARCHY, "treemap": _HIERARCHY,
}

# Every transform Vega documents, server or browser, in one list (for the support table).
ALL_TRANSFORM_NAMES = [
    "aggregate", "bin", "collect", "countpattern", "cross", "density", "dotbin", "extent",
    "filter", "flatten", "fold", "formula", "identifier", "impute", "joinaggregate", "kde",
    "loess", "lookup", "pivot", "project", "quantile", "regression", "sample", "sequence",
    "timeunit", "window",
    "contour", "geojson", "geopath", "geopoint", "geoshape", "graticule", "heatmap",
    "isocontour", "kde2d",
    "force", "label", "linkpath", "pie", "stack", "voronoi", "wordcloud",
    "nest", "stratify", "treelinks", "pack", "partition", "tree", "treemap",
    "crossfilter", "resolvefilter",
]
_NOT_YET = "no server implementation yet"


def register(cls: T) -> T:
    """Class decorator: make ``cls`` the server implementation of Vega transform ``cls.type``."""
    if cls.type in TRANSFORMS:
        raise RuntimeError(f"two server implementations of transform {cls.type!r}")
    TRANSFORMS[cls.type] = cls
    return cls


def browser_reason(name: str) -> str | None:
    """Why ``name`` stays in the browser, or None when the server runs it."""
    if name in TRANSFORMS:
        return None
    return BROWSER_TRANSFORMS.get(name, _NOT_YET)
