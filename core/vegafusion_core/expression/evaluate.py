"""Evaluate Vega expressions in Python with the semantics of the JavaScript Vega generates.

vega-expression compiles an expression to JavaScript code (see its ``codegen.js``); this module
walks the same AST and reproduces what that code does: identifiers are signals (``_["$name"]``),
``datum`` is the current row, constants come from ``Math``/``Number``, operators follow
JavaScript's coercions (jsvalues.py) and calls go through the one function table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import SpecError, UnsupportedError
from .jsvalues import (
    DISALLOWED_OBJECT_PROPERTIES,
    UNDEFINED,
    JSDate,
    JSRegExp,
    is_number,
    is_object,
    js_add,
    js_bitnot,
    js_bitwise,
    js_compare,
    js_div,
    js_mod,
    js_mul,
    js_negate,
    js_sub,
    loose_equals,
    strict_equals,
    to_number,
    to_string,
    truthy,
)
from .parser import parse

Node = dict[str, Any]


@dataclass
class EvalContext:
    """What an expression can read: signal values, the current datum, the viewer's time zone,
    and the datasets that selection functions read (Vega-Lite's selection stores)."""

    signals: Mapping[str, Any] = field(default_factory=dict)
    datum: Mapping[str, Any] | None = None
    tz: str = "UTC"
    datasets: Mapping[str, list[dict]] = field(default_factory=dict)


# vega-functions' codegen parameters: ``_`` is forbidden, ``datum``/``event``/``item`` are
# variables of the generated function rather than signals.
_FORBIDDEN = {"_"}
_BROWSER_VARIABLES = {"event", "item"}
# Calls whose first argument Vega requires to be a string literal (their AST visitors check it).
_SELECTION_FUNCTIONS = {"vlSelectionTest", "vlSelectionIdTest", "vlSelectionResolve",
                        "vlSelectionTuples"}
# Functions vega-expression generates as a method call on the first argument (``fncall``):
# without arguments, code generation itself fails.
_METHOD_CALL_FUNCTIONS = {
    "date", "day", "year", "month", "hours", "minutes", "seconds", "milliseconds", "time",
    "timezoneoffset", "utcdate", "utcday", "utcyear", "utcmonth", "utchours", "utcminutes",
    "utcseconds", "utcmilliseconds", "length", "upper", "lower", "substring", "split", "trim",
    "test",
}
# Methods that JavaScript values have; reading one yields a function, which the server
# cannot represent (and which Vega expressions can never call).
_OBJECT_METHODS = {
    "toString", "valueOf", "toLocaleString", "constructor", "hasOwnProperty", "isPrototypeOf",
    "propertyIsEnumerable", "__proto__", "__defineGetter__", "__defineSetter__",
    "__lookupGetter__", "__lookupSetter__",
}
_METHOD_NAMES = {
    "object": _OBJECT_METHODS,
    "array": _OBJECT_METHODS | {
        "at", "concat", "copyWithin", "entries", "every", "fill", "filter", "find", "findIndex",
        "findLast", "findLastIndex", "flat", "flatMap", "forEach", "includes", "indexOf",
        "join", "keys", "lastIndexOf", "map", "pop", "push", "reduce", "reduceRight",
        "reverse", "shift", "slice", "some", "sort", "splice", "toReversed", "toSorted",
        "toSpliced", "unshift", "values", "with"},
    "string": _OBJECT_METHODS | {
        "at", "charAt", "charCodeAt", "codePointAt", "concat", "endsWith", "includes",
        "indexOf", "lastIndexOf", "localeCompare", "match", "matchAll", "normalize", "padEnd",
        "padStart", "repeat", "replace", "replaceAll", "search", "slice", "split",
        "startsWith", "substr", "substring", "toLowerCase", "toUpperCase", "trim", "trimEnd",
        "trimStart", "toLocaleLowerCase", "toLocaleUpperCase"},
    "value": _OBJECT_METHODS | {"toFixed", "toExponential", "toPrecision", "exec", "test",
                                "compile"},
}
_JS_DATE_PREFIX = ("get", "set", "to")


_FUNCTIONS_MODULE: Any = None


def _function_table() -> Any:
    # Imported late: the table imports the Python forms, which import this module.
    global _FUNCTIONS_MODULE
    if _FUNCTIONS_MODULE is None:
        from . import functions

        _FUNCTIONS_MODULE = functions
    return _FUNCTIONS_MODULE


def evaluate(expr: str | Node, ctx: EvalContext | None = None) -> Any:
    """Evaluate a Vega expression (text or parsed AST) and return its JavaScript value."""
    ast = parse(expr) if isinstance(expr, str) else expr
    try:
        return _Evaluator(ctx or EvalContext()).visit(ast)
    except RecursionError as e:
        raise UnsupportedError("expression nested too deeply to evaluate on the server") from e


def js_type_error(message: str) -> SpecError:
    """The error raised where JavaScript would throw a TypeError at run time."""
    return SpecError(f"TypeError: {message}")


class _Evaluator:
    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self._visitors: dict[str, Callable[[Node], Any]] = {
            "Literal": self.literal,
            "Identifier": self.identifier,
            "MemberExpression": self.member,
            "CallExpression": self.call,
            "ArrayExpression": self.array,
            "ObjectExpression": self.object,
            "UnaryExpression": self.unary,
            "BinaryExpression": self.binary,
            "LogicalExpression": self.logical,
            "ConditionalExpression": self.conditional,
        }

    def visit(self, node: Node) -> Any:
        visitor = self._visitors.get(node["type"])
        if visitor is None:
            raise SpecError(f"Unsupported type: {node['type']}")
        return visitor(node)

    # -- leaves ---------------------------------------------------------------------------

    def literal(self, node: Node) -> Any:
        if "regex" in node:
            if node.get("value") is None:  # the parser saw flags RegExp rejects (repeated)
                raise SpecError(f"Invalid regular expression flags {node['regex']['flags']!r}")
            # Every evaluation of a regex literal makes a new RegExp object, as in JS.
            return JSRegExp(node["regex"]["pattern"], node["regex"]["flags"])
        value = node["value"]
        return float(value) if is_number(value) else value

    def identifier(self, node: Node) -> Any:
        name = node["name"]
        if name in _FORBIDDEN:
            raise SpecError(f"Illegal identifier: {name}")
        constants = _function_table().CONSTANTS
        if name in constants:
            return constants[name]
        if name == "datum":
            if self.ctx.datum is None:
                raise SpecError("ReferenceError: datum is not defined in this expression")
            datum = self.ctx.datum
            return datum if isinstance(datum, dict) else dict(datum)
        if name in _BROWSER_VARIABLES:
            raise UnsupportedError(f"'{name}' exists only in the browser (event handlers)")
        if name not in self.ctx.signals:
            raise SpecError(f"Unrecognized signal name: {name!r}")
        return self.ctx.signals[name]

    def array(self, node: Node) -> list[Any]:
        if any(e is None for e in node["elements"]):
            # vega-expression's codegen fails on array holes ([1,,2]).
            raise SpecError("Cannot read properties of null (reading 'visit'): array holes")
        return [self.visit(e) for e in node["elements"]]

    def object(self, node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {}
        keys = [self.property_key(p["key"]) for p in node["properties"]]
        for key in keys:
            if key in DISALLOWED_OBJECT_PROPERTIES:
                raise SpecError(f"Illegal property: {key}")
        if len(set(keys)) != len(keys):  # vega-expression's parser rejects these (strict mode)
            raise SpecError("Duplicate data property in object literal not allowed in strict mode")
        for key, prop in zip(keys, node["properties"]):
            out[key] = self.visit(prop["value"])
        return _js_key_order(out)

    @staticmethod
    def property_key(key: Node) -> str:
        if key["type"] == "Identifier":
            return key["name"]
        value = key["value"]
        return to_string(float(value) if is_number(value) else value)

    # -- member access --------------------------------------------------------------------

    def member(self, node: Node) -> Any:
        obj = self.visit(node["object"])
        if node["computed"]:
            prop = self.visit(node["property"])
        else:
            prop = node["property"]["name"]
        return get_member(obj, prop, self.ctx.tz)

    # -- calls ----------------------------------------------------------------------------

    def call(self, node: Node) -> Any:
        callee = node["callee"]
        if callee["type"] != "Identifier":
            raise SpecError(f"Illegal callee type: {callee['type']}")
        name, args = callee["name"], node["arguments"]
        if name == "if":
            return self.if_call(args)
        if name == "clamp" and len(args) != 3:
            few = len(args) < 3
            raise SpecError(f"{'Missing' if few else 'Too many'} arguments to clamp function.")
        if name in _METHOD_CALL_FUNCTIONS and not args:
            raise SpecError(f"{name}() needs an argument: Cannot read properties of undefined "
                            "(reading 'type')")
        if name == "length" and args and _integer_literal(args[0]):
            # Vega generates `5.length`, which JavaScript cannot even parse.
            raise SpecError("SyntaxError: Invalid or unexpected token")
        if name in _SELECTION_FUNCTIONS and (not args or args[0]["type"] != "Literal"):
            raise SpecError("First argument to selection functions must be a string literal.")
        row = _function_table().lookup(name)
        if row is None:
            raise UnsupportedError(f"Unrecognized function: {name}")
        if row.python is None:
            raise UnsupportedError(
                f"function {name!r} is not evaluated on the server: {row.reason}")
        values = [self.visit(a) for a in args]
        try:
            return row.python(self.ctx, *values)
        except (SpecError, UnsupportedError):
            raise
        except (ArithmeticError, LookupError, TypeError, ValueError) as e:
            # A case the Python form does not cover: leave the call to the browser.
            raise UnsupportedError(f"{name}() failed on the server ({type(e).__name__}: {e})") from e

    def if_call(self, args: list[Node]) -> Any:
        if len(args) != 3:
            few = len(args) < 3
            raise SpecError(f"{'Missing' if few else 'Too many'} arguments to if function.")
        return self.visit(args[1] if truthy(self.visit(args[0])) else args[2])

    # -- operators ------------------------------------------------------------------------

    def unary(self, node: Node) -> Any:
        op, value = node["operator"], self.visit(node["argument"])
        if op == "!":
            return not truthy(value)
        if op == "-":
            return js_negate(value)
        if op == "+":
            return to_number(value)
        if op == "~":
            return js_bitnot(value)
        raise SpecError(f"Unsupported unary operator: {op}")

    def logical(self, node: Node) -> Any:
        left = self.visit(node["left"])
        if node["operator"] == "&&":
            return self.visit(node["right"]) if truthy(left) else left
        return left if truthy(left) else self.visit(node["right"])

    def conditional(self, node: Node) -> Any:
        test = truthy(self.visit(node["test"]))
        return self.visit(node["consequent"] if test else node["alternate"])

    def binary(self, node: Node) -> Any:
        # Walk the left spine iteratively: long chains (a + b + c + ...) nest to the left, and
        # must not exhaust Python's recursion limit.
        spine = [node]
        while spine[-1]["left"]["type"] == "BinaryExpression":
            spine.append(spine[-1]["left"])
        value = self.visit(spine[-1]["left"])
        for step in reversed(spine):
            value = binary_op(step["operator"], value, self.visit(step["right"]), self.ctx.tz)
        return value


def _integer_literal(node: Node) -> bool:
    raw = node.get("raw", "") if node["type"] == "Literal" else ""
    return isinstance(raw, str) and raw.isdigit()


def binary_op(op: str, a: Any, b: Any, tz: str = "UTC") -> Any:
    """A JavaScript binary operator applied to two values."""
    simple: dict[str, Callable[[Any, Any], Any]] = {
        "-": js_sub, "*": js_mul, "/": js_div, "%": js_mod,
        "===": strict_equals, "!==": lambda x, y: not strict_equals(x, y),
    }
    if op in simple:
        return simple[op](a, b)
    if op == "+":
        return js_add(a, b, tz)
    if op == "==":
        return loose_equals(a, b, tz)
    if op == "!=":
        return not loose_equals(a, b, tz)
    if op in ("<", ">", "<=", ">="):
        return js_compare(a, b, op)
    if op in ("|", "&", "^", "<<", ">>", ">>>"):
        return js_bitwise(op, a, b)
    if op == "in":
        return _js_in(a, b)
    if op == "instanceof":
        raise UnsupportedError("'instanceof' needs a constructor, which Vega expressions cannot name")
    raise SpecError(f"Unsupported binary operator: {op}")


def _js_in(key: Any, obj: Any) -> bool:
    if not is_object(obj):
        raise js_type_error(f"Cannot use 'in' operator to search for '{to_string(key)}' in "
                            f"{to_string(obj)}")
    k = to_string(key)
    if isinstance(obj, dict):
        return k in obj
    if isinstance(obj, list):
        return k == "length" or (_array_index(k) is not None and _array_index(k) < len(obj))  # type: ignore[operator]
    return False


# -- property access ----------------------------------------------------------------------


def _array_index(key: str) -> int | None:
    """The integer a canonical array-index key names ("0", "12"; not "01" or "-1")."""
    if key.isdigit() and (key == "0" or not key.startswith("0")) and key.isascii():
        n = int(key)
        return n if n < 2**32 - 1 else None
    return None


def _js_key_order(obj: dict[str, Any]) -> dict[str, Any]:
    """JS objects list integer-like keys first, ascending, then the others in insertion order."""
    index_keys = [k for k in obj if _array_index(k) is not None]
    if not index_keys:
        return obj
    ordered = sorted(index_keys, key=lambda k: int(k))
    return {**{k: obj[k] for k in ordered}, **{k: v for k, v in obj.items() if k not in index_keys}}


def utf16_length(s: str) -> int:
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


_REGEXP_PROPERTIES: dict[str, Callable[[JSRegExp], Any]] = {
    "source": lambda r: r.source or "(?:)",
    "flags": lambda r: "".join(sorted(r.flags, key="dgimsuvy".index)),
    "global": lambda r: "g" in r.flags,
    "ignoreCase": lambda r: "i" in r.flags,
    "multiline": lambda r: "m" in r.flags,
    "dotAll": lambda r: "s" in r.flags,
    "sticky": lambda r: "y" in r.flags,
    "unicode": lambda r: "u" in r.flags,
    "hasIndices": lambda r: "d" in r.flags,
    "lastIndex": lambda r: 0.0,
}


def get_member(obj: Any, prop: Any, tz: str = "UTC") -> Any:
    """``obj[prop]`` as JavaScript reads it (own data properties; methods are unsupported)."""
    if obj is None or obj is UNDEFINED:
        shown = to_string(prop, tz)
        raise js_type_error(f"Cannot read properties of {to_string(obj)} (reading '{shown}')")
    if isinstance(obj, list) and type(prop) in (int, float) and 0 <= prop < len(obj) \
            and prop == int(prop):
        return obj[int(prop)]  # the common case, without building the key string
    key = to_string(prop, tz) if not is_number(prop) else to_string(float(prop))
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        return _missing(key, "object")
    if isinstance(obj, (list, tuple)):
        if key == "length":
            return float(len(obj))
        index = _array_index(key)
        if index is not None:
            return obj[index] if index < len(obj) else UNDEFINED
        return _missing(key, "array")
    if isinstance(obj, str):
        if key == "length":
            return float(utf16_length(obj))
        index = _array_index(key)
        if index is not None:
            return _utf16_char_at(obj, index)
        return _missing(key, "string")
    if isinstance(obj, JSRegExp) and key in _REGEXP_PROPERTIES:
        return _REGEXP_PROPERTIES[key](obj)
    if isinstance(obj, JSDate) and key.startswith(_JS_DATE_PREFIX):
        raise UnsupportedError(f"Date method '{key}' is a function value; call a date function instead")
    return _missing(key, "value")


def _utf16_char_at(s: str, index: int) -> Any:
    if all(ord(c) <= 0xFFFF for c in s):
        return s[index] if index < len(s) else UNDEFINED
    units = s.encode("utf-16-le")
    if index * 2 >= len(units):
        return UNDEFINED
    return units[index * 2:index * 2 + 2].decode("utf-16-le", errors="surrogatepass")


def _missing(key: str, kind: str) -> Any:
    if key in _METHOD_NAMES[kind]:
        raise UnsupportedError(f"'{key}' of a JavaScript {kind} is a function value, "
                               "which the server does not evaluate")
    return UNDEFINED


