"""Python forms of the functions that read other datasets: ``data`` and ``indata``.

On the server they read the datasets the evaluation context holds (the selection stores and other
datasets the browser sent, or server datasets already computed); a dataset the context does not
hold stays in the browser.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedError
from .jsvalues import UNDEFINED, strict_equals
from .registry import python_form


def _rows(ctx: Any, name: Any) -> list:
    datasets = getattr(ctx, "datasets", None) or {}
    if not isinstance(name, str) or name not in datasets:
        raise UnsupportedError(f"dataset {name!r} is not known on the server")
    return datasets[name]


@python_form("data")
def data(ctx: Any, name: Any = UNDEFINED) -> list:
    """``data(name)``: the rows of a dataset (Vega returns its current values array)."""
    return _rows(ctx, name)


@python_form("indata")
def indata(ctx: Any, name: Any = UNDEFINED, field: Any = UNDEFINED, value: Any = UNDEFINED) -> bool:
    """``indata(name, field, value)``: true when some row's ``field`` equals ``value``."""
    return any(isinstance(row, dict) and strict_equals(row.get(field, UNDEFINED), value)
               for row in _rows(ctx, name))
