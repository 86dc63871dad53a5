"""Arrow results to what the browser receives: rows, JSON text and Arrow IPC bytes."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal

import pyarrow as pa
import pytest

from vegafusion_core.data.to_vega import (arrow_to_ipc, arrow_to_json, arrow_to_rows,
                                          arrow_to_rows_with_warnings, to_vega_value)


@pytest.mark.parametrize("unit,raw,ms", [("s", -1, -1000.0), ("ms", 1234, 1234.0),
                                         ("us", -1500, -1.5), ("ns", 2_500_000, 2.5)])
@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Kolkata"])
def test_timestamps_become_epoch_ms(unit: str, raw: int, ms: float, tz: str | None) -> None:
    table = pa.table({"t": pa.array([raw, None], type=pa.timestamp(unit, tz=tz))})
    assert arrow_to_rows(table) == [{"t": ms}, {"t": None}]


def test_dates_and_decimals_and_dictionaries() -> None:
    table = pa.table({
        "d32": pa.array([dt.date(1969, 12, 31)], type=pa.date32()),
        "d64": pa.array([86_400_000], type=pa.date64()),
        "dec": pa.array([Decimal("-12.345")], type=pa.decimal128(10, 3)),
        "cat": pa.array(["x"]).dictionary_encode(),
        "i8": pa.array([-3], type=pa.int8()),
        "f32": pa.array([0.5], type=pa.float32()),
        "big": pa.array(["s"], type=pa.large_string()),
    })
    row = arrow_to_rows(table)[0]
    assert row == {"d32": -86_400_000.0, "d64": 86_400_000.0, "dec": -12.345, "cat": "x",
                   "i8": -3.0, "f32": 0.5, "big": "s"}
    assert all(type(v) is float for k, v in row.items() if k not in ("cat", "big"))


def test_integers_beyond_2_53_warn() -> None:
    safe = pa.table({"a": pa.array([2**53, -(2**53)], type=pa.int64())})
    assert arrow_to_rows_with_warnings(safe)[1] == []
    big = pa.table({"a": pa.array([1, 2**53 + 1], type=pa.int64()),
                    "u": pa.array([2**64 - 1], type=pa.uint64()).take([0, 0])})
    rows, warnings = arrow_to_rows_with_warnings(big)
    assert rows[1] == {"a": float(2**53), "u": float(2**64 - 1)}
    assert len(warnings) == 2 and "'a'" in warnings[0] and "'u'" in warnings[1]


def test_nan_and_infinity() -> None:
    table = pa.table({"x": [math.nan, math.inf, -math.inf, 1.0, None]})
    rows = arrow_to_rows(table)
    assert math.isnan(rows[0]["x"]) and rows[1]["x"] == math.inf and rows[4]["x"] is None
    text, _ = arrow_to_json(table)
    # JSON.stringify writes NaN and infinities as null.
    assert json.loads(text) == [{"x": None}, {"x": None}, {"x": None}, {"x": 1.0}, {"x": None}]


def test_nested_values() -> None:
    table = pa.table({
        "l": pa.array([[1, 2], None, []], type=pa.list_(pa.int64())),
        "s": pa.array([{"t": dt.datetime(1970, 1, 1, 0, 0, 1), "n": 1}, None,
                       {"t": None, "n": None}]),
    })
    assert arrow_to_rows(table) == [
        {"l": [1.0, 2.0], "s": {"t": 1000.0, "n": 1.0}},
        {"l": None, "s": None},
        {"l": [], "s": {"t": None, "n": None}},
    ]


def test_ipc_bytes_hold_vega_values() -> None:
    table = pa.table({"t": pa.array([1_000_000], type=pa.timestamp("us")),
                      "i": pa.array([7], type=pa.int32()), "s": ["a"]})
    data, warnings = arrow_to_ipc(table)
    back = pa.ipc.open_stream(data).read_all()
    assert warnings == []
    assert back.schema.types == [pa.float64(), pa.float64(), pa.string()]
    assert back.to_pylist() == [{"t": 1000.0, "i": 7.0, "s": "a"}]


def test_empty_tables() -> None:
    assert arrow_to_rows(pa.table({"a": pa.array([], type=pa.timestamp("ms"))})) == []
    assert json.loads(arrow_to_json(pa.table({"a": pa.array([], type=pa.int64())}))[0]) == []


def test_large_results_round_trip() -> None:
    n = 200_000
    table = pa.table({"x": pa.array(range(n), type=pa.int64()),
                      "t": pa.array(range(n), type=pa.timestamp("ms", tz="UTC"))})
    rows = arrow_to_rows(table)
    assert len(rows) == n and rows[-1] == {"x": float(n - 1), "t": float(n - 1)}
    assert len(json.loads(arrow_to_json(table)[0])) == n


@pytest.mark.parametrize("value,expected", [
    (dt.datetime(1970, 1, 1, 0, 0, 0, 1500), 1.5),
    (dt.datetime(1970, 1, 2, tzinfo=dt.timezone.utc), 86_400_000.0),
    (dt.date(1970, 1, 2), 86_400_000.0),
    (Decimal("2.5"), 2.5), (3, 3.0), (True, True), ("s", "s"), (None, None),
    ([dt.date(1970, 1, 1), 1], [0.0, 1.0]),
])
def test_single_values(value, expected) -> None:
    out = to_vega_value(value)
    assert out == expected and type(out) is type(expected)
