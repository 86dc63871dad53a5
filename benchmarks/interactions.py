"""The interaction updates each interactive workload replays, as ChartState messages.

The selection's unit name is read from the compiled spec (Vega-Lite names views with a hash), so
the messages are exactly what Altair's JupyterChart would send for the same clicks and drags.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .workloads import brush_sweep

ORIGIN_CLICKS = ["ATL", "DFW", "DEN", "ORD", "LAX", "JFK", "LAS", "MCO", "MIA", "CLT",
                 "SEA", "PHX", "EWR", "SFO", "IAH", "BOS", "FLL", "MSP", "LGA", "DTW"]


def _tuple_unit(spec: dict[str, Any], selection: str) -> str:
    """The ``unit`` the selection's ``<name>_tuple`` signal puts into its store."""
    text = json.dumps(spec)
    found = re.search(r'"name": "' + selection + r'_tuple".*?unit: \\"([^"\\]+)\\"', text)
    if not found:
        raise ValueError(f"no {selection}_tuple signal with a unit in the spec")
    return found.group(1)


def brush_messages(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    unit = _tuple_unit(spec, "brush")
    return [[{"namespace": "data", "name": "brush_store", "scope": [],
              "value": [{"unit": unit, "fields": [{"field": "distance", "channel": "x",
                                                   "type": "R"}],
                         "values": [[lo, hi]]}]}]
            for lo, hi in brush_sweep()]


def pick_messages(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    unit = _tuple_unit(spec, "pick")
    return [[{"namespace": "data", "name": "pick_store", "scope": [],
              "value": [{"unit": unit, "fields": [{"type": "E", "field": "origin"}],
                         "values": [origin]}]}]
            for origin in ORIGIN_CLICKS]


def messages(workload: str, spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    if workload in ("crossfilter", "parquet"):
        return brush_messages(spec)
    if workload == "heatmap":
        return pick_messages(spec)
    return []
