"""Test 2: interaction batches replayed through Vega JS and ChartState.update (see run.replay)."""

from __future__ import annotations

import json
from typing import Any

from .harness import NodeRunner
from .run import load_floor

SCOPED = {
    "$schema": "https://vega.github.io/schema/vega/v5.json", "width": 50, "height": 50,
    "signals": [{"name": "top", "value": 1}],
    "marks": [
        {"type": "group", "signals": [{"name": "inner", "value": 2}]},
        {"type": "group", "signals": [{"name": "inner", "value": 3}],
         "data": [{"name": "rows", "values": [{"a": 1}]}],
         "marks": [{"type": "text", "from": {"data": "rows"},
                    "encode": {"update": {"text": {"signal": "inner + ':' + datum.a"}}}}]},
    ],
}


def test_updates_reach_the_group_scope_vegafusion_names(node_runner: NodeRunner) -> None:
    reads = [{"namespace": "signal", "name": "inner", "scope": [0]},
             {"namespace": "signal", "name": "inner", "scope": [1]},
             {"namespace": "data", "name": "rows", "scope": [1]},
             {"namespace": "signal", "name": "top", "scope": []}]
    batch = [{"namespace": "signal", "name": "inner", "scope": [1], "value": 7},
             {"namespace": "data", "name": "rows", "scope": [1], "value": [{"a": 5}]},
             {"namespace": "signal", "name": "nothing", "scope": [], "value": 0}]
    result = node_runner.run([{"id": "scoped", "mode": "interact", "spec": SCOPED,
                               "batches": [batch], "read": reads}])[0]
    assert result["ok"], result["errors"]
    before, after = result["steps"]
    assert [v if not isinstance(v, list) else [dict(r) for r in v] for v in before["values"]] == \
        [2, 3, [{"a": 1}], 1]
    assert after["values"] == [2, 7, [{"a": 5}], 1]
    assert after["unknown"] == [["signal", "nothing", []]]
    texts = [e[2].get("text") for e in after["scene"] if e[0] == "item" and "text" in e[2]]
    assert texts == ["7:5"]


def test_interaction_pass_count_is_at_least_the_floor(interactions_report: dict[str, Any]) -> None:
    totals = interactions_report["totals"]
    floor = load_floor()["interactions"]
    detail = {n: r.get("difference") for n, r in interactions_report["specs"].items()
              if r["status"] != "pass"}
    assert totals["passed"] >= floor["passed"], (
        f"{totals['passed']} of {totals['specs']} interaction replays draw identically, below the "
        f"floor of {floor['passed']}: {json.dumps(detail, indent=1)}")
