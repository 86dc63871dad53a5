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
pipeline runs on the rows as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot.expressions as exp

from ..expression.types import VegaType
from ..transforms.aggregate import referenced_fields, read_measures
from ..transforms.base import ORDER, WEIGHT, Relation, Transform, TransformContext, col
from ..transforms.ops import as_double, fn
from .executor import Executor, render

# Ops the aggregate transform computes exactly from weighted cube rows (see aggregate.py).
WEIGHTED_OPS = frozenset({"count", "valid", "missing", "distinct", "min", "max"})
# Below this many rows a scan is fast anyway and a cube would only add a query.
MIN_ROWS = 50_000
# A cube may have at most this share of the rows it summarises.
MAX_SHARE = 0.125


@dataclass(frozen=True)
class InteractiveFilter:
    """A filter whose expression reads browser state, over rows that do not."""

    base: Relation  # the filter's input: the same query on every update
    transform: Transform  # the filter, bound to the current selection
    ctx: TransformContext


def preaggregated_input(step: InteractiveFilter, aggregate: Transform, ctx: TransformContext,
                        executor: Executor) -> Relation | None:
    """The filtered cube to feed ``aggregate`` instead of the filtered rows, or None."""
    dims = _cube_columns(step, aggregate, ctx)
    if dims is None:
        return None
    base_rows = executor.row(exp.select(exp.Count(this=exp.Star())).from_(
        step.base.as_subquery("t")))
    if base_rows is None or base_rows[0] < MIN_ROWS:
        return None
    table = executor.cube(render(_cube_query(step.base, dims)),
                          max_rows=int(base_rows[0] * MAX_SHARE))
    if table is None:
        return None
    columns: dict[str, VegaType] = {name: step.base.columns[name] for name in dims}
    columns[WEIGHT] = VegaType.NUMBER
    cube = Relation(query=exp.select(*[col(n) for n in columns], col(ORDER)).from_(table),
                    columns=columns)
    return step.transform.to_sql(cube, step.ctx)


def _cube_columns(step: InteractiveFilter, aggregate: Transform,
                  ctx: TransformContext) -> list[str] | None:
    """F and G (filter and aggregate columns), or None when the pair cannot use a cube."""
    if aggregate.type != "aggregate" or WEIGHT in step.base.columns:
        return None
    if any(m.op not in WEIGHTED_OPS for m in read_measures(aggregate, ctx)):
        return None
    predicate = step.transform.to_sql(step.base, step.ctx).query.args.get("where")
    if predicate is None or predicate.find(exp.Select, exp.Subquery) is not None:
        return None  # a filter reading another table (indata) is not a function of F
    names = [c.name for c in predicate.find_all(exp.Column)]
    names += [n for n in referenced_fields(aggregate, ctx) if n is not None]
    if not names or any(n not in step.base.columns for n in names):
        return None
    return list(dict.fromkeys(names))


def _cube_query(base: Relation, dims: list[str]) -> exp.Select:
    """One row per distinct combination of ``dims``: its first row's values and position, and
    how many rows it stands for."""
    first = [exp.alias_(fn("arg_min_null", col(n), col(ORDER)), n, quoted=True) for n in dims]
    return (exp.select(*first,
                       exp.alias_(as_double(exp.Count(this=exp.Star())), WEIGHT, quoted=True),
                       exp.alias_(fn("min", col(ORDER)), ORDER, quoted=True))
            .from_(base.as_subquery("t"))
            .group_by(*[exp.column(n, table="t", quoted=True) for n in dims]))
