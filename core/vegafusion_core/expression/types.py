"""Static types of row-level expressions compiled to SQL.

JavaScript is dynamically typed; SQL is not. A column of a DuckDB relation has one type, so the
compiler knows each operand's type and picks the JavaScript rule (``+`` adds numbers, concatenates
strings) at compile time. An expression whose type cannot be known statically (a ``?:`` whose
branches differ, a column of mixed JSON values) is not compiled: UnsupportedError, and the planner
leaves it to the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from enum import Enum
from typing import Any

import sqlglot.expressions as exp


class VegaType(Enum):
    """What a compiled SQL value holds, and how it is stored in DuckDB."""

    NUMBER = "number"    # DOUBLE (JavaScript numbers are doubles; NaN and +-Infinity allowed)
    STRING = "string"    # VARCHAR
    BOOLEAN = "boolean"  # BOOLEAN
    DATE = "date"        # TIMESTAMP holding the UTC instant, millisecond precision
    NULL = "null"        # the literal null (a NULL of no particular type)
    ARRAY = "array"      # LIST
    OBJECT = "object"    # STRUCT or MAP


# How each type is stored in a DuckDB column.
DUCKDB_STORAGE = {
    VegaType.NUMBER: "DOUBLE",
    VegaType.STRING: "VARCHAR",
    VegaType.BOOLEAN: "BOOLEAN",
    VegaType.DATE: "TIMESTAMP",
}

_NOT_LITERAL = object()


@dataclass(frozen=True)
class Typed:
    """A compiled SQL expression with its static Vega type.

    ``value`` holds the JavaScript value when the expression is a constant known at compile time
    (a literal or a bound signal), so that forms needing constants (format specifiers, regular
    expressions) can read it; otherwise it is ``NOT_LITERAL``.
    """

    sql: exp.Expression
    type: VegaType
    value: Any = _NOT_LITERAL

    @property
    def is_literal(self) -> bool:
        return self.value is not _NOT_LITERAL


NOT_LITERAL = _NOT_LITERAL


@lru_cache(maxsize=None)
def _parsed_type(name: str) -> exp.DataType:
    return exp.DataType.build(name, dialect="duckdb")


def sql_type(name: str) -> exp.DataType:
    """A DuckDB type node by name, parsed once (sqlglot parses the name on every ``build``,
    which made type nodes a visible share of compiling a pipeline)."""
    return _parsed_type(name).copy()
