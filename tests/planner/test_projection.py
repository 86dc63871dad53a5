"""Projection pushdown (core/vegafusion_core/planner/projection.py).

Unit tests: the fields the browser can read of each server dataset, on small hand-written specs,
one rule (or conservative fallback) each. End-to-end: corpus specs pre-transformed with the pass
draw in Vega JS the same scenegraph as the originals, and the rows sent lost their unused columns.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vegafusion_core.planner.plan import plan
from vegafusion_core.planner.projection import client_fields, expression_reads
from vegafusion_core.spec.scopes import Definition, Var

ROWS = [{"a": 1, "b": 2, "c": 3, "g": "x", "k": "y", "p": 4}]


class AllServer:
    """Runs every transform before the first of a type in ``client_types`` on the server, and
    leaves the datasets named in ``client_datasets`` wholly to the browser."""

    def __init__(self, client_types: tuple[str, ...] = (),
                 client_datasets: tuple[str, ...] = ()) -> None:
        self.client_types = client_types
        self.client_datasets = client_datasets

    def server_prefix(self, defn: Definition, parent: Var | None) -> tuple[int | None, str | None]:
        if defn.var.name in self.client_datasets:
            return None, None
        transforms = defn.spec.get("transform") or []
        for i, t in enumerate(transforms):
            if t.get("type") in self.client_types:
                return i, "kept in the browser for the test"
        return len(transforms), None


def fields_of(spec: dict[str, Any], name: str = "s", client_types: tuple[str, ...] = (),
              client_datasets: tuple[str, ...] = (), **options: Any) -> frozenset[str] | None:
    planned = plan(spec, AllServer(client_types, client_datasets), **options)
    var = Var("data", name, ())
    assert var in planned.client_fields, f"{name} is not sent: {planned.server_to_client}"
    return planned.client_fields[var]


def chart(*marks: dict[str, Any], data: list[dict[str, Any]] | None = None,
          **extra: Any) -> dict[str, Any]:
    spec = {"data": data or [{"name": "s", "values": copy.deepcopy(ROWS)}], "marks": list(marks)}
    spec.update(extra)
    return spec


def rect(encode: dict[str, Any], source: str = "s", **extra: Any) -> dict[str, Any]:
    return {"type": "rect", "from": {"data": source}, "encode": {"update": encode}, **extra}


# -- marks -------------------------------------------------------------------------------------------
def test_encode_field_refs_and_datum_reads_in_expressions() -> None:
    spec = chart(rect({
        "x": {"scale": "x", "field": "a"},
        "y": {"field": "b.inner"},  # nested: the top-level field b travels
        "y2": {"field": "c\\.d"},  # escaped dot: the flat field "c.d"
        "width": {"field": {"datum": "g"}},
        "fill": [{"test": "datum.k > 1", "signal": "datum['p'] * 2"}, {"value": "red"}],
        "height": {"value": 3, "mult": {"field": "m"}},
    }))
    assert fields_of(spec) == {"a", "b", "c.d", "g", "k", "p", "m"}


def test_only_constant_encodings_read_no_field() -> None:
    assert fields_of(chart(rect({"x": {"value": 1}, "fill": {"value": "red"}}))) == frozenset()


@pytest.mark.parametrize("channel", [
    {"signal": "datum"},  # the whole row as a tooltip
    {"signal": "datum[field_signal]"},  # a field known at run time
    {"field": {"signal": "field_signal"}},
    {"signal": "keys(datum)"},  # the row passed to a function
    {"signal": "[datum]"},
])
def test_whole_row_uses_keep_every_field(channel: dict[str, Any]) -> None:
    spec = chart(rect({"x": {"field": "a"}, "tooltip": channel}),
                 signals=[{"name": "field_signal", "value": "b"}])
    assert fields_of(spec) is None


def test_group_and_parent_field_refs_read_nothing_of_the_mark_data() -> None:
    spec = chart(rect({"x": {"field": "a"}, "width": {"field": {"group": "width"}},
                       "y": {"field": {"parent": "b"}}}))
    assert fields_of(spec) == {"a"}


def test_mark_sort_and_key() -> None:
    spec = chart(rect({"x": {"field": "a"}}, sort={"field": ["datum.b", "datum[\"c\"]"]},
                      key="g"))
    assert fields_of(spec) == {"a", "b", "c", "g"}


def test_mark_level_transform_keeps_every_field() -> None:
    mark = rect({"x": {"field": "a"}}, transform=[{"type": "voronoi", "x": "x", "y": "y"}])
    assert fields_of(chart(mark)) is None


def test_mark_drawn_from_another_mark_keeps_the_first_marks_data_whole() -> None:
    first = rect({"x": {"field": "a"}}, name="bars")
    labels = {"type": "text", "from": {"data": "bars"},
              "encode": {"update": {"text": {"field": "datum.b"}}}}
    assert fields_of(chart(first, labels)) is None


def test_group_drawn_from_data_keeps_every_field() -> None:
    group = {"type": "group", "from": {"data": "s"},
             "marks": [{"type": "text", "encode": {"update": {"text": {"signal": "parent.b"}}}}]}
    assert fields_of(chart(group)) is None


# -- scales ------------------------------------------------------------------------------------------
def test_scale_domains_ranges_and_their_sort_fields() -> None:
    spec = chart(rect({"x": {"field": "a"}}), scales=[
        {"name": "x", "type": "band", "domain": {"data": "s", "field": "g",
                                                  "sort": {"op": "sum", "field": "p"}}},
        {"name": "y", "domain": {"data": "s", "fields": ["b", "c"]}},
        {"name": "z", "domain": {"fields": [{"data": "s", "field": "k"}, [1, 2]]}},
    ])
    assert fields_of(spec) == {"a", "g", "p", "b", "c", "k"}


def test_scale_domain_only_dataset_is_projected() -> None:
    spec = chart(scales=[{"name": "y", "domain": {"data": "s", "field": "b"}}])
    assert fields_of(spec) == {"b"}


def test_scale_domain_field_from_a_signal_keeps_every_field() -> None:
    spec = chart(scales=[{"name": "y", "domain": {"data": "s", "field": {"signal": "f"}}}],
                 signals=[{"name": "f", "value": "b"}])
    assert fields_of(spec) is None


# -- pipelines ---------------------------------------------------------------------------------------
def test_own_client_transforms_are_pulled_back() -> None:
    data = [{"name": "s", "values": ROWS, "transform": [
        {"type": "formula", "expr": "datum.p * 2", "as": "z"},  # z produced; p read
        {"type": "filter", "expr": "datum.k != null"},
        {"type": "formula", "expr": "datum.a", "as": "a"},  # a overwritten, read first
    ]}]
    spec = chart(rect({"x": {"field": "z"}, "y": {"field": "a"}, "y2": {"field": "b"}}), data=data)
    # formula stays in the browser: the whole pipeline runs client-side.
    assert fields_of(spec, client_types=("formula",)) == {"p", "k", "a", "b"}


def test_client_dataset_sourcing_a_server_dataset_through_an_aggregate() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "agg", "source": "s", "transform": [
                {"type": "aggregate", "groupby": ["g"], "fields": ["b", None],
                 "ops": ["mean", "count"], "as": ["mean_b", "n"]},
                {"type": "pie", "field": "n"}]}]
    spec = chart(rect({"x": {"field": "mean_b"}}, source="agg"), data=data)
    # pie is not modelled, but the aggregate's input is fresh rows: only g and b.
    assert fields_of(spec, client_datasets=("agg",)) == {"g", "b"}
    # With the aggregate kept in the browser but the dataset on the server, the same holds of
    # the rows sent for it.
    assert fields_of(spec, name="agg", client_types=("aggregate",)) == {"g", "b"}


def test_transitive_client_datasets_and_passthrough_transforms() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "c1", "source": "s", "transform": [
                {"type": "bin", "field": "a", "extent": [0, 10], "as": ["b0", "b1"]}]},
            {"name": "c2", "source": "c1", "transform": [
                {"type": "stack", "groupby": ["g"], "field": "c", "sort": {"field": "k"}},
                {"type": "window", "ops": ["rank"], "as": ["r"], "sort": {"field": "p"}}]}]
    spec = chart(rect({"x": {"field": "b0"}, "y": {"field": "y1"}, "fill": {"field": "r"}},
                      source="c2"), data=data)
    assert fields_of(spec, client_datasets=("c1", "c2")) == {"a", "g", "c", "k", "p"}


def test_unmodelled_client_transform_keeps_every_field() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "c", "source": "s", "transform": [{"type": "kde", "field": "a"}]}]
    spec = chart(rect({"x": {"field": "value"}}, source="c"), data=data)
    assert fields_of(spec, client_datasets=("c",)) is None


def test_transform_field_from_a_signal_keeps_every_field() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "c", "source": "s",
             "transform": [{"type": "aggregate", "groupby": {"signal": "gb"}}]}]
    spec = chart(rect({"x": {"field": "count"}}, source="c"), data=data,
                 signals=[{"name": "gb", "value": ["g"]}])
    assert fields_of(spec, client_datasets=("c",)) is None


def test_lookup_secondary_reads_its_key_and_values() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "primary", "values": [{"id": "x", "w": 1}], "transform": [
                {"type": "lookup", "from": "s", "key": "g", "fields": ["id"],
                 "values": ["a", "b"], "as": ["la", "lb"]}]}]
    spec = chart(rect({"x": {"field": "la"}}, source="primary"), data=data)
    assert fields_of(spec, client_types=("lookup",)) == {"g", "a", "b"}
    assert fields_of(spec, name="primary", client_types=("lookup",)) == {"id"}


def test_lookup_without_values_keeps_the_secondary_whole() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "primary", "values": [{"id": "x"}], "transform": [
                {"type": "lookup", "from": "s", "key": "g", "fields": ["id"], "as": ["row"]}]}]
    spec = chart(rect({"x": {"field": "row.a"}}, source="primary"), data=data)
    assert fields_of(spec, client_types=("lookup",)) is None


# -- facets ------------------------------------------------------------------------------------------
def facet_chart(facet: dict[str, Any]) -> dict[str, Any]:
    child_data = [{"name": "sub", "source": "faceted",
                   "transform": [{"type": "filter", "expr": "datum.k > 0"}]}]
    group = {"type": "group", "from": {"facet": {"name": "faceted", "data": "s", **facet}},
             "encode": {"update": {"x": {"field": "g"}}}, "data": child_data,
             "marks": [rect({"x": {"field": "a"}}, source="faceted"),
                       rect({"y": {"field": "b"}}, source="sub")]}
    return chart(group)


def test_facet_groupby_and_the_faceted_children() -> None:
    spec = facet_chart({"groupby": ["g"], "aggregate": {"fields": ["p"], "ops": ["sum"]}})
    assert fields_of(spec) == {"g", "p", "a", "b", "k"}


def test_prefaceted_field_keeps_every_field() -> None:
    assert fields_of(facet_chart({"field": "g"})) is None


# -- expressions naming datasets ---------------------------------------------------------------------
@pytest.mark.parametrize("expr", ["length(data('s'))", "indata('s', 'a', 1)",
                                  "data(name_signal)[0]"])
def test_data_functions_keep_every_field(expr: str) -> None:
    spec = chart(rect({"x": {"field": "a"}}),
                 signals=[{"name": "name_signal", "value": "s"}, {"name": "n", "update": expr}])
    assert fields_of(spec) is None


def test_data_function_in_a_server_transform_keeps_every_field() -> None:
    """The server binds data('s') in a filter to the values of s, which are the rows sent."""
    data = [{"name": "s", "values": ROWS},
            {"name": "t", "values": [{"x": 1}],
             "transform": [{"type": "filter", "expr": "indata('s', 'a', datum.x)"}]}]
    spec = chart(rect({"x": {"field": "a"}}), rect({"x": {"field": "x"}}, source="t"), data=data)
    assert fields_of(spec) is None


def test_lookup_with_a_signal_parameter_keeps_the_secondary_whole() -> None:
    data = [{"name": "s", "values": ROWS},
            {"name": "primary", "values": [{"id": "x"}], "transform": [
                {"type": "lookup", "from": "s", "key": {"signal": "k"}, "fields": ["id"],
                 "values": ["a"]}]}]
    spec = chart(rect({"x": {"field": "a"}}, source="primary"), data=data,
                 signals=[{"name": "k", "value": "g"}])
    assert fields_of(spec, client_types=("lookup",)) is None


def test_data_function_in_an_encoding_keeps_every_field() -> None:
    spec = chart(rect({"x": {"field": "a"}}),
                 {"type": "text", "encode": {"update": {"text": {"signal": "data('s')[0].b"}}}})
    assert fields_of(spec) is None


# -- selections and event handlers ------------------------------------------------------------------
def selection_chart(test: str, with_fields: bool = True) -> dict[str, Any]:
    signals = [{"name": "brush_tuple_fields",
                "value": [{"field": "c", "channel": "x", "type": "R"}]}] if with_fields else []
    return chart(rect({"x": {"field": "a"}, "opacity": [{"test": test, "value": 1},
                                                         {"value": 0.2}]}),
                 data=[{"name": "s", "values": ROWS}, {"name": "brush_store"}], signals=signals)


def test_vl_selection_test_reads_the_tuple_fields() -> None:
    assert fields_of(selection_chart("vlSelectionTest('brush_store', datum)")) == {"a", "c"}


def test_vl_selection_test_without_tuple_fields_keeps_every_field() -> None:
    spec = selection_chart("vlSelectionTest('brush_store', datum)", with_fields=False)
    assert fields_of(spec) is None


def test_vl_selection_id_test_reads_vgsid() -> None:
    spec = selection_chart("vlSelectionIdTest('brush_store', datum)")
    assert fields_of(spec) == {"a", "_vgsid_"}


def test_event_handlers_read_the_datum_of_any_drawn_row() -> None:
    handler = ('datum && item().mark.marktype !== "group" ? '
               '{v: (item().isVoronoi ? datum.datum : datum)["p"]} : null')
    spec = chart(rect({"x": {"field": "a"}}), signals=[
        {"name": "pick", "value": None, "on": [{"events": "click", "update": handler}]}])
    assert fields_of(spec) == {"a", "p", "datum"}


def test_event_handler_using_the_whole_datum_keeps_every_field() -> None:
    spec = chart(rect({"x": {"field": "a"}}), signals=[
        {"name": "pick", "value": None, "on": [{"events": "click", "update": "datum"}]}])
    assert fields_of(spec) is None


def test_datasets_the_caller_keeps_stay_whole() -> None:
    spec = chart(rect({"x": {"field": "a"}}))
    assert fields_of(spec) == {"a"}
    assert fields_of(spec, keep_datasets=[Var("data", "s", ())]) is None


def test_expression_reads_distinguishes_tests_from_escapes() -> None:
    reads = expression_reads("datum && !datum.a ? datum['b'] + datum[0] : null")
    assert (reads.fields, reads.whole) == ({"a", "b", "0"}, False)
    assert expression_reads("datum.a || datum").whole
    assert expression_reads("'a' in datum").whole
    assert expression_reads("datum[signal_name]").whole


def test_client_fields_is_empty_without_server_datasets_sent() -> None:
    spec = {"data": [{"name": "s", "values": ROWS}]}
    assert client_fields(plan(spec, AllServer())) == {}


# -- end to end: corpus specs in Vega JS -----------------------------------------------------------
# Specs with tooltips, selections (tuple fields, event handlers), facets, lookups and layers,
# each of which sends at least one dataset with columns dropped.
E2E_SPECS = ["vegalite/interactive_multi_line_tooltip", "vegalite/interactive_splom",
             "vegalite/line_concat_facet", "vegalite/brush_table", "vegalite/lookup",
             "vegalite/interactive_global_development", "vegalite/layer_dual_axis",
             "vegalite/concat_hover_filter"]


def corpus_state(name: str) -> tuple[dict[str, Any], Any]:
    from tests.conformance.harness import CORPUS, TZ, engine_inline
    from vegafusion_core import runtime

    path = CORPUS / f"{name}.vg.json"
    if not path.exists():
        pytest.skip(f"corpus spec {name} not found under {CORPUS}")
    spec = json.loads(path.read_text())
    state = runtime._state(spec, local_tz=TZ, default_input_tz=None,
                           inline_datasets=engine_inline(spec), row_limit=None,
                           preserve_interactivity=True, keep_signals=[], keep_datasets=[],
                           truncate_to_row_limit=True)
    return spec, state


@pytest.mark.parametrize("name", E2E_SPECS)
def test_projected_corpus_spec_draws_the_same(name: str, node_runner: Any) -> None:
    from tests.conformance.harness import draw_job, scene_difference
    from vegafusion_core.runtime.ordering import identity_fields

    spec, state = corpus_state(name)
    dropped = {}
    for var, fields in state.plan.client_fields.items():
        rows = state.evaluator.values.get(var) or []
        all_columns = set(state.evaluator._relations[var].columns)  # untrimmed (server use)
        sent_columns = {key for row in rows for key in row}
        if fields is None:
            assert sent_columns == all_columns or not rows
            continue
        allowed = set(fields) | set(identity_fields(state.plan, var) or ())
        assert sent_columns <= allowed, var
        if all_columns - allowed:
            dropped[var.name] = sorted(all_columns - allowed)
    assert dropped, f"{name}: no column was dropped"
    transformed = json.loads(json.dumps(state.get_transformed_spec(), default=str),
                             parse_constant=lambda _name: None)
    original, after = node_runner.run([draw_job(f"{name}/original", spec),
                                       draw_job(f"{name}/projected", transformed)])
    assert original["ok"] and after["ok"], (original["errors"], after["errors"])
    assert scene_difference(original["scene"], after["scene"]) is None


def test_projection_runs_in_sql_and_keeps_server_readers_whole() -> None:
    """The SQL sent drops the columns; a server dataset derived from it still sees them all."""
    spec = {"data": [{"name": "s", "values": ROWS},
                     {"name": "agg", "source": "s",
                      "transform": [{"type": "aggregate", "groupby": ["g"], "fields": ["p"],
                                     "ops": ["sum"], "as": ["total"]}]}],
            "marks": [rect({"x": {"field": "a"}}), rect({"x": {"field": "total"}}, source="agg")]}
    from vegafusion_core import runtime

    state = runtime.new_chart_state(spec, local_tz="UTC")
    s, agg = Var("data", "s", ()), Var("data", "agg", ())
    assert state.plan.client_fields == {s: {"a"}, agg: {"total"}}
    assert state.evaluator.values[s] == [{"a": 1}]
    # agg's aggregate read p and g from s's untrimmed relation; its groupby key g identifies
    # its rows across updates and so travels too.
    assert state.evaluator.values[agg] == [{"g": "x", "total": 4}]
    values, _ = runtime.pre_transform_datasets(spec, ["s"], local_tz="UTC", dataset_format="pyarrow")
    assert values[0].column_names == ["a", "b", "c", "g", "k", "p"]  # asked for: kept whole
