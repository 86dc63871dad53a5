"""Where the Python and SQL forms of expression functions register themselves.

Kept apart from ``functions.py`` so that the form modules can import it without a cycle.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

PYTHON_FORMS: dict[str, Callable[..., Any]] = {}
SQL_FORMS: dict[str, Callable[..., Any]] = {}


def _register(forms: dict[str, Callable[..., Any]], names: tuple[str, ...]) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        for name in names:
            if name in forms:
                raise RuntimeError(f"two forms registered for {name!r}")
            forms[name] = fn
        return fn

    return decorate


def python_form(*names: str) -> Callable[[F], F]:
    """Register ``fn(ctx, *args)`` as the Python form of the named Vega functions."""
    return _register(PYTHON_FORMS, names)


def sql_form(*names: str) -> Callable[[F], F]:
    """Register ``fn(ctx, args)`` as the SQL form of the named Vega functions."""
    return _register(SQL_FORMS, names)
