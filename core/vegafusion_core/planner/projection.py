"""Which fields of each server dataset the browser can read (projection pushdown).

A server dataset sent to the browser only needs the fields that something in the client spec can
read; the runtime selects just those columns, so DuckDB never computes the others and the rows
that travel are narrower. :func:`client_fields` answers, for every dataset of
``plan.server_to_client``, a set of top-level field names, or None for "all fields".

Where the browser reads a dataset (the *demand* on it):

- a mark ``from.data``: its encode blocks (``field`` refs, ``{"datum": f}``, and the ``datum``
  reads of ``signal``/``test`` expressions), its ``sort`` fields and ``key``;
- scale domains and ranges ``{data, field}``, ``{data, fields}``, ``{fields: [{data, field}]}``
  and their ``sort.field``;
- a facet ``from.facet``: its ``groupby`` and aggregate fields, plus the demand on the facet's
  subsets (the faceted marks and the datasets sourcing it inside the group);
- the client part of pipelines: a dataset's own client transforms and those of every client
  dataset that sources it, pulled back transform by transform (a formula drops its ``as`` from
  the demand and adds what its expression reads; an aggregate's output is fresh rows, so its input
  demand is its groupby and fields whatever is read downstream; ...);
- a lookup's secondary dataset: its key and ``values`` (all fields without ``values``);
- signal event handlers: ``datum`` there is the datum of whatever mark was hovered or clicked, so
  the fields they read are added to every dataset a mark draws.

Conservative fallbacks, all meaning "every field" (None): ``datum`` used as a whole (a tooltip
``{"signal": "datum"}``, ``datum`` passed to a function other than vlSelectionTest/IdTest, a
computed ``datum[expr]``), a field named by a signal, a transform this pass does not model, a
mark-level transform, a group mark drawn ``from.data`` (its children read ``parent``), a mark drawn
from another mark (reactive geometry), a pre-faceted ``facet.field``, any data function
(``data('X')``, ``indata``, ``vlSelection*``) naming the dataset, an expression that cannot be
parsed, and the datasets the caller asked to keep (``keep``). A data function whose dataset name
is computed makes every dataset "all fields".

The answer is a demand, not a schema: it may name fields the rows do not have (the runtime
intersects it with the dataset's columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import SpecError
from ..expression.parser import parse
from ..expression.py_functions import split_access_path
from ..spec.scopes import Definition, Group, Var, iter_groups, resolve
from .references import DATA_FUNCTIONS, EXPRESSION_KEYS, fragment_refs

if TYPE_CHECKING:
    from .plan import Plan

Fields = frozenset[str] | None
Demand = set[str] | None  # None: every field

# Aggregate ops whose output holds whole input rows (arrays of them, or the arg row).
_WHOLE_ROW_OPS = {"values", "argmin", "argmax"}
# Transform parameters that name fields or ops (a signal there may name any field).
_FIELD_PARAMS = {"field", "fields", "groupby", "key", "sort", "as", "ops", "op", "value", "values",
                 "from", "x", "y"}
# Keys of a non-group mark that never read a dataset's fields.
_PLAIN_MARK_KEYS = {"type", "name", "role", "style", "clip", "interactive", "zindex", "aria",
                    "description"}


class _Unknown(Exception):
    """A use that cannot be pinned to named fields."""


# -- field references ------------------------------------------------------------------------------
def _top_field(name: str) -> str:
    """The top-level field a Vega field string reads (``"a.b"`` reads ``a``; ``"a\\.b"``, ``a.b``)."""
    try:
        path = split_access_path(name)
    except Exception as err:  # noqa: BLE001 - vega-util would fail too; stay conservative
        raise _Unknown(name) from err
    if not path:
        raise _Unknown(name)
    return path[0]


def _field_ref(ref: Any, where: "_Context") -> set[str]:
    """Top-level fields a transform's field parameter reads (None/absent reads nothing)."""
    if ref is None:
        return set()
    if isinstance(ref, str):
        return {_top_field(ref)}
    if isinstance(ref, dict):
        if "field" in ref:
            return _field_ref(ref["field"], where)
        if isinstance(ref.get("expr"), str):
            return where.datum_expression(ref["expr"])
    raise _Unknown(repr(ref))  # {"signal": ...}: the field is known only at run time


def _field_refs(refs: Any, where: "_Context") -> set[str]:
    if refs is None:
        return set()
    if isinstance(refs, list):
        out: set[str] = set()
        for ref in refs:
            out |= _field_ref(ref, where)
        return out
    return _field_ref(refs, where)


def _names(value: Any, default: list[str]) -> list[str]:
    """The output names of an ``as`` parameter (strings only; others are left in the demand)."""
    if value is None:
        return default
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str)]


# -- expressions -----------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    return parse(text)


@dataclass
class _ExprReads:
    """What one expression reads of the row ``datum`` stands for, and which datasets it names."""

    fields: set[str] = field(default_factory=set)
    whole: bool = False  # datum escapes: every field may be read
    datasets: set[str] = field(default_factory=set)  # named by data functions
    any_dataset: bool = False  # a data function with a computed name


def expression_reads(text: str, selection_fields: Callable[[str], set[str] | None]
                     = lambda _store: None) -> _ExprReads:
    """The ``datum`` fields an expression reads (see the module docstring for what is pinned).

    ``selection_fields(store)`` gives the fields vlSelectionTest(store, datum) reads, or None.
    """
    reads = _ExprReads()
    try:
        ast = _parsed(text)
    except SpecError:
        reads.whole = reads.any_dataset = True
        return reads

    def escape(is_datum: bool) -> None:
        if is_datum:
            reads.whole = True

    def member(node: dict[str, Any]) -> bool:
        obj_is_datum = value(node["object"])
        prop = node["property"]
        if node.get("computed"):
            if prop.get("type") == "Literal" and isinstance(prop.get("value"), (str, int, float)):
                name = prop["value"]
                key = name if isinstance(name, str) else _js_number_key(name)
            else:
                escape(value(prop))
                if obj_is_datum:
                    reads.whole = True  # datum[expr]: any field
                return False
        else:
            key = prop["name"]
        if obj_is_datum:
            reads.fields.add(key)
        # ``x.datum`` is a row in event handlers (item.datum) and in marks drawn from marks.
        return key == "datum"

    def call(node: dict[str, Any]) -> bool:
        callee = node["callee"].get("name")
        args = node["arguments"]
        if callee in DATA_FUNCTIONS:
            first = args[0] if args else None
            if first and first.get("type") == "Literal" and isinstance(first.get("value"), str):
                reads.datasets.add(first["value"])
            else:
                reads.any_dataset = True
            if callee in ("vlSelectionTest", "vlSelectionIdTest") and len(args) >= 2 \
                    and value(args[1]):
                store = first.get("value") if first and first.get("type") == "Literal" else None
                tested = {"_vgsid_"} if callee == "vlSelectionIdTest" else (
                    selection_fields(store) if isinstance(store, str) else None)
                if tested is None:
                    reads.whole = True
                else:
                    reads.fields |= tested
                for arg in args[2:]:
                    escape(value(arg))
                return False
        for arg in args:
            escape(value(arg))
        return False

    def value(node: Any) -> bool:
        """Visit ``node``; True when its value may be a row (``datum`` or a branch of it)."""
        kind = node.get("type") if isinstance(node, dict) else None
        if kind == "Identifier":
            return node["name"] == "datum" and not node.get("member")
        if kind == "MemberExpression":
            return member(node)
        if kind == "CallExpression":
            return call(node)
        if kind == "ConditionalExpression":
            value(node["test"])  # a row as a test is only truthiness
            consequent = value(node["consequent"])
            return value(node["alternate"]) or consequent
        if kind == "LogicalExpression":
            left = value(node["left"])
            return value(node["right"]) or left
        if kind == "UnaryExpression":
            value(node["argument"])  # !, -, typeof: no field is read
            return False
        if kind == "BinaryExpression":
            left, right = value(node["left"]), value(node["right"])
            if node.get("operator") == "in":
                escape(right)
            return False
        if kind == "ArrayExpression":
            for item in node["elements"]:
                escape(value(item))
            return False
        if kind == "ObjectExpression":
            for prop in node["properties"]:
                escape(value(prop["value"]))
            return False
        return False

    escape(value(ast))
    return reads


def _js_number_key(number: float) -> str:
    """The property name a number literal indexes (``datum[0]`` reads field ``"0"``)."""
    return str(int(number)) if float(number).is_integer() else repr(number)


# -- the analysis ----------------------------------------------------------------------------------
class _Context:
    """Reads made from one scope, with ``datum`` standing for rows of ``target``."""

    def __init__(self, analysis: "_Analysis", scope: tuple[int, ...], target: Var | None) -> None:
        self.analysis = analysis
        self.scope = scope
        self.target = target

    def datum_expression(self, text: str) -> set[str]:
        """The fields of the datum an expression reads; data functions counted; _Unknown if all."""
        reads = expression_reads(text, self.analysis.selection_fields_at(self.scope))
        self.analysis.note_datasets(reads, self.scope)
        if reads.whole:
            raise _Unknown(text)
        return reads.fields

    def read(self, fields: Demand) -> None:
        if self.target is not None:
            self.analysis.demand(self.target, fields)

    def read_expression(self, text: str) -> None:
        try:
            self.read(self.datum_expression(text))
        except _Unknown:
            self.read(None)


class _Analysis:
    def __init__(self, plan: "Plan") -> None:
        self.plan = plan
        self.defs: dict[Var, Definition] = plan.definitions
        self.demands: dict[Var, Demand] = {}
        self.everything = False  # a data function with a computed dataset name
        self.drawn: set[Var] = set()  # datasets whose rows are mark items (event datums)
        self.event_fields: Demand = set()
        self.marks_by_name: dict[tuple[tuple[int, ...], str], Var | None] = {}
        self.facet_edges: list[tuple[Var, Var | None]] = []  # (facet subsets, faceted dataset)
        self.pipelines: list[tuple[Var, list[Any]]] = []  # (dataset, its client transforms)
        self.source_edges: list[tuple[Var, Var | None]] = []  # (client dataset, its source)
        self.sent: dict[Var, Demand] = {}  # demand on the input of each pipeline
        self.grew = False  # set whenever a demand grows (the propagation's fixpoint test)

    # -- demand bookkeeping -------------------------------------------------------------------
    def demand(self, var: Var | None, fields: Demand | Iterable[str]) -> bool:
        """Add to the demand on ``var``'s output; True when it grew."""
        grew = self._add_demand(var, fields)
        self.grew |= grew
        return grew

    def _add_demand(self, var: Var | None, fields: Demand | Iterable[str]) -> bool:
        if var is None:
            return False
        if var not in self.demands:
            self.demands[var] = None if fields is None else set(fields)
            return True
        current = self.demands[var]
        if current is None:
            return False
        if fields is None:
            self.demands[var] = None
            return True
        before = len(current)
        current |= set(fields)
        return len(current) != before

    def data_var(self, name: Any, scope: tuple[int, ...]) -> Var | None:
        if not isinstance(name, str):
            return None
        return resolve(self.defs, "data", name, scope)

    def note_datasets(self, reads: _ExprReads, scope: tuple[int, ...]) -> None:
        if reads.any_dataset:
            self.everything = True
        for name in reads.datasets:
            self.demand(self.data_var(name, scope), None)

    def unmodelled(self, fragment: Any, scope: tuple[int, ...]) -> None:
        """Datasets a fragment this pass does not model reads: all their fields."""
        try:
            refs = fragment_refs(fragment)
        except SpecError:
            self.everything = True
            return
        for name in refs.data:
            self.demand(self.data_var(name, scope), None)
        for text in _expressions(fragment):
            self.note_datasets(expression_reads(text), scope)

    def selection_fields_at(self, scope: tuple[int, ...]) -> Callable[[str], set[str] | None]:
        """Fields that vlSelectionTest(store, datum) reads: Vega-Lite's ``<sel>_tuple_fields``."""
        def fields(store: str) -> set[str] | None:
            if not store.endswith("_store"):
                return None
            var = resolve(self.defs, "signal", store[: -len("_store")] + "_tuple_fields", scope)
            spec = self.defs[var].spec if var is not None else None
            entries = spec.get("value") if isinstance(spec, dict) else None
            if spec is None or set(spec) - {"name", "value"} or not isinstance(entries, list):
                return None
            out: set[str] = set()
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
                    return None
                try:
                    out.add(_top_field(entry["field"]))
                except _Unknown:
                    return None
            return out
        return fields

    # -- the spec ---------------------------------------------------------------------------------
    def run(self) -> None:
        groups = iter_groups(self.plan.spec)
        for group in groups:
            self._index_marks(group)
        for group in groups:
            self._group(group)
        if self.event_fields != set():
            for var in self.drawn:
                self.demand(var, self.event_fields)
        self._propagate()

    def _index_marks(self, group: Group) -> None:
        for mark in group.spec.get("marks") or []:
            if isinstance(mark, dict) and isinstance(mark.get("name"), str):
                source = mark.get("from") if isinstance(mark.get("from"), dict) else {}
                self.marks_by_name[(group.scope, mark["name"])] = self.data_var(
                    source.get("data"), group.scope)

    def _group(self, group: Group) -> None:
        scope = group.scope
        for key, item in group.spec.items():
            if key == "scales":
                for scale in item or []:
                    self._scale(scale, scope)
            elif key == "signals":
                self._handlers(item, scope)
            elif key == "data":
                for entry in item or []:
                    self._data_entry(entry, scope)
            elif key == "marks":
                for mark in item or []:
                    if isinstance(mark, dict) and mark.get("type") != "group":
                        self._mark(mark, scope)
            elif group.parent is not None and key in ("from", "encode", "sort"):
                continue  # read in the enclosing scope: see _group_mark
            else:
                self.unmodelled(item, scope)
        if group.parent is not None:
            self._group_mark(group)

    def _handlers(self, signals: Any, scope: tuple[int, ...]) -> None:
        """Signals: data functions, and the event datums their handlers read."""
        self._event_expressions(signals, scope)
        self.unmodelled([{k: v for k, v in s.items() if k not in EXPRESSION_KEYS and k != "on"}
                         for s in signals or [] if isinstance(s, dict)], scope)

    def _event_expressions(self, fragment: Any, scope: tuple[int, ...]) -> None:
        """Expressions whose ``datum`` is an event's item: any drawn row."""
        for text in _expressions(fragment, extra_keys=("filter",)):
            reads = expression_reads(text, self.selection_fields_at(scope))
            self.note_datasets(reads, scope)
            if reads.whole:
                self.event_fields = None
            elif self.event_fields is not None:
                self.event_fields |= reads.fields

    def _scale(self, scale: Any, scope: tuple[int, ...]) -> None:
        if not isinstance(scale, dict):
            return
        for key, item in scale.items():
            if key in ("domain", "range") and isinstance(item, dict) and "signal" not in item:
                self._data_reference(item, scope)
            else:
                self.unmodelled(item, scope)

    def _data_reference(self, ref: dict[str, Any], scope: tuple[int, ...]) -> None:
        """``{data, field|fields, sort}`` or ``{fields: [{data, field} | values...], sort}``."""
        sort = ref.get("sort")
        sort_field = sort.get("field") if isinstance(sort, dict) else None
        if "data" in ref:
            target = self.data_var(ref["data"], scope)
            fields = ref.get("fields") if "fields" in ref else [ref.get("field")]
            self._read_fields(target, list(fields or []) + [sort_field], scope)
            return
        for entry in ref.get("fields") or []:
            if isinstance(entry, dict) and "data" in entry:
                target = self.data_var(entry["data"], scope)
                self._read_fields(target, [entry.get("field"), sort_field], scope)
            else:
                self.unmodelled(entry, scope)

    def _read_fields(self, target: Var | None, refs: list[Any], scope: tuple[int, ...]) -> None:
        where = _Context(self, scope, target)
        try:
            where.read(set().union(*(_field_refs(ref, where) for ref in refs)))
        except _Unknown:
            where.read(None)

    # -- marks --------------------------------------------------------------------------------
    def _mark_source(self, mark: dict[str, Any], scope: tuple[int, ...]) -> Var | None:
        source = mark.get("from")
        if not isinstance(source, dict):
            return None
        name = source.get("data")
        target = self.data_var(name, scope)
        if target is None and isinstance(name, str):
            # Reactive geometry: rows are the items of another mark, whose data travel whole.
            for depth in range(len(scope), -1, -1):
                if (scope[:depth], name) in self.marks_by_name:
                    self.demand(self.marks_by_name[(scope[:depth], name)], None)
                    break
        self.unmodelled({k: v for k, v in source.items() if k != "data"}, scope)
        return target

    def _mark(self, mark: dict[str, Any], scope: tuple[int, ...]) -> None:
        target = self._mark_source(mark, scope)
        if target is not None:
            self.drawn.add(target)
        where = _Context(self, scope, target)
        for key, item in mark.items():
            if key == "encode":
                self._encode(item, where)
            elif key == "sort":
                self._mark_sort(item, where)
            elif key == "key":
                self._read_fields(target, [item], scope)
            elif key == "transform":
                where.read(None)
                self.unmodelled(item, scope)
            elif key not in _PLAIN_MARK_KEYS and key != "from":
                self.unmodelled(item, scope)

    def _group_mark(self, group: Group) -> None:
        """A group mark's own ``from``/``encode``/``sort``, read in its parent's scope."""
        scope = group.parent.scope if group.parent else ()
        spec = group.spec
        source = spec.get("from") if isinstance(spec.get("from"), dict) else {}
        if group.facet is not None:
            self._facet(group, scope)
        elif "data" in source:
            # Every item's datum is a row, which the children read through ``parent``.
            self.demand(self.data_var(source["data"], scope), None)
        self.unmodelled({k: v for k, v in source.items() if k not in ("data", "facet")}, scope)
        # The group's datum is a facet's key tuple or a row read whole above: only data
        # functions in its encode and sort matter here.
        self._encode(spec.get("encode"), _Context(self, scope, None))
        self._mark_sort(spec.get("sort"), _Context(self, scope, None))

    def _facet(self, group: Group, scope: tuple[int, ...]) -> None:
        facet = group.facet or {}
        source = self.data_var(facet.get("data"), scope)
        if "field" in facet or not isinstance(facet.get("name"), str):
            self.demand(source, None)  # pre-faceted rows: nested values of one field
            return
        aggregate = facet.get("aggregate") if isinstance(facet.get("aggregate"), dict) else {}
        if _whole_row_ops(aggregate.get("ops")):
            self.demand(source, None)
        self._read_fields(source, [facet.get("groupby"), aggregate.get("fields")], scope)
        self.unmodelled({k: v for k, v in aggregate.items() if k not in ("fields", "ops", "as")},
                        scope)
        # The facet's subsets are rows of the source: their demand is the source's.
        self.facet_edges.append((Var("data", facet["name"], group.scope), source))

    def _encode(self, encode: Any, where: _Context) -> None:
        if encode is None:
            return
        if not isinstance(encode, dict):
            where.read(None)
            self.unmodelled(encode, where.scope)
            return
        for block in encode.values():
            if isinstance(block, dict):
                for channel in block.values():
                    self._value_ref(channel, where)
            else:
                self.unmodelled(block, where.scope)

    def _value_ref(self, ref: Any, where: _Context) -> None:
        if isinstance(ref, list):
            for item in ref:
                self._value_ref(item, where)
            return
        if not isinstance(ref, dict):
            return
        for key, item in ref.items():
            if key == "value":
                continue
            if key in ("signal", "test") and isinstance(item, str):
                where.read_expression(item)
            elif key == "field" or (key == "scale" and isinstance(item, dict)):
                self._encode_field(item, where)  # a scale named by a field: {"datum": f}
            elif isinstance(item, (dict, list)):
                self._value_ref(item, where)

    def _encode_field(self, ref: Any, where: _Context) -> None:
        """An encode ``field``: ``"a.b"``, ``{"datum": f}``, ``{"group"|"parent": f}``, ``{"signal"}``."""
        if isinstance(ref, str):
            try:
                where.read({_top_field(ref)})
            except _Unknown:
                where.read(None)
        elif isinstance(ref, dict):
            if "datum" in ref:
                self._encode_field(ref["datum"], where)
            elif "group" in ref or "parent" in ref:
                # A group item's property, or the enclosing group's datum (a facet key tuple or
                # a row of a group drawn from data, whose fields are all kept).
                inner = ref.get("group", ref.get("parent"))
                if isinstance(inner, dict):
                    self._encode_field(inner, _Context(self, where.scope, None))
            else:
                where.read(None)  # {"signal": ...}: a field named at run time
                self.unmodelled(ref, where.scope)

    def _mark_sort(self, sort: Any, where: _Context) -> None:
        """Mark ``sort.field``: expressions over the item (``datum.x``)."""
        if sort is None:
            return
        fields = sort.get("field") if isinstance(sort, dict) else None
        for text in fields if isinstance(fields, list) else [fields]:
            if isinstance(text, str):
                where.read_expression(text)
            elif text is not None:
                where.read(None)
                self.unmodelled(text, where.scope)

    # -- datasets -----------------------------------------------------------------------------
    def _data_entry(self, entry: Any, scope: tuple[int, ...]) -> None:
        """Record a dataset's edges; a server dataset's server part reads untrimmed relations."""
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            self.unmodelled(entry, scope)
            return
        var = Var("data", entry["name"], scope)
        ds = self.plan.datasets.get(var)
        transforms = list(entry.get("transform") or []) if ds is None else ds.client_transforms
        self.pipelines.append((var, transforms))
        if ds is None:
            sources = entry.get("source")
            for name in sources if isinstance(sources, list) else [sources]:
                if name is not None:
                    self.source_edges.append((var, self.data_var(name, scope)))
        self._event_expressions(entry.get("on"), scope)
        rest = {k: v for k, v in entry.items()
                if k not in ("transform", "source", "name", "values", "on")}
        self.unmodelled(rest, scope)
        # Data functions in any transform, server ones included: the server binds data('X')
        # to X's current values, which are the rows sent. A lookup's ``from`` is modelled (and
        # on the server it reads X's untrimmed relation).
        for spec in entry.get("transform") or []:
            if isinstance(spec, dict) and spec.get("type") == "lookup":
                spec = {k: v for k, v in spec.items() if k != "from"}
            self.unmodelled(spec, scope)

    def input_demand(self, var: Var, transforms: list[Any]) -> Demand:
        """The demand on a pipeline's input, given the demand on its output (lookups noted)."""
        needed: Demand = self.demands.get(var, set())
        needed = None if needed is None else set(needed)
        where = _Context(self, var.scope, None)
        for spec in reversed(transforms):
            try:
                needed = _pull_back(spec, needed, where, self)
            except _Unknown:
                needed = None
        return needed

    def _propagate(self) -> None:
        """Push demands from datasets to their sources until nothing grows (lookups included)."""
        self.grew = True
        while self.grew:
            self.grew = False
            for var, transforms in self.pipelines:
                needed = self.input_demand(var, transforms)
                self.sent[var] = needed
                for child, source in self.source_edges:
                    if child == var and needed != set():
                        self.demand(source, needed)
            for facet, source in self.facet_edges:
                if facet in self.demands:
                    self.demand(source, self.demands[facet])


def _whole_row_ops(ops: Any) -> bool:
    if ops is None:
        return False
    if not isinstance(ops, list):
        return True  # a signal: any op
    return any(not isinstance(op, str) or op in _WHOLE_ROW_OPS for op in ops)


def _aggregate_names(spec: dict[str, Any]) -> list[str]:
    """aggregate/joinaggregate/window output names (Vega's defaults: ``op_field``, ``count``)."""
    ops = spec.get("ops") or (["count"] if spec.get("type") == "aggregate" else [])
    fields = spec.get("fields") or []
    as_ = spec.get("as") or []
    names = []
    for i, op in enumerate(ops):
        given = as_[i] if i < len(as_) else None
        if isinstance(given, str):
            names.append(given)
            continue
        ref = fields[i] if i < len(fields) else None
        if isinstance(op, str) and (ref is None or isinstance(ref, str)):
            names.append(op if ref is None else f"{op}_{ref}")
    return names


def _minus(needed: Demand, produced: Iterable[str]) -> Demand:
    return None if needed is None else needed - set(produced)


def _plus(needed: Demand, fields: set[str]) -> Demand:
    return None if needed is None else needed | fields


def _pull_back(spec: Any, needed: Demand, where: _Context, analysis: _Analysis) -> Demand:
    """The demand on a transform's input given the demand on its output (_Unknown: all)."""
    if not isinstance(spec, dict):
        raise _Unknown(repr(spec))
    kind = spec.get("type")
    f = lambda key: _field_refs(spec.get(key), where)  # noqa: E731
    sort_fields = lambda: _field_refs(  # noqa: E731
        spec["sort"].get("field") if isinstance(spec.get("sort"), dict) else None, where)
    if kind == "lookup":
        return _pull_back_lookup(spec, needed, where, analysis)
    _check_no_signals(spec, kind)
    if kind == "filter":
        return _plus(needed, where.datum_expression(_text(spec.get("expr"))))
    if kind == "formula":
        return _plus(_minus(needed, _names(spec.get("as"), [])),
                     where.datum_expression(_text(spec.get("expr"))))
    if kind in ("extent", "sample"):
        return _plus(needed, f("field"))
    if kind == "collect":
        return _plus(needed, sort_fields())
    if kind == "identifier":
        return _minus(needed, _names(spec.get("as"), []))
    if kind == "bin":
        return _plus(_minus(needed, _names(spec.get("as"), ["bin0", "bin1"])), f("field"))
    if kind == "timeunit":
        return _plus(_minus(needed, _names(spec.get("as"), ["unit0", "unit1"])), f("field"))
    if kind == "stack":
        return _plus(_minus(needed, _names(spec.get("as"), ["y0", "y1"])),
                     f("field") | f("groupby") | sort_fields())
    if kind == "dotbin":
        return _plus(_minus(needed, _names(spec.get("as"), ["bin"])), f("field") | f("groupby"))
    if kind in ("fold", "flatten"):
        default = ["key", "value"] if kind == "fold" else []
        return _plus(_minus(needed, _names(spec.get("as"), default)), f("fields"))
    if kind == "impute":
        return _plus(needed, f("field") | f("key") | f("groupby"))
    if kind in ("joinaggregate", "window"):
        if _whole_row_ops(spec.get("ops")):
            raise _Unknown(kind)
        return _plus(_minus(needed, _aggregate_names(spec)),
                     f("groupby") | f("fields") | sort_fields())
    if kind == "aggregate":
        if _whole_row_ops(spec.get("ops")):
            raise _Unknown(kind)
        return f("groupby") | f("fields") | f("key")  # fresh rows, whatever is read of them
    if kind == "project":
        return f("fields")
    if kind == "pivot":
        if _whole_row_ops([spec["op"]] if "op" in spec else None):
            raise _Unknown(kind)
        return f("groupby") | f("field") | f("value")
    if kind == "countpattern":
        return f("field")
    raise _Unknown(f"transform {kind!r} is not modelled")


def _pull_back_lookup(spec: dict[str, Any], needed: Demand, where: _Context,
                      analysis: _Analysis) -> Demand:
    secondary = analysis.data_var(spec.get("from"), where.scope)
    try:
        return _pull_back_known_lookup(spec, needed, where, analysis, secondary)
    except _Unknown:
        analysis.demand(secondary, None)
        raise


def _pull_back_known_lookup(spec: dict[str, Any], needed: Demand, where: _Context,
                            analysis: _Analysis, secondary: Var | None) -> Demand:
    _check_no_signals(spec, "lookup")
    values = spec.get("values")
    if values is None:
        analysis.demand(secondary, None)  # ``as`` holds whole secondary rows
        produced = _names(spec.get("as"), [])
    else:
        try:
            analysis.demand(secondary, _field_ref(spec.get("key"), where)
                            | _field_refs(values, where))
        except _Unknown:
            analysis.demand(secondary, None)
        produced = _names(spec.get("as"), [v for v in values if isinstance(v, str)])
    return _plus(_minus(needed, produced), _field_refs(spec.get("fields"), where))


def _check_no_signals(spec: dict[str, Any], kind: Any) -> None:
    """A parameter given by a signal may name any field (or op): all fields."""
    for key, item in spec.items():
        if key in _FIELD_PARAMS and _has_signal(item):
            raise _Unknown(f"{kind}.{key} is a signal")


def _has_signal(value: Any) -> bool:
    if isinstance(value, dict):
        return "signal" in value or any(_has_signal(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_signal(v) for v in value)
    return False


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Unknown(repr(value))
    return value


def _expressions(fragment: Any, extra_keys: tuple[str, ...] = ()) -> list[str]:
    """Every expression string in a fragment (values of expression keys)."""
    keys = EXPRESSION_KEYS | set(extra_keys)
    out: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "values" and isinstance(item, list):
                    continue
                if key in keys and isinstance(item, str):
                    out.append(item)
                elif key in keys and isinstance(item, list) and all(isinstance(i, str) for i in item):
                    out.extend(item)
                else:
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(fragment)
    return out


def client_fields(plan: "Plan", keep: Iterable[Var] = ()) -> dict[Var, Fields]:
    """For each dataset of ``plan.server_to_client``, the fields the browser can read (None: all).

    ``keep`` names datasets whose rows must stay whole (asked for by the caller).
    """
    analysis = _Analysis(plan)
    analysis.run()
    kept = set(keep)
    out: dict[Var, Fields] = {}
    for var in plan.server_to_client:
        if var.namespace != "data" or var not in plan.datasets:
            continue
        needed = analysis.sent.get(var, set())
        whole = analysis.everything or var in kept or needed is None
        out[var] = None if whole else frozenset(needed)
    return out
