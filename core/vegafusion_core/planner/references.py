"""Which variables a piece of a Vega spec reads: signals, datasets and scales.

Expressions are parsed with the project's parser; their free identifiers are signals, and the
string-literal first argument of functions such as ``data("x")`` or ``scale("x", ...)`` names a
dataset or a scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from ..errors import SpecError
from ..expression.functions import CONSTANTS
from ..expression.parser import parse
from ..spec.scopes import Group

# Functions whose first argument (a string literal) names a dataset or a scale.
DATA_FUNCTIONS = {"data", "indata", "vlSelectionTest", "vlSelectionIdTest", "vlSelectionResolve",
                  "vlSelectionTuples", "modify", "setdata", "treePath", "treeAncestors"}
SCALE_FUNCTIONS = {"scale", "invert", "copy", "domain", "range", "bandwidth", "gradient",
                   "geoArea", "geoBounds", "geoCentroid", "geoShape", "geoScale", "geoTranslate"}
# Identifiers that are not signals.
NON_SIGNALS = {"datum", "event", "item", "parent", "undefined", "this"} | set(CONSTANTS)
# Keys whose string values are expressions (in signals, transforms, encoders and `on` handlers).
EXPRESSION_KEYS = {"signal", "update", "init", "expr", "test", "trigger", "insert", "remove",
                   "toggle", "modify"}
# Children of a group mark that live in the group's own scope.
GROUP_SCOPED_KEYS = {"data", "signals", "scales", "marks", "axes", "legends", "title",
                     "projections", "layout", "usermeta"}


@dataclass
class Refs:
    """Names read, by namespace (unresolved: resolution depends on the scope they appear in)."""

    signals: set[str] = field(default_factory=set)
    data: set[str] = field(default_factory=set)
    scales: set[str] = field(default_factory=set)

    def add(self, other: "Refs") -> "Refs":
        self.signals |= other.signals
        self.data |= other.data
        self.scales |= other.scales
        return self

    def uses_datum_free_signals(self) -> bool:
        return bool(self.signals)


@lru_cache(maxsize=4096)
def _expression_refs(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    signals: set[str] = set()
    data: set[str] = set()
    scales: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "Identifier":
            if not node.get("member") and node["name"] not in NON_SIGNALS:
                signals.add(node["name"])
            return
        if kind == "MemberExpression":
            visit(node["object"])
            if node.get("computed"):
                visit(node["property"])
            return
        if kind == "CallExpression":
            callee = node["callee"].get("name")
            args = node["arguments"]
            first = args[0] if args else None
            if first and first.get("type") == "Literal" and isinstance(first.get("value"), str):
                if callee in DATA_FUNCTIONS:
                    data.add(first["value"])
                elif callee in SCALE_FUNCTIONS:
                    scales.add(first["value"])
            visit(args)
            return
        if kind == "Property":
            visit(node["value"])
            return
        for key, child in node.items():
            if key not in ("type", "raw", "value", "regex"):
                visit(child)

    visit(parse(text))
    return frozenset(signals), frozenset(data), frozenset(scales)


def expression_refs(text: str, path: str = "") -> Refs:
    """Signals, datasets and scales an expression reads."""
    try:
        signals, data, scales = _expression_refs(text)
    except SpecError as err:
        raise err.at(path)
    return Refs(set(signals), set(data), set(scales))


def fragment_refs(value: Any, path: str = "") -> Refs:
    """Everything a spec fragment reads (skipping inline ``values``, which are data, not spec)."""
    refs = Refs()
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "values" and isinstance(item, list):
                continue
            if key in EXPRESSION_KEYS and isinstance(item, str):
                refs.add(expression_refs(item, sub))
            elif key in ("data", "source", "from") and isinstance(item, str):
                refs.data.add(item)
            elif key == "source" and isinstance(item, list):
                refs.data |= {s for s in item if isinstance(s, str)}
            elif key == "scale" and isinstance(item, str):
                refs.scales.add(item)
            else:
                refs.add(fragment_refs(item, sub))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            refs.add(fragment_refs(item, f"{path}[{i}]"))
    return refs


def group_level_refs(group: Group) -> Iterable[tuple[Group, str, Refs]]:
    """References made at the level of ``group`` (not inside its data or signal definitions).

    Yields ``(scope_group, path, refs)``. A group mark's own ``from``, ``encode`` and ``sort``
    are read in the enclosing scope; everything else it holds, in its own scope.
    """
    for key, item in group.spec.items():
        if key in ("data", "signals", "marks"):
            continue
        if group.parent is not None and key not in GROUP_SCOPED_KEYS:
            yield group.parent, f"{group.path}.{key}", fragment_refs(item, f"{group.path}.{key}")
        else:
            path = f"{group.path}.{key}" if group.path else key
            yield group, path, fragment_refs(item, path)
    for i, mark in enumerate(group.spec.get("marks") or []):
        if isinstance(mark, dict) and mark.get("type") != "group":
            path = group.child_path("marks", i)
            yield group, path, fragment_refs(mark, path)
