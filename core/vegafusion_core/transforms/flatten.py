"""Vega's ``flatten`` transform: one row per array element, several arrays zipped together.

For each input row (in order) vega-transforms takes the arrays of ``fields`` and emits one row per
index ``i`` below the longest array's length: a copy of the row with ``as[j]`` = the j-th
array's element ``i`` (null past its end) and, if ``index`` is set, ``index`` = ``i``.

Arrays are DuckDB LIST columns. A VegaType says only ARRAY, so the element type comes from the
table that holds the column (``data.values.ARRAY_ELEMENT_TYPES``); when it cannot be known the
transform stays in the browser. Fields that are not arrays (strings, which Vega splits into
UTF-16 code units; numbers, which give no rows; missing fields, which make Vega fail) do too.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import VegaType
from .base import (ORDER, Param, Relation, Transform, TransformContext, col, field_name,
                   iter_tables)
from .fold import accessor_name, renumber
from .registry import register


def element_type(rel: Relation, name: str) -> VegaType:
    """The type of the elements of the LIST column ``name``, from the tables it is read from."""
    from ..data.values import ARRAY_ELEMENT_TYPES

    found = {ARRAY_ELEMENT_TYPES[t.name][name] for t in iter_tables(rel.query)
             if name in ARRAY_ELEMENT_TYPES.get(t.name, {})}
    if len(found) != 1:
        raise UnsupportedError(f"the element type of array field {name!r} is not known")
    return found.pop()


@register
class Flatten(Transform):
    type = "flatten"
    params = (
        Param("fields", "field", required=True, array=True),
        Param("index", "string"),
        Param("as", "string", array=True),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        specs = self.param("fields", ctx)
        names = self.param("as", ctx) or []
        index = self.param("index", ctx) or None
        if index is not None and not isinstance(index, str):
            raise SpecError("index must be a string", path=self.where)
        sources = [field_name(f, f"{self.where}.fields[{i}]") for i, f in enumerate(specs)]
        outputs = [names[i] if i < len(names) and names[i] else
                   accessor_name(f, f"{self.where}.fields[{i}]") for i, f in enumerate(specs)]
        for source in sources:
            if rel.columns.get(source) is not VegaType.ARRAY:
                what = rel.columns[source].value if source in rel.columns else "missing"
                raise UnsupportedError(f"flatten of the {what} field {source!r} (not an array)",
                                       path=self.where)
        kinds = [element_type(rel, s) for s in sources]
        lengths = [exp.Coalesce(this=exp.Anonymous(this="len", expressions=[col(s)]),
                                expressions=[exp.Literal.number(0)]) for s in sources]
        longest = lengths[0] if len(lengths) == 1 else exp.Greatest(
            this=lengths[0], expressions=lengths[1:])
        if not sources:
            longest = exp.Literal.number(0)
        # One row per index below the longest array's length.
        exploded = exp.select(*[col(c) for c in rel.columns], col(ORDER), exp.alias_(
            exp.Unnest(expressions=[exp.Anonymous(this="range", expressions=[
                exp.cast(longest, "BIGINT")])]), "_vf_i", quoted=True)
        ).from_(rel.as_subquery("t"))
        selected: dict[str, exp.Expression] = {c: col(c) for c in rel.columns}
        columns = dict(rel.columns)
        for source, out, kind in zip(sources, outputs, kinds):
            selected[out] = exp.Anonymous(this="list_extract", expressions=[
                col(source), exp.Add(this=col("_vf_i"), expression=exp.Literal.number(1))])
            columns[out] = kind
        if index is not None:
            selected[index] = exp.cast(col("_vf_i"), "DOUBLE")
            columns[index] = VegaType.NUMBER
        query = exp.select(*[exp.alias_(selected[c], c, quoted=True) for c in columns],
                           exp.alias_(renumber(col(ORDER), col("_vf_i")), ORDER, quoted=True)
                           ).from_(exploded.subquery("e"))
        return Relation(query=query, columns=columns)
