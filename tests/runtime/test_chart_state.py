"""ChartState and the pre-transform API: plans, updates, bad input, big DataFrames."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from vegafusion_core import runtime
from vegafusion_core.errors import SpecError
from vegafusion_core.runtime import RowLimitError

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "vegafusion"
CROSSFILTER = CORPUS / "custom" / "flights_crossfilter_a.vg.json"


def _vars(entries):
    return {(e["namespace"], e["name"], tuple(e["scope"])) for e in entries}


def _brush(lo, hi):
    return [{"unit": "child__column_distance_layer_0",
             "fields": [{"field": "distance", "channel": "x", "type": "R"}],
             "values": [[lo, hi]]}]


@pytest.fixture(scope="module")
def crossfilter_spec():
    if not CROSSFILTER.exists():
        pytest.skip("the shared corpus is not next to this checkout")
    return json.loads(CROSSFILTER.read_text())


def test_crossfilter_comm_plan(crossfilter_spec):
    state = runtime.new_chart_state(crossfilter_spec, local_tz="UTC")
    plan = state.get_comm_plan()
    assert _vars(plan["client_to_server"]) == {("data", "brush_store", ())}
    assert _vars(plan["server_to_client"]) == {
        ("data", f"data_{i}", ()) for i in (1, 2, 3, 4)} | {
        ("signal", "child__column_delay_layer_1_bin_maxbins_20_delay_bins", ()),
        ("signal", "child__column_distance_layer_0_bin_maxbins_20_distance_bins", ())}
    assert state.get_warnings() == []
    # The 2k raw rows never reach the client spec: only aggregated bins do.
    client = state.get_client_spec()
    names = {d["name"]: d for d in client["data"]}
    assert "source_0" not in names
    assert all(len(names[f"data_{i}"]["values"]) <= 20 for i in (1, 2, 3, 4))


def test_brush_update_returns_only_what_changed(crossfilter_spec):
    state = runtime.new_chart_state(crossfilter_spec, local_tz="UTC")
    before = {d["name"]: d.get("values") for d in state.get_client_spec()["data"]}
    answer = state.update([{"namespace": "data", "name": "brush_store", "scope": [],
                            "value": _brush(0, 500)}])
    changed = {a["name"] for a in answer}
    # The brushed view's own histogram (data_3/data_4 read source_0) does not change.
    assert changed == {"data_1", "data_2"}
    filtered = next(a["value"] for a in answer if a["name"] == "data_2")
    assert sum(r["__count"] for r in filtered) < sum(r["__count"] for r in before["data_2"])
    assert all(r["bin_maxbins_20_distance"] <= 500 for r in filtered)  # inclusive range
    # The same brush again: nothing to send.
    assert state.update([{"namespace": "data", "name": "brush_store", "scope": [],
                          "value": _brush(0, 500)}]) == []
    # Clearing the brush restores the unfiltered counts.
    cleared = state.update([{"namespace": "data", "name": "brush_store", "scope": [],
                             "value": []}])
    restored = next(a["value"] for a in cleared if a["name"] == "data_2")
    key = lambda row: row["bin_maxbins_20_distance"]  # noqa: E731
    assert sorted(restored, key=key) == sorted(before["data_2"], key=key)
    # Vega's incremental aggregate keeps the cells that survived the brush first, where they
    # were, and appends the groups that came back: the server sends that order too.
    assert [key(r) for r in restored[:2]] == [key(r) for r in filtered]


@pytest.mark.parametrize("bad", [
    [{"namespace": "signal", "name": "no_such_signal", "scope": [], "value": 1}],
    [{"namespace": "data", "name": "brush_store", "scope": [], "value": "not rows"}],
    [{"namespace": "data", "name": "brush_store", "scope": [0, 7], "value": []}],
    [{"namespace": "data", "name": "brush_store", "scope": [], "value": _brush(0, 500)},
     {"namespace": "bogus", "name": "x", "scope": [], "value": 1}],
    "not a list",
])
def test_failed_update_leaves_state_unchanged(crossfilter_spec, bad):
    state = runtime.new_chart_state(crossfilter_spec, local_tz="UTC")
    before = state.get_transformed_spec()
    with pytest.raises(SpecError):
        state.update(bad)
    assert state.get_transformed_spec() == before
    # The state still works after the failure.
    assert state.update([{"namespace": "data", "name": "brush_store", "scope": [],
                          "value": _brush(0, 500)}])


def test_unsupported_transform_falls_back_with_path():
    spec = {"data": [{"name": "t", "values": [{"x": 1}, {"x": 2}, {"x": 3}],
                      "transform": [{"type": "filter", "expr": "datum.x > 1"},
                                    {"type": "sample", "size": 1},
                                    {"type": "formula", "expr": "datum.x * 2", "as": "y"}]}],
            "marks": [{"type": "symbol", "from": {"data": "t"}}]}
    spec2, warnings = runtime.pre_transform_spec(spec, local_tz="UTC")
    data = spec2["data"][0]
    assert data["values"] == [{"x": 2.0}, {"x": 3.0}]
    assert [t["type"] for t in data["transform"]] == ["sample", "formula"]
    assert warnings and warnings[0]["type"] == "Unsupported"
    assert warnings[0]["message"].startswith("data[0].transform[1]")
    assert "sample" in warnings[0]["message"]


def test_invalid_spec_names_the_path():
    spec = {"data": [{"name": "t", "values": [{"x": 1}],
                      "transform": [{"type": "fold"}]}]}
    with pytest.raises(SpecError, match=r"data\[0\]\.transform\[0\] \(fold\).*fields"):
        runtime.pre_transform_spec(spec, local_tz="UTC")
    with pytest.raises(SpecError, match="position"):
        runtime.pre_transform_spec(
            {"data": [{"name": "t", "values": [{"x": 1}],
                       "transform": [{"type": "filter", "expr": "datum.x >"}]}]},
            local_tz="UTC")


def test_row_limit():
    spec = {"data": [{"name": "t", "values": [{"x": i} for i in range(50)]}],
            "marks": [{"type": "symbol", "from": {"data": "t"}}]}
    with pytest.raises(RowLimitError, match="'t'"):
        runtime.new_chart_state(spec, local_tz="UTC", row_limit=10)
    spec2, warnings = runtime.pre_transform_spec(spec, local_tz="UTC", row_limit=10)
    assert len(spec2["data"][0]["values"]) == 10
    assert warnings[0]["type"] == "RowLimitExceeded"


def test_altair_dataframe_never_becomes_json():
    alt = pytest.importorskip("altair")
    import numpy as np

    n = 10_000_000
    df = pd.DataFrame({"x": np.arange(n, dtype="float64") % 1000.0,
                       "k": np.repeat(np.array(["a", "b", "c", "d"]), n // 4)})
    chart = alt.Chart(df).mark_bar().encode(x=alt.X("x:Q", bin=True), y="count()")
    state = runtime.new_chart_state(chart, local_tz="UTC")
    text = json.dumps(state.get_client_spec())
    assert len(text) < 20_000
    values = next(d["values"] for d in state.get_client_spec()["data"] if "values" in d)
    assert sum(r["__count"] for r in values) == n


def test_pre_transform_datasets_and_extract():
    spec = {"data": [{"name": "t", "values": [{"k": "a", "x": i} for i in range(30)],
                      "transform": [{"type": "filter", "expr": "datum.x % 2 == 0"}]},
                     {"name": "agg", "source": "t",
                      "transform": [{"type": "aggregate", "groupby": ["k"]}]}],
            "marks": [{"type": "symbol", "from": {"data": "agg"}}]}
    (t, agg), warnings = runtime.pre_transform_datasets(spec, ["t", "agg"], local_tz="UTC")
    assert list(t["x"]) == list(range(0, 30, 2))
    assert agg.to_dict("records") == [{"k": "a", "count": 15}]
    spec2, extracted, _ = runtime.pre_transform_extract(
        spec, local_tz="UTC", extract_threshold=5, keep_datasets=["t"])
    assert [(name, scope) for name, scope, _ in extracted] == [("t", [])]
    assert next(d for d in spec2["data"] if d["name"] == "t")["values"] == []


def test_input_spec_is_not_modified(crossfilter_spec):
    original = copy.deepcopy(crossfilter_spec)
    runtime.pre_transform_spec(crossfilter_spec, local_tz="UTC")
    assert crossfilter_spec == original


def _cars_spec(mark_reads_source: bool) -> dict:
    marks = [{"type": "rect", "from": {"data": "counts"},
              "encode": {"update": {"x": {"field": "count"}}}}]
    if mark_reads_source:
        marks.append({"type": "symbol", "from": {"data": "source"},
                      "encode": {"update": {"x": {"field": "Horsepower"}}}})
    return {"data": [{"name": "source", "url": "data/cars.json"},
                     {"name": "counts", "source": "source", "transform": [
                         {"type": "aggregate", "groupby": ["Origin"]}]}],
            "marks": marks}


@pytest.mark.parametrize("mark_reads_source", [False, True])
def test_url_dataset_stays_in_the_client_spec_only_if_the_browser_reads_it(mark_reads_source):
    state = runtime.new_chart_state(_cars_spec(mark_reads_source), local_tz="UTC")
    data = {d["name"]: d for d in state.get_client_spec()["data"]}
    assert len(data["counts"]["values"]) == 3  # the aggregate ran on the server
    assert ("source" in data) is mark_reads_source
    if mark_reads_source:
        assert data["source"]["url"] == "data/cars.json"  # loaded by the browser, not inlined
