"""Evaluating a plan's server variables: datasets as fused DuckDB queries, signals in Python.

A server dataset's query is its source (or its parent's query, fused) wrapped in each of its
server transforms. Before a transform is compiled, its expressions are rewritten with the current
values the browser sent (selection stores, signals), so that those values reach SQL as literals.
Signals produced inside a pipeline (extent, bin) are computed when a later transform needs them.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ..data.sources import load_source
from ..data.to_vega import arrow_to_rows, to_vega_value
from ..data.values import SourceTable
from ..errors import SpecError, UnsupportedError, VegaFusionError
from ..expression.codegen import to_source
from ..expression.evaluate import EvalContext, evaluate
from ..expression.jsvalues import JSDate
from ..expression.parser import parse
from ..expression.rewrite import expand_selections, fold_constants
from ..planner.plan import Plan, ServerDataset, resolve_refs
from ..planner.references import fragment_refs
from ..spec.scopes import Definition, Var, resolve
from ..transforms.base import Relation, TransformContext
from ..transforms.pipeline import (check_field_names, final_query, source_relation,
                                   transform_from_spec)
from .executor import Executor, render
from .fingerprint import source_fingerprint
from .ordering import identity_fields
from .preaggregate import Cubes, InteractiveFilter

# Transform parameters that hold expressions evaluated per row.
_ROW_EXPRESSION_KEYS = ("expr",)


@dataclass
class Inputs:
    """What evaluation reads besides the spec: the viewer's zone, frames, files."""

    tz: str = "UTC"
    default_input_tz: str | None = None
    inline_datasets: Mapping[str, Any] = field(default_factory=dict)
    data_dirs: Sequence[str | Path] | None = None


class Evaluator:
    """Holds the current value of every variable and computes the server's."""

    def __init__(self, executor: Executor, defs: dict[Var, Definition], inputs: Inputs) -> None:
        self.executor = executor
        self.defs = defs
        self.inputs = inputs
        self.values: dict[Var, Any] = {}
        self.keys: dict[Var, str] = {}  # fingerprint of each computed dataset value
        self._relations: dict[Var, Relation] = {}
        # Datasets whose rows depend on browser state (so a cube over them would not last).
        self._interactive: set[Var] = set()
        self._cubes = Cubes(executor)
        # Relations compiled while planning (with their parent's), for the first evaluation.
        self._planned: dict[Var, tuple[Relation, Relation | None]] = {}
        self.plan: Plan | None = None

    # -- values visible from a scope -------------------------------------------------------------
    def visible_signals(self, scope: tuple[int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for depth in range(len(scope) + 1):
            for var, value in self.values.items():
                if var.namespace == "signal" and var.scope == scope[:depth]:
                    out[var.name] = value
        return out

    def visible_datasets(self, scope: tuple[int, ...], names: set[str]) -> dict[str, list]:
        out: dict[str, list] = {}
        for name in names:
            var = resolve(self.defs, "data", name, scope)
            if var is not None and var in self.values and isinstance(self.values[var], list):
                out[name] = self.values[var]
        return out

    # -- initial values --------------------------------------------------------------------------
    def init_client_values(self) -> None:
        """Initial values of signals and client datasets, as Vega computes them at start-up."""
        ordered = sorted(self.defs.values(), key=lambda d: d.order)
        # Inline datasets first: signals such as vlSelectionResolve(store) read them.
        for defn in ordered:
            if defn.kind == "data" and isinstance(defn.spec.get("values"), list) \
                    and "source" not in defn.spec and "url" not in defn.spec:
                self.values.setdefault(defn.var, copy.deepcopy(defn.spec["values"]))
            elif defn.kind == "data" and not ({"values", "url", "source"} & set(defn.spec)):
                self.values.setdefault(defn.var, [])
        for defn in ordered:
            if defn.kind == "signal":
                self.values[defn.var] = self._initial_signal(defn)

    def _initial_signal(self, defn: Definition) -> Any:
        spec = defn.spec
        if "value" in spec:
            return copy.deepcopy(spec["value"])
        text = spec.get("init") if isinstance(spec.get("init"), str) else spec.get("update")
        if not isinstance(text, str):
            return None
        try:
            return self.evaluate_expression(text, defn.var.scope, defn.path)
        except (VegaFusionError, ZeroDivisionError, TypeError, ValueError):
            return None

    def evaluate_expression(self, text: str, scope: tuple[int, ...], path: str) -> Any:
        ast = parse(text, path)
        ctx = EvalContext(signals=self.visible_signals(scope), tz=self.inputs.tz,
                          datasets=self.visible_datasets(scope, _data_names(ast)))
        return _to_plain(evaluate(ast, ctx))

    # -- datasets --------------------------------------------------------------------------------
    def _source(self, defn: Definition) -> SourceTable:
        spec = defn.spec
        fingerprint, keep = source_fingerprint(spec, self.inputs.inline_datasets, self.inputs.tz,
                                               self.inputs.default_input_tz)
        return self.executor.source(fingerprint, lambda con, _name: load_source(
            con, spec, inline_datasets=self.inputs.inline_datasets, tz=self.inputs.tz,
            data_dirs=self.inputs.data_dirs, path=defn.path,
            default_input_tz=self.inputs.default_input_tz), keep_alive=keep)

    def _base_relation(self, defn: Definition, parent: Var | None) -> Relation:
        if parent is not None:
            return self._relations[parent]
        table = self._source(defn)
        return source_relation(table.name, table.columns, table.order_column)

    def compile_dataset(self, defn: Definition, parent: Var | None, n_transforms: int,
                        accelerate: bool = False) -> Relation:
        """The relation of the dataset's first ``n_transforms`` transforms (produced signals set).

        With ``accelerate`` (when evaluating for real, not while planning), a filter that reads
        browser state over rows that do not is remembered, so that an aggregate over its output
        can be answered from a cube (runtime/preaggregate.py).
        """
        rel = self._base_relation(defn, parent)
        for rel in self._compile_steps(defn, rel, parent, n_transforms, accelerate):
            pass
        return rel

    def _compile_steps(self, defn: Definition, rel: Relation, parent: Var | None,
                       n_transforms: int, accelerate: bool = False) -> Iterator[Relation]:
        """The relation after each of the first ``n_transforms`` transforms, in turn."""
        scope = defn.var.scope
        static = accelerate and parent not in self._interactive
        transforms = list(defn.spec.get("transform") or [])[:n_transforms]
        for i, original in enumerate(transforms):
            path = f"{defn.path}.transform[{i}]"
            ctx = TransformContext(tz=self.inputs.tz, signals=self.visible_signals(scope),
                                   datasets=self._visible_relations(scope))
            spec = self._bind_expressions(original, rel, scope, path)
            if spec.get("type") == "filter" and spec.get("expr") == "true":
                yield rel  # an empty selection's filter: keep the query (and its cache key)
                continue
            transform = transform_from_spec(spec, path)
            reads_browser = static and self._reads_browser_state(original, path, scope)
            source = rel
            if accelerate and rel.interactive_filter is not None:
                source = self._cubes.filtered_input(rel.interactive_filter, transform,
                                                    ctx) or rel
            out = self._apply(transform, source, ctx)
            if reads_browser and transform.type == "filter":
                out.interactive_filter = InteractiveFilter(rel, out)
            static = static and not reads_browser
            rel = out
            for name, produced in ctx.produced_signals.items():
                self.values[Var("signal", name, scope)] = self._produced_value(produced)
            yield rel
        if accelerate and not static:
            self._interactive.add(defn.var)

    def _reads_browser_state(self, spec: dict[str, Any], path: str,
                             scope: tuple[int, ...]) -> bool:
        """Does this transform read a value that changes with the browser's state?"""
        plan = self.plan
        if plan is None:
            return True
        changing = set(plan.client_to_server) | set(plan.signals)
        for var in resolve_refs(self.defs, fragment_refs(spec, path), scope):
            if var in changing or var.namespace == "scale":
                return True
            produced = plan.produced.get(var)
            if produced is not None and produced.dataset in self._interactive:
                return True
        return False

    def _apply(self, transform: Any, rel: Relation, ctx: TransformContext) -> Relation:
        """``transform.to_sql``; a transform whose shape depends on the data (pivot's columns)
        leaves the query for it in ``produced_signals`` and is compiled again with its value."""
        try:
            return check_field_names(transform.to_sql(rel, ctx), transform.where)
        except UnsupportedError:
            pending = {name: query for name, query in ctx.produced_signals.items()
                       if name not in ctx.signals}
            if not pending:
                raise
            signals = dict(ctx.signals)
            signals.update({name: self._produced_value(q) for name, q in pending.items()})
            ctx.signals = signals
            for name in pending:
                del ctx.produced_signals[name]
            return check_field_names(transform.to_sql(rel, ctx), transform.where)

    def _visible_relations(self, scope: tuple[int, ...]) -> dict[str, Relation]:
        out: dict[str, Relation] = {}
        for var, rel in self._relations.items():
            if resolve(self.defs, "data", var.name, scope) == var:
                out[var.name] = rel
        return out

    def _produced_value(self, produced: Any) -> Any:
        import sqlglot.expressions as exp

        if isinstance(produced, exp.Expression):
            row = self.executor.row(produced)
            if row is None:
                return None
            return to_vega_value(list(row) if len(row) > 1 else row[0])
        return produced

    def _bind_expressions(self, spec: dict[str, Any], rel: Relation, scope: tuple[int, ...],
                          path: str) -> dict[str, Any]:
        """Rewrite row expressions with the current selection stores and signal values."""
        out = dict(spec)
        for key in _ROW_EXPRESSION_KEYS:
            text = spec.get(key)
            if not isinstance(text, str):
                continue
            ast = parse(text, f"{path}.{key}")
            stores = self.visible_datasets(scope, _data_names(ast))
            ast = expand_selections(ast, stores, rel.columns)
            signals = self.visible_signals(scope)

            def evaluate_node(node: Any) -> Any:
                return evaluate(node, EvalContext(signals=signals, tz=self.inputs.tz,
                                                  datasets=stores))

            out[key] = to_source(fold_constants(ast, evaluate_node))
        return out

    def server_prefix(self, defn: Definition, parent: Var | None) -> tuple[int | None, str | None]:
        """How many transforms the server can run (SupportOracle for the planner).

        The pipeline is compiled once, transform by transform, until one cannot be; DuckDB
        then binds the longest prefix (a query binds only if every subquery does), and the
        shorter ones only when it fails.
        """
        transforms = list(defn.spec.get("transform") or [])
        try:
            base = self._base_relation(defn, parent)
        except UnsupportedError as err:
            return None, str(err)
        prefixes, reason = [base], None
        try:
            prefixes += self._compile_steps(defn, base, parent, len(transforms))
        except UnsupportedError as err:
            reason = str(err)
        except SpecError:
            raise
        except Exception as err:  # noqa: BLE001 - an engine gap must not break the chart
            reason = _engine_gap(err)
        n = len(prefixes) - 1
        if n and self._bind_error(prefixes[n]) is not None:
            n, reason = self._longest_binding(prefixes)
        self._relations[defn.var] = prefixes[n]
        self._planned[defn.var] = (prefixes[n], self._relations.get(parent) if parent else None)
        return n, reason

    def _longest_binding(self, prefixes: list[Relation]) -> tuple[int, str | None]:
        """The number of transforms before the first prefix DuckDB cannot bind, and why."""
        for n in range(1, len(prefixes)):
            error = self._bind_error(prefixes[n])
            if error is not None:
                return n - 1, error
        return len(prefixes) - 1, None

    def _bind_error(self, rel: Relation) -> str | None:
        try:
            self._check_runs(rel)
        except UnsupportedError as err:
            return str(err)
        except SpecError:
            raise
        except Exception as err:  # noqa: BLE001 - an engine gap must not break the chart
            return _engine_gap(err)
        return None

    def _check_runs(self, rel: Relation) -> None:
        """Bind the query in DuckDB without running it (types and functions resolved)."""
        self.executor.check(final_query(rel))

    def evaluate_dataset(self, ds: ServerDataset) -> list[dict[str, Any]]:
        rel = self._current_relation(ds)
        self._relations[ds.var] = rel  # server datasets reading this one get every column
        # Send only the fields the browser can read (planner/projection.py), plus the fields that
        # identify a row across updates (runtime/ordering.py); DuckDB then drops the rest early.
        wanted = self.plan.client_fields.get(ds.var) if self.plan is not None else None
        if wanted is not None:
            wanted = wanted | set(identity_fields(self.plan, ds.var) or ())
            rel = replace(rel, columns={name: kind for name, kind in rel.columns.items()
                                        if name in wanted})
        sql = render(final_query(rel))
        self.keys[ds.var] = hashlib.sha256(sql.encode()).hexdigest()
        return arrow_to_rows(self.executor.table(sql))

    def refresh_relation(self, ds: ServerDataset) -> None:
        """Recompile a dataset that is read only by other server datasets (no rows needed)."""
        self._relations[ds.var] = self._current_relation(ds)

    def _current_relation(self, ds: ServerDataset) -> Relation:
        """The dataset's relation for the current values: the one planning compiled when it
        still holds (the first evaluation of a dataset that reads no changing value, over the
        same parent relation), else compiled afresh."""
        planned = self._planned.pop(ds.var, None)
        if planned is not None and self._still_holds(ds, *planned):
            return planned[0]
        return self.compile_dataset(ds.defn, ds.parent, ds.n_server, accelerate=True)

    def _still_holds(self, ds: ServerDataset, rel: Relation, parent: Relation | None) -> bool:
        if rel is not self._relations.get(ds.var) or rel.interactive_filter is not None:
            return False
        if ds.parent is not None and (parent is not self._relations.get(ds.parent)
                                      or ds.parent in self._interactive):
            return False
        return not any(self._reads_browser_state(t, f"{ds.defn.path}.transform[{i}]",
                                                 ds.var.scope)
                       for i, t in enumerate(ds.server_transforms))


def _engine_gap(err: Exception) -> str:
    return f"the server could not evaluate it ({type(err).__name__}: {err})"


def _data_names(ast: Any) -> set[str]:
    from ..planner.references import DATA_FUNCTIONS

    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            if node.get("type") == "CallExpression" and node["callee"].get("name") in DATA_FUNCTIONS:
                args = node["arguments"]
                if args and args[0].get("type") == "Literal" and isinstance(args[0]["value"], str):
                    names.add(args[0]["value"])
            for value in node.values():
                visit(value)

    visit(ast)
    return names


def _to_plain(value: Any) -> Any:
    """A Python-evaluated JS value as JSON-able Vega data (dates as epoch ms)."""
    if isinstance(value, JSDate):
        return value.ms
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if type(value).__name__ in ("_Undefined", "JSRegExp"):
        return None
    return value

