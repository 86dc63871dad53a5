"""Walking a Vega spec: group scopes, the variables each defines, and where they are referenced.

A *scope* is the path of group marks from the root, as VegaFusion counts it: the index of a group
among the group marks (only) of its parent. A *variable* is ``(namespace, name, scope)`` with
namespace ``data``, ``signal`` or ``scale``; a reference from a scope resolves to the nearest
definition in that scope or an enclosing one, as in Vega.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

Scope = tuple[int, ...]

# Transform parameters through which a transform defines a signal.
SIGNAL_DEFINING_PARAMS = {"signal"}


@dataclass(frozen=True, order=True)
class Var:
    namespace: str  # "data" | "signal" | "scale"
    name: str
    scope: Scope = ()

    def to_json(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "name": self.name, "scope": list(self.scope)}


@dataclass
class Group:
    """The root spec or one group mark, with its scope and spec path."""

    scope: Scope
    spec: dict[str, Any]
    path: str  # "" for the root, "marks[3]" or "marks[0].marks[1]" for groups
    facet: dict[str, Any] | None = None  # the group's from.facet, if it is a facet group
    parent: "Group | None" = None
    children: list["Group"] = field(default_factory=list)

    def child_path(self, key: str, index: int) -> str:
        return f"{self.path}.{key}[{index}]" if self.path else f"{key}[{index}]"

    @property
    def in_facet(self) -> bool:
        """True inside a facet group (its data is per facet, built by the browser)."""
        group: Group | None = self
        while group is not None:
            if group.facet is not None:
                return True
            group = group.parent
        return False


def iter_groups(spec: dict[str, Any]) -> list[Group]:
    """The root and every group mark, parents before children."""
    root = Group(scope=(), spec=spec, path="")
    out = [root]

    def visit(group: Group) -> None:
        group_index = 0
        for i, mark in enumerate(group.spec.get("marks") or []):
            if not isinstance(mark, dict) or mark.get("type") != "group":
                continue
            source = mark.get("from") if isinstance(mark.get("from"), dict) else {}
            child = Group(scope=group.scope + (group_index,), spec=mark,
                          path=group.child_path("marks", i), facet=source.get("facet"),
                          parent=group)
            group.children.append(child)
            out.append(child)
            group_index += 1
            visit(child)

    visit(root)
    return out


@dataclass
class Definition:
    """Where a variable is defined, and by what."""

    var: Var
    kind: str  # "data", "signal", "scale", "facet", "produced" (a signal set by a transform)
    spec: dict[str, Any]
    path: str
    group: Group
    order: int  # position in definition order (Vega evaluates data in order)
    dataset: Var | None = None  # for produced signals: the dataset whose transform sets it
    transform_index: int | None = None


# Signals every Vega view defines from top-level properties; the browser may change them
# (autosize, a container's width), so their values count as the browser's.
BUILTIN_SIGNALS = {"width": 0, "height": 0, "padding": 0, "autosize": "pad", "background": None}


def _builtin_definitions(root: Group, counter: Iterator[int]) -> dict[Var, Definition]:
    declared = {s.get("name") for s in root.spec.get("signals") or [] if isinstance(s, dict)}
    out = {}
    for name, default in BUILTIN_SIGNALS.items():
        if name not in declared:
            var = Var("signal", name, ())
            spec = {"name": name, "value": root.spec.get(name, default), "builtin": True}
            out[var] = Definition(var, "signal", spec, name, root, next(counter))
    return out


def collect_definitions(spec: dict[str, Any]) -> dict[Var, Definition]:
    """Every dataset, signal, scale and transform-produced signal of the spec."""
    defs: dict[Var, Definition] = {}
    counter = iter(range(1 << 30))
    groups = iter_groups(spec)
    defs.update(_builtin_definitions(groups[0], counter))
    for group in groups:
        if group.facet is not None and isinstance(group.facet.get("name"), str):
            var = Var("data", group.facet["name"], group.scope)
            defs[var] = Definition(var, "facet", group.facet, f"{group.path}.from.facet", group,
                                   next(counter))
        for i, sig in enumerate(group.spec.get("signals") or []):
            if isinstance(sig, dict) and isinstance(sig.get("name"), str) and not sig.get("push"):
                var = Var("signal", sig["name"], group.scope)
                defs[var] = Definition(var, "signal", sig, group.child_path("signals", i), group,
                                       next(counter))
        for i, data in enumerate(group.spec.get("data") or []):
            if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                continue
            var = Var("data", data["name"], group.scope)
            path = group.child_path("data", i)
            defs[var] = Definition(var, "data", data, path, group, next(counter))
            for j, tx in enumerate(data.get("transform") or []):
                for param in SIGNAL_DEFINING_PARAMS:
                    name = tx.get(param) if isinstance(tx, dict) else None
                    if isinstance(name, str):
                        produced = Var("signal", name, group.scope)
                        defs[produced] = Definition(produced, "produced", tx,
                                                    f"{path}.transform[{j}]", group,
                                                    next(counter), dataset=var, transform_index=j)
        for i, scale in enumerate(group.spec.get("scales") or []):
            if isinstance(scale, dict) and isinstance(scale.get("name"), str):
                var = Var("scale", scale["name"], group.scope)
                defs[var] = Definition(var, "scale", scale, group.child_path("scales", i), group,
                                       next(counter))
    return defs


def resolve(defs: dict[Var, Definition], namespace: str, name: str, scope: Scope) -> Var | None:
    """The variable a reference to ``name`` from ``scope`` means (nearest enclosing definition)."""
    for depth in range(len(scope), -1, -1):
        var = Var(namespace, name, scope[:depth])
        if var in defs:
            return var
    return None


def walk_json(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield ``(path, key, value)`` for every entry of nested dicts and lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            yield sub, key, item
            yield from walk_json(item, sub)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            sub = f"{path}[{i}]"
            yield sub, i, item
            yield from walk_json(item, sub)
