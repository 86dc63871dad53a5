"""The client spec: the original spec with server work replaced by the values it produced.

- A server dataset the browser reads becomes ``{"name", "values": rows}`` followed by the part of
  its pipeline left to the browser; one it does not read is removed, a URL dataset the server
  reads for others too (the browser would load the URL for nothing).
- A server-evaluated signal the browser reads becomes ``{"name", "value"}``; a signal produced by a
  server transform (bin's ``signal``) is declared in the dataset's group with its value.
- The server spec holds the server datasets and signals, for inspection (``get_server_spec``).
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from ..spec.scopes import Group, Var, iter_groups
from .plan import Plan


def _group_by_scope(spec: dict[str, Any]) -> dict[tuple[int, ...], Group]:
    return {group.scope: group for group in iter_groups(spec)}


def build_client_spec(plan: Plan, values: Mapping[Var, Any]) -> dict[str, Any]:
    """The spec for the browser, with ``values`` (current server values) inlined."""
    spec = copy.deepcopy(plan.spec)
    groups = _group_by_scope(spec)
    sent = set(plan.server_to_client)
    for scope, group in groups.items():
        _rewrite_data(plan, group, scope, sent, values)
        _rewrite_signals(plan, group, scope, sent, values)
    return spec


def _rewrite_data(plan: Plan, group: Group, scope: tuple[int, ...], sent: set[Var],
                  values: Mapping[Var, Any]) -> None:
    data = group.spec.get("data")
    if not data:
        return
    out = []
    for entry in data:
        var = Var("data", entry.get("name"), scope) if isinstance(entry, dict) else None
        ds = plan.datasets.get(var) if var else None
        if ds is None:
            out.append(entry)
            continue
        if ds.browser_loads:
            if var in plan.browser_reads:
                out.append(entry)  # the browser reads the URL itself
            continue
        if var not in sent and ds.complete:
            continue
        stub: dict[str, Any] = {"name": var.name, "values": values.get(var, [])}
        if ds.client_transforms:
            stub["transform"] = copy.deepcopy(ds.client_transforms)
        out.append(stub)
    group.spec["data"] = out


def _rewrite_signals(plan: Plan, group: Group, scope: tuple[int, ...], sent: set[Var],
                     values: Mapping[Var, Any]) -> None:
    signals = group.spec.get("signals")
    out: list[Any] = []
    # Signals produced by server transforms lose their definition with the transform: declare them.
    for var in sorted(plan.produced):
        if var.scope == scope and var in sent:
            out.append({"name": var.name, "value": values.get(var)})
    for entry in signals or []:
        var = Var("signal", entry.get("name"), scope) if isinstance(entry, dict) else None
        if var is None or var not in plan.signals:
            out.append(entry)
        elif var in sent:
            out.append({"name": var.name, "value": values.get(var)})
    if out or signals is not None:
        group.spec["signals"] = out


def build_server_spec(plan: Plan) -> dict[str, Any]:
    """The part of the spec evaluated on the server (datasets with their server transforms)."""
    data = []
    for ds in plan.datasets.values():
        entry = {k: copy.deepcopy(v) for k, v in ds.defn.spec.items() if k != "transform"}
        if ds.server_transforms:
            entry["transform"] = copy.deepcopy(ds.server_transforms)
        entry["scope"] = list(ds.var.scope)
        data.append(entry)
    signals = [dict(copy.deepcopy(defn.spec), scope=list(var.scope))
               for var, defn in plan.signals.items()]
    return {"data": data, "signals": signals}
