"""The Streamlit side channel and selection reading, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest

pytest.importorskip("streamlit")

from streamlit_vegafusion import channel  # noqa: E402
from vegafusion_core.runtime import new_chart_state  # noqa: E402
from vegafusion_core.runtime.selections import (  # noqa: E402
    selection_params, selections_from_stores)

ROWS = pa.Table.from_pylist([{"x": float(i % 10), "k": "ab"[i % 2]} for i in range(100)])


def crossfilter_spec() -> dict[str, Any]:
    import altair as alt

    brush = alt.selection_interval(encodings=["x"], name="brush")
    pick = alt.selection_point(fields=["k"], name="pick")
    hist = alt.Chart().mark_bar().encode(x=alt.X("x:Q", bin=alt.Bin(maxbins=5)), y="count()")
    bars = alt.Chart().mark_bar().encode(x="k:N", y="count()").transform_filter(brush)
    return alt.hconcat(hist.add_params(brush), bars.add_params(pick),
                       data="table://rows").to_dict()


@pytest.fixture()
def entry() -> channel.ChartEntry:
    spec = crossfilter_spec()
    state = new_chart_state(spec, local_tz="UTC", inline_datasets={"rows": ROWS})
    made = channel.ChartEntry(state=state, tz="UTC",
                              build={"spec": spec, "datasets": {"rows": ROWS}, "row_limit": None})
    channel.register(made)
    return made


def brush_update(lo: float, hi: float) -> dict[str, Any]:
    return {"namespace": "data", "name": "brush_store", "scope": [], "value": [
        {"unit": "concat_0", "fields": [{"field": "x", "channel": "x", "type": "R"}],
         "values": [[lo, hi]]}]}


def post(token: str, message: Any) -> tuple[int, dict[str, Any]]:
    return channel.answer(json.dumps({"token": token, "message": message}).encode())


def test_update_answers_with_changed_values_and_its_seq(entry: channel.ChartEntry) -> None:
    status, answer = post(entry.token, {"type": "update", "seq": 3, "updates": [brush_update(0, 2)]})
    assert status == 200 and answer["type"] == "update" and answer["seq"] == 3
    # The channel answers what ChartState answers (its values are checked against Vega JS in the
    # browser test and in tests/runtime): here only the plumbing is under test.
    direct = new_chart_state(crossfilter_spec(), local_tz="UTC", inline_datasets={"rows": ROWS})
    assert answer["updates"] == direct.update([brush_update(0, 2)]) != []


def test_bad_requests_are_refused_without_changing_state(entry: channel.ChartEntry) -> None:
    before = entry.state.get_transformed_spec()
    assert channel.answer(b"{oops")[0] == 400
    assert channel.answer(b"[1, 2]")[0] == 400
    assert channel.answer(b"x" * (channel.MAX_BODY_BYTES + 1))[0] == 413
    assert post("not-a-token", {"type": "update", "seq": 1, "updates": []})[0] == 404
    for message in ["update", {"type": "nope"}, {"type": "update", "seq": None, "updates": []},
                    {"type": "update", "seq": 1, "updates": [brush_update(0, 2), {
                        "namespace": "data", "name": "brush_store", "scope": [], "value": 5}]},
                    {"type": "update", "seq": 2, "updates": [{"namespace": "signal",
                                                              "name": "zzz", "value": 1}]}]:
        status, answer = post(entry.token, message)
        assert status == 200 and answer["type"] == "error" and answer["message"], message
    assert entry.state.get_transformed_spec() == before


def test_hello_in_another_zone_replans(entry: channel.ChartEntry) -> None:
    assert post(entry.token, {"type": "hello", "tz": "UTC"})[1] == {"type": "ok"}
    status, answer = post(entry.token, {"type": "hello", "tz": "Asia/Tokyo"})
    assert answer["type"] == "reset" and entry.tz == "Asia/Tokyo"
    assert answer["commPlan"] == entry.state.get_comm_plan()
    assert post(entry.token, {"type": "hello", "tz": "Not/AZone"})[1]["type"] == "error"
    assert entry.tz == "Asia/Tokyo"


def test_selections_in_st_altair_chart_shape() -> None:
    from vegafusion_core.spec.normalize import to_vega

    vega, _ = to_vega(crossfilter_spec())
    params = selection_params(vega)
    assert params == {"brush": "interval", "pick": "point"}
    assert selections_from_stores(params, {}) == {"selection": {"brush": {}, "pick": []}}
    stores = {
        "brush_store": brush_update(1.5, 4)["value"],
        "pick_store": [{"unit": "concat_1", "fields": [{"type": "E", "field": "k"}], "values": ["a"]},
                       {"unit": "concat_1", "fields": [{"type": "E", "field": "k"}], "values": ["b"]}],
    }
    assert selections_from_stores(params, stores) == {
        "selection": {"brush": {"x": [1.5, 4]}, "pick": [{"k": "a"}, {"k": "b"}]}}
    with pytest.raises(Exception, match="pick"):
        selections_from_stores(params, {"pick_store": "nope"})
