"""Arrow results turned into the values Vega sees: dates as UTC epoch milliseconds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_TZ = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def to_vega_value(value: Any) -> Any:
    """One Python value from Arrow, as Vega would hold it after JSON transport."""
    if isinstance(value, dt.datetime):
        epoch = _EPOCH_TZ if value.tzinfo is not None else _EPOCH
        return (value - epoch) // dt.timedelta(microseconds=1) / 1000.0
    if isinstance(value, dt.date):
        return (dt.datetime(value.year, value.month, value.day) - _EPOCH).total_seconds() * 1000
    if isinstance(value, list):
        return [to_vega_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_vega_value(v) for k, v in value.items()}
    return value


def arrow_to_rows(table: pa.Table) -> list[dict[str, Any]]:
    """An Arrow table as a list of row dicts with Vega's value conventions."""
    return [{k: to_vega_value(v) for k, v in row.items()} for row in table.to_pylist()]
