"""Errors raised by vegafusion-suite.

Every message names where the problem is: the spec path (``data[2].transform[1]``), and for
expressions the expression text and the character position.
"""

from __future__ import annotations


class VegaFusionError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def at(self, path: str) -> "VegaFusionError":
        """Return the same error located at ``path`` (a spec path), unless it already has one."""
        if self.path is None:
            self.path = path
            self.args = (self._render(),)
        return self


class SpecError(VegaFusionError):
    """The spec (or an expression in it) is invalid: Vega itself would reject it."""


class ExpressionSyntaxError(SpecError):
    """A malformed expression. Carries the expression text and the 0-based character position."""

    def __init__(self, message: str, *, expr: str, position: int, path: str | None = None) -> None:
        self.expr = expr
        self.position = position
        super().__init__(f"{message} at position {position} in expression {expr!r}", path=path)


class UnsupportedError(VegaFusionError):
    """Valid Vega that the server does not evaluate; the planner leaves that work to the browser."""
