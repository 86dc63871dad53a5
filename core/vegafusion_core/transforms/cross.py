"""Vega's ``cross`` transform: the cross product of a dataset with itself.

Each output row is ``{a: left row, b: right row}`` (names from ``as``), for every left row in
order and, within it, every right row in order, kept when ``filter`` is truthy. The row objects
become STRUCT columns; a filter reads them as ``datum.a.field`` and is compiled after rewriting
those paths to flat columns of the pair.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.parser import parse
from ..expression.to_sql import SqlContext, compile_filter
from ..expression.types import VegaType
from .base import ORDER, Param, Relation, Transform, TransformContext
from .fold import renumber, string_list
from .registry import register


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _struct(columns: list[str], table: str) -> exp.Expression:
    return exp.Anonymous(this="struct_pack", expressions=[
        exp.PropertyEQ(this=exp.to_identifier(c, quoted=True), expression=_c(c, table))
        for c in columns])


class _PairFields:
    """Rewrites ``datum.a.x`` to a flat column of the pair, and remembers which it used."""

    def __init__(self, sides: dict[str, str], columns: dict[str, VegaType]) -> None:
        self.sides = sides  # as-name -> table alias
        self.columns = columns
        self.flat: dict[str, tuple[str, str]] = {}  # flat name -> (alias, column)

    def rewrite(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.rewrite(n) for n in node]
        if not isinstance(node, dict):
            return node
        if node.get("type") == "MemberExpression":
            side = self._side(node["object"])
            if side is not None:
                return self._flat_member(side, node)
            if self._side(node) is not None:
                raise UnsupportedError("a whole row of the cross product used as a value")
        return {k: self.rewrite(v) for k, v in node.items()}

    def _side(self, node: Any) -> str | None:
        """The as-name when ``node`` is ``datum.<as-name>``."""
        if not (isinstance(node, dict) and node.get("type") == "MemberExpression"):
            return None
        obj = node["object"]
        if obj.get("type") != "Identifier" or obj.get("name") != "datum":
            return None
        name = _static_property(node)
        return name if name in self.sides else None

    def _flat_member(self, side: str, node: dict) -> dict:
        field = _static_property(node)
        if field is None:
            raise UnsupportedError("a computed field of a cross product row")
        flat = f"_vf_{len(self.flat)}"
        for existing, target in self.flat.items():
            if target == (self.sides[side], field):
                flat = existing
        self.flat[flat] = (self.sides[side], field)
        datum = {"type": "Identifier", "name": "datum"}
        return {"type": "MemberExpression", "object": datum, "computed": True,
                "property": {"type": "Literal", "value": flat, "raw": repr(flat)}}


def _static_property(node: dict) -> str | None:
    prop = node["property"]
    if not node["computed"] and prop.get("type") == "Identifier":
        return prop["name"]
    if node["computed"] and prop.get("type") == "Literal" and isinstance(prop.get("value"), str):
        return prop["value"]
    return None


@register
class Cross(Transform):
    type = "cross"
    params = (
        Param("filter", "expr"),
        Param("as", "string", array=True, length=2, default=["a", "b"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        a_as, b_as = string_list(self.param("as", ctx), "as", self.where, 2)
        names = list(rel.columns)
        sides = {a_as: "l", b_as: "r"} if a_as != b_as else {b_as: "r"}
        condition, flat = self._filter(rel, sides, ctx)
        # The pairs, with the fields the filter reads as flat columns next to the structs.
        pairs = exp.select(
            exp.alias_(_struct(names, "l"), a_as, quoted=True),
            exp.alias_(_struct(names, "r"), b_as, quoted=True),
            exp.alias_(_c(ORDER, "l"), "_vf_left", quoted=True),
            exp.alias_(_c(ORDER, "r"), "_vf_right", quoted=True),
            *[exp.alias_(_c(column, alias), name, quoted=True)
              for name, (alias, column) in flat.items()],
        ).from_(rel.as_subquery("l")).join(rel.as_subquery("r"), join_type="cross")
        query = exp.select(_c(a_as), _c(b_as), exp.alias_(
            renumber(_c("_vf_left"), _c("_vf_right")), ORDER, quoted=True)
        ).from_(pairs.subquery("p"))
        if condition is not None:
            query = query.where(condition)
        columns = {a_as: VegaType.OBJECT}
        columns[b_as] = VegaType.OBJECT
        return Relation(query=query, columns=columns)

    def _filter(self, rel: Relation, sides: dict[str, str], ctx: TransformContext
                ) -> tuple[exp.Expression | None, dict[str, tuple[str, str]]]:
        """The compiled filter over flat pair columns, and those columns (name -> side, field)."""
        spec = self.spec.get("filter")
        if spec is None:
            return None, {}
        text = spec["expr"] if isinstance(spec, dict) else spec
        fields = _PairFields(sides, rel.columns)
        ast = fields.rewrite(copy.deepcopy(parse(text, f"{self.where}.filter")))
        flat = {name: target for name, target in fields.flat.items() if target[1] in rel.columns}
        types = {name: rel.columns[column] for name, (_, column) in flat.items()}
        condition = compile_filter(ast, SqlContext(columns=types, signals=ctx.signals,
                                                   tz=ctx.tz, path=f"{self.where}.filter"))
        return condition, flat
