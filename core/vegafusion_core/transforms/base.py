"""What every server-side Vega transform is made of.

A transform is a class with a Vega ``type`` name, its parameters declared as vega-transforms'
``Definition`` declares them, and ``to_sql``: it wraps the query of its input relation into a new
query. A pipeline of transforms therefore compiles into one nested query that DuckDB optimises as a
whole (see pipeline.py).

Row order is part of a Vega dataset. Every relation carries the order column ``ORDER`` (a number,
smaller first), and every transform defines the order of its output rows through it, as Vega does
(input order for row-wise transforms, first appearance of each group for aggregates, stable sort
for collect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import VegaType

ORDER = "_vf_order"
# In a relation of pre-aggregated rows (runtime/preaggregate.py): how many rows each one stands for.
WEIGHT = "__vf_weight"

# Parameter types, as in vega-transforms' Definition: field (a field name or {"field": ...}),
# string, number, boolean, enum (one of `values`), expr ({"expr": ...} or a string), signal
# (a signal reference allowed wherever Vega allows one), compare ({"field", "order"}), any.
PARAM_TYPES = {"field", "string", "number", "boolean", "enum", "expr", "compare", "any",
               "transform", "data", "index"}


@dataclass(frozen=True)
class Param:
    """One declared parameter of a transform."""

    name: str
    type: str
    required: bool = False
    array: bool = False
    values: tuple[Any, ...] = ()
    default: Any = None
    length: int | None = None  # fixed array length (e.g. extent: 2)


class SharedQuery:
    """A relation's query held by reference inside the trees that read it.

    sqlglot's ``copy()`` (used by every builder call) rebuilds each node it finds under a
    tree's args, without calling ``__deepcopy__`` on children; a pipeline of n transforms nests
    n queries, so copying the inner queries at every level would cost O(n^2). Kept in args as a
    plain Python value, the query is shared by every copy instead. A relation's query is never
    mutated once wrapped, so sharing it is safe. Its SQL text is rendered once per generator.
    """

    __slots__ = ("query", "rendered")

    def __init__(self, query: exp.Select) -> None:
        self.query = query
        self.rendered: dict[str, str] = {}

    def __deepcopy__(self, memo: dict) -> "SharedQuery":
        return self


class SharedSubquery(exp.Subquery):
    """``(query) AS alias`` over a shared query (see SharedQuery)."""

    def __init__(self, **args: Any) -> None:
        if isinstance(args.get("this"), exp.Expression):
            args["this"] = SharedQuery(args["this"])
        super().__init__(**args)

    @classmethod
    def over(cls, query: exp.Select, alias: str) -> "SharedSubquery":
        return cls(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias)))

    @property
    def query(self) -> exp.Select:
        return self.args["this"].query


def _shared_subquery_sql(gen: Any, node: SharedSubquery) -> str:
    """``(inner SQL) AS alias``, the inner SQL generated once per generator kind."""
    shared: SharedQuery = node.args["this"]
    key = f"{type(gen).__name__}:{gen.pretty}:{gen.identify}"
    inner = shared.rendered.get(key)
    if inner is None:
        inner = shared.rendered[key] = gen.sql(shared.query)
    alias = gen.sql(node, "alias")
    return f"({inner})" + (f" AS {alias}" if alias else "")


def iter_tables(query: exp.Expression):
    """Every table a query reads, through the shared queries it nests."""
    stack = [query]
    while stack:
        for node in stack.pop().walk():
            if isinstance(node, exp.Table):
                yield node
            elif isinstance(node, SharedSubquery):
                stack.append(node.query)


def _render_like_subquery() -> None:
    """Teach sqlglot's generators (base and DuckDB) to print SharedSubquery as a Subquery."""
    from sqlglot import generator
    from sqlglot.dialects.duckdb import DuckDB

    for gen in (generator.Generator, DuckDB.Generator):
        gen.TRANSFORMS[SharedSubquery] = _shared_subquery_sql
        # Generators built before this module was imported cached their dispatch table.
        getattr(generator, "_DISPATCH_CACHE", {}).pop(gen, None)


SharedSubquery.key = "subquery"
_render_like_subquery()


@dataclass
class Relation:
    """A query under construction: what it selects and the Vega type of each column.

    ``query`` selects every column of ``columns`` plus ``ORDER``. ``columns`` keeps the field order
    Vega would show.
    """

    query: exp.Select
    columns: dict[str, VegaType]
    # Set by the runtime on the output of a filter that reads browser state over rows that do
    # not (a runtime.preaggregate.InteractiveFilter): an aggregate reading it may use a cube.
    interactive_filter: Any = None

    def as_subquery(self, alias: str = "t") -> exp.Subquery:
        return SharedSubquery.over(self.query, alias)

    def column(self, name: str) -> exp.Column:
        return exp.column(name, quoted=True)

    def has(self, name: str) -> bool:
        return name in self.columns


@dataclass
class TransformContext:
    """What a transform needs to know beyond its own parameters."""

    tz: str = "UTC"
    signals: Mapping[str, Any] = field(default_factory=dict)
    # Relations of other datasets by name (lookup's `from`).
    datasets: Mapping[str, Relation] = field(default_factory=dict)
    # Signals produced while compiling (extent's `signal`, bin's `signal`): name -> query or value.
    produced_signals: dict[str, Any] = field(default_factory=dict)


def field_name(value: Any, path: str) -> str:
    """The name of a Vega field reference: ``"a"``, ``{"field": "a"}`` or ``{"field": "a", "as": ...}``.

    Nested access (``"a.b"``, ``"a[0]"``) is left to the browser: vega-util's ``field`` parses it
    into a path, which flat SQL columns cannot follow.
    """
    if isinstance(value, dict) and "field" in value:
        value = value["field"]
    if not isinstance(value, str):
        raise SpecError(f"expected a field name, got {value!r}", path=path)
    if any(ch in value for ch in ".[]\\"):
        unescaped = _unescape_field(value)
        if unescaped is None:
            raise UnsupportedError(f"nested field access {value!r} is evaluated in the browser",
                                   path=path)
        return unescaped
    return value


def _unescape_field(name: str) -> str | None:
    """``"a\\.b"`` names the flat field ``a.b``; a real path (unescaped ``.`` or ``[``) gives None."""
    out, i = [], 0
    while i < len(name):
        ch = name[i]
        if ch == "\\" and i + 1 < len(name):
            out.append(name[i + 1])
            i += 2
            continue
        if ch in ".[]":
            return None
        out.append(ch)
        i += 1
    return "".join(out)


class Transform:
    """Base class of server-side transforms. Subclasses declare ``type``, ``params`` and ``to_sql``."""

    type: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, spec: Mapping[str, Any], path: str) -> None:
        self.spec = dict(spec)
        self.path = path
        self.where = f"{path} ({self.type})"
        self._check_params()

    # -- parameters -----------------------------------------------------------------------------
    def _check_params(self) -> None:
        declared = {p.name: p for p in self.params}
        for p in self.params:
            value = self.spec.get(p.name)
            if value is None:
                if p.required:
                    raise SpecError(f"missing required parameter {p.name!r}", path=self.where)
                continue
            if _is_signal_ref(value):
                continue  # checked when the signal's value is known
            self._check_value(p, value)
        unknown = set(self.spec) - set(declared) - {"type", "signal"}
        if unknown:
            allowed = ", ".join(sorted(declared))
            raise SpecError(f"unknown parameter(s) {sorted(unknown)}; allowed: {allowed}",
                            path=self.where)

    def _check_value(self, p: Param, value: Any) -> None:
        if p.array:
            if not isinstance(value, list):
                raise SpecError(f"parameter {p.name!r} must be an array, got {value!r}",
                                path=self.where)
            if p.length is not None and len(value) != p.length:
                raise SpecError(f"parameter {p.name!r} must have {p.length} entries",
                                path=self.where)
            for item in value:
                if not _is_signal_ref(item) and item is not None:
                    self._check_scalar(p, item)
        else:
            self._check_scalar(p, value)

    def _check_scalar(self, p: Param, value: Any) -> None:
        if p.type == "field" and isinstance(value, dict) and "expr" in value:
            raise UnsupportedError(f"parameter {p.name!r} is an expression field "
                                   "(evaluated per row by vega-util's accessor)", path=self.where)
        ok = {
            "field": lambda v: isinstance(v, str) or (isinstance(v, dict) and "field" in v),
            "string": lambda v: isinstance(v, str),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "enum": lambda v: v in p.values,
            "expr": lambda v: isinstance(v, str) or (isinstance(v, dict) and "expr" in v),
            "compare": lambda v: isinstance(v, dict) and "field" in v,
        }.get(p.type, lambda v: True)
        if not ok(value):
            expected = f"one of {list(p.values)}" if p.type == "enum" else f"a {p.type}"
            raise SpecError(f"parameter {p.name!r} must be {expected}, got {value!r}",
                            path=self.where)

    def param(self, name: str, ctx: TransformContext) -> Any:
        """The value of a parameter, with signal references resolved and defaults applied."""
        declared = next(p for p in self.params if p.name == name)
        value = self.spec.get(name)
        if value is None:
            return declared.default
        value = resolve_signals(value, ctx, f"{self.where}.{name}")
        if value is None:
            return declared.default
        self._check_value(declared, value)
        return value

    def signals_read(self) -> set[str]:
        """Names of the signals whose values this transform reads (part of its fingerprint)."""
        from ..expression.parser import parse

        names: set[str] = set()
        for value in _signal_refs(self.spec):
            names |= _identifiers(parse(value, self.where))
        return names

    # -- SQL ------------------------------------------------------------------------------------
    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        raise NotImplementedError


def _is_signal_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"signal"}


def _signal_refs(value: Any):
    if _is_signal_ref(value):
        yield value["signal"]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _signal_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _signal_refs(item)


def _identifiers(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "Identifier" and not node.get("member"):
            found.add(node["name"])
        for key, child in node.items():
            if key != "callee":
                found |= _identifiers(child)
    elif isinstance(node, list):
        for child in node:
            found |= _identifiers(child)
    return found


def resolve_signals(value: Any, ctx: TransformContext, path: str) -> Any:
    """Replace every ``{"signal": expr}`` inside ``value`` by the expression's current value."""
    if _is_signal_ref(value):
        from ..expression.evaluate import EvalContext, evaluate

        try:
            return evaluate(value["signal"], EvalContext(signals=ctx.signals, tz=ctx.tz))
        except SpecError as err:
            # A JavaScript error at this moment (reading a field of a still-empty selection),
            # not an invalid spec: Vega retries when the inputs change; the browser keeps it.
            raise UnsupportedError(f"signal expression {value['signal']!r} cannot be evaluated "
                                   f"with the current values: {err.message}", path=path) from err
    if isinstance(value, list):
        return [resolve_signals(v, ctx, path) for v in value]
    return value


def select_from(rel: Relation, *columns: exp.Expression, alias: str = "t") -> exp.Select:
    """``SELECT <columns> FROM (<rel>) AS t``: the usual way a transform wraps its input."""
    return exp.select(*columns).from_(rel.as_subquery(alias))


def col(name: str) -> exp.Column:
    """A quoted column reference (names come from specs: always quoted, never spliced)."""
    return exp.column(name, quoted=True)


def order_col() -> exp.Column:
    return col(ORDER)
