"""AST rewrites that let row-level expressions read values the browser sends.

Two passes run before an expression is compiled to SQL:

- :func:`expand_selections` turns ``vlSelectionTest(store, datum, op)`` and
  ``vlSelectionIdTest(store, datum, op)`` into plain comparisons of ``datum`` fields with the
  store's current values (as vega-selections' ``testPoint`` does), so that a brush reaches SQL as
  literals only;
- :func:`fold_constants` evaluates every sub-expression that does not read ``datum`` (signals,
  ``data("store")``, ``length(...)`` of them) with the Python evaluator and puts the value in the
  tree as a literal.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..errors import UnsupportedError, VegaFusionError
from .jsvalues import UNDEFINED, JSDate, JSRegExp, truthy
from .types import VegaType

Node = dict[str, Any]
_ROW_NAMES = {"datum", "event", "item", "parent"}


# -- building nodes ---------------------------------------------------------------------------
def literal(value: Any) -> Node:
    """An AST node whose value is ``value`` (a JS value as jsvalues describes them)."""
    if value is UNDEFINED:
        return {"type": "Identifier", "name": "undefined"}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return {"type": "Literal", "value": value, "raw": repr(value)}
    if isinstance(value, (int, float)):
        if math.isnan(value):
            return {"type": "Identifier", "name": "NaN"}
        if value < 0 or (value == 0 and math.copysign(1, value) < 0):
            return {"type": "UnaryExpression", "operator": "-", "prefix": True,
                    "argument": literal(-value)}
        if math.isinf(value):
            return _binary("/", literal(1), literal(0))
        return {"type": "Literal", "value": value, "raw": repr(value)}
    if isinstance(value, JSDate):
        return _call("toDate", [literal(value.ms)])
    if isinstance(value, JSRegExp):
        # An empty pattern prints as /(?:)/, as RegExp.prototype.source does ("//" is no literal).
        source = value.source or "(?:)"
        return {"type": "Literal", "value": {}, "raw": f"/{source}/{value.flags}",
                "regex": {"pattern": source, "flags": value.flags}}
    if isinstance(value, list):
        return {"type": "ArrayExpression", "elements": [literal(v) for v in value]}
    if isinstance(value, dict):
        return {"type": "ObjectExpression", "properties": [
            {"type": "Property", "kind": "init", "key": literal(str(k)), "value": literal(v)}
            for k, v in value.items()]}
    raise UnsupportedError(f"cannot inline the value {value!r} into an expression")


def _binary(op: str, left: Node, right: Node) -> Node:
    kind = "LogicalExpression" if op in ("&&", "||") else "BinaryExpression"
    return {"type": kind, "operator": op, "left": left, "right": right}


def _call(name: str, args: list[Node]) -> Node:
    return {"type": "CallExpression", "callee": {"type": "Identifier", "name": name},
            "arguments": args}


def _all(op: str, nodes: list[Node], empty: bool) -> Node:
    if not nodes:
        return literal(empty)
    out = nodes[0]
    for node in nodes[1:]:
        out = _binary(op, out, node)
    return out


# -- selections -------------------------------------------------------------------------------
def _datum_field(name: str, columns: Mapping[str, VegaType] | None) -> Node:
    node: Node = {"type": "MemberExpression", "computed": True,
                  "object": {"type": "Identifier", "name": "datum"}, "property": literal(name)}
    # vega-selections compares dates by their time value.
    if columns is not None and columns.get(name) is VegaType.DATE:
        return _call("time", [node])
    return node


def _store_number(value: Any) -> Any:
    return value.ms if isinstance(value, JSDate) else value


def _field_test(kind: str, field: Node, value: Any) -> Node:
    if kind == "E":
        options = value if isinstance(value, list) else [value]
        return _all("||", [_binary("===", field, literal(_store_number(v))) for v in options],
                    empty=False)
    if kind in ("R", "R-RE", "R-E", "R-LE"):
        if not isinstance(value, list) or not value:
            raise UnsupportedError(f"range selection value {value!r} is not an interval")
        lo, hi = _store_number(value[0]), _store_number(value[-1])
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
            lo, hi = hi, lo
        left = kind in ("R", "R-RE")
        right = kind in ("R", "R-LE")
        return _binary("&&", _binary("<=" if left else "<", literal(lo), field),
                       _binary("<=" if right else "<", field, literal(hi)))
    predicates = {"E-LT": "<", "E-LTE": "<=", "E-GT": ">", "E-GTE": ">="}
    if kind in predicates:
        return _binary(predicates[kind], field, literal(_store_number(value)))
    if kind == "E-VALID":
        return _binary("&&", _binary("!==", field, literal(None)),
                       {"type": "UnaryExpression", "operator": "!", "prefix": True,
                        "argument": _call("isNaN", [field])})
    if kind == "E-ONE":
        return _field_test("E", field, list(value))
    raise UnsupportedError(f"selection field type {kind!r} is evaluated in the browser")


def _entry_test(entry: Mapping[str, Any], columns: Mapping[str, VegaType] | None) -> Node:
    fields, values = entry.get("fields") or [], entry.get("values") or []
    tests = []
    for i, f in enumerate(fields):
        name = f.get("field") if isinstance(f, dict) else None
        if not isinstance(name, str) or "." in name or "[" in name:
            raise UnsupportedError(f"selection over field {name!r} is evaluated in the browser")
        tests.append(_field_test(f.get("type", "E"), _datum_field(name, columns),
                                 values[i] if i < len(values) else None))
    return _all("&&", tests, empty=True)


def _combine(entries: list[Mapping[str, Any]], op: str, test) -> Node:
    if op != "intersect":
        return _all("||", [test(e) for e in entries], empty=False)
    if not entries:
        return literal(False)
    units: dict[Any, list[Node]] = {}
    for entry in entries:
        units.setdefault(entry.get("unit"), []).append(test(entry))
    return _all("&&", [_all("||", tests, empty=False) for tests in units.values()], empty=True)


def _selection_call(node: Node, datasets: Mapping[str, list], columns) -> Node | None:
    callee = node["callee"].get("name")
    if callee not in ("vlSelectionTest", "vlSelectionIdTest"):
        return None
    args = node["arguments"]
    if not args or args[0].get("type") != "Literal" or not isinstance(args[0]["value"], str):
        raise UnsupportedError(f"{callee} needs a string literal store name")
    store = args[0]["value"]
    if store not in datasets:
        return None
    op = args[2].get("value") if len(args) > 2 and args[2].get("type") == "Literal" else "union"
    entries = list(datasets[store] or [])
    if callee == "vlSelectionTest":
        return _combine(entries, op, lambda e: _entry_test(e, columns))
    return _combine(entries, op, lambda e: _binary(
        "===", _datum_field("_vgsid_", columns), literal(e.get("_vgsid_"))))


def expand_selections(node: Any, datasets: Mapping[str, list],
                      columns: Mapping[str, VegaType] | None = None) -> Any:
    """Replace selection tests over known stores by explicit comparisons (see module doc)."""
    if isinstance(node, list):
        return [expand_selections(n, datasets, columns) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "CallExpression":
        expanded = _selection_call(node, datasets, columns)
        if expanded is not None:
            return expanded
    return {k: expand_selections(v, datasets, columns) if k not in ("raw", "value") else v
            for k, v in node.items()}


# -- constant folding -------------------------------------------------------------------------
def _reads_row(node: Any) -> bool:
    if isinstance(node, list):
        return any(_reads_row(n) for n in node)
    if not isinstance(node, dict):
        return False
    if node.get("type") == "Identifier" and not node.get("member"):
        return node["name"] in _ROW_NAMES
    return any(_reads_row(v) for k, v in node.items() if k not in ("raw", "value", "regex"))


def _short_circuit(node: Node, evaluate_node) -> Node | None:
    """The branch JavaScript takes when a condition reads no row (so the other is never run)."""
    kind = node.get("type")
    if kind == "LogicalExpression" and not _reads_row(node["left"]):
        try:
            left = evaluate_node(node["left"])
        except VegaFusionError:
            return None
        if truthy(left) == (node["operator"] == "||"):
            return literal(left)
        return node["right"]
    if kind == "ConditionalExpression" and not _reads_row(node["test"]):
        try:
            test = evaluate_node(node["test"])
        except VegaFusionError:
            return None
        return node["consequent"] if truthy(test) else node["alternate"]
    return None


def fold_constants(node: Any, evaluate_node) -> Any:
    """Replace each largest sub-tree that reads no row by the literal of its value.

    ``evaluate_node(node)`` evaluates a sub-tree (the caller binds signals, datasets and time
    zone); a sub-tree it cannot evaluate (UnsupportedError) is left for the SQL compiler.
    """
    if isinstance(node, list):
        return [fold_constants(n, evaluate_node) for n in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    short = _short_circuit(node, evaluate_node)
    if short is not None:
        return fold_constants(short, evaluate_node)
    if kind in ("Literal", "Property") or (kind == "Identifier" and node.get("member")):
        return node if kind != "Property" else {**node, "value": fold_constants(
            node["value"], evaluate_node)}
    if not _reads_row(node) and kind != "Identifier":
        try:
            return literal(evaluate_node(node))
        except VegaFusionError:
            pass  # left as it is: the SQL compiler decides (JS may never evaluate it)
    if kind == "Identifier":
        if node["name"] in _ROW_NAMES or node["name"] in ("undefined", "NaN"):
            return node
        try:
            return literal(evaluate_node(node))
        except VegaFusionError:
            return node
    if kind == "CallExpression":
        return {**node, "arguments": fold_constants(node["arguments"], evaluate_node)}
    if kind == "MemberExpression":
        prop = node["property"]
        if node.get("computed"):
            prop = fold_constants(prop, evaluate_node)
        return {**node, "object": fold_constants(node["object"], evaluate_node), "property": prop}
    return {k: fold_constants(v, evaluate_node) if isinstance(v, (dict, list)) else v
            for k, v in node.items()}
