"""DataFrames and Arrow data as inline datasets (``table://NAME``, ``vegafusion+dataset://NAME``).

Expected values come from Vega: the same data written as the JSON Altair would send (dates as ISO
text: naive ones without offset, read in the viewer's zone; zoned ones as UTC instants) and read by
vega-loader with ``parse: {field: "date"}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tests.data.vega_loader import assert_same_rows, our_rows, source_query, vega_rows
from vegafusion_core.data.sources import load_source
from vegafusion_core.errors import SpecError
from vegafusion_core.expression.types import VegaType

ZONES = ["UTC", "Europe/Paris", "America/New_York"]
NAIVE = ["2020-03-08T02:30:00", "2020-10-25T02:30:00", "2020-03-29T02:30:00", None,
         "1969-12-31T23:59:59.250"]


def _frame() -> pd.DataFrame:
    naive = pd.to_datetime(pd.Series(NAIVE), format="ISO8601")
    return pd.DataFrame({
        "i": np.array([1, -2, 3, 4, 5], dtype="int64"),
        "f": [0.5, np.nan, -1.25, 1e300, 2.0],
        "s": ["a", None, "c", "", "e"],
        "c": pd.Categorical(["x", "y", None, "x", "z"]),
        "n": pd.array([1, None, 3, 4, None], dtype="Int64"),
        "b": pd.array([True, None, False, True, False], dtype="boolean"),
        "st": pd.array(["p", "q", None, "r", "s"], dtype="string"),
        "naive": naive,
        "aware": naive.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris"),
        "dec": [Decimal("1.5"), Decimal("-2.25"), None, Decimal("3"), Decimal("0.1")],
    })


def _vega_expected(zone: str) -> list[dict]:
    """What Vega holds for _frame() when it arrives as Altair's JSON."""
    rows = [
        {"i": 1, "f": 0.5, "s": "a", "c": "x", "n": 1, "b": True, "st": "p", "dec": 1.5},
        {"i": -2, "f": None, "s": None, "c": "y", "n": None, "b": None, "st": "q", "dec": -2.25},
        {"i": 3, "f": -1.25, "s": "c", "c": None, "n": 3, "b": False, "st": None, "dec": None},
        {"i": 4, "f": 1e300, "s": "", "c": "x", "n": 4, "b": True, "st": "r", "dec": 3},
        {"i": 5, "f": 2.0, "s": "e", "c": "z", "n": None, "b": False, "st": "s", "dec": 0.1},
    ]
    for row, naive in zip(rows, NAIVE):
        row["naive"] = naive
        row["aware"] = None if naive is None else naive + "Z"
    return vega_rows({"text": rows, "format": {"parse": {"naive": "date", "aware": "date"}}},
                     zone)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("scheme", ["table://", "vegafusion+dataset://"])
def test_pandas_dtypes(zone: str, scheme: str) -> None:
    ours, table = our_rows({"url": f"{scheme}df"}, zone, inline_datasets={"df": _frame()})
    assert table.columns == {
        "i": VegaType.NUMBER, "f": VegaType.NUMBER, "s": VegaType.STRING, "c": VegaType.STRING,
        "n": VegaType.NUMBER, "b": VegaType.BOOLEAN, "st": VegaType.STRING,
        "naive": VegaType.DATE, "aware": VegaType.DATE, "dec": VegaType.NUMBER}
    assert_same_rows(ours, _vega_expected(zone))


def test_naive_timestamps_follow_default_input_tz() -> None:
    # Read as New York wall-clock times whatever the viewer's zone.
    ours, _ = our_rows({"url": "table://df"}, "Europe/Paris", inline_datasets={"df": _frame()},
                       default_input_tz="America/New_York")
    expected = _vega_expected("America/New_York")
    assert [r["naive"] for r in ours] == [r["naive"] for r in expected]


def test_arrow_table_reader_and_c_stream() -> None:
    table = pa.Table.from_pandas(_frame(), preserve_index=False)

    class CStream:
        """Any object that exports an Arrow C stream."""

        def __arrow_c_stream__(self, requested_schema=None):
            return table.__arrow_c_stream__(requested_schema)

    expected = _vega_expected("Europe/Paris")
    for obj in (table, table.to_reader(), CStream()):
        con = duckdb.connect()
        source = load_source(con, {"url": "table://t"}, inline_datasets={"t": obj},
                             tz="Europe/Paris")
        for _ in range(2):  # a RecordBatchReader must survive being queried twice
            rows = _rows(con, source)
            assert_same_rows(rows, expected)


def _rows(con: duckdb.DuckDBPyConnection, source) -> list[dict]:
    from vegafusion_core.data.to_vega import arrow_to_rows

    return arrow_to_rows(con.sql(source_query(source)).to_arrow_table())


def test_duckdb_relations_of_this_and_other_connections() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x, 'v' || range AS s FROM range(5)")
    mine = con.sql("SELECT * FROM t WHERE x % 2 = 0")
    source = load_source(con, {"url": "table://r"}, inline_datasets={"r": mine})
    assert _rows(con, source) == [{"x": 0.0, "s": "v0"}, {"x": 2.0, "s": "v2"},
                                  {"x": 4.0, "s": "v4"}]
    assert source.warnings == ()
    other = duckdb.connect().sql("SELECT 1.5 AS y UNION ALL SELECT 2.5")
    source = load_source(con, {"url": "table://o"}, inline_datasets={"o": other})
    assert sorted(r["y"] for r in _rows(con, source)) == [1.5, 2.5]
    assert any("copied" in w for w in source.warnings)


def test_polars_frame() -> None:
    pl = pytest.importorskip("polars", reason="polars is not installed")
    frame = pl.from_pandas(_frame().drop(columns=["dec", "c"]))
    expected = [{k: v for k, v in row.items() if k not in ("dec", "c")}
                for row in _vega_expected("UTC")]
    ours, _ = our_rows({"url": "table://p"}, "UTC", inline_datasets={"p": frame})
    assert_same_rows(ours, expected)


def test_parse_applies_to_inline_datasets() -> None:
    frame = pd.DataFrame({"when": ["2020-01-01", "2020-06-01T10:00"], "x": ["1", "0x10"],
                          "k": [1, 0]})
    fmt = {"parse": {"when": "date", "x": "number", "k": "boolean"}}
    ours, table = our_rows({"url": "table://f", "format": fmt}, "Asia/Kolkata",
                           inline_datasets={"f": frame})
    theirs = vega_rows({"text": frame.to_dict("records"), "format": fmt}, "Asia/Kolkata")
    assert_same_rows(ours, theirs, table)


def test_unknown_inline_dataset_names_the_known_ones() -> None:
    with pytest.raises(SpecError, match=r"no inline dataset named 'nope' \(given: a, b\)"):
        our_rows({"url": "table://nope"}, "UTC", inline_datasets={"a": _frame(), "b": _frame()})


def test_unsupported_objects_are_refused() -> None:
    with pytest.raises(SpecError, match="expected a pandas"):
        our_rows({"url": "table://x"}, "UTC", inline_datasets={"x": [1, 2, 3]})


def test_large_integers_warn() -> None:
    frame = pd.DataFrame({"id": np.array([1, 2**60], dtype="int64")})
    ours, table = our_rows({"url": "table://f"}, "UTC", inline_datasets={"f": frame})
    assert ours == [{"id": 1.0}, {"id": float(2**60)}]
    assert any("2**53" in w and "'id'" in w for w in table.warnings)


def test_unsupported_column_types_are_left_out_with_a_warning() -> None:
    table = pa.table({"x": [1.0], "raw": pa.array([b"\x00"], type=pa.binary())})
    ours, source = our_rows({"url": "table://t"}, "UTC", inline_datasets={"t": table})
    assert ours == [{"x": 1.0}]
    assert any("'raw'" in w for w in source.warnings)


def test_dates_and_other_timestamp_units() -> None:
    table = pa.table({
        "d": pa.array([dt.date(2020, 1, 2), None], type=pa.date32()),
        "s": pa.array([0, 1], type=pa.timestamp("s", tz="UTC")),
        "ns": pa.array([1_500_000, -1_500_000], type=pa.timestamp("ns", tz="Asia/Tokyo")),
    })
    ours, _ = our_rows({"url": "table://t"}, "Europe/Paris", inline_datasets={"t": table})
    # Dates are UTC midnight (Vega's reading of "2020-01-02"); instants truncated to the ms.
    assert ours == [{"d": 1577923200000.0, "s": 0.0, "ns": 1.0},
                    {"d": None, "s": 1000.0, "ns": -2.0}]


def test_list_columns_and_their_element_types() -> None:
    from vegafusion_core.data.values import ARRAY_ELEMENT_TYPES

    table = pa.table({"ints": pa.array([[1, 2], None], type=pa.list_(pa.int32())),
                      "strs": [["a"], []], "nested": [[[1]], [[2, 3]]]})
    ours, source = our_rows({"url": "table://t"}, "UTC", inline_datasets={"t": table})
    assert ours == [{"ints": [1.0, 2.0], "strs": ["a"], "nested": [[1.0]]},
                    {"ints": None, "strs": [], "nested": [[2.0, 3.0]]}]
    assert {k: source.columns[k] for k in ("ints", "strs", "nested")} == {
        "ints": VegaType.ARRAY, "strs": VegaType.ARRAY, "nested": VegaType.ARRAY}
    assert ARRAY_ELEMENT_TYPES[source.name] == {"ints": VegaType.NUMBER, "strs": VegaType.STRING}


def test_json_arrays_record_their_element_types() -> None:
    from vegafusion_core.data.values import ARRAY_ELEMENT_TYPES

    _, source = our_rows({"values": [{"a": [1, 2], "b": ["x"]}, {"a": [], "b": None}]}, "UTC")
    assert ARRAY_ELEMENT_TYPES[source.name] == {"a": VegaType.NUMBER, "b": VegaType.STRING}
