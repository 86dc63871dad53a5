"""ChartState: one chart split between server and browser, kept up to date by updates.

``update(client_updates)`` takes the values the browser sent (``{namespace, name, scope, value}``
for the comm plan's ``client_to_server`` variables), recomputes the server variables that read
them, and returns the ``server_to_client`` values that changed. A failed update raises and leaves
the state exactly as it was.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any, Mapping, Sequence

from ..errors import SpecError, VegaFusionError
from ..planner.domains import lift_scale_domains
from ..planner.facets import lift_facet_aggregations
from ..planner.plan import Plan, plan as make_plan, server_reads
from ..planner.split import build_client_spec, build_server_spec
from ..planner.warnings import PlannerWarning
from ..spec.scopes import Var, collect_definitions, resolve
from .evaluation import Evaluator, Inputs
from .executor import Executor, default_executor
from .ordering import identity_fields, incremental_order


_TUPLE_FIELDS = "_tuple_fields"


class RowLimitError(VegaFusionError):
    """A dataset bound for the browser has more rows than the row limit allows."""


class _SignalFailed(VegaFusionError):
    """A server-evaluated signal raised; carries which one."""

    def __init__(self, var: Var) -> None:
        self.var = var
        super().__init__(f"signal {var.name!r} could not be evaluated on the server")


class ChartState:
    def __init__(self, spec: dict[str, Any], inputs: Inputs, *, row_limit: int | None = None,
                 preserve_interactivity: bool = True, keep_signals: Sequence[Var] = (),
                 keep_datasets: Sequence[Var] = (), truncate_to_row_limit: bool = False,
                 executor: Executor | None = None) -> None:
        self.row_limit = row_limit
        self._truncate = truncate_to_row_limit
        self._lock = threading.Lock()
        self.evaluator = Evaluator(executor or default_executor(), {}, inputs)
        self._row_warnings: list[PlannerWarning] = []
        self._options = dict(preserve_interactivity=preserve_interactivity,
                             keep_signals=list(keep_signals), keep_datasets=list(keep_datasets))
        spec, planned = self._with_lifted_domains(spec)
        demoted: set[Var] = set()
        while True:
            self.plan: Plan = planned or make_plan(spec, self.evaluator, **self._options,
                                                   force_client=frozenset(demoted))
            planned = None
            self.evaluator.plan = self.plan
            self._reads = server_reads(self.plan.datasets, self.plan.signals,
                                       self.plan.definitions)
            self._order = self._evaluation_order()
            failed = self._first_evaluation()
            if failed is None:
                break
            # A signal the server could not evaluate (say, it reads a row of an empty dataset,
            # which Vega tolerates until the data arrives): leave it to the browser, plan again.
            demoted.add(failed)
        self._sent: dict[Var, Any] = {v: self._fingerprint(v) for v in self.plan.server_to_client}
        self._client_spec = build_client_spec(self.plan, self._client_values())

    # -- the VegaFusion ChartState API ----------------------------------------------------------
    def get_client_spec(self) -> dict[str, Any]:
        return copy.deepcopy(self._client_spec)

    def get_server_spec(self) -> dict[str, Any]:
        return build_server_spec(self.plan)

    def get_comm_plan(self) -> dict[str, list[dict[str, Any]]]:
        return self.plan.comm_plan()

    def get_warnings(self) -> list[dict[str, Any]]:
        return [w.to_json() for w in self.plan.warnings + self._row_warnings]

    def get_transformed_spec(self) -> dict[str, Any]:
        """The client spec with the current server values (as after all updates so far)."""
        return build_client_spec(self.plan, self._client_values())

    def update(self, client_updates: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        with self._lock:
            changed = self._apply_inputs(client_updates)
            snapshot = self._snapshot()
            try:
                self._evaluate(self._affected(changed))
            except BaseException:
                self._restore(snapshot)
                self.evaluator.values.update(self._previous_inputs)
                raise
            return self._changed_outputs()

    def prepare_for_selections(self) -> int:
        """Build now what the first selection made in the browser would build (the cubes of
        runtime/preaggregate.py), so that the first brush is as fast as the ones after it.

        Hosts call it once the page's charts are planned. For each selection store the browser
        sends whose fields are fixed (Vega-Lite's ``<sel>_store`` and ``<sel>_tuple_fields``),
        a stand-in selection over those fields is applied and the datasets that read it are
        compiled, which builds their cubes without fetching their rows (only the one-row
        queries compiling needs, such as an extent, run); then the state is put back exactly as
        it was. Returns how many stand-in selections were compiled.
        """
        prepared = 0
        with self._lock:
            for update in self._stand_in_selections():
                snapshot = self._snapshot()
                try:
                    self._compile_affected(self._apply_inputs([update]))
                    prepared += 1
                except VegaFusionError:
                    pass  # a pipeline that cannot take the stand-in: nothing to prepare
                finally:
                    self._restore(snapshot)
        return prepared

    # -- internals -------------------------------------------------------------------------------
    def _snapshot(self) -> tuple[Any, ...]:
        ev = self.evaluator
        return dict(ev.values), dict(ev.keys), dict(ev._relations), set(ev._interactive)

    def _restore(self, snapshot: tuple[Any, ...]) -> None:
        ev = self.evaluator
        ev.values, ev.keys, ev._relations, ev._interactive = snapshot

    def _stand_in_selections(self) -> list[dict[str, Any]]:
        """One update per selection unit with fixed fields (a ``<sel>_tuple_fields`` signal, in
        whichever group it is), holding one tuple over those fields in its ``<sel>_store``: the
        values do not matter, a cube depends on the columns the filter reads."""
        inputs = set(self.plan.client_to_server)
        updates, seen = [], set()
        for var, defn in self.evaluator.defs.items():
            if var.namespace != "signal" or not var.name.endswith(_TUPLE_FIELDS):
                continue
            store = resolve(self.evaluator.defs, "data",
                            var.name[: -len(_TUPLE_FIELDS)] + "_store", var.scope)
            entries = defn.spec.get("value")
            if store not in inputs or not (isinstance(entries, list) and entries and all(
                    isinstance(e, dict) and isinstance(e.get("field"), str) for e in entries)):
                continue
            values = [None if e.get("type", "E") == "E" else [0, 0] for e in entries]
            tuple_ = {"unit": "__vf_prepare", "fields": entries, "values": values}
            key = json.dumps([store.to_json(), entries], sort_keys=True)
            if key not in seen:
                seen.add(key)
                updates.append({**store.to_json(), "value": [tuple_]})
        return updates

    def _compile_affected(self, changed: set[Var]) -> None:
        """Compile (without running) the server datasets that read the changed variables."""
        affected = self._affected(changed)
        for var in self._order:
            ds = self.plan.datasets.get(var)
            if ds is not None and var in affected:
                self.evaluator._relations[var] = self.evaluator.compile_dataset(
                    ds.defn, ds.parent, ds.n_server, accelerate=True)

    def _with_lifted_domains(self, spec: dict[str, Any]) -> tuple[dict[str, Any], Plan | None]:
        """The spec with scale domains over server-only data computed on the server, and its
        plan when the first one still holds (no domain was lifted)."""
        spec = lift_facet_aggregations(spec)
        self.evaluator.defs = collect_definitions(spec)
        self.evaluator.init_client_values()
        first = make_plan(spec, self.evaluator, **self._options)
        lifted = lift_scale_domains(first)
        if lifted is None:
            return spec, first
        self.evaluator.values.clear()
        self.evaluator.defs = collect_definitions(lifted)
        self.evaluator.init_client_values()
        return lifted, None

    def _first_evaluation(self) -> Var | None:
        """Evaluate everything; return the server signal that failed, if one did."""
        try:
            self._evaluate(set(self._order))
        except _SignalFailed as failed:
            return failed.var
        return None

    def _apply_inputs(self, updates: Sequence[Mapping[str, Any]]) -> set[Var]:
        """Validate every update first; set them only if all are valid."""
        allowed = set(self.plan.client_to_server)
        parsed: list[tuple[Var, Any]] = []
        if not isinstance(updates, (list, tuple)):
            raise SpecError("updates must be a list of {namespace, name, scope, value}")
        for i, update in enumerate(updates):
            var = _parse_var(update, f"updates[{i}]")
            if var not in allowed:
                raise SpecError(f"{var.namespace} {var.name!r} (scope {list(var.scope)}) is not "
                                "an input of this chart's server part", path=f"updates[{i}]")
            value = update.get("value")
            if var.namespace == "data" and not (isinstance(value, list) and all(
                    isinstance(row, dict) for row in value)):
                raise SpecError(f"dataset {var.name!r} must be a list of objects",
                                path=f"updates[{i}].value")
            parsed.append((var, value))
        self._previous_inputs = {var: self.evaluator.values.get(var) for var, _ in parsed}
        for var, value in parsed:
            self.evaluator.values[var] = copy.deepcopy(value)
        return {var for var, _ in parsed}

    def _evaluation_order(self) -> list[Var]:
        """Server variables, each after the server variables it reads."""
        order: list[Var] = []
        seen: set[Var] = set()

        def visit(var: Var) -> None:
            if var in seen:
                return
            seen.add(var)
            for dep in self._reads.get(var, ()):
                if dep in self._reads:
                    visit(dep)
            order.append(var)

        for var in list(self.plan.datasets) + list(self.plan.signals):
            visit(var)
        return order

    def _affected(self, changed: set[Var]) -> set[Var]:
        """Server variables that read a changed variable, directly or through others."""
        affected: set[Var] = set()
        for var in self._order:
            reads = self._reads.get(var, set())
            produced_reads = {p for p in self.plan.produced if p in reads}
            if reads & (changed | affected) or any(
                    self.plan.definitions[p].dataset in affected for p in produced_reads):
                affected.add(var)
        return affected

    def _evaluate(self, todo: set[Var]) -> None:
        sent = set(self.plan.server_to_client)
        for var in self._order:
            if var not in todo:
                continue
            if var in self.plan.datasets:
                ds = self.plan.datasets[var]
                needs_rows = var in sent or self._read_by_server_signal(var)
                if needs_rows:
                    rows = self.evaluator.evaluate_dataset(ds)
                    rows = incremental_order(self.evaluator.values.get(var), rows,
                                             identity_fields(self.plan, var))
                    self.evaluator.values[var] = self._limit(var, rows)
                else:
                    self.evaluator.refresh_relation(ds)
            else:
                defn = self.plan.signals[var]
                text = defn.spec.get("update") or defn.spec.get("init")
                try:
                    self.evaluator.values[var] = self.evaluator.evaluate_expression(
                        text, var.scope, defn.path)
                except VegaFusionError as err:
                    raise _SignalFailed(var) from err

    def _read_by_server_signal(self, var: Var) -> bool:
        return any(var in self._reads.get(s, ()) for s in self.plan.signals)

    def _limit(self, var: Var, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.row_limit is None or len(rows) <= self.row_limit:
            return rows
        path = self.plan.definitions[var].path
        if not self._truncate:
            raise RowLimitError(f"dataset {var.name!r} has {len(rows)} rows, over the row limit "
                                f"of {self.row_limit}", path=path)
        self._row_warnings.append(PlannerWarning.row_limit(path, var.name, len(rows),
                                                           self.row_limit))
        return rows[: self.row_limit]

    def _fingerprint(self, var: Var) -> Any:
        if var.namespace == "data":
            return self.evaluator.keys.get(var)
        return copy.deepcopy(self.evaluator.values.get(var))

    def _client_values(self) -> dict[Var, Any]:
        return {v: self.evaluator.values.get(v) for v in self.plan.server_to_client}

    def _changed_outputs(self) -> list[dict[str, Any]]:
        out = []
        for var in self.plan.server_to_client:
            now = self._fingerprint(var)
            if now != self._sent.get(var):
                self._sent[var] = now
                out.append({**var.to_json(), "value": self.evaluator.values.get(var)})
        return out


def _parse_var(update: Any, path: str) -> Var:
    if not isinstance(update, Mapping):
        raise SpecError("an update must be an object {namespace, name, scope, value}", path=path)
    namespace, name, scope = update.get("namespace"), update.get("name"), update.get("scope", [])
    if namespace not in ("data", "signal") or not isinstance(name, str):
        raise SpecError(f"bad namespace/name: {namespace!r}/{name!r}", path=path)
    if not isinstance(scope, list) or not all(isinstance(i, int) for i in scope):
        raise SpecError(f"bad scope {scope!r}", path=path)
    return Var(namespace, name, tuple(scope))
