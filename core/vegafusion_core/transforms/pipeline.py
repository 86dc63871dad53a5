"""A dataset's transforms compiled into one query over its source, and run in DuckDB."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import VegaType
from .base import ORDER, Relation, Transform, TransformContext, col
from .registry import ALL_TRANSFORM_NAMES, TRANSFORMS, browser_reason


def source_relation(table: str, columns: Mapping[str, VegaType],
                    order_column: str | None = ORDER) -> Relation:
    """The relation reading table ``table`` (registered in the connection).

    ``order_column`` names the table's column that gives Vega's row order; without one the scan
    order is numbered (DuckDB keeps insertion order for scans).
    """
    selected: list[exp.Expression] = [col(name) for name in columns]
    if order_column is None:
        number = exp.Window(this=exp.RowNumber())
        selected.append(exp.alias_(exp.Sub(this=number, expression=exp.Literal.number(1)), ORDER,
                                   quoted=True))
    elif order_column != ORDER:
        selected.append(exp.alias_(col(order_column), ORDER, quoted=True))
    else:
        selected.append(col(ORDER))
    query = exp.select(*selected).from_(exp.to_table(table, quoted=True) if "." not in table
                                        else exp.Table(this=exp.to_identifier(table, quoted=True)))
    return Relation(query=query, columns=dict(columns))


def transform_from_spec(spec: Mapping[str, Any], path: str) -> Transform:
    """Instantiate the server transform for ``spec``.

    Raises UnsupportedError (with the reason) for transforms the browser keeps, and SpecError for
    a ``type`` Vega does not know.
    """
    if not isinstance(spec, Mapping) or "type" not in spec:
        raise SpecError("a transform must be an object with a \"type\"", path=path)
    name = spec["type"]
    cls = TRANSFORMS.get(name)
    if cls is not None:
        return cls(spec, path)
    if name in ALL_TRANSFORM_NAMES:
        raise UnsupportedError(f"transform {name!r} stays in the browser: {browser_reason(name)}",
                               path=path)
    raise SpecError(f"unknown transform type {name!r}", path=path)


def compile_transforms(rel: Relation, specs: Sequence[Mapping[str, Any]],
                       ctx: TransformContext, path: str) -> Relation:
    """Wrap ``rel`` in each transform of ``specs`` in turn (``path`` is the dataset's spec path)."""
    for i, spec in enumerate(specs):
        transform = transform_from_spec(spec, f"{path}.transform[{i}]")
        rel = check_field_names(transform.to_sql(rel, ctx), transform.where)
    return rel


def check_field_names(rel: Relation, where: str) -> Relation:
    """Refuse fields whose names differ only in case ("Year" and "year").

    Vega's fields are case-sensitive; DuckDB's identifiers are not, even quoted, so such a
    relation would silently merge two fields. The browser keeps that work.
    """
    lowered: dict[str, str] = {}
    for name in rel.columns:
        other = lowered.setdefault(name.lower(), name)
        if other != name:
            raise UnsupportedError(f"fields {other!r} and {name!r} differ only in case, which "
                                   "DuckDB's identifiers do not distinguish", path=where)
    return rel


def final_query(rel: Relation) -> exp.Select:
    """The query that yields the dataset: its columns, in Vega's row order."""
    # A relation with no fields still has rows (Vega keeps empty objects): select the order.
    selected = [col(name) for name in rel.columns] or [col(ORDER)]
    return (exp.select(*selected)
            .from_(rel.as_subquery("t"))
            .order_by(col(ORDER)))


def run_query(con: duckdb.DuckDBPyConnection, query: exp.Expression) -> pa.Table:
    """Run a sqlglot query on DuckDB and return the result as Arrow."""
    return con.sql(query.sql(dialect="duckdb")).to_arrow_table()
