"""The one function table of the Vega expression language.

Every function Vega's expression language knows (vega-expression's built-ins plus vega-functions'
registry, and Vega-Lite's selection functions) appears here exactly once, with

- its *Python form* (used to evaluate signal expressions on the server), registered in
  ``py_functions.py`` with ``@python_form(name)``;
- its *SQL form* (used to compile row-level expressions for DuckDB), registered in
  ``sql_functions.py`` with ``@sql_form(name)``;
- or, when it has neither, the reason it stays in the browser.

The planner and ``vegafusion-suite support`` read this table and nothing else, so the support
table cannot drift from what the compiler does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .registry import PYTHON_FORMS, SQL_FORMS

# name -> category, in the order of Vega's documentation.
_CATEGORIES: dict[str, list[str]] = {
    "control flow": ["if"],
    "type checking": ["isArray", "isBoolean", "isDate", "isDefined", "isNumber", "isObject",
                      "isRegExp", "isString", "isValid", "isTuple"],
    "type coercion": ["toBoolean", "toDate", "toNumber", "toString"],
    "math": ["isNaN", "isFinite", "abs", "acos", "asin", "atan", "atan2", "ceil", "clamp", "cos",
             "exp", "floor", "hypot", "log", "max", "min", "pow", "random", "round", "sin",
             "sqrt", "tan"],
    "statistics": ["sampleNormal", "cumulativeNormal", "densityNormal", "quantileNormal",
                   "sampleLogNormal", "cumulativeLogNormal", "densityLogNormal",
                   "quantileLogNormal", "sampleUniform", "cumulativeUniform", "densityUniform",
                   "quantileUniform"],
    "date-time": ["now", "datetime", "date", "day", "dayofyear", "year", "quarter", "month",
                  "week", "isoweek", "hours", "minutes", "seconds", "milliseconds", "time",
                  "timezoneoffset", "timeOffset", "timeSequence", "utc", "utcdate", "utcday",
                  "utcdayofyear", "utcyear", "utcquarter", "utcmonth", "utcweek", "utcisoweek",
                  "utchours", "utcminutes", "utcseconds", "utcmilliseconds", "utcOffset",
                  "utcSequence"],
    "array": ["extent", "clampRange", "indexof", "inrange", "join", "lastindexof", "length",
              "lerp", "peek", "pluck", "reverse", "sequence", "slice", "sort", "span"],
    "string": ["lower", "pad", "parseFloat", "parseInt", "replace", "split", "substring", "trim",
               "truncate", "upper", "btoa", "atob", "encodeURIComponent"],
    "object": ["merge"],
    "formatting": ["dayFormat", "dayAbbrevFormat", "format", "monthFormat", "monthAbbrevFormat",
                   "timeUnitSpecifier", "timeFormat", "timeParse", "utcFormat", "utcParse"],
    "regexp": ["regexp", "test"],
    "color": ["rgb", "hsl", "lab", "hcl", "luminance", "contrast"],
    "event": ["item", "group", "xy", "x", "y", "pinchDistance", "pinchAngle", "inScope", "view"],
    "data": ["data", "indata", "modify", "setdata", "vlSelectionTuples"],
    "selection": ["vlSelectionTest", "vlSelectionIdTest", "vlSelectionResolve", "intersect"],
    "scale": ["scale", "invert", "copy", "domain", "range", "bandwidth", "bandspace", "gradient",
              "panLinear", "panLog", "panPow", "panSymlog", "zoomLinear", "zoomLog", "zoomPow",
              "zoomSymlog"],
    "geo": ["geoArea", "geoBounds", "geoCentroid", "geoShape", "geoScale", "geoTranslate"],
    "tree": ["treePath", "treeAncestors"],
    "browser": ["containerSize", "screen", "windowSize"],
    "logging": ["warn", "info", "debug"],
    "internal": ["flush", "interpolateLinear", "encode", "pathShape", "lassoAppend", "lassoPath",
                 "intersectLasso"],
}

# Why a function stays in the browser, by category (a function-specific reason wins).
_BROWSER_REASONS_BY_CATEGORY = {
    "color": "colors are computed by d3-color in the browser; only drawing uses them",
    "event": "reads DOM events and scenegraph items, which exist only in the browser",
    "data": "reads or writes other datasets inside the browser's dataflow",
    "scale": "reads scales, which exist only in the browser's view",
    "geo": "reads projections and geo shapes, which exist only in the browser's view",
    "tree": "reads hierarchy nodes, which exist only in the browser's dataflow",
    "browser": "reads the browser window or container",
    "logging": "logs to the browser console",
    "internal": "internal to Vega's generated specs (easing, lasso, paths, encoders)",
}
_BROWSER_REASONS = {
    "random": "random numbers: the browser draws its own, results could not match",
    "sampleNormal": "random numbers: the browser draws its own, results could not match",
    "sampleLogNormal": "random numbers: the browser draws its own, results could not match",
    "sampleUniform": "random numbers: the browser draws its own, results could not match",
    "now": "the current time differs between server and browser; evaluated where it is drawn",
    "intersect": "tests scenegraph items against a rectangle, which exist only in the browser",
    "isTuple": "Vega's internal tuple ids exist only in the browser's dataflow",
}
_NO_FORM_YET = "no server implementation yet"
_NO_SQL_FORM = ("no exact SQL form: in row-level expressions (filter, formula) it is evaluated in "
                "the browser; in signal expressions, on the server")
_NO_PYTHON_FORM = "no Python form: signal expressions using it are evaluated in the browser"


@dataclass(frozen=True)
class FunctionDef:
    """One row of the table: a Vega expression function and where it is evaluated."""

    name: str
    category: str
    python: Callable[..., Any] | None
    sql: Callable[..., Any] | None
    reason: str | None

    @property
    def server(self) -> bool:
        """True when the server evaluates it (in signals, in rows, or both)."""
        return self.python is not None or self.sql is not None


def _build_table() -> dict[str, FunctionDef]:
    # Importing the form modules fills PYTHON_FORMS and SQL_FORMS through their decorators.
    from . import py_data, py_functions, sql_functions  # noqa: F401

    table: dict[str, FunctionDef] = {}
    for category, names in _CATEGORIES.items():
        for name in names:
            python, sql = PYTHON_FORMS.get(name), SQL_FORMS.get(name)
            reason = None
            if python is None and sql is None:
                reason = _BROWSER_REASONS.get(name) or _BROWSER_REASONS_BY_CATEGORY.get(category)
                reason = reason or _NO_FORM_YET
            elif sql is None:
                reason = _NO_SQL_FORM
            elif python is None:
                reason = _NO_PYTHON_FORM
            table[name] = FunctionDef(name, category, python, sql, reason)
    unknown = (set(PYTHON_FORMS) | set(SQL_FORMS)) - set(table)
    if unknown:
        raise RuntimeError(f"forms registered for functions Vega does not have: {sorted(unknown)}")
    return table


FUNCTIONS: dict[str, FunctionDef] = _build_table()

# Constants of the expression language (vega-expression's ``constants``).
CONSTANTS: dict[str, float] = {
    "NaN": float("nan"),
    "E": 2.718281828459045,
    "LN2": 0.6931471805599453,
    "LN10": 2.302585092994046,
    "LOG2E": 1.4426950408889634,
    "LOG10E": 0.4342944819032518,
    "PI": 3.141592653589793,
    "SQRT1_2": 0.7071067811865476,
    "SQRT2": 1.4142135623730951,
    "MIN_VALUE": 5e-324,
    "MAX_VALUE": 1.7976931348623157e308,
}


def lookup(name: str) -> FunctionDef | None:
    """The table row for ``name``, or None when Vega has no such function."""
    return FUNCTIONS.get(name)
