"""Parquet and Arrow files (read in place, only the used columns), and URL resolution errors."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from tests.data.vega_loader import DATASETS, assert_same_rows, our_rows, vega_rows
from vegafusion_core.data.sources import load_source
from vegafusion_core.data.urls import resolve_url
from vegafusion_core.errors import SpecError, UnsupportedError

UTC = dt.timezone.utc


def _columnar_table() -> pa.Table:
    return pa.table({
        "k": ["a", None, "c", "d"],
        "x": pa.array([1, 2, None, 2**40], type=pa.int64()),
        "y": [0.5, float("nan"), -2.0, 1e-300],
        "flag": [True, False, None, True],
        "t": pa.array([dt.datetime(2020, 3, 8, 2, 30, tzinfo=UTC), None,
                       dt.datetime(1960, 1, 1, tzinfo=UTC),
                       dt.datetime(2038, 1, 19, 3, 14, 7, 250000, tzinfo=UTC)],
                      type=pa.timestamp("us", tz="UTC")),
    })


def _vega_expected(zone: str) -> list[dict]:
    rows = []
    for row in _columnar_table().to_pylist():
        t = row["t"]
        row["t"] = None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        if row["y"] != row["y"]:
            row["y"] = "NaN"  # JSON has no NaN: parsed back to NaN below
        rows.append(row)
    return vega_rows({"text": rows, "format": {"parse": {"t": "date", "y": "number"}}}, zone)


@pytest.mark.parametrize("kind", ["parquet", "arrow-file", "arrow-stream", "feather"])
def test_columnar_files(tmp_path, kind: str) -> None:
    table = _columnar_table()
    file = tmp_path / {"parquet": "t.parquet", "arrow-file": "t.arrow",
                       "arrow-stream": "t.arrows", "feather": "t.feather"}[kind]
    if kind == "parquet":
        pq.write_table(table, file, row_group_size=2)
    elif kind == "arrow-file":
        with pa.ipc.new_file(file, table.schema) as writer:
            writer.write_table(table)
    elif kind == "arrow-stream":
        with pa.ipc.new_stream(file, table.schema) as writer:
            writer.write_table(table)
    else:
        feather.write_feather(table, file)
    fmt = {} if kind in ("parquet", "arrow-file", "feather") else {"type": "arrow"}
    for zone in ("UTC", "Europe/Paris"):
        ours, _ = our_rows({"url": str(file), "format": fmt}, zone)
        assert_same_rows(ours, _vega_expected(zone))


def test_flights_arrow_matches_its_json_twin() -> None:
    # vega-datasets ships flights-200k as Arrow and JSON; Vega reads the JSON one. The Arrow
    # file stores "time" as float32, so it matches the JSON's decimals to float32 precision.
    import math

    theirs = vega_rows({"file": str(DATASETS / "flights-200k.json"), "format": {}}, "UTC")
    ours, _ = our_rows({"url": "data/flights-200k.arrow"}, "UTC")
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys()
        assert a["delay"] == b["delay"] and a["distance"] == b["distance"]
        assert math.isclose(a["time"], b["time"], rel_tol=1e-6, abs_tol=1e-9)


def _scan_columns(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    return "\n".join(row[1] for row in con.execute(f"EXPLAIN {sql}").fetchall())


def test_parquet_reads_only_used_columns(tmp_path) -> None:
    file = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": list(range(10)) for i in range(8)}), file)
    con = duckdb.connect()
    source = load_source(con, {"url": str(file)})
    plan = _scan_columns(con, f'SELECT "c3" FROM "{source.name}" ORDER BY "_vf_order"')
    scan = plan[plan.index("READ_PARQUET"):]
    assert "c3" in scan and "c5" not in scan and "c0" not in scan


def test_dataframe_scan_reads_only_used_columns() -> None:
    import pandas as pd

    frame = pd.DataFrame({f"c{i}": range(10) for i in range(8)})
    con = duckdb.connect()
    source = load_source(con, {"url": "table://f"}, inline_datasets={"f": frame})
    plan = _scan_columns(con, f'SELECT "c3" FROM "{source.name}"')
    scan = plan[plan.index("PANDAS_SCAN"):] if "PANDAS_SCAN" in plan else plan
    assert "c3" in scan and "c5" not in scan


def test_csv_is_not_loaded_into_python(tmp_path) -> None:
    file = tmp_path / "big.csv"
    file.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(50_000)))
    con = duckdb.connect()
    source = load_source(con, {"url": str(file), "format": {"type": "csv",
                                                             "parse": {"a": "number"}}})
    # The source is a view over read_csv: the file is scanned by each query.
    view_sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name LIKE 'vf_source_%' "
                           "AND sql LIKE '%read_csv%'").fetchall()
    assert view_sql
    total = con.execute(f'SELECT sum("a") FROM "{source.name}"').fetchall()[0][0]
    assert total == sum(range(50_000))


# --------------------------------------------------------------------------------------------
# URLs

def test_remote_url_not_allowed_is_left_to_the_browser() -> None:
    url = "https://example.com/data/things.csv"
    with pytest.raises(UnsupportedError, match="example.com/data/things.csv"):
        our_rows({"url": url, "format": {"type": "csv"}}, "UTC")


def test_remote_url_failure_names_the_url() -> None:
    # No network here: the read fails, and the error says which URL.
    url = "https://example.invalid/x.csv"
    with pytest.raises(SpecError, match=r"example\.invalid/x\.csv"):
        our_rows({"url": url, "format": {"type": "csv"}}, "UTC", allow_remote=True)


def test_missing_vega_datasets_file() -> None:
    with pytest.raises(SpecError, match="data/no-such-dataset.json"):
        our_rows({"url": "data/no-such-dataset.json"}, "UTC")


def test_data_dirs_are_configurable(tmp_path) -> None:
    (tmp_path / "mine.csv").write_text("a\n1\n")
    ours, _ = our_rows({"url": "data/mine.csv", "format": {"type": "csv"}}, "UTC",
                       data_dirs=[tmp_path])
    assert ours == [{"a": "1"}]
    resolved = resolve_url("https://cdn.jsdelivr.net/npm/vega-datasets@2/data/mine.csv",
                           data_dirs=[tmp_path])
    assert resolved.kind == "file" and resolved.target == str(tmp_path / "mine.csv")


def test_path_escape_is_refused() -> None:
    with pytest.raises(SpecError, match="leaves the data directories"):
        resolve_url("data/../../etc/passwd")


def test_csv_read_as_json_by_default_is_an_error() -> None:
    # Vega reads a url as JSON unless format.type says otherwise.
    with pytest.raises(SpecError, match="is not JSON"):
        our_rows({"url": "data/stocks.csv"}, "UTC")


def test_signals_and_topojson_stay_in_the_browser() -> None:
    for spec in ({"url": {"signal": "u"}}, {"values": {"signal": "v"}},
                 {"url": "data/cars.json", "format": {"parse": {"signal": "p"}}},
                 {"url": "data/cars.json", "format": {"signal": "f"}},
                 {"url": "data/us-10m.json", "format": {"type": "topojson", "feature": "states"}}):
        with pytest.raises(UnsupportedError):
            our_rows(spec, "UTC")


def test_a_field_named_signal_is_data() -> None:
    ours, _ = our_rows({"values": [{"signal": 1}, {"signal": 2}]}, "UTC")
    assert ours == [{"signal": 1.0}, {"signal": 2.0}]


def test_bad_parse_types_are_spec_errors() -> None:
    with pytest.raises(SpecError, match="Illegal format pattern"):
        our_rows({"values": [{"a": 1}], "format": {"parse": {"a": "float"}}}, "UTC")
    with pytest.raises(SpecError, match="Unknown data format type"):
        our_rows({"values": [{"a": 1}], "format": {"type": "xml"}}, "UTC")


def test_altair_chart_over_a_parquet_url(tmp_path) -> None:
    """Vega-Lite writes format.type "json" for a .parquet url; the file is read as parquet."""
    import altair as alt

    from vegafusion_core import runtime

    file = tmp_path / "flights.parquet"
    pq.write_table(pa.table({"delay": [1.0, 2.0, 2.0, 30.0]}), file)
    chart = alt.Chart(alt.UrlData(str(file))).mark_bar().encode(x="delay:N", y="count()")
    spec, warnings = runtime.pre_transform_spec(chart, local_tz="UTC")
    assert warnings == []
    values = next(d["values"] for d in spec["data"] if "values" in d)
    assert sorted((r["delay"], r["__count"]) for r in values) == [(1.0, 1), (2.0, 2), (30.0, 1)]
