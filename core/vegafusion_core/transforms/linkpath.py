"""Vega's ``linkpath`` transform: an SVG path string from a source point to a target point.

vega-encode's LinkPath picks ``Paths.get(shape + '-' + orient) || Paths.get(shape)`` and writes,
for every row, a string built by JavaScript concatenation: ``'M' + sx + ',' + sy + ...``. So the
output is exact text, and every number in it must be printed as Number::toString prints it
(``vf_num_to_str``) after the same floating-point operations, in the same order, as Vega's.

Each of the four coordinates therefore has two SQL forms: its *text* (what ``'' + v`` gives:
``"null"`` for null, ``"undefined"`` for a field no row has, ``"true"`` for true) and its *number*
(what ``-``, ``*`` and ``/`` see: ToNumber, so null is 0, undefined NaN, true 1).

Shapes that need Math.sin/cos/atan2/hypot (``arc`` and every ``radial`` orientation) stay in the
browser: DuckDB's libm can differ from V8's fdlibm in the last bit, which the path text would show.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.types import VegaType, sql_type
from .base import Param, Relation, Transform, TransformContext, col, field_name, order_col
from .registry import register

_DOUBLE = sql_type("DOUBLE")

# Paths that Vega computes with trigonometry: the reason they stay in the browser.
_TRIG_REASON = ("uses Math.sin/cos/atan2/hypot, whose last bit DuckDB cannot be shown to "
                "reproduce; evaluated in the browser")


def _double(text: str) -> exp.Expression:
    """A DOUBLE constant parsed from its decimal text (never a DECIMAL literal)."""
    return exp.cast(exp.Literal.string(text), _DOUBLE)


def _text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


@dataclass(frozen=True)
class _Coordinate:
    """One coordinate as Vega's path functions see it: its text and, when defined, its number."""

    text: exp.Expression
    number: exp.Expression | None  # None: ToNumber cannot be compiled (strings)
    name: str


def _coordinate(rel: Relation, name: str, where: str) -> _Coordinate:
    """The text and number forms of field ``name`` of the input rows."""
    if name not in rel.columns:  # a field no row has: undefined
        return _Coordinate(_text("undefined"), _double("NaN"), name)
    kind, value = rel.columns[name], col(name)
    if kind is VegaType.NUMBER:
        text = exp.func("coalesce", exp.func("vf_num_to_str", value), _text("null"))
        return _Coordinate(text, exp.func("coalesce", value, _double("0")), name)
    if kind is VegaType.BOOLEAN:
        text = exp.Case().when(exp.Is(this=value, expression=exp.Null()), _text("null")) \
            .when(value, _text("true")).else_(_text("false"))
        number = exp.func("coalesce", exp.cast(value, _DOUBLE), _double("0"))
        return _Coordinate(text, number, name)
    if kind is VegaType.STRING:
        # '+' with a string operand concatenates, so only the concatenating shapes take strings.
        return _Coordinate(exp.func("coalesce", value, _text("null")), None, name)
    raise UnsupportedError(f"linkpath field {name!r} holds {kind.value} values, whose text "
                           "(Date's toString, arrays, objects) stays in the browser", path=where)


def _number(c: _Coordinate, shape: str, where: str) -> exp.Expression:
    if c.number is None:
        raise UnsupportedError(f"linkpath shape {shape!r} does arithmetic on field {c.name!r}, "
                               "which holds strings ('+' would concatenate); evaluated in the "
                               "browser", path=where)
    return c.number


def _num_text(value: exp.Expression) -> exp.Expression:
    return exp.func("vf_num_to_str", value)


def _concat(*parts: exp.Expression | str) -> exp.Expression:
    """``a || b || ...`` with Python strings as literals (no part is ever NULL)."""
    nodes = [_text(p) if isinstance(p, str) else p for p in parts]
    result = nodes[0]
    for node in nodes[1:]:
        result = exp.DPipe(this=result, expression=node, safe=True)
    return result


def _paren(e: exp.Expression) -> exp.Expression:
    return exp.Paren(this=e)


def _line(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
          where: str) -> exp.Expression:
    return _concat("M", sx.text, ",", sy.text, "L", tx.text, ",", ty.text)


def _ortho_x(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
             where: str) -> exp.Expression:
    return _concat("M", sx.text, ",", sy.text, "V", ty.text, "H", tx.text)


def _ortho_y(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
             where: str) -> exp.Expression:
    return _concat("M", sx.text, ",", sy.text, "H", tx.text, "V", ty.text)


def _half_sum(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """``(a + b) / 2``: rounded after the sum, then halved, as Vega computes the midpoint."""
    return exp.Div(this=_paren(exp.Add(this=a, expression=b)), expression=_double("2"))


def _diagonal_x(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
                where: str) -> exp.Expression:
    m = _num_text(_half_sum(_number(sx, "diagonal", where), _number(tx, "diagonal", where)))
    return _concat("M", sx.text, ",", sy.text, "C", m, ",", sy.text, " ", m, ",", ty.text,
                   " ", tx.text, ",", ty.text)


def _diagonal_y(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
                where: str) -> exp.Expression:
    m = _num_text(_half_sum(_number(sy, "diagonal", where), _number(ty, "diagonal", where)))
    return _concat("M", sx.text, ",", sy.text, "C", sx.text, ",", m, " ", tx.text, ",", m,
                   " ", tx.text, ",", ty.text)


def _curve(sx: _Coordinate, sy: _Coordinate, tx: _Coordinate, ty: _Coordinate,
           where: str) -> exp.Expression:
    nsx, nsy, ntx, nty = (_number(c, "curve", where) for c in (sx, sy, tx, ty))
    dx = _paren(exp.Sub(this=ntx, expression=nsx))
    dy = _paren(exp.Sub(this=nty, expression=nsy))
    ix = _paren(exp.Mul(this=_double("0.2"), expression=_paren(exp.Add(this=dx, expression=dy))))
    iy = _paren(exp.Mul(this=_double("0.2"), expression=_paren(exp.Sub(this=dy, expression=dx))))
    c1x = _num_text(exp.Add(this=nsx, expression=ix))
    c1y = _num_text(exp.Add(this=nsy, expression=iy))
    c2x = _num_text(exp.Add(this=ntx, expression=iy))
    c2y = _num_text(exp.Sub(this=nty, expression=ix))
    return _concat("M", sx.text, ",", sy.text, "C", c1x, ",", c1y, " ", c2x, ",", c2y, " ",
                   tx.text, ",", ty.text)


# vega-encode's Paths table; the trigonometric entries are listed so that lookup falls back
# exactly as Vega's does (``line-radial`` exists, so ``line`` with radial orient is not ``line``).
_PATHS = {
    "line": _line,
    "line-radial": None,
    "arc": None,
    "arc-radial": None,
    "curve": _curve,
    "curve-radial": None,
    "orthogonal-horizontal": _ortho_x,
    "orthogonal-vertical": _ortho_y,
    "orthogonal-radial": None,
    "diagonal-horizontal": _diagonal_x,
    "diagonal-vertical": _diagonal_y,
    "diagonal-radial": None,
}


@register
class LinkPath(Transform):
    type = "linkpath"
    params = (
        Param("sourceX", "field", default="source.x"),
        Param("sourceY", "field", default="source.y"),
        Param("targetX", "field", default="target.x"),
        Param("targetY", "field", default="target.y"),
        Param("orient", "enum", values=("horizontal", "vertical", "radial"), default="vertical"),
        Param("shape", "enum", values=("line", "arc", "curve", "diagonal", "orthogonal"),
              default="line"),
        Param("require", "signal"),
        Param("as", "string", default="path"),
    )

    def _check_scalar(self, p: Param, value: object) -> None:
        # Vega does not check ``orient`` against its enum: the Paths lookup falls back to the
        # shape alone, so ``line`` with any orient draws, and an unknown pair fails in to_sql.
        if p.name == "orient" and isinstance(value, str):
            return
        super()._check_scalar(p, value)

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        # LinkPath reads ``_.shape || 'line'``, ``_.orient || 'vertical'``, ``_.as || 'path'``.
        shape = self.param("shape", ctx) or "line"
        orient = self.param("orient", ctx) or "vertical"
        key = f"{shape}-{orient}" if f"{shape}-{orient}" in _PATHS else shape
        if key not in _PATHS:
            raise SpecError(f"LinkPath unsupported type: {shape}-{orient}", path=self.where)
        build = _PATHS[key]
        if build is None:
            raise UnsupportedError(f"linkpath shape {key!r} {_TRIG_REASON}", path=self.where)
        coordinates = [
            _coordinate(rel, field_name(self.param(p, ctx), f"{self.where}.{p}"),
                        f"{self.where}.{p}")
            for p in ("sourceX", "sourceY", "targetX", "targetY")]
        path = build(*coordinates, self.where)
        name = self.param("as", ctx) or "path"
        columns = {**rel.columns, name: VegaType.STRING}
        query = exp.select(*[exp.alias_(path, c, quoted=True) if c == name else col(c)
                             for c in columns], order_col()).from_(rel.as_subquery("t"))
        return Relation(query=query, columns=columns)
