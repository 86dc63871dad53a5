"""JavaScript values as the Python side of the expression language sees them.

Mapping: ``None`` is null, :data:`UNDEFINED` is undefined, numbers are ``float`` (``int`` is
accepted on input and treated as a double), strings are ``str``, booleans ``bool``, arrays
``list``, objects ``dict``, a JS ``Date`` is a :class:`JSDate` (UTC epoch milliseconds, NaN for an
Invalid Date) and a JS ``RegExp`` a :class:`JSRegExp`.

The coercion helpers (ToNumber, ToString, truthiness, ``==``) live here too, so that the
evaluator, the function forms and the formatters share one copy of JavaScript's rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class _Undefined:
    _instance: "_Undefined | None" = None

    def __new__(cls) -> "_Undefined":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()


@dataclass(frozen=True)
class JSDate:
    """A JavaScript Date: milliseconds since the UTC epoch (NaN when invalid)."""

    ms: float

    @property
    def valid(self) -> bool:
        return not math.isnan(self.ms)


@dataclass(frozen=True)
class JSRegExp:
    """A JavaScript RegExp literal or ``regexp(pattern, flags)`` result."""

    source: str
    flags: str = ""
