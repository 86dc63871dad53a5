"""Test 1: every corpus spec draws the same before and after pre_transform_spec (see harness.py)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest

from .harness import (CORPUS, NodeRunner, corpus_specs, draw_job, run_engine, scene_difference,
                      value_difference, TZ, engine_inline)
from .run import load_floor

BAR = {
    "$schema": "https://vega.github.io/schema/vega/v5.json", "width": 100, "height": 100,
    "data": [{"name": "cars", "url": "data/cars.json",
              "transform": [{"type": "aggregate", "groupby": ["Origin"]}]}],
    "scales": [{"name": "x", "type": "band", "domain": {"data": "cars", "field": "Origin"},
                "range": "width"},
               {"name": "y", "domain": {"data": "cars", "field": "count"}, "range": "height"}],
    "marks": [{"type": "rect", "from": {"data": "cars"}, "encode": {"update": {
        "x": {"scale": "x", "field": "Origin"}, "width": {"scale": "x", "band": 1},
        "y": {"scale": "y", "field": "count"}, "y2": {"scale": "y", "value": 0},
        "fill": {"value": "steelblue"}}}}],
}


# -- the comparison itself -------------------------------------------------------------------------
def test_numbers_compare_within_tolerance_and_strings_exactly() -> None:
    assert value_difference(100.0, 100.0 + 5e-5) is None  # relative 5e-7
    assert value_difference(1e-7, 5e-7) is None  # absolute
    assert value_difference(100.0, 100.001) is not None
    assert value_difference("1.0", "1") is not None
    assert value_difference(True, 1) is not None
    assert value_difference({"a": 1}, {"a": 1, "b": 2}) is not None
    assert value_difference("M0,0L10.0000000001,5Z", "M0,0L10,5Z", "path") is None
    assert value_difference("M0,0L10,5Z", "M0,0L10,5L1,1Z", "path") is not None


def test_scene_difference_names_the_first_difference() -> None:
    a = [["mark", "0", {"marktype": "rect", "role": "mark", "name": "m"}],
         ["item", "0/0", {"x": 1.0, "fill": "red"}], ["item", "0/1", {"x": 2.0}]]
    b = copy.deepcopy(a)
    assert scene_difference(a, b) is None
    b[2][2]["x"] = 2.5
    assert "0/1" in scene_difference(a, b) and "x" in scene_difference(a, b)
    assert "length" in scene_difference(a, a[:2])


# -- the oracle ------------------------------------------------------------------------------------
def test_oracle_draws_a_spec_the_same_twice_and_sees_a_change(node_runner: NodeRunner) -> None:
    changed = copy.deepcopy(BAR)
    changed["marks"][0]["encode"]["update"]["fill"]["value"] = "red"
    first, second, other = node_runner.run([draw_job("a", BAR), draw_job("b", copy.deepcopy(BAR)),
                                            draw_job("c", changed)])
    assert first["ok"] and first["errors"] == []
    assert len([e for e in first["scene"] if e[0] == "item"]) > 3
    assert scene_difference(first["scene"], second["scene"]) is None
    assert "fill" in scene_difference(first["scene"], other["scene"])


def test_oracle_maps_dataset_urls_and_reports_others(node_runner: NodeRunner) -> None:
    cdn = copy.deepcopy(BAR)
    cdn["data"][0]["url"] = "https://cdn.jsdelivr.net/npm/vega-datasets@v1.29.0/data/cars.json"
    remote = copy.deepcopy(BAR)
    remote["data"][0]["url"] = "https://example.com/cars.json"
    local, via_cdn, away = node_runner.run([draw_job("l", BAR), draw_job("c", cdn),
                                            draw_job("r", remote)])
    assert scene_difference(local["scene"], via_cdn["scene"]) is None
    assert away["missing"] == ["https://example.com/cars.json"]


def test_engine_path_matches_public_api() -> None:
    """run_engine calls pre_transform_spec's steps itself (to keep the plan); same answer."""
    from vegafusion_core import runtime

    if not CORPUS.exists():
        pytest.skip(f"the spec corpus is not at {CORPUS} (set VF_CORPUS)")

    for name in ("vegalite/bar", "vegalite/area", "inline_datasets/histogram"):
        spec = json.loads((CORPUS / f"{name}.vg.json").read_text())
        ours = run_engine(spec)
        if ours.error:
            with pytest.raises(Exception):
                runtime.pre_transform_spec(spec, local_tz=TZ, inline_datasets=engine_inline(spec))
            continue
        theirs, warnings = runtime.pre_transform_spec(spec, local_tz=TZ,
                                                      inline_datasets=engine_inline(spec))
        assert ours.spec == json.loads(json.dumps(theirs, default=str),
                                       parse_constant=lambda _n: None)
        assert ours.warnings == json.loads(json.dumps(warnings, default=str))


# -- the corpus ------------------------------------------------------------------------------------
def test_corpus_pass_count_is_at_least_the_floor(corpus_report: dict[str, Any]) -> None:
    totals = corpus_report["totals"]
    floor = load_floor()["corpus"]
    if os.environ.get("VF_CONFORMANCE_ONLY"):
        passing = {n for n, r in corpus_report["specs"].items() if r["status"] == "pass"}
        lost = sorted(set(floor["passing"]) & set(corpus_report["specs"]) - passing)
        assert not lost, f"specs that passed at the floor now fail: {lost}"
        return
    assert totals["specs"] == len(corpus_specs())
    regressions = sorted(set(floor["passing"]) - {
        n for n, r in corpus_report["specs"].items() if r["status"] == "pass"})
    detail = {n: corpus_report["specs"][n].get("difference") for n in regressions[:15]}
    assert totals["passed"] >= floor["passed"], (
        f"{totals['passed']} specs draw identically, below the floor of {floor['passed']}; "
        f"newly failing: {json.dumps(detail, indent=1)}")


def test_corpus_report_counts_server_work(corpus_report: dict[str, Any]) -> None:
    server = corpus_report["server"]
    assert server["server_datasets"] <= server["datasets"]
    assert server["server_transforms"] <= server["transforms"]
    assert server["server_datasets"] > 0 and server["server_transforms"] > 0
