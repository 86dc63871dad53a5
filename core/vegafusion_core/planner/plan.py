"""The planner: which variables the server evaluates, the client spec, and the comm plan.

Small passes, composed by :func:`plan`:

1. ``collect_definitions``: every dataset, signal, scale and transform-produced signal with scope;
2. ``_decide_datasets``: for each dataset in definition order, how many of its transforms run on
   the server (all, a prefix, or none) -- asked of a ``SupportOracle`` that knows the data;
3. ``_decide_signals``: signals whose update reads server-only values are evaluated on the server;
4. ``_client_refs`` / ``_server_refs``: what each side reads of the other, which is the comm plan;
5. ``client_fields`` (projection.py): the fields of each dataset sent that the browser reads;
6. ``build_client_spec`` (in split.py): the spec the browser runs, with stubs for server values.

The planner reads data only through the oracle, so that it stays a pure function of the spec and
the oracle's answers, and can be tested without DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import SpecError
from ..expression.functions import FUNCTIONS
from ..expression.parser import parse
from ..spec.normalize import dataset_name_from_url
from ..spec.scopes import Definition, Var, collect_definitions, iter_groups, resolve
from .projection import client_fields
from .references import Refs, expression_refs, fragment_refs, group_level_refs
from .warnings import PlannerWarning


class SupportOracle(Protocol):
    def server_prefix(self, defn: Definition, parent: Var | None) -> tuple[int | None, str | None]:
        """How many of the dataset's transforms the server runs, and why it stops there.

        None when the server cannot read the dataset's source at all.
        """


@dataclass
class ServerDataset:
    var: Var
    defn: Definition
    parent: Var | None  # the server dataset it reads (``source``), if any
    n_server: int  # transforms evaluated on the server (a prefix of the pipeline)
    # A URL dataset with no server transforms: the server reads it for the datasets derived
    # from it, and the browser, should it draw it too, loads the URL itself.
    browser_loads: bool = False

    @property
    def transforms(self) -> list[dict[str, Any]]:
        return list(self.defn.spec.get("transform") or [])

    @property
    def complete(self) -> bool:
        return self.n_server == len(self.transforms)

    @property
    def server_transforms(self) -> list[dict[str, Any]]:
        return self.transforms[: self.n_server]

    @property
    def client_transforms(self) -> list[dict[str, Any]]:
        return self.transforms[self.n_server:]


@dataclass
class Plan:
    spec: dict[str, Any]
    definitions: dict[Var, Definition]
    datasets: dict[Var, ServerDataset]  # server datasets, in definition order
    signals: dict[Var, Definition]  # signals evaluated on the server
    produced: dict[Var, Definition]  # signals produced by server transforms
    server_to_client: list[Var]
    client_to_server: list[Var]
    warnings: list[PlannerWarning] = field(default_factory=list)
    # For each server dataset sent to the browser, the fields the browser can read (None: all);
    # the runtime sends only those (projection.py).
    client_fields: dict[Var, frozenset[str] | None] = field(default_factory=dict)
    # Every variable the parts left to the browser read (a URL dataset the server also reads
    # stays in the client spec only if it is among them).
    browser_reads: frozenset[Var] = frozenset()

    def comm_plan(self) -> dict[str, list[dict[str, Any]]]:
        return {"server_to_client": [v.to_json() for v in self.server_to_client],
                "client_to_server": [v.to_json() for v in self.client_to_server]}

    def is_server(self, var: Var) -> bool:
        return var in self.datasets or var in self.signals or var in self.produced


def _source_parent(defn: Definition, defs: dict[Var, Definition]) -> tuple[str, Var | None]:
    """What a dataset reads: ("values"|"url"|"table"|"source"|"none"|"client", parent var)."""
    spec = defn.spec
    if defn.group.in_facet or spec.get("on"):
        return "client", None
    if "source" in spec:
        source = spec["source"]
        if not isinstance(source, str):
            return "client", None
        return "source", resolve(defs, "data", source, defn.var.scope)
    if "url" in spec:
        url = spec["url"]
        if not isinstance(url, str):
            return "client", None
        return ("table" if dataset_name_from_url(url) else "url"), None
    if "values" in spec:
        return ("values" if not _is_signal(spec["values"]) else "client"), None
    return "none", None


def _is_signal(value: Any) -> bool:
    return isinstance(value, dict) and "signal" in value


def _decide_datasets(defs: dict[Var, Definition], oracle: SupportOracle,
                     warnings: list[PlannerWarning]) -> dict[Var, ServerDataset]:
    server: dict[Var, ServerDataset] = {}
    for defn in sorted((d for d in defs.values() if d.kind == "data"), key=lambda d: d.order):
        kind, parent = _source_parent(defn, defs)
        if kind in ("client", "none"):
            continue
        if kind == "source" and (parent not in server or not server[parent].complete):
            continue
        n_server, reason = oracle.server_prefix(defn, parent)
        if n_server is None:
            if reason:
                warnings.append(PlannerWarning.unsupported(defn.path, reason))
            continue
        n_total = len(defn.spec.get("transform") or [])
        if n_server < n_total and reason:
            warnings.append(PlannerWarning.unsupported(
                f"{defn.path}.transform[{n_server}]", reason))
        server[defn.var] = ServerDataset(defn.var, defn, parent, n_server,
                                         browser_loads=kind == "url" and n_server == 0)
    return server


def _python_evaluable(text: str) -> bool:
    """True when every function the expression calls has a Python form."""
    def calls(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            if node.get("type") == "CallExpression" and node["callee"].get("type") == "Identifier":
                found.add(node["callee"]["name"])
            for value in node.values():
                found |= calls(value)
        elif isinstance(node, list):
            for value in node:
                found |= calls(value)
        return found

    try:
        names = calls(parse(text))
    except SpecError:
        return False
    return all(FUNCTIONS.get(n) is not None and FUNCTIONS[n].python is not None for n in names)


def _decide_signals(defs: dict[Var, Definition], datasets: dict[Var, ServerDataset],
                    produced: dict[Var, Definition],
                    force_client: frozenset[Var] = frozenset()) -> dict[Var, Definition]:
    """Signals whose update reads server-only values (and nothing the server cannot evaluate)."""
    server: dict[Var, Definition] = {}
    for defn in sorted((d for d in defs.values() if d.kind == "signal"), key=lambda d: d.order):
        spec = defn.spec
        text = spec.get("update") if isinstance(spec.get("update"), str) else spec.get("init")
        if not isinstance(text, str) or spec.get("on") or spec.get("bind"):
            continue
        if not _python_evaluable(text):
            continue
        refs = expression_refs(text, defn.path)
        read = resolve_refs(defs, refs, defn.var.scope)
        if any(v.namespace == "scale" for v in read):
            continue
        # Only values the server owns: a signal that also reads browser state (width, a
        # slider) is cheaper and safer evaluated where that state lives.
        if read and all(_server_value(v, datasets, produced, server) for v in read) \
                and defn.var not in force_client:
            server[defn.var] = defn
    return server


def _server_value(var: Var, datasets: dict[Var, ServerDataset],
                  produced: dict[Var, Definition], signals: dict[Var, Definition]) -> bool:
    if var in datasets:
        return datasets[var].complete and not datasets[var].browser_loads
    return var in produced or var in signals


def resolve_refs(defs: dict[Var, Definition], refs: Refs, scope: tuple[int, ...]) -> set[Var]:
    out: set[Var] = set()
    for namespace, names in (("signal", refs.signals), ("data", refs.data),
                             ("scale", refs.scales)):
        for name in names:
            var = resolve(defs, namespace, name, scope)
            if var is not None:
                out.add(var)
    return out


def server_reads(plan_datasets: dict[Var, ServerDataset], signals: dict[Var, Definition],
                 defs: dict[Var, Definition]) -> dict[Var, set[Var]]:
    """For each server variable, the variables its evaluation reads."""
    reads: dict[Var, set[Var]] = {}
    for var, ds in plan_datasets.items():
        refs = fragment_refs(ds.server_transforms, f"{ds.defn.path}.transform")
        found = resolve_refs(defs, refs, var.scope)
        if ds.parent is not None:
            found.add(ds.parent)
        # Signals produced by this pipeline are read inside the same query.
        reads[var] = {v for v in found if not (defs[v].kind == "produced" and defs[v].dataset == var)}
    for var, defn in signals.items():
        text = defn.spec.get("update") or defn.spec.get("init")
        reads[var] = resolve_refs(defs, expression_refs(text, defn.path), var.scope)
    return reads


def client_refs(spec: dict[str, Any], defs: dict[Var, Definition],
                 datasets: dict[Var, ServerDataset], signals: dict[Var, Definition]) -> set[Var]:
    """Every variable that the parts of the spec left to the browser read."""
    read: set[Var] = set()
    for group in iter_groups(spec):
        for scope_group, _path, refs in group_level_refs(group):
            read |= resolve_refs(defs, refs, scope_group.scope)
    for var, defn in defs.items():
        if defn.kind == "data":
            ds = datasets.get(var)
            part: Any = defn.spec if ds is None else ds.client_transforms
            read |= resolve_refs(defs, fragment_refs(part, defn.path), var.scope)
        elif defn.kind == "signal" and var not in signals:
            read |= resolve_refs(defs, fragment_refs(defn.spec, defn.path), var.scope)
    return read


def plan(spec: dict[str, Any], oracle: SupportOracle, *,
         preserve_interactivity: bool = True,
         keep_signals: list[Var] | None = None,
         keep_datasets: list[Var] | None = None,
         force_client: frozenset[Var] = frozenset()) -> Plan:
    """Split ``spec`` between server and browser (see the module docstring).

    ``force_client`` names signals to leave in the browser whatever their inputs (the runtime
    demotes a server signal whose evaluation failed).
    """
    defs = collect_definitions(spec)
    warnings: list[PlannerWarning] = []
    datasets = _decide_datasets(defs, oracle, warnings)
    produced = {v: d for v, d in defs.items() if d.kind == "produced" and d.dataset in datasets
                and d.transform_index < datasets[d.dataset].n_server}
    signals = _decide_signals(defs, datasets, produced, force_client)
    reads = server_reads(datasets, signals, defs)

    client_read = client_refs(spec, defs, datasets, signals)
    client_read |= set(keep_signals or []) | set(keep_datasets or [])
    is_server = lambda v: v in datasets or v in signals or v in produced  # noqa: E731
    s2c = sorted(v for v in client_read if is_server(v)
                 and not (v in datasets and datasets[v].browser_loads))
    c2s: list[Var] = []
    if preserve_interactivity:
        needed = set().union(*reads.values()) if reads else set()
        c2s = sorted(v for v in needed if not is_server(v) and v.namespace != "scale"
                     and _client_driven(defs[v]))
    result = Plan(spec, defs, datasets, signals, produced, s2c, c2s, warnings,
                  browser_reads=frozenset(client_read))
    result.client_fields = client_fields(result, keep=keep_datasets or ())
    _warn_broken_interactivity(result, reads, preserve_interactivity)
    return result


def _client_driven(defn: Definition) -> bool:
    """A client variable whose value can change in the browser (so the server must be told)."""
    spec = defn.spec
    if defn.kind == "signal":
        return bool(spec.get("on") or spec.get("bind") or spec.get("update") or spec.get("init")
                    or spec.get("builtin"))
    return defn.kind in ("data", "produced")


def _warn_broken_interactivity(result: Plan, reads: dict[Var, set[Var]],
                               preserve_interactivity: bool) -> None:
    if preserve_interactivity:
        return
    for var, read in reads.items():
        driven = [v for v in read if not result.is_server(v) and v in result.definitions
                  and _client_driven(result.definitions[v])]
        for v in driven:
            result.warnings.append(PlannerWarning.broken_interactivity(
                result.definitions[var].path, f"{v.namespace} {v.name!r}"))

