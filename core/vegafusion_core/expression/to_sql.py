"""Compile row-level Vega expressions (filter and formula transforms) to sqlglot expressions.

The result reproduces JavaScript's semantics exactly for DuckDB: ``+`` concatenates or adds by the
operands' static types, ``==`` coerces, comparisons with NaN are false, ``x/0`` is infinite,
``%`` keeps the dividend's sign, bitwise operators wrap at 32 bits, and truthiness follows
JavaScript. Field names and strings reach SQL only as quoted identifiers and literals.

Whatever cannot be typed statically (``?:`` with branches of different types, members of objects
of unknown shape) or has no exact SQL form raises UnsupportedError naming the construct; the
planner then leaves the expression to the browser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError, VegaFusionError
from . import functions
from .jsvalues import UNDEFINED, JSDate, JSRegExp
from .parser import parse
from .sql_functions import (
    BIGINT, DOUBLE, and_, bool_sql, call, case, coalesce, is_nan, is_nonnull, js_to_number,
    js_to_string, js_truthy, js_typed_null, literal, maybe_invalid_date, nonnull, not_nan, notnan,
    number_sql, number_typed, or_, paren, require_sql, to_number, to_number_keep_null, to_string,
    truthy,
)
from .types import Typed, VegaType

T = VegaType
_COMPARISONS = {"<": exp.LT, ">": exp.GT, "<=": exp.LTE, ">=": exp.GTE}
_MAX_FOLDED_ARRAY = 10_000  # elements of an array constant inlined into a query
_ARITHMETIC = {"-": exp.Sub, "*": exp.Mul, "/": exp.Div, "%": exp.Mod}


@dataclass
class SqlContext:
    """What an expression may read: the row's fields, bound signals, the viewer's time zone."""

    columns: Mapping[str, VegaType]
    signals: Mapping[str, Any] = field(default_factory=dict)
    tz: str = "UTC"
    table: str | None = None
    path: str | None = None


def compile_expression(expr: str | dict, ctx: SqlContext) -> Typed:
    """Compile a Vega expression (text or parsed AST) to a typed SQL expression."""
    try:
        node = parse(expr, ctx.path) if isinstance(expr, str) else expr
        result = _Compiler(ctx).value(node)
        require_sql(result)
        _require_representable(result)
        return result
    except VegaFusionError as e:
        raise _located(e, expr, ctx) from None
    except RecursionError:
        raise UnsupportedError("expression nested too deeply", path=ctx.path) from None


def compile_filter(expr: str | dict, ctx: SqlContext) -> exp.Expression:
    """Compile a filter predicate: a SQL BOOLEAN that is never NULL (JavaScript truthiness)."""
    try:
        node = parse(expr, ctx.path) if isinstance(expr, str) else expr
        return _Compiler(ctx).condition(node)
    except VegaFusionError as e:
        raise _located(e, expr, ctx) from None
    except RecursionError:
        raise UnsupportedError("expression nested too deeply", path=ctx.path) from None


def _require_representable(result: Typed) -> None:
    """Refuse a result whose SQL NULL would stand for an Invalid Date (SQL has no such value)."""
    if result.type == T.DATE and maybe_invalid_date(result):
        raise UnsupportedError("a Date value that may be an Invalid Date (SQL has no Invalid Date; "
                               "its NULL would read as null)")


def _located(e: VegaFusionError, expr: str | dict, ctx: SqlContext) -> VegaFusionError:
    if isinstance(e, UnsupportedError) and isinstance(expr, str) and "in expression" not in e.message:
        e.message = f"{e.message} in expression {expr!r}"
        e.args = (e._render(),)
    return e.at(ctx.path) if ctx.path else e


class _Compiler:
    def __init__(self, ctx: SqlContext) -> None:
        self.ctx = ctx

    # -- entry points ---------------------------------------------------------------------------

    def value(self, node: dict) -> Typed:
        kind = node["type"]
        method = getattr(self, "_" + kind, None)
        if method is None:
            raise UnsupportedError(f"{kind} in a row expression")
        return method(node)

    def condition(self, node: dict) -> exp.Expression:
        """The truthiness of ``node``: logical operators and ``!`` stay boolean all the way down."""
        kind = node["type"]
        if kind == "LogicalExpression":
            left, right = self.condition(node["left"]), self.condition(node["right"])
            return nonnull(and_(left, right) if node["operator"] == "&&" else or_(left, right))
        if kind == "UnaryExpression" and node["operator"] == "!":
            return nonnull(exp.Not(this=paren(self.condition(node["argument"]))))
        return truthy(self.value(node))

    # -- leaves ---------------------------------------------------------------------------------

    def _Literal(self, node: dict) -> Typed:
        if "regex" in node:
            regex = node["regex"]
            return literal(JSRegExp(regex["pattern"], regex["flags"]))
        value = node["value"]
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        return literal(value)

    def _Identifier(self, node: dict) -> Typed:
        name = node["name"]
        if name == "datum":
            raise UnsupportedError("the whole datum object used as a value")
        if name in self.ctx.signals:
            return literal(_from_signal(self.ctx.signals[name], name))
        if name in functions.CONSTANTS:
            return literal(functions.CONSTANTS[name])
        if name in ("event", "item", "parent"):
            raise UnsupportedError(f"{name!r} (exists only in the browser)")
        raise UnsupportedError(f"signal {name!r} is not bound on the server")

    def _MemberExpression(self, node: dict) -> Typed:
        obj = node["object"]
        prop = self._property_name(node)
        if obj["type"] == "Identifier" and obj["name"] == "datum":
            return self._column(prop)
        target = self.value(obj)
        if target.is_literal:
            return literal(_member_of_constant(target.value, prop))
        if prop == "length" and target.type in (T.STRING, T.ARRAY):
            return self._call_form("length", [target])
        if target.type == T.STRING:
            raise UnsupportedError(f"member {prop!r} of a row string (an index reads one UTF-16 code "
                                   "unit, which may be half a character, or undefined past the end)")
        raise UnsupportedError(f"member {prop!r} of a {target.type.value} value of unknown shape")

    def _property_name(self, node: dict) -> str:
        prop = node["property"]
        if not node["computed"]:
            return prop["name"]
        key = self.value(prop)
        if not key.is_literal:
            raise UnsupportedError("a member looked up by a computed, row-dependent name")
        return js_to_string(key.value)

    def _column(self, name: str) -> Typed:
        if name not in self.ctx.columns:
            return literal(UNDEFINED)  # a field no row has is undefined
        type_ = self.ctx.columns[name]
        if type_ is None:
            raise UnsupportedError(f"field {name!r} mixes JavaScript types, so it has no single SQL "
                                   "type")
        if name == "" or "\x00" in name:
            raise UnsupportedError(f"field name {name!r} cannot be a DuckDB column")
        table = exp.Identifier(this=self.ctx.table, quoted=True) if self.ctx.table else None
        column = exp.Column(this=exp.Identifier(this=name, quoted=True), table=table)
        if type_ == T.NULL:
            return Typed(exp.Null(), T.NULL, None)
        if type_ == T.DATE:
            return _date_column_as_number(column)
        return Typed(column, type_)

    def _ArrayExpression(self, node: dict) -> Typed:
        if any(e is None for e in node["elements"]):
            raise SpecError("array elisions ([1,,2]) are not valid Vega expressions")
        elements = [self.value(e) for e in node["elements"]]
        if all(e.is_literal for e in elements):
            return literal([e.value for e in elements])
        types = {e.type for e in elements}
        if len(types) != 1 or types & {T.NULL, T.ARRAY, T.OBJECT}:
            raise UnsupportedError("an array whose elements have different or unknown types")
        arr = exp.Array(expressions=[require_sql(e) for e in elements])
        arr.meta["vf_elem"] = next(iter(types))
        return Typed(nonnull(arr), T.ARRAY)

    def _ObjectExpression(self, node: dict) -> Typed:
        result: dict[str, Any] = {}
        for prop in node["properties"]:
            key = prop["key"]
            name = key["name"] if key["type"] == "Identifier" else js_to_string(key["value"])
            value = self.value(prop["value"])
            if not value.is_literal:
                raise UnsupportedError("an object literal holding row values")
            result[name] = value.value
        return literal(result)

    # -- operators ------------------------------------------------------------------------------

    def _UnaryExpression(self, node: dict) -> Typed:
        op = node["operator"]
        if op == "!":
            return Typed(self.condition(node), T.BOOLEAN)
        arg = self.value(node["argument"])
        if op == "+":
            return to_number(arg)
        if op == "-":
            n = to_number(arg)
            if n.is_literal:
                return literal(-n.value)
            return number_typed(exp.Neg(this=paren(n.sql)))
        if op == "~":
            if arg.is_literal:
                return literal(float(~_to_int32(js_to_number(arg.value))))
            return number_typed(notnan(call("vf_bit_not", to_number(arg).sql)))
        raise UnsupportedError(f"unary operator {op!r}")

    def _LogicalExpression(self, node: dict) -> Typed:
        left, right = self.value(node["left"]), self.value(node["right"])
        if left.is_literal:  # JavaScript short-circuits on the constant
            keep_left = js_truthy(left.value) == (node["operator"] == "||")
            return left if keep_left else right
        result_type = _common_type(left, right)
        if result_type is None:
            raise UnsupportedError(f"{node['operator']!r} between a {left.type.value} and a "
                                   f"{right.type.value} value used as a value (not a condition)")
        test = truthy(left)
        if node["operator"] == "&&":
            test = exp.Not(this=paren(test))
        return self._choose(test, left, right, result_type)

    def _ConditionalExpression(self, node: dict) -> Typed:
        test = self.condition(node["test"])
        yes, no = self.value(node["consequent"]), self.value(node["alternate"])
        if isinstance(test, exp.Boolean):
            return yes if test.this else no
        result_type = _common_type(yes, no)
        if result_type is None:
            raise UnsupportedError(f"?: whose branches have different types ({yes.type.value} and "
                                   f"{no.type.value})")
        return self._choose(test, yes, no, result_type)

    @staticmethod
    def _choose(test: exp.Expression, yes: Typed, no: Typed, result_type: VegaType) -> Typed:
        if UNDEFINED in (_const(yes), _const(no)):
            raise UnsupportedError("a value that is undefined in some rows and defined in others")
        if result_type == T.DATE and (maybe_invalid_date(yes) or maybe_invalid_date(no)):
            raise UnsupportedError("a choice between Dates, one of which may be an Invalid Date")
        yes_sql = js_typed_null(result_type) if _const(yes) is None else require_sql(yes)
        no_sql = js_typed_null(result_type) if _const(no) is None else require_sql(no)
        if result_type == T.ARRAY and element_types_differ(yes, no):
            raise UnsupportedError("?: between arrays of different element types")
        sql = case([(test, yes_sql)], no_sql)
        if is_nonnull(yes) and is_nonnull(no):
            nonnull(sql)
        if result_type == T.ARRAY:
            sql.meta["vf_elem"] = yes.sql.meta.get("vf_elem") or no.sql.meta.get("vf_elem")
        return Typed(sql, result_type)

    def _BinaryExpression(self, node: dict) -> Typed:
        op = node["operator"]
        left, right = self.value(node["left"]), self.value(node["right"])
        if op == "+":
            return _plus(left, right)
        if op in _ARITHMETIC:
            return _arithmetic(op, to_number(left), to_number(right))
        if op in _COMPARISONS:
            return Typed(nonnull(_compare(op, left, right)), T.BOOLEAN)
        if op in ("==", "!="):
            eq = _loose_equals(left, right)
            return Typed(nonnull(eq if op == "==" else exp.Not(this=paren(eq))), T.BOOLEAN)
        if op in ("===", "!=="):
            eq = _strict_equals(left, right)
            return Typed(nonnull(eq if op == "===" else exp.Not(this=paren(eq))), T.BOOLEAN)
        if op in ("&", "|", "^", "<<", ">>", ">>>"):
            return _bitwise(op, to_number(left), to_number(right))
        raise UnsupportedError(f"binary operator {op!r}")

    # -- calls ----------------------------------------------------------------------------------

    def _CallExpression(self, node: dict) -> Typed:
        callee = node["callee"]
        if callee["type"] != "Identifier":
            raise UnsupportedError("calling a method or computed function")
        args = [self.value(a) for a in node["arguments"]]
        return self._call_form(callee["name"], args)

    def _call_form(self, name: str, args: list[Typed]) -> Typed:
        fdef = functions.lookup(name)
        if fdef is None:
            raise SpecError(f"unknown expression function {name!r}")
        if fdef.sql is None:
            raise UnsupportedError(f"function {name!r} has no SQL form ({fdef.reason})")
        if fdef.python is not None and all(a.is_literal for a in args):
            return self._fold(name, fdef.python, args)
        return fdef.sql(self.ctx, args)

    def _fold(self, name: str, python: Any, args: list[Typed]) -> Typed:
        """A call on constants, evaluated now by the function's Python form (checked against
        Vega like the SQL forms), so that the query holds only its result."""
        from .evaluate import EvalContext

        ctx = EvalContext(signals=self.ctx.signals, datum=None, tz=self.ctx.tz)
        try:
            value = python(ctx, *[a.value for a in args])
        except VegaFusionError:
            raise
        except (ArithmeticError, ValueError, TypeError, OverflowError) as e:
            raise UnsupportedError(f"{name}() on constants failed on the server ({e})") from e
        if isinstance(value, tuple) and value[:1] == ("function",):
            raise UnsupportedError(f"{name}() returns a function")
        if isinstance(value, list) and len(value) > _MAX_FOLDED_ARRAY:
            raise UnsupportedError(f"{name}() on constants builds an array too long to inline")
        return literal(_from_signal(value, name))


def _date_column_as_number(column: exp.Expression) -> Typed:
    """A TIMESTAMP column read as Vega holds it: a number of epoch milliseconds.

    Vega's date parsing (``format.parse``, ``toDate``) yields numbers, not Date objects; sources
    store such fields as TIMESTAMP for speed. Every JavaScript operation must therefore see a
    NUMBER (isDate false, ``+`` adds, ToString gives digits). The TIMESTAMP rides along in
    ``meta["vf_ts"]`` so that date functions read it without converting back.
    """
    ms = exp.cast(call("epoch_ms", column), DOUBLE)
    ms.meta["vf_ts"] = column
    return Typed(notnan(ms), T.NUMBER)


# ---------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------

def choose(test: exp.Expression, yes: Typed, no: Typed, what: str) -> Typed:
    """``test ? yes : no`` for function forms (``if``): one static type or UnsupportedError."""
    result_type = _common_type(yes, no)
    if result_type is None:
        raise UnsupportedError(f"{what} whose branches have different types ({yes.type.value} and "
                               f"{no.type.value})")
    if isinstance(test, exp.Boolean):
        return yes if test.this else no
    return _Compiler._choose(test, yes, no, result_type)


def compare(op: str, left: Typed, right: Typed) -> exp.Expression:
    """JavaScript ``<``, ``<=``, ``>``, ``>=`` as a SQL BOOLEAN that is never NULL."""
    return nonnull(_compare(op, left, right))


def _const(t: Typed) -> Any:
    """The JavaScript null/undefined constant ``t`` holds, or a marker when it holds anything else."""
    if t.is_literal and (t.value is None or t.value is UNDEFINED):
        return t.value
    return _const


def element_types_differ(a: Typed, b: Typed) -> bool:
    ea, eb = a.sql.meta.get("vf_elem"), b.sql.meta.get("vf_elem")
    return ea is not None and eb is not None and ea != eb


def _common_type(a: Typed, b: Typed) -> VegaType | None:
    """The static type of a value that is either ``a`` or ``b`` (null fits any type)."""
    if a.type == b.type:
        return a.type
    if _const(a) is None:
        return b.type
    if _const(b) is None:
        return a.type
    return None


def _plus(left: Typed, right: Typed) -> Typed:
    if T.DATE in (left.type, right.type):
        raise UnsupportedError("'+' with a Date operand (it concatenates Date.toString text)")
    if T.ARRAY in (left.type, right.type) or T.OBJECT in (left.type, right.type):
        if left.is_literal and right.is_literal:
            return literal(js_to_string(left.value) + js_to_string(right.value))
        raise UnsupportedError("'+' with an array or object operand")
    if T.STRING in (left.type, right.type):
        if not any(t.type == T.STRING and is_nonnull(t) for t in (left, right)):
            # A null in the string operand makes JavaScript add numbers (null + 1 is 1): the
            # result's type would change from row to row.
            raise UnsupportedError("'+' whose string operands may be null (then it adds numbers)")
        a, b = to_string(left), to_string(right)
        if a.is_literal and b.is_literal:
            return literal(a.value + b.value)
        return Typed(nonnull(exp.DPipe(this=paren(a.sql), expression=paren(b.sql), safe=True)), T.STRING)
    return _arithmetic("+", to_number(left), to_number(right))


def _arithmetic(op: str, a: Typed, b: Typed) -> Typed:
    if a.is_literal and b.is_literal:
        return literal(_fold_arithmetic(op, a.value, b.value))
    node = exp.Add if op == "+" else _ARITHMETIC[op]
    return number_typed(node(this=paren(a.sql), expression=paren(b.sql)))


def _fold_arithmetic(op: str, x: float, y: float) -> float:
    if op == "+":
        return x + y if not (math.isinf(x) and math.isinf(y) and x != y) else math.nan
    if op == "-":
        return x - y if not (math.isinf(x) and math.isinf(y) and x == y) else math.nan
    if op == "*":
        if (math.isinf(x) and y == 0) or (math.isinf(y) and x == 0):
            return math.nan
        return x * y
    if op == "/":
        if y == 0:
            if x == 0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return x if math.isinf(y) else math.fmod(x, y)


def _compare(op: str, left: Typed, right: Typed) -> exp.Expression:
    """Abstract relational comparison: strings by UTF-16 code units, everything else as numbers."""
    for side in (left, right):
        if side.type in (T.ARRAY, T.OBJECT):
            raise UnsupportedError(f"{op!r} with an array or object operand")
    numeric = _compare_numbers(op, to_number(left), to_number(right))
    if left.type != T.STRING or right.type != T.STRING:
        return numeric
    if left.is_literal and right.is_literal:
        return bool_sql(_compare_utf16(op, left.value, right.value))
    strings = call("vf_utf16_compare", require_sql(left), require_sql(right))
    as_strings = _COMPARISONS[op](this=strings, expression=exp.Literal.number(0))
    if is_nonnull(left) and is_nonnull(right):
        return as_strings
    # null is not a string: with a null operand JavaScript compares numbers (null -> 0).
    either_null = or_(exp.Is(this=paren(left.sql), expression=exp.Null()),
                      exp.Is(this=paren(right.sql), expression=exp.Null()))
    return case([(either_null, numeric)], as_strings)


def _compare_utf16(op: str, a: str, b: str) -> bool:
    ka, kb = a.encode("utf-16-be"), b.encode("utf-16-be")
    return {"<": ka < kb, ">": ka > kb, "<=": ka <= kb, ">=": ka >= kb}[op]


def _compare_numbers(op: str, a: Typed, b: Typed) -> exp.Expression:
    if a.is_literal and b.is_literal:
        x, y = a.value, b.value
        return bool_sql({"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op])
    # DuckDB orders NaN above +Infinity; JavaScript's comparisons with NaN are all false.
    cmp = _COMPARISONS[op](this=paren(a.sql), expression=paren(b.sql))
    return and_(cmp, _not_nan_operand(a), _not_nan_operand(b))


def _not_nan_operand(t: Typed) -> exp.Expression:
    if t.is_literal:
        return bool_sql(not math.isnan(t.value))
    return not_nan(t.sql)


def _nullish(t: Typed) -> exp.Expression:
    if t.is_literal:
        return bool_sql(t.value is None or t.value is UNDEFINED)
    if is_nonnull(t):
        return bool_sql(False)
    return exp.Is(this=paren(t.sql), expression=exp.Null())


def _loose_equals(left: Typed, right: Typed) -> exp.Expression:
    """JavaScript ``==`` (Abstract Equality Comparison)."""
    if left.is_literal and right.is_literal and T.OBJECT not in (left.type, right.type) \
            and T.ARRAY not in (left.type, right.type) and T.DATE not in (left.type, right.type):
        return bool_sql(_loose_equals_constants(left.value, right.value))
    for a, b in ((left, right), (right, left)):
        if _const(a) is not _const:  # null == x and undefined == x: x is null or undefined
            return nonnull(_nullish(b))
    types = {left.type, right.type}
    if types & {T.DATE, T.ARRAY, T.OBJECT}:
        raise UnsupportedError("'==' with a Date, array or object operand (compares identity)")
    if left.type == right.type:
        return _same_type_equals(left, right)
    # Mixed primitives: booleans and strings compare as numbers; null equals only null.
    return _same_type_equals(to_number_keep_null(left), to_number_keep_null(right))


def _loose_equals_constants(x: Any, y: Any) -> bool:
    nullish = (None, UNDEFINED)
    if x in nullish or y in nullish:
        return x in nullish and y in nullish
    if type(x) is type(y) or (isinstance(x, (int, float)) and isinstance(y, (int, float))
                              and not isinstance(x, bool) and not isinstance(y, bool)):
        return x == y
    return js_to_number(x) == js_to_number(y)


def _strict_equals(left: Typed, right: Typed) -> exp.Expression:
    """JavaScript ``===``: no coercion; null === null."""
    if left.is_literal and right.is_literal and left.type not in (T.ARRAY, T.OBJECT, T.DATE):
        x, y = left.value, right.value
        same_kind = js_type(x) == js_type(y)
        return bool_sql(same_kind and (x is y if x in (None, UNDEFINED) else x == y))
    for a, b in ((left, right), (right, left)):
        if _const(a) is UNDEFINED:
            return bool_sql(False)  # row values are never undefined
        if _const(a) is None:
            return nonnull(_nullish(b))
    if T.DATE in (left.type, right.type) or T.ARRAY in (left.type, right.type) \
            or T.OBJECT in (left.type, right.type):
        raise UnsupportedError("'===' with a Date, array or object operand (compares identity)")
    if left.type != right.type:  # only two nulls of different columns are identical
        return and_(_nullish(left), _nullish(right))
    return _same_type_equals(left, right)


def js_type(v: Any) -> str:
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    return js_type_of_value_name(v)


def js_type_of_value_name(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "object"


def _same_type_equals(a: Typed, b: Typed) -> exp.Expression:
    """Equality of two values of one primitive type, where two NULLs (nulls) are equal."""
    if a.is_literal and b.is_literal:
        return bool_sql(a.value == b.value)
    eq: exp.Expression
    if is_nonnull(a) or is_nonnull(b):
        eq = coalesce(exp.EQ(this=paren(a.sql), expression=paren(b.sql)), bool_sql(False), False)
    else:
        eq = exp.NullSafeEQ(this=paren(a.sql), expression=paren(b.sql))
    if a.type == T.NUMBER:
        # DuckDB holds NaN = NaN; JavaScript does not.
        guard = _not_nan_operand(a) if a.is_literal else (
            _not_nan_operand(b) if b.is_literal else not_nan(a.sql))
        eq = and_(eq, guard)
    return eq


# ToInt32 and ToUint32, with DuckDB integer arithmetic on BIGINT.
def _to_int32(x: float) -> int:
    if math.isnan(x) or math.isinf(x):
        return 0
    n = int(x) % 2**32
    return n - 2**32 if n >= 2**31 else n


def _bitwise(op: str, a: Typed, b: Typed) -> Typed:
    """Bitwise operators on ToInt32/ToUint32 operands (macros vf_bit_* in sql/udfs.py)."""
    if a.is_literal and b.is_literal:
        return literal(float(_fold_bitwise(op, a.value, b.value)))
    name = {"&": "vf_bit_and", "|": "vf_bit_or", "^": "vf_bit_xor", "<<": "vf_bit_shl",
            ">>": "vf_bit_shr", ">>>": "vf_bit_ushr"}[op]
    return number_typed(notnan(call(name, a.sql, b.sql)))


def _fold_bitwise(op: str, x: float, y: float) -> int:
    a, b = _to_int32(x), _to_int32(y)
    s = (b % 2**32) & 31
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "<<":
        return _to_int32(float((a << s) % 2**32))
    if op == ">>":
        return a >> s
    return (a % 2**32) >> s


# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

def _from_signal(value: Any, name: str) -> Any:
    """A signal's bound value as a JavaScript constant (ints become doubles)."""
    if isinstance(value, bool) or value is None or value is UNDEFINED:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (str, JSDate, JSRegExp)):
        return value
    if isinstance(value, (list, tuple)):
        return [_from_signal(v, name) for v in value]
    if isinstance(value, dict):
        return {str(k): _from_signal(v, name) for k, v in value.items()}
    raise UnsupportedError(f"signal {name!r} has a value of unsupported kind {type(value).__name__}")


def _member_of_constant(value: Any, prop: str) -> Any:
    if isinstance(value, dict):
        return value.get(prop, UNDEFINED)
    if isinstance(value, (list, str)):
        if prop == "length":
            return float(len(value) if isinstance(value, list) else len(value.encode("utf-16-le")) // 2)
        if prop.isdigit() and (prop == "0" or not prop.startswith("0")):
            i = int(prop)
            if isinstance(value, list):
                return value[i] if i < len(value) else UNDEFINED
            units = value.encode("utf-16-le")
            return units[2 * i:2 * i + 2].decode("utf-16-le", "surrogatepass") if i < len(units) // 2 \
                else UNDEFINED
        return UNDEFINED
    if value is None or value is UNDEFINED:
        raise SpecError(f"cannot read property {prop!r} of {js_to_string(value)}")
    return UNDEFINED
