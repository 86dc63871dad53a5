"""Brushes answered from a cube (runtime/preaggregate.py) give exactly what a scan gives.

The crossfilter is checked against Vega JS after every brush; the other cases compare the cube
with the scan of the same engine (the scan is what the transform oracle tests cover) on data
made to catch a cube that merges rows a filter or an aggregate tells apart: -0 and 0, null and
the string "null", empty strings, missing values.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from vegafusion_core import runtime
from vegafusion_core.runtime import preaggregate

ORACLE = Path(__file__).resolve().parents[1] / "oracle"


def _rows(n: int = 3000) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        distance = None if i % 97 == 0 else float((i * 37) % 61 * 40)
        if i % 89 == 1:
            distance = -0.0
        rows.append({"distance": distance,
                     "delay": None if i % 53 == 0 else float((i * 13) % 41 - 20) * 5,
                     "time": float((i * 7) % 19) + 0.5,
                     "origin": ["ATL", "null", "", "DEN", None][i % 5]})
    return rows


def _crossfilter() -> dict[str, Any]:
    import altair as alt
    import vl_convert

    brush = alt.selection_interval(encodings=["x"], name="brush")
    base = alt.Chart(alt.UrlData("vegafusion+dataset://flights")).mark_bar().encode(
        x=alt.X(alt.repeat("column"), type="quantitative", bin=alt.Bin(maxbins=20)),
        y="count()").properties(width=160, height=130)
    chart = alt.layer(base.encode(color=alt.value("#ddd")).add_params(brush),
                      base.transform_filter(brush)).repeat(column=["distance", "delay", "time"])
    return vl_convert.vegalite_to_vega(chart.to_dict(validate=False))


def _brush_unit(spec: dict[str, Any]) -> str:
    found = re.search(r'"name": "brush_tuple".*?unit: \\"([^"\\]+)\\"', json.dumps(spec))
    assert found, "no brush_tuple signal"
    return found.group(1)


def _brush(unit: str, field: str, lo: float, hi: float) -> list[dict[str, Any]]:
    return [{"namespace": "data", "name": "brush_store", "scope": [],
             "value": [{"unit": unit, "fields": [{"field": field, "channel": "x", "type": "R"}],
                        "values": [[lo, hi]]}]}]


def _vega_steps(spec, rows, batches, names, tmp_path: Path) -> list[dict[str, list]]:
    jobs = [{"id": "c", "mode": "interact", "spec": spec, "inline": {"flights": rows},
             "batches": batches, "read": [{"namespace": "data", "name": n, "scope": []}
                                          for n in names]}]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    subprocess.run(["node", "scenegraph.mjs", str(tmp_path / "jobs.json"),
                    str(tmp_path / "out.json")], cwd=ORACLE, check=True, timeout=300,
                   env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    result = json.loads((tmp_path / "out.json").read_text())[0]
    assert result["ok"], result["errors"]
    return [dict(zip(names, step["values"])) for step in result["steps"]]


def _as_set(rows: list[dict[str, Any]]) -> list[str]:
    """Rows as an order-free multiset; numbers as floats (JSON writes Vega's 67 and our 67.0)."""
    def number(v: Any) -> Any:
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return sorted(json.dumps({k: number(v) for k, v in r.items()}, sort_keys=True) for r in rows)


@pytest.fixture
def always_cube(monkeypatch):
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 0)
    monkeypatch.setattr(preaggregate, "MAX_SHARE", 1.0)


@pytest.fixture(params=["cube", "rows table"])
def cube_or_rows(request, monkeypatch):
    """Every brush reads a cube, or (no cube small enough) the rows materialised."""
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 0)
    monkeypatch.setattr(preaggregate, "MAX_SHARE", 1.0 if request.param == "cube" else 0.0)


def _datasets(state, names: list[str]) -> dict[str, list]:
    spec = state.get_transformed_spec()
    return {d["name"]: d.get("values") for d in spec["data"] if d["name"] in names}


def test_crossfilter_brushes_match_vega(cube_or_rows, tmp_path):
    spec, rows = _crossfilter(), _rows()
    unit = _brush_unit(spec)
    batches = [_brush(unit, "distance", 200, 1300), _brush(unit, "distance", 1210, 1210.5),
               _brush(unit, "delay", -30, 42), _brush(unit, "distance", 5000, 6000),
               _brush(unit, "distance", -1, 1000)]
    names = ["data_1", "data_2", "data_3"]
    expected = _vega_steps(spec, rows, batches, names, tmp_path)[1:]
    state = _own_state(spec, pa.Table.from_pylist(rows))
    executor = state.evaluator.executor
    before = set(executor._cubes)
    for batch, vega in zip(batches, expected):
        state.update(batch)
        ours = _datasets(state, names)
        for name in names:
            assert _as_set(ours[name]) == _as_set(vega[name]), (batch, name)
    made = [name for key, name in executor._cubes.items() if key not in before]
    assert any(name is not None for name in made), "no brush used a cube"


def _filtered_aggregate(ops: list[str], fields: list[Any], groupby: list[str],
                        test: str, cross: bool = False) -> dict[str, Any]:
    """A store-driven filter (as Vega-Lite writes it) over a static source, then an aggregate."""
    return {
        "$schema": "https://vega.github.io/schema/vega/v6.json",
        "data": [
            {"name": "sel_store"},
            {"name": "source", "url": "vegafusion+dataset://flights"},
            {"name": "filtered", "source": "source", "transform": [
                {"type": "filter", "expr": f"!length(data('sel_store')) || ({test})"}]},
            {"name": "agg", "source": "filtered", "transform": [
                {"type": "aggregate", "groupby": groupby, "ops": ops, "fields": fields,
                 "cross": cross}]},
        ],
        "signals": [{"name": "lo", "value": 0, "bind": {"input": "range"}}],
        "marks": [{"type": "symbol", "from": {"data": "agg"},
                   # The whole row is read, so every aggregate field reaches the browser.
                   "encode": {"update": {"x": {"value": 0}, "tooltip": {"signal": "datum"}}}}],
    }


def _store(values: list[Any]) -> list[dict[str, Any]]:
    return [{"namespace": "data", "name": "sel_store", "scope": [],
             "value": [{"unit": "u", "fields": [{"field": "origin", "type": "E"}],
                        "values": [v]} for v in values]}]


def _answers(spec, table, batches, monkeypatch, cube: bool) -> list[list]:
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 0 if cube else 10**12)
    monkeypatch.setattr(preaggregate, "MAX_SHARE", 1.0)
    state = runtime.new_chart_state(spec, inline_datasets={"flights": table}, local_tz="UTC")
    out = []
    for batch in batches:
        state.update(batch)
        out.append(_datasets(state, ["agg"])["agg"])
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) ==
                                                     math.copysign(1, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("ops,fields,groupby,cross", [
    (["count"], [None], ["distance"], False),
    (["count", "valid", "missing", "distinct", "min", "max"],
     [None, "delay", "delay", "delay", "delay", "delay"], ["origin"], False),
    (["count", "min"], [None, "distance"], [], False),
    (["count"], [None], ["origin", "delay"], True),
])
def test_cube_equals_scan(ops, fields, groupby, cross, monkeypatch):
    spec = _filtered_aggregate(ops, fields, groupby,
                               "vlSelectionTest('sel_store', datum, 'union')", cross)
    table = pa.Table.from_pylist(_rows())
    batches = [_store(["null"]), _store([""]), _store(["ATL", "DEN"]), _store(["nowhere"]),
               [{"namespace": "data", "name": "sel_store", "scope": [], "value": []}]]
    cubed = _answers(spec, table, batches, monkeypatch, cube=True)
    scanned = _answers(spec, table, batches, monkeypatch, cube=False)
    assert _same(cubed, scanned)
    assert any(len(rows) for rows in scanned)


def test_order_dependent_ops_do_not_use_a_cube(monkeypatch):
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 0)
    spec = _filtered_aggregate(["sum"], ["delay"], ["origin"],
                               "vlSelectionTest('sel_store', datum, 'union')")
    state = runtime.new_chart_state(spec, inline_datasets={"flights": pa.Table.from_pylist(_rows())},
                                    local_tz="UTC")
    before = dict(state.evaluator.executor._cubes)
    state.update(_store(["ATL"]))
    assert state.evaluator.executor._cubes == before


@pytest.mark.parametrize("rows_table", [True, False])
def test_too_large_cube_is_dropped_for_the_rows_or_the_scan(monkeypatch, rows_table):
    """A cube over its share gives way to the rows themselves (a table of weight-one rows) when
    they are few enough to keep, else to the scan; either answers what the scan answers."""
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 0)
    monkeypatch.setattr(preaggregate, "MAX_SHARE", 0.001)  # 3 rows: every cube is too large
    monkeypatch.setattr(preaggregate, "ROWS_TABLE_MAX", 10_000 if rows_table else 0)
    spec = _filtered_aggregate(["count", "min", "distinct"], [None, "delay", "origin"],
                               ["time"], "vlSelectionTest('sel_store', datum, 'union')")
    table = pa.Table.from_pylist(_rows())
    state = _own_state(spec, table)
    state.update(_store(["ATL"]))
    made = list(state.evaluator.executor._cubes.values())
    assert made[0] is None  # the cube, too large
    assert (len(made) == 2 and made[1] is not None) if rows_table else len(made) == 1
    counts = _datasets(state, ["agg"])["agg"]
    assert sum(r["count"] for r in counts) == sum(1 for r in _rows() if r["origin"] == "ATL")
    monkeypatch.setattr(preaggregate, "MIN_ROWS", 10**9)  # the same update, scanned
    scanned = _own_state(spec, table)
    scanned.update(_store(["ATL"]))
    assert json.dumps(counts) == json.dumps(_datasets(scanned, ["agg"])["agg"])


def _own_state(spec: dict[str, Any], table: pa.Table) -> runtime.ChartState:
    """A chart state on an executor of its own (no cube built by another test)."""
    from vegafusion_core.runtime.executor import Executor

    return runtime._state(spec, local_tz="UTC", default_input_tz=None,
                          inline_datasets={"flights": table}, executor=Executor())


def test_prepare_for_selections_builds_the_first_brush_cube_and_changes_nothing(always_cube):
    spec, table = _crossfilter(), pa.Table.from_pylist(_rows())

    def new_state():
        return _own_state(spec, table)

    names = ["data_1", "data_2", "data_3"]
    brush = _brush(_brush_unit(spec), "distance", 200, 1300)
    unprepared = new_state()
    expected_answer = unprepared.update(brush)

    state = new_state()
    executor = state.evaluator.executor
    shown = state.get_transformed_spec()
    values = {var: json.dumps(value, sort_keys=True) for var, value in
              state.evaluator.values.items()}
    assert state.prepare_for_selections() == 3  # one brushed field per repeated view
    cubes = dict(executor._cubes)
    assert any(name is not None for name in cubes.values()), "no cube was built"
    # Nothing the browser sees or the next update reads has changed.
    assert state.get_transformed_spec() == shown
    assert {var: json.dumps(value, sort_keys=True) for var, value in
            state.evaluator.values.items()} == values
    # The first brush reads the prepared cube (no new one) and answers what it would have.
    assert state.update(brush) == expected_answer
    assert executor._cubes == cubes
    assert _datasets(state, names) == _datasets(unprepared, names)


def test_prepare_for_selections_without_fixed_fields_does_nothing():
    spec = _filtered_aggregate(["count"], [None], ["time"],
                               "vlSelectionTest('sel_store', datum, 'union')")
    state = runtime.new_chart_state(spec, inline_datasets={"flights": pa.Table.from_pylist(_rows())},
                                    local_tz="UTC")
    shown = state.get_transformed_spec()
    assert state.prepare_for_selections() == 0
    assert state.get_transformed_spec() == shown
