"""Scale domains over server data, computed on the server.

A scale whose domain reads a field of a big server dataset (``"domain": {"data": "source_0",
"field": "origin", "sort": {"op": "count", "field": "origin"}}``) would make the browser receive
every row just to find a few distinct values. This pass adds, next to that dataset, a small
dataset of its distinct values (with the sort key precomputed) and points the domain at it. The
result is plain Vega: the planner then runs the new dataset on the server like any other, and the
big one stays there.

Why distinct values suffice: a continuous domain is the extent of the values, the same over the
distinct ones; a discrete domain is the distinct values in order of first appearance (Vega builds
it with an aggregate, as this pass does), sorted by the client when ``sort`` says so. Quantile
scales need every value and are left alone.
"""

from __future__ import annotations

import copy
from typing import Any

from ..spec.scopes import iter_groups, resolve
from .plan import Plan, client_refs

_LIFTABLE_TYPES = {None, "linear", "log", "pow", "sqrt", "symlog", "time", "utc", "band",
                   "point", "ordinal"}
# Domain sort ops whose value per distinct key can be precomputed, and the op that then
# reproduces it from one precomputed row per key.
_SORT_OPS = {"count": "sum", "sum": "sum", "min": "min", "max": "max", "mean": "mean",
             "average": "average", "median": "median", "valid": "sum", "missing": "sum",
             "distinct": "sum"}
SORT_FIELD = "__vf_domain_sort"


def _derived_dataset(name: str, source: str, field: str, sort: Any) -> tuple[dict, Any] | None:
    """The distinct-values dataset and the scale's rewritten ``sort`` (None: cannot lift)."""
    transform: dict[str, Any] = {"type": "aggregate", "groupby": [field]}
    new_sort = sort
    if isinstance(sort, dict) and ("op" in sort or "field" in sort):
        op = sort.get("op", "count")
        if op not in _SORT_OPS:
            return None
        transform.update(ops=[op], fields=[sort.get("field") if op != "count" else None],
                         **{"as": [SORT_FIELD]})
        new_sort = {**sort, "op": _SORT_OPS[op], "field": SORT_FIELD}
    elif sort not in (None, True, False) and not (isinstance(sort, dict)
                                                    and set(sort) <= {"order"}):
        return None
    return {"name": name, "source": source, "transform": [transform]}, new_sort


def _read_besides_domains(plan: Plan) -> set:
    """Variables the browser reads when scale domains are left out."""
    spec = copy.deepcopy(plan.spec)
    for group in iter_groups(spec):
        for scale in group.spec.get("scales") or []:
            if isinstance(scale, dict) and isinstance(scale.get("domain"), dict):
                scale["domain"].pop("data", None)
    return client_refs(spec, plan.definitions, plan.datasets, plan.signals)


def lift_scale_domains(plan: Plan) -> dict[str, Any] | None:
    """The spec with liftable scale domains rewritten, or None when there are none.

    Only datasets the browser reads for nothing but scale domains are worth it: one it draws
    travels anyway.
    """
    spec = copy.deepcopy(plan.spec)
    changed = False
    read_anyway = _read_besides_domains(plan)
    groups = {g.scope: g for g in iter_groups(spec)}
    for scope, group in groups.items():
        for scale in group.spec.get("scales") or []:
            domain = scale.get("domain") if isinstance(scale, dict) else None
            if not isinstance(domain, dict) or scale.get("type") not in _LIFTABLE_TYPES:
                continue
            data, field = domain.get("data"), domain.get("field")
            if not isinstance(data, str) or not isinstance(field, str):
                continue
            var = resolve(plan.definitions, "data", data, scope)
            ds = plan.datasets.get(var) if var else None
            if ds is None or not ds.complete or ds.browser_loads or var in read_anyway:
                continue
            name = f"{data}_domain_{scale.get('name')}"
            derived = _derived_dataset(name, data, field, domain.get("sort"))
            if derived is None or _defined(groups[var.scope].spec, name):
                continue
            entry, sort = derived
            _insert_after(groups[var.scope].spec, data, entry)
            scale["domain"] = {**domain, "data": name}
            if sort is None:
                scale["domain"].pop("sort", None)
            else:
                scale["domain"]["sort"] = sort
            changed = True
    return spec if changed else None


def _defined(group_spec: dict[str, Any], name: str) -> bool:
    return any(isinstance(d, dict) and d.get("name") == name for d in group_spec.get("data") or [])


def _insert_after(group_spec: dict[str, Any], source: str, entry: dict[str, Any]) -> None:
    data = group_spec.setdefault("data", [])
    index = next((i for i, d in enumerate(data) if isinstance(d, dict)
                  and d.get("name") == source), len(data) - 1)
    data.insert(index + 1, entry)

