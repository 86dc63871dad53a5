"""The facet-aggregation lifting pass (core/vegafusion_core/planner/facets.py).

For each spec: (1) the pass rewrites it as documented (a lifted dataset next to the facet's data,
the facet reading it, the child no longer aggregating) or leaves it alone; (2) the spec
pre-transformed by the engine draws, in Vega JS, the same scenegraph as the original; (3) the
lifted aggregate runs on the server (it is in ``ChartState.plan.datasets``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.conformance.harness import (CORPUS, TZ, NodeRunner, draw_job, engine_inline,
                                       run_engine, scene_difference)
from vegafusion_core import runtime
from vegafusion_core.planner.facets import lift_facet_aggregations
from vegafusion_core.spec.scopes import Var


# -- helpers -----------------------------------------------------------------------------------------
def corpus(name: str) -> dict[str, Any]:
    path = CORPUS / f"{name}.vg.json"
    if not path.exists():
        pytest.skip(f"corpus spec {name} not found under {CORPUS}")
    return json.loads(path.read_text())


def facet_groups(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []

    def visit(node: dict[str, Any]) -> None:
        for mark in node.get("marks") or []:
            if mark.get("type") == "group":
                if (mark.get("from") or {}).get("facet"):
                    out.append(mark)
                visit(mark)

    visit(spec)
    return out


def dataset(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in spec.get("data") or [] if d["name"] == name)


def assert_draws_the_same(runner: NodeRunner, name: str, spec: dict[str, Any]) -> None:
    engine = run_engine(spec)
    assert engine.error is None, engine.error
    original, transformed = runner.run([draw_job(name, spec), draw_job(name + "/t", engine.spec)])
    assert original["ok"], original["errors"]
    assert transformed["ok"], transformed["errors"]
    assert scene_difference(original["scene"], transformed["scene"]) is None


def server_datasets(spec: dict[str, Any]) -> dict[Var, Any]:
    state = runtime.new_chart_state(spec, local_tz=TZ, inline_datasets=engine_inline(spec))
    return state.plan.datasets


# -- synthetic specs: the variants the pass accepts ---------------------------------------------------
def cars_facet(facet: dict[str, Any], child_transforms: list[dict[str, Any]],
               extra_group_data: list[dict[str, Any]] | None = None,
               sort: dict[str, Any] | None = None) -> dict[str, Any]:
    """Cars, faceted; each cell writes its facet values and draws one symbol per child row."""
    group: dict[str, Any] = {
        "type": "group", "name": "cell", "from": {"facet": facet},
        "encode": {"update": {"width": {"value": 60}, "height": {"value": 60}}},
        "data": [{"name": "child", "source": facet["name"], "transform": child_transforms}]
        + (extra_group_data or []),
        "marks": [
            {"type": "text", "encode": {"update": {
                "text": {"signal": "parent.Origin + ' ' + parent.Cylinders + ' '"
                                   " + (parent.mean_hp || '') + ' ' + (parent.n || '')"}}}},
            {"type": "symbol", "from": {"data": "child"}, "encode": {"update": {
                "x": {"signal": "datum.count"}, "y": {"signal": "datum.mean_hp / 4"},
                "tooltip": {"signal": "'' + datum.Year + ' ' + datum.count"}}}}]}
    if sort:
        group["sort"] = sort
    return {"$schema": "https://vega.github.io/schema/vega/v5.json", "width": 400, "height": 400,
            "layout": {"columns": 5, "padding": 10},
            "data": [{"name": "cars", "url": "data/cars.json",
                      "transform": [{"type": "filter", "expr": "datum.Horsepower != null"}]}],
            "marks": [group]}


CHILD_BY_YEAR = [{"type": "aggregate", "groupby": ["Year"], "ops": ["count", "mean"],
                  "fields": [None, "Horsepower"], "as": ["count", "mean_hp"]},
                 {"type": "filter", "expr": "datum.count > 1"}]


def test_plain_facet_is_lifted_and_draws_the_same(node_runner: NodeRunner) -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, CHILD_BY_YEAR)
    lifted = lift_facet_aggregations(spec)
    assert lifted is not spec and spec["marks"][0]["from"]["facet"]["data"] == "cars"
    group = lifted["marks"][0]
    assert group["from"]["facet"]["data"] == "cars_facet_facet"
    assert dataset(lifted, "cars_facet_facet") == {
        "name": "cars_facet_facet", "source": "cars",
        "transform": [{**CHILD_BY_YEAR[0], "groupby": ["Origin", "Year"]}]}
    assert group["data"][0] == {"name": "child", "source": "facet",
                                "transform": CHILD_BY_YEAR[1:]}
    assert_draws_the_same(node_runner, "facets/plain", spec)
    assert Var("data", "cars_facet_facet") in server_datasets(spec)


def test_facet_with_its_own_aggregate_carries_it_through(node_runner: NodeRunner) -> None:
    facet = {"name": "facet", "data": "cars", "groupby": "Origin",
             "aggregate": {"fields": ["Horsepower", None, "Name"],
                           "ops": ["mean", "count", "distinct"],
                           "as": ["mean_hp_all", "n", "names"]}}
    sort = {"field": ["datum.mean_hp_all", "datum.names"], "order": ["descending", "ascending"]}
    child = [{"type": "aggregate", "groupby": ["Cylinders"], "ops": ["count", "mean"],
              "fields": [None, "Horsepower"], "as": ["count", "mean_hp"]}]
    spec = cars_facet(facet, child, sort=sort)
    # The mean as a number (a position): Vega's running mean and the server's differ in the
    # last bits, which a drawn string would show and a position compares within tolerance.
    spec["marks"][0]["marks"][0]["encode"]["update"].update(
        text={"signal": "parent.Origin + ' ' + parent.n + ' ' + parent.names"},
        x={"signal": "parent.mean_hp_all / 10"})
    lifted = lift_facet_aggregations(spec)
    new = dataset(lifted, "cars_facet_facet")["transform"]
    assert new[0] == {"type": "joinaggregate", "groupby": ["Origin"],
                      "fields": ["Horsepower", None, "Name"], "ops": ["mean", "count", "distinct"],
                      "as": ["mean_hp_all", "n", "names"]}
    assert new[1]["groupby"] == ["Origin", "Cylinders"]
    assert new[1]["ops"] == ["count", "mean", "min", "min", "min"]
    assert lifted["marks"][0]["from"]["facet"]["aggregate"] == {
        "fields": ["mean_hp_all", "n", "names"], "ops": ["min"] * 3,
        "as": ["mean_hp_all", "n", "names"]}
    assert_draws_the_same(node_runner, "facets/carried", spec)
    assert Var("data", "cars_facet_facet") in server_datasets(spec)


def test_cross_facet_with_grouped_child_is_lifted(node_runner: NodeRunner) -> None:
    # Cylinders x Origin has empty cells (no 3-cylinder American cars): they stay empty.
    facet = {"name": "facet", "data": "cars", "groupby": ["Origin", "Cylinders"],
             "aggregate": {"cross": True}}
    spec = cars_facet(facet, CHILD_BY_YEAR)
    lifted = lift_facet_aggregations(spec)
    assert lifted["marks"][0]["from"]["facet"] == {**facet, "data": "cars_facet_facet"}
    assert dataset(lifted, "cars_facet_facet")["transform"][0]["groupby"] == [
        "Origin", "Cylinders", "Year"]
    assert_draws_the_same(node_runner, "facets/cross", spec)


def test_group_fields_already_in_the_facet_are_not_repeated(node_runner: NodeRunner) -> None:
    child = [{"type": "aggregate", "groupby": ["Year", "Origin"], "ops": ["count", "mean"],
              "fields": [None, "Horsepower"], "as": ["count", "mean_hp"]}]
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, child)
    lifted = lift_facet_aggregations(spec)
    assert dataset(lifted, "cars_facet_facet")["transform"][0]["groupby"] == ["Origin", "Year"]
    assert_draws_the_same(node_runner, "facets/overlap", spec)


def test_two_facets_over_one_dataset_get_distinct_lifted_datasets() -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, CHILD_BY_YEAR)
    second = copy.deepcopy(spec["marks"][0])
    second["name"] = "cell2"
    spec["marks"].append(second)
    lifted = lift_facet_aggregations(spec)
    names = [g["from"]["facet"]["data"] for g in facet_groups(lifted)]
    assert names == ["cars_facet_facet", "cars_facet_facet_1"]
    assert [d["name"] for d in lifted["data"]] == ["cars", "cars_facet_facet",
                                                   "cars_facet_facet_1"]


def test_leading_formulas_and_formula_only_links_move_into_the_lifted_dataset(
        node_runner: NodeRunner) -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]},
                      [{"type": "formula", "expr": "floor(datum.Acceleration / 5)", "as": "acc"}])
    spec["marks"][0]["data"].append(
        {"name": "by_acc", "source": "child", "transform": [
            {"type": "formula", "expr": "datum.Miles_per_Gallon > 20", "as": "frugal"},
            {"type": "aggregate", "groupby": ["acc", "frugal"], "ops": ["count", "mean"],
             "fields": [None, "Horsepower"], "as": ["count", "mean_hp"]}]})
    spec["marks"][0]["marks"][1]["from"]["data"] = "by_acc"
    lifted = lift_facet_aggregations(spec)
    assert [t["type"] for t in dataset(lifted, "cars_facet_facet")["transform"]] == [
        "formula", "formula", "aggregate"]
    assert dataset(lifted, "cars_facet_facet")["transform"][-1]["groupby"] == [
        "Origin", "acc", "frugal"]
    assert [d.get("transform") for d in lifted["marks"][0]["data"]] == [[], []]
    assert_draws_the_same(node_runner, "facets/formulas", spec)
    assert server_datasets(spec)[Var("data", "cars_facet_facet")].n_server == 3


@pytest.mark.parametrize("formula", [
    {"type": "formula", "expr": "parent.Origin + datum.Name", "as": "label"},  # reads the facet
    {"type": "formula", "expr": "datum.Year + width", "as": "label"},  # reads a signal
    {"type": "formula", "expr": "'x' + datum.Origin", "as": "Origin"},  # writes a facet field
])
def test_formulas_that_depend_on_the_facet_stop_the_lift(formula: dict[str, Any]) -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]},
                      [formula] + CHILD_BY_YEAR)
    assert lift_facet_aggregations(spec) is spec


# -- what the pass leaves alone --------------------------------------------------------------------
def test_facet_read_by_another_dataset_is_left_alone() -> None:
    raw = {"name": "raw", "source": "facet", "transform": [{"type": "filter", "expr": "true"}]}
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, CHILD_BY_YEAR,
                      extra_group_data=[raw])
    assert lift_facet_aggregations(spec) is spec


def test_facet_read_by_a_mark_or_an_expression_is_left_alone() -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, CHILD_BY_YEAR)
    by_mark = copy.deepcopy(spec)
    by_mark["marks"][0]["marks"].append({"type": "rect", "from": {"data": "facet"}})
    assert lift_facet_aggregations(by_mark) is by_mark
    by_expr = copy.deepcopy(spec)
    by_expr["marks"][0]["marks"][0]["encode"]["update"]["text"] = {
        "signal": "length(data('facet'))"}
    assert lift_facet_aggregations(by_expr) is by_expr


@pytest.mark.parametrize("change", [
    {"groupby": ["Origin.name"]},  # a nested path: L's output field would be flat
    {"field": "values"},  # pre-faceted data
    {"aggregate": {"fields": ["Horsepower"], "ops": ["values"], "as": ["all"]}},
    {"aggregate": {"fields": ["Horsepower"], "ops": ["mean"]}},  # no `as`
    {"aggregate": {"fields": ["Horsepower"], "ops": ["mean"], "as": ["mean_hp"]}},  # clashes
    {"aggregate": {"cross": True, "fields": [None], "ops": ["count"], "as": ["n"]}},
])
def test_facets_the_pass_cannot_show_equal_are_left_alone(change: dict[str, Any]) -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"], **change},
                      CHILD_BY_YEAR)
    assert lift_facet_aggregations(spec) is spec


@pytest.mark.parametrize("first", [
    {"type": "aggregate", "groupby": ["Year"], "cross": True},
    {"type": "aggregate", "groupby": ["Year"], "drop": False},
    {"type": "aggregate", "groupby": {"signal": "fields"}},
    {"type": "formula", "expr": "1", "as": "one"},
])
def test_children_the_pass_cannot_show_equal_are_left_alone(first: dict[str, Any]) -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"]}, [first])
    assert lift_facet_aggregations(spec) is spec


def test_cross_facet_over_an_ungrouped_child_is_left_alone() -> None:
    spec = cars_facet({"name": "facet", "data": "cars", "groupby": ["Origin"],
                       "aggregate": {"cross": True}}, [{"type": "aggregate"}])
    assert lift_facet_aggregations(spec) is spec
    spec["marks"][0]["from"]["facet"]["aggregate"] = {}
    assert lift_facet_aggregations(spec) is not spec  # the same child without cross is lifted


def test_nested_facet_over_a_facet_is_left_alone() -> None:
    spec = corpus("vegalite/facet_column_facet_column_point_future")
    assert lift_facet_aggregations(spec) is spec


# -- corpus specs --------------------------------------------------------------------------------------
LIFTED_CORPUS = {
    # name: (lifted dataset, its server transforms, or None when the source stays in the browser)
    "vegalite/trellis_barley": ("source_0_facet_trellis_barley_facet", 2),
    "vegalite/trellis_barley_independent": ("source_0_facet_trellis_barley_facet", 2),
    "vegalite/facet_independent_scale_layer_broken": ("source_0_facet_facet", 2),
    "vega/box-plot": ("penguins_facet_species", 1),
    "custom/facet_lift_area": ("tips_facet_facet", 1),
    "custom/gh_391": ("data_source_facet_facet", 1),
    "custom/facet_lift_area_color": ("data_0_facet_facet", 2),  # a formula link, then aggregate
    # Movies' Title mixes strings and numbers: the source, and so the lifted dataset, stay in
    # the browser; the rewrite must still draw the same.
    "custom/facet_grouped_bar_with_error_bars": ("source_0_facet_facet", None),
    "custom/facet_grouped_bar_with_error_bars_with_sort": ("source_0_facet_facet", None),
}


@pytest.mark.parametrize("name", sorted(LIFTED_CORPUS))
def test_corpus_facets_are_lifted_draw_the_same_and_run_on_the_server(
        node_runner: NodeRunner, name: str) -> None:
    spec = corpus(name)
    lifted_name, n_server = LIFTED_CORPUS[name]
    lifted = lift_facet_aggregations(spec)
    assert any(g["from"]["facet"]["data"] == lifted_name for g in facet_groups(lifted))
    assert dataset(lifted, lifted_name)["transform"][-1]["type"] == "aggregate"
    assert_draws_the_same(node_runner, name, spec)
    datasets = server_datasets(spec)
    if n_server is None:
        assert Var("data", lifted_name) not in datasets
    else:
        assert datasets[Var("data", lifted_name)].n_server == n_server


@pytest.mark.parametrize("name", ["vegalite/trellis_barley_layer_median",  # two readers of F
                                  "vega/calendar",  # a mark reads F
                                  "vegalite/trellis_cross_sort",  # two readers, cross
                                  "custom/gh_456"])  # an escaped dot in the facet field
def test_corpus_facets_that_must_stay_are_left_alone(name: str) -> None:
    spec = corpus(name)
    assert lift_facet_aggregations(spec) is spec
