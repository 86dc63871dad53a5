"""An AST back to Vega expression text (fully parenthesised), so that a rewritten expression can
be put back into a spec: ``parse(to_source(ast)) == ast`` up to literal ``raw`` texts."""

from __future__ import annotations

import json
import math
from typing import Any

Node = dict[str, Any]


def _number(value: float | int) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "(1/0)" if value > 0 else "(-1/0)"
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return str(value)


def _literal(node: Node) -> str:
    if "regex" in node:
        return f"/{node['regex']['pattern']}/{node['regex']['flags']}"
    value = node["value"]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    return json.dumps(value, ensure_ascii=False)


def _key(node: Node) -> str:
    if node["type"] == "Identifier":
        return json.dumps(node["name"])
    return json.dumps(str(node["value"]))


def to_source(node: Node) -> str:
    kind = node["type"]
    if kind == "Literal":
        return _literal(node)
    if kind == "Identifier":
        return node["name"]
    if kind == "MemberExpression":
        obj = to_source(node["object"])
        if node.get("computed"):
            return f"{obj}[{to_source(node['property'])}]"
        return f"{obj}.{node['property']['name']}"
    if kind == "CallExpression":
        args = ", ".join(to_source(a) for a in node["arguments"])
        return f"{to_source(node['callee'])}({args})"
    if kind == "UnaryExpression":
        return f"({node['operator']}{to_source(node['argument'])})"
    if kind in ("BinaryExpression", "LogicalExpression"):
        op = node["operator"]
        spaced = f" {op} "
        return f"({to_source(node['left'])}{spaced}{to_source(node['right'])})"
    if kind == "ConditionalExpression":
        return (f"({to_source(node['test'])} ? {to_source(node['consequent'])} : "
                f"{to_source(node['alternate'])})")
    if kind == "ArrayExpression":
        return "[" + ", ".join("" if e is None else to_source(e) for e in node["elements"]) + "]"
    if kind == "ObjectExpression":
        props = ", ".join(f"{_key(p['key'])}: {to_source(p['value'])}"
                          for p in node["properties"])
        return "{" + props + "}"
    raise ValueError(f"cannot print AST node of type {kind!r}")
