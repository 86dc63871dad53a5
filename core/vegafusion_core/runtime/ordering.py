"""Row order after an update, as Vega's incremental dataflow leaves it.

Vega does not recompute a dataset from scratch when a selection changes: its aggregate keeps the
cells it already has where they are, drops the cells that became empty and appends new ones at the
end (and the datasets downstream keep that order). The server does recompute from scratch, so an
aggregate's groups would come back in first-appearance order of the *filtered* rows: the same bars,
drawn in another order. This module puts the recomputed rows back into Vega's order, using the
aggregate's group fields as the identity of a row.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..planner.plan import Plan
from ..spec.scopes import Var

# Transforms that keep each row's identity and the rows' order (Vega marks them "modifies" or
# they only filter): the order an upstream aggregate set survives them.
_ORDER_KEEPING = {"filter", "formula", "project", "identifier", "extent", "bin", "timeunit",
                  "window", "joinaggregate", "lookup", "stack", "pie", "linkpath"}


def _pipeline(plan: Plan, var: Var) -> list[dict[str, Any]]:
    """The server transforms that produce ``var``, its ancestors' first."""
    chain: list[dict[str, Any]] = []
    current: Var | None = var
    while current is not None and current in plan.datasets:
        ds = plan.datasets[current]
        chain = ds.server_transforms + chain
        current = ds.parent
    return chain


def identity_fields(plan: Plan, var: Var) -> list[str] | None:
    """The fields identifying a row of ``var`` across updates, or None when unknown."""
    for transform in reversed(_pipeline(plan, var)):
        kind = transform.get("type")
        if kind == "aggregate":
            groupby = transform.get("groupby") or []
            names = [g if isinstance(g, str) else (g or {}).get("field") for g in groupby]
            return names if all(isinstance(n, str) for n in names) else None
        if kind not in _ORDER_KEEPING:
            return None
    return None


def _key(row: dict[str, Any], fields: Sequence[str]) -> str:
    return json.dumps([row.get(f) for f in fields], default=str)


def incremental_order(previous: list[dict[str, Any]] | None, rows: list[dict[str, Any]],
                      fields: Sequence[str] | None) -> list[dict[str, Any]]:
    """``rows`` in Vega's order after an update: kept rows where they were, new ones after."""
    if not previous or fields is None:
        return rows
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault(_key(row, fields), []).append(row)
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    for row in previous:
        key = _key(row, fields)
        if key in by_key and key not in placed:
            ordered.extend(by_key[key])
            placed.add(key)
    ordered.extend(row for row in rows if _key(row, fields) not in placed)
    return ordered
