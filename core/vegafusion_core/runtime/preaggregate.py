"""Pre-aggregation: answering "interactive filter, then aggregate" from a small cube.

The crossfilter pattern (Altair's interactive crossfilter, a brush filtering histograms) is

    static rows  ->  filter(selection)  ->  aggregate(groupby G, counts)

where the static rows do not change between updates and only the selection does. Every brush
would scan every row again. Instead, the rows are grouped once by every column the filter reads
(F) and every column the aggregate reads (G), counting the rows of each combination: the *cube*.
The filter then runs on the cube's rows (each stands for ``WEIGHT`` equal rows, which the filter
cannot tell apart: it reads only F) and the aggregate sums the weights. When F and G have few
distinct combinations (a brushed field with a few thousand values, binned fields) the cube has
thousands of rows instead of millions, and a brush is answered in milliseconds.

Exactness: the cube's rows keep, for each combination, the values and order position of its
first row (``arg_min`` by the order column), so the aggregate's groups, their representative
values and their first-appearance order are the ones the full scan gives. Only ops whose result
is a function of those values and the weights are accepted (count, valid, missing, distinct, min,
max; not sum or mean, whose floating-point totals depend on the addition order). A cube with
more than a fraction of the rows it summarises is not worth keeping: it is dropped, and the
pipeline runs on the rows as before, except over a table small enough to keep in memory
(``ROWS_TABLE_MAX``): then the filter's and the aggregate's columns are kept as they are, one row
per row with a weight of one, so that each brush still skips recomputing them (binning, formulas)
from the source.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property

import sqlglot.expressions as exp

from ..expression.types import VegaType
from ..transforms.aggregate import referenced_fields, read_measures
from ..transforms.base import ORDER, WEIGHT, Relation, Transform, TransformContext, col
from ..transforms.ops import as_double, fn
from .executor import Executor, render

# Ops the aggregate transform computes exactly from weighted cube rows (see aggregate.py).
WEIGHTED_OPS = frozenset({"count", "valid", "missing", "distinct", "min", "max"})
# Below this many rows a scan is fast anyway and a cube would only add a query.
MIN_ROWS = int(os.environ.get("VEGAFUSION_CUBE_MIN_ROWS", 50_000))
# A cube may have at most this share of the rows it summarises.
MAX_SHARE = float(os.environ.get("VEGAFUSION_CUBE_MAX_SHARE", 0.125))
# Up to this many rows, a cube too large to keep gives way to the rows themselves, materialised
# (a few columns: ~100 MB at this size); above it, the pipeline scans its source.
ROWS_TABLE_MAX = 2_000_000


@dataclass
class InteractiveFilter:
    """A filter whose expression reads browser state, over rows that do not."""

    base: Relation  # the filter's input: the same relation object on every update
    filtered: Relation  # the filter, bound to the current selection, over ``base``

    @cached_property
    def predicate(self) -> exp.Expression | None:
        """The filter's condition as compiled over ``base`` (Filter.to_sql's WHERE). It reads
        columns by name only, so it applies as it is to a cube holding those columns."""
        where = self.filtered.query.args.get("where")
        return where.this if where is not None else None

    @cached_property
    def columns_read(self) -> tuple[str, ...] | None:
        """The columns the predicate reads; None when it reads more than this row (indata)."""
        predicate = self.predicate
        if predicate is None or predicate.find(exp.Select, exp.Subquery) is not None:
            return None
        return tuple(dict.fromkeys(c.name for c in predicate.find_all(exp.Column)))


class Cubes:
    """The cubes over one evaluator's static relations.

    What a cube is made of is remembered per relation object (a static relation is compiled once
    and kept), so that a brush costs no SQL rendering of the rows it summarises: the filter's
    predicate is reused as the pipeline compiled it, and only the aggregate over the cube is
    compiled.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        # id(base) -> (base, its row count, {(kind, dims): (digest, SQL) of that table's
        # query}); the base is held so ids stay valid. Kinds: "cube", "rows".
        self._known: dict[int, tuple[Relation, int, dict[tuple[str, tuple[str, ...]],
                                                         tuple[str, str]]]] = {}

    def filtered_input(self, step: InteractiveFilter, aggregate: Transform,
                       ctx: TransformContext) -> Relation | None:
        """The filtered cube to feed ``aggregate`` instead of the filtered rows, or None."""
        dims = _cube_columns(step, aggregate, ctx)
        if dims is None:
            return None
        base, rows, keys = self._entry(step.base)
        if rows < MIN_ROWS:
            return None
        table = self._table(keys, "cube", base, dims, max_rows=int(rows * MAX_SHARE))
        if table is None and rows <= ROWS_TABLE_MAX:
            table = self._table(keys, "rows", base, dims, max_rows=rows)
        if table is None:
            return None
        columns: dict[str, VegaType] = {name: base.columns[name] for name in dims}
        columns[WEIGHT] = VegaType.NUMBER
        query = exp.select(*[col(n) for n in columns], col(ORDER)).from_(table)
        return Relation(query=query.where(step.predicate), columns=columns)

    def _table(self, keys: dict[tuple[str, tuple[str, ...]], tuple[str, str]], kind: str,
               base: Relation, dims: tuple[str, ...], max_rows: int) -> str | None:
        """The executor's table of that kind over ``base`` (its query rendered once)."""
        if (kind, dims) not in keys:
            sql = render((_cube_query if kind == "cube" else _rows_query)(base, dims))
            keys[kind, dims] = (hashlib.sha256(sql.encode()).hexdigest(), sql)
        digest, sql = keys[kind, dims]
        return self.executor.cube(digest, lambda: sql, max_rows=max_rows)

    def _entry(self, base: Relation
               ) -> tuple[Relation, int, dict[tuple[str, tuple[str, ...]], tuple[str, str]]]:
        entry = self._known.get(id(base))
        if entry is None or entry[0] is not base:
            count = exp.select(exp.Count(this=exp.Star())).from_(base.as_subquery("t"))
            row = self.executor.row(count)
            entry = (base, int(row[0]) if row else 0, {})
            if len(self._known) >= _MAX_KNOWN:
                del self._known[next(iter(self._known))]
            self._known[id(base)] = entry
        return entry


_MAX_KNOWN = 64


def _cube_columns(step: InteractiveFilter, aggregate: Transform,
                  ctx: TransformContext) -> tuple[str, ...] | None:
    """F and G (filter and aggregate columns), or None when the pair cannot use a cube."""
    base = step.base
    if aggregate.type != "aggregate" or WEIGHT in base.columns:
        return None
    if any(m.op not in WEIGHTED_OPS for m in read_measures(aggregate, ctx)):
        return None
    if step.columns_read is None:
        return None  # a filter reading another table (indata) is not a function of F
    names = list(step.columns_read)
    names += [n for n in referenced_fields(aggregate, ctx) if n is not None]
    if not names or any(n not in base.columns for n in names):
        return None
    return tuple(dict.fromkeys(names))


def _cube_query(base: Relation, dims: tuple[str, ...]) -> exp.Select:
    """One row per distinct combination of ``dims``: its first row's values and position, and
    how many rows it stands for."""
    first = [exp.alias_(fn("arg_min_null", col(n), col(ORDER)), n, quoted=True) for n in dims]
    return (exp.select(*first,
                       exp.alias_(as_double(exp.Count(this=exp.Star())), WEIGHT, quoted=True),
                       exp.alias_(fn("min", col(ORDER)), ORDER, quoted=True))
            .from_(base.as_subquery("t"))
            .group_by(*[exp.column(n, table="t", quoted=True) for n in dims]))


def _rows_query(base: Relation, dims: tuple[str, ...]) -> exp.Select:
    """The rows themselves, as a cube of weight one: ``dims``, the weight and the order."""
    return (exp.select(*[col(n) for n in dims],
                       exp.alias_(as_double(exp.Literal.number(1)), WEIGHT, quoted=True),
                       col(ORDER))
            .from_(base.as_subquery("t")))

