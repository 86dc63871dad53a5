"""Aggregations inside facets, lifted to the server.

Every dataset inside a facet group is built per facet by the browser, so a faceted chart whose
cells aggregate (Vega-Lite's ``row``/``column``/``facet``, the box plot of the Vega gallery) would
ship every row of its data to the browser. This pass rewrites

    data:  [{name: D, ...}]
    marks: [{type: group, from: {facet: {name: F, data: D, groupby: [g...]}},
             data: [{name: X, source: F, transform: [aggregate {groupby: [k...], ops, fields, as},
                                                     ...rest]}]}]

into

    data:  [{name: D, ...},
            {name: L, source: D, transform: [aggregate {groupby: [g..., k...], ops, fields, as}]}]
    marks: [{type: group, from: {facet: {name: F, data: L, groupby: [g...]}},
             data: [{name: X, source: F, transform: [...rest]}]}]

L sits in D's scope, right after D, so the planner runs it on the server whenever it runs D
there. The browser then receives one row per (facet, group) instead of every row.

Why it draws the same (checked against Vega JS in tests/planner/test_facets.py):

- Aggregating by ``g + k`` and then splitting by ``g`` gives, in each facet, exactly the rows that
  aggregating that facet's rows by ``k`` gives: the same groups over the same input rows.
- Order: Vega's aggregate emits groups in order of first appearance. Among L's rows with a given
  ``g``, the order of first appearance of ``(g, k)`` is the order of first appearance of ``k``
  within that facet; and each ``g`` first appears in L where it first appears in D, so the facets
  come out in the same order too. The server keeps Vega's order.
- A facet with an ``aggregate`` of its own (``{fields, ops, as}``, which Vega-Lite uses to sort
  cells) needs the raw rows: it is computed first by a ``joinaggregate`` over ``g`` in L, carried
  through L's aggregate with ``min`` (one value per facet, so the minimum is that value), and the
  facet then takes the ``min`` of the carried field.
- Leading ``formula`` transforms that read only ``datum`` (no signal, dataset, scale or
  ``parent``) compute the same value per row wherever they run, so they move into L ahead of the
  aggregate; likewise X may be a chain ``F -> X1 -> X2`` whose links hold only such formulas, as
  long as each link is the sole reader of the one before (Vega-Lite writes sort keys this way).
  A formula must not write a facet field (the cells would change) nor touch the carried facet
  values. Filters are not lifted: a facet whose rows are all filtered out still draws an empty
  cell, which a filter run before faceting would remove.
- The rows X receives carry the facet fields ``g`` (and carried facet values) besides its own;
  fields nothing reads, so nothing drawn changes.

Skipped, left exactly as written (each a case where the rewrite could not be shown equal):

- F read by anything besides X (another dataset, a mark's ``from``, a nested facet, an
  expression): they need F's raw rows;
- X not a plain ``{name, source, transform}`` dataset, or its first transform (after liftable
  formulas) not an aggregate with plain parameters (no signals, ``cross``, ``drop``, ``key``);
- facet fields ``g`` that are not plain field names (``a.b``, ``a[0]``, escapes): L's output
  field is named by the whole string, which the facet would read as a nested path;
- D not a dataset outside every facet (a nested facet's data is itself per facet);
- a facet with ``field`` (pre-faceted data) or without ``groupby``; a facet ``aggregate`` missing
  one of ``fields``/``ops``/``as``, with ops whose value ``min`` cannot carry (``values``,
  ``argmin``, ``argmax``, the random ``ci0``/``ci1``), or whose names meet X's fields;
- ``cross`` facets with an aggregate of their own (an empty cell's ``count`` is 0, a carried
  ``min`` over no rows is undefined), or whose child aggregate has no ``groupby`` (whether an
  empty cell gets one aggregate row is not something this pass can show equal).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..errors import SpecError
from ..expression.parser import parse
from ..spec.scopes import Group, collect_definitions, iter_groups, resolve
from .references import expression_refs, fragment_refs

# Aggregate ops whose per-facet value is one scalar, which ``min`` passes through unchanged.
_CARRIABLE_OPS = {"count", "valid", "missing", "distinct", "sum", "product", "mean", "average",
                  "variance", "variancep", "stdev", "stdevp", "stderr", "median", "q1", "q3",
                  "min", "max"}
_AGGREGATE_KEYS = {"type", "groupby", "fields", "ops", "as"}
_PLAIN_FIELD = re.compile(r"^[^.\[\]\\]+$")
_LIFTED_SUFFIX = "_facet_"


def lift_facet_aggregations(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the facet aggregations that can be lifted lifted (see the module docstring).

    Returns ``spec`` itself when nothing changes, else a rewritten copy.
    """
    out = copy.deepcopy(spec)
    taken = _all_data_names(out)
    inserted: set[str] = set()
    changed = False
    defs = collect_definitions(out)
    for group in iter_groups(out):
        if group.facet is None or group.parent is None:
            continue
        lifted = _lift_one(group, defs, taken)
        if lifted is not None:
            target_group, after, dataset = lifted
            _insert_after(target_group.spec, after, dataset, inserted)
            taken.add(dataset["name"])
            inserted.add(dataset["name"])
            changed = True
    return out if changed else spec


def _lift_one(group: Group, defs: dict, taken: set[str]
              ) -> tuple[Group, str, dict[str, Any]] | None:
    """Rewrite one facet group in place; return (D's group, D, L) or None when skipped."""
    facet = group.facet
    assert facet is not None and group.parent is not None
    facet_name, source = facet.get("name"), facet.get("data")
    groupby = _facet_groupby(facet)
    if not isinstance(facet_name, str) or not isinstance(source, str) or groupby is None:
        return None
    source_var = resolve(defs, "data", source, group.parent.scope)
    if source_var is None or defs[source_var].kind != "data" or defs[source_var].group.in_facet:
        return None
    found = _chain_to_aggregate(group, facet_name)
    if found is None:
        return None
    chain, formulas, aggregate = found
    keys = list(aggregate.get("groupby") or [])
    facet_aggregate = facet.get("aggregate")
    if facet_aggregate is not None and not isinstance(facet_aggregate, dict):
        return None
    carried = _carried_facet_values(facet_aggregate or {}, aggregate, groupby)
    if carried is None:
        return None
    if (facet_aggregate or {}).get("cross") and (carried or not keys):
        return None
    if not _formulas_keep_facets(formulas, groupby, carried):
        return None
    name = _unique_name(f"{source}{_LIFTED_SUFFIX}{facet_name}", taken)
    dataset = _lifted_dataset(name, source, groupby, keys, formulas, aggregate,
                              facet_aggregate or {}, carried)
    # The rewrite proper: the facet reads L; the chain no longer computes what L computes.
    facet["data"] = name
    if carried:
        facet["aggregate"] = {**facet_aggregate, "fields": list(carried),
                              "ops": ["min"] * len(carried), "as": list(carried)}
    for link in chain[:-1]:
        link["transform"] = []
    last = chain[-1]
    last["transform"] = last["transform"][len(last["transform"]) - _rest_after(last) :]
    return defs[source_var].group, source, dataset


def _rest_after(dataset: dict[str, Any]) -> int:
    """How many transforms of the chain's last dataset follow its leading formulas and aggregate."""
    transforms = dataset["transform"]
    i = 0
    while transforms[i].get("type") == "formula":
        i += 1
    return len(transforms) - i - 1


def _chain_to_aggregate(group: Group, facet_name: str
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                   dict[str, Any]] | None:
    """Follow F's sole reader (and, past datasets of only formulas, their sole readers) to
    the first aggregate. Returns (the datasets on the way, the formulas met, the aggregate)."""
    chain: list[dict[str, Any]] = []
    formulas: list[dict[str, Any]] = []
    name = facet_name
    while True:
        reader = _sole_reader(group, name)
        if reader is None or set(reader) - {"name", "source", "transform"}:
            return None
        chain.append(reader)
        transforms = reader.get("transform") or []
        if not isinstance(transforms, list):
            return None
        i = 0
        while i < len(transforms) and _liftable_formula(transforms[i]):
            formulas.append(transforms[i])
            i += 1
        if i < len(transforms):
            aggregate = _plain_aggregate(transforms[i])
            return (chain, formulas, aggregate) if aggregate is not None else None
        name = reader["name"]


def _liftable_formula(transform: Any) -> bool:
    """A formula whose value does not depend on the facet: it reads only ``datum``."""
    if not isinstance(transform, dict) or transform.get("type") != "formula":
        return False
    if set(transform) - {"type", "expr", "as", "initonly"}:
        return False
    expr, name = transform.get("expr"), transform.get("as")
    if not isinstance(expr, str) or not isinstance(name, str):
        return False
    try:
        refs = expression_refs(expr)
        tree = parse(expr)
    except SpecError:
        return False
    return not (refs.signals or refs.data or refs.scales) and not _reads_parent(tree)


def _reads_parent(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("type") == "Identifier" and node.get("name") == "parent" \
                and not node.get("member"):
            return True
        return any(_reads_parent(v) for v in node.values())
    if isinstance(node, list):
        return any(_reads_parent(v) for v in node)
    return False


def _formulas_keep_facets(formulas: list[dict[str, Any]], groupby: list[str],
                          carried: list[str]) -> bool:
    """Lifted formulas run before the facet splits rows: they must not write a facet field, nor
    write or read the facet values the joinaggregate puts on the raw rows."""
    for formula in formulas:
        if formula["as"] in groupby or formula["as"] in carried:
            return False
        if any(name in formula["expr"] for name in carried):
            return False
    return True


def _facet_groupby(facet: dict[str, Any]) -> list[str] | None:
    """The facet's groupby fields, when they are plain names and the facet groups rows."""
    if "field" in facet:
        return None
    groupby = facet.get("groupby")
    if isinstance(groupby, str):
        groupby = [groupby]
    if not isinstance(groupby, list) or not groupby:
        return None
    if not all(isinstance(g, str) and _PLAIN_FIELD.match(g) for g in groupby):
        return None
    return groupby


def _sole_reader(group: Group, facet_name: str) -> dict[str, Any] | None:
    """The one dataset of the group that reads the facet, if nothing else in the group does."""
    readers = [d for d in group.spec.get("data") or []
               if isinstance(d, dict) and d.get("source") == facet_name]
    if len(readers) != 1:
        return None
    child = readers[0]
    # Everything the group holds, except the facet definition and the child's own source.
    rest = {k: v for k, v in group.spec.items() if k not in ("from", "data")}
    rest["data"] = [d if d is not child else {k: v for k, v in d.items() if k != "source"}
                    for d in group.spec.get("data") or []]
    if facet_name in fragment_refs(rest).data or _mentions(rest, facet_name):
        return None
    return child


def _mentions(value: Any, name: str) -> bool:
    """True when ``name`` occurs as a whole string anywhere in ``value`` (a conservative check
    for references that ``fragment_refs`` does not model, such as a lookup's ``from``)."""
    if isinstance(value, str):
        return value == name
    if isinstance(value, dict):
        return any(_mentions(v, name) for k, v in value.items() if k != "name")
    if isinstance(value, list):
        return any(_mentions(v, name) for v in value)
    return False


def _plain_aggregate(aggregate: Any) -> dict[str, Any] | None:
    """``aggregate`` when it is an aggregate with plain parameters."""
    if not isinstance(aggregate, dict) or aggregate.get("type") != "aggregate":
        return None
    if set(aggregate) - _AGGREGATE_KEYS:
        return None  # cross, drop, key: results depend on which rows an aggregate sees
    groupby = aggregate.get("groupby", [])
    fields = aggregate.get("fields", [])
    ops = aggregate.get("ops", [])
    names = aggregate.get("as", [])
    if not (isinstance(groupby, list) and all(isinstance(k, str) for k in groupby)):
        return None
    if not (isinstance(fields, list) and all(f is None or isinstance(f, str) for f in fields)):
        return None
    if not (isinstance(ops, list) and all(isinstance(o, str) for o in ops)):
        return None
    if not (isinstance(names, list) and all(n is None or isinstance(n, str) for n in names)):
        return None
    return aggregate


def _carried_facet_values(facet_aggregate: dict[str, Any], aggregate: dict[str, Any],
                          groupby: list[str]) -> list[str] | None:
    """The facet aggregate's output names to carry through L ([] when it has none); None when
    the facet aggregate cannot be carried."""
    present = [k for k in ("fields", "ops", "as") if k in facet_aggregate]
    if set(facet_aggregate) - {"fields", "ops", "as", "cross"}:
        return None
    if not present:
        return []
    if len(present) != 3:
        return None
    fields, ops, names = facet_aggregate["fields"], facet_aggregate["ops"], facet_aggregate["as"]
    if not (isinstance(fields, list) and isinstance(ops, list) and isinstance(names, list)
            and len(fields) == len(ops) == len(names)):
        return None
    if not all(isinstance(o, str) and o in _CARRIABLE_OPS for o in ops):
        return None
    if not all(f is None or isinstance(f, str) for f in fields):
        return None
    if not all(isinstance(n, str) and _PLAIN_FIELD.match(n) for n in names):
        return None
    if len(set(names)) != len(names):
        return None
    # The joinaggregate writes these names onto the raw rows, and L's aggregate outputs them:
    # they must not be fields the child's aggregate reads or writes, nor facet fields.
    used = set(groupby) | set(aggregate.get("groupby") or []) | \
        {f for f in aggregate.get("fields") or [] if f} | \
        {n for n in aggregate.get("as") or [] if n} | _default_names(aggregate)
    if used & set(names):
        return None
    return list(names)


def _default_names(aggregate: dict[str, Any]) -> set[str]:
    """Output names Vega gives measures without ``as`` (``op_field``, or ``op`` alone)."""
    fields, ops = aggregate.get("fields") or [], aggregate.get("ops") or []
    names = list(aggregate.get("as") or [])
    out = set()
    for i, op in enumerate(ops):
        if i < len(names) and names[i]:
            continue
        field = fields[i] if i < len(fields) else None
        out.add(f"{op}_{field}" if field else op)
    if not ops:
        out.add("count")
    return out


def _lifted_dataset(name: str, source: str, groupby: list[str], keys: list[str],
                    formulas: list[dict[str, Any]], aggregate: dict[str, Any],
                    facet_aggregate: dict[str, Any], carried: list[str]) -> dict[str, Any]:
    transforms: list[dict[str, Any]] = []
    lifted = {k: copy.deepcopy(v) for k, v in aggregate.items()}
    lifted["groupby"] = list(dict.fromkeys(groupby + keys))  # g first, no duplicates
    if carried:
        transforms.append({"type": "joinaggregate", "groupby": list(groupby),
                           "fields": list(facet_aggregate["fields"]),
                           "ops": list(facet_aggregate["ops"]), "as": list(carried)})
        n = len(aggregate.get("ops") or [])
        if n == 0:  # an aggregate without ops counts; keep that measure explicit
            lifted.update(fields=[None], ops=["count"], **{"as": ["count"]})
            n = 1
        fields = list(lifted.get("fields") or []) + [None] * (n - len(lifted.get("fields") or []))
        names = list(lifted.get("as") or []) + [None] * (n - len(lifted.get("as") or []))
        lifted["fields"] = fields + list(carried)
        lifted["ops"] = list(lifted["ops"]) + ["min"] * len(carried)
        lifted["as"] = names + list(carried)
    # The facet's values are computed over the raw rows, as the facet computes them: first.
    transforms.extend(copy.deepcopy(formulas))
    transforms.append(lifted)
    return {"name": name, "source": source, "transform": transforms}


def _all_data_names(spec: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for group in iter_groups(spec):
        for d in group.spec.get("data") or []:
            if isinstance(d, dict) and isinstance(d.get("name"), str):
                names.add(d["name"])
        if group.facet is not None and isinstance(group.facet.get("name"), str):
            names.add(group.facet["name"])
    return names


def _unique_name(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    i = 1
    while f"{base}_{i}" in taken:
        i += 1
    return f"{base}_{i}"


def _insert_after(group_spec: dict[str, Any], source: str, entry: dict[str, Any],
                  inserted: set[str]) -> None:
    """Insert ``entry`` after ``source`` and the datasets this pass already put there."""
    data = group_spec.setdefault("data", [])
    index = next(i for i, d in enumerate(data) if isinstance(d, dict) and d.get("name") == source)
    while index + 1 < len(data) and data[index + 1].get("name") in inserted:
        index += 1
    data.insert(index + 1, entry)
