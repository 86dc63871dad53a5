"""Python forms of the functions that read other datasets: ``data`` and ``indata``.

On the server they read the datasets the evaluation context holds (the selection stores and other
datasets the browser sent, or server datasets already computed); a dataset the context does not
hold stays in the browser.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedError
from .jsvalues import UNDEFINED, to_string
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
def indata(ctx: Any, name: Any = UNDEFINED, field: Any = UNDEFINED, value: Any = UNDEFINED) -> Any:
    """``indata(name, field, value)``: how many rows have ``field`` equal to ``value``.

    As in vega-functions: Vega indexes the field in a map keyed by the values' strings, and
    returns the entry's count, or undefined when no row matches.
    """
    key = to_string(value)
    count = sum(1 for row in _rows(ctx, name)
                if isinstance(row, dict) and to_string(row.get(field, UNDEFINED)) == key)
    return count if count else UNDEFINED
