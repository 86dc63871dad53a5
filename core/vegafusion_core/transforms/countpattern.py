"""Vega's ``countpattern`` transform: how often each token (a regexp match) occurs in a text field.

vega-transforms lowers/uppers the text when ``case`` says so, takes every match of ``pattern``
(a JavaScript regexp with the ``g`` flag), drops tokens matching ``^stopwords$`` (flag ``i``) and
counts the rest in a plain object. The output follows that object's key order: keys that are
array indices ("0", "17", ...) first in numeric order, then the other tokens in order of first
appearance.

Regexps are translated from JavaScript to RE2 (DuckDB's engine) where both mean the same;
lookarounds, backreferences and other constructs RE2 lacks raise UnsupportedError.
"""

from __future__ import annotations

import re

import sqlglot.expressions as exp

from ..errors import UnsupportedError
from ..expression.types import VegaType, sql_type
from .base import ORDER, Param, Relation, Transform, TransformContext, col, field_name
from .fold import renumber, string_list
from .registry import register

# JavaScript's \s: WhiteSpace and LineTerminator code points.
_JS_SPACE = (r"\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}"
             r"\x{205F}\x{3000}\x{FEFF}")
# JavaScript's `.` (without the s flag): anything but a line terminator.
_JS_DOT = r"[^\n\r\x{2028}\x{2029}]"
_MAX_INDEX = 4294967294  # the largest array index a JavaScript object key can be
# Characters whose JavaScript case mapping DuckDB does not reproduce: SpecialCasing's
# unconditional upper-case expansions (ß -> SS, ligatures, Greek with iota subscript), and for
# lower case the dotted capital I (-> i + U+0307) and the context-dependent final sigma.
_SPECIAL_UPPER = (r"[\x{DF}\x{149}\x{1F0}\x{390}\x{3B0}\x{587}\x{1E96}-\x{1E9A}\x{1F50}\x{1F52}"
                  r"\x{1F54}\x{1F56}\x{1F80}-\x{1FAF}\x{1FB2}-\x{1FB4}\x{1FB6}\x{1FB7}\x{1FBC}"
                  r"\x{1FC2}-\x{1FC4}\x{1FC6}\x{1FC7}\x{1FCC}\x{1FD2}\x{1FD3}\x{1FD6}\x{1FD7}"
                  r"\x{1FE2}-\x{1FE4}\x{1FE6}\x{1FE7}\x{1FF2}-\x{1FF4}\x{1FF6}\x{1FF7}\x{1FFC}"
                  r"\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}]")
_SPECIAL_LOWER = r"[\x{130}\x{3A3}]"


def js_regexp_to_re2(source: str, where: str) -> str:
    """An RE2 pattern that matches what JavaScript's ``new RegExp(source)`` matches."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            if i + 1 >= len(source):
                raise UnsupportedError("a regexp ending in a backslash", path=where)
            out.append(_escape(source, i, in_class, where))
            i += 6 if source[i + 1] == "u" else 4 if source[i + 1] == "x" else 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(ch)
        elif ch == "[":
            if source.startswith("[^]", i) or source.startswith("[]", i):
                raise UnsupportedError(f"the regexp class {source[i:i + 3]!r}", path=where)
            in_class = True
            out.append(ch)
        elif ch == "(" and source.startswith("(?", i) and not source.startswith("(?:", i):
            raise UnsupportedError("regexp lookarounds and named groups", path=where)
        elif ch == ".":
            out.append(_JS_DOT)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _escape(source: str, i: int, in_class: bool, where: str) -> str:
    nxt = source[i + 1]
    if nxt == "u":
        digits = source[i + 2:i + 6]
        if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
            raise UnsupportedError(f"the regexp escape {source[i:i + 6]!r}", path=where)
        return f"\\x{{{digits}}}"
    if nxt == "x":
        digits = source[i + 2:i + 4]
        if not re.fullmatch(r"[0-9a-fA-F]{2}", digits):
            raise UnsupportedError(f"the regexp escape {source[i:i + 4]!r}", path=where)
        return f"\\x{{{digits}}}"
    if nxt in "sS":
        if in_class:
            raise UnsupportedError("\\s inside a regexp class", path=where)
        return f"[{'^' if nxt == 'S' else ''}{_JS_SPACE}]"
    if nxt in "dDwWbBtnrfv\\/.^$*+?()[]{}|-":
        return "\\" + nxt if nxt != "/" else "/"
    raise UnsupportedError(f"the regexp escape {source[i:i + 2]!r}", path=where)


def _js_case(text: exp.Expression, case: str) -> exp.Expression:
    """toUpperCase / toLowerCase; a text DuckDB would map differently fails the query rather
    than giving a wrong count."""
    special = _SPECIAL_UPPER if case == "upper" else _SPECIAL_LOWER
    return exp.If(
        this=exp.Anonymous(this="regexp_matches", expressions=[text, exp.Literal.string(special)]),
        true=exp.Anonymous(this="error", expressions=[exp.Literal.string(
            f"countpattern: JavaScript's to{case.title()}Case differs from DuckDB's {case}() on "
            "this text; evaluate this transform in the browser")]),
        false=exp.Anonymous(this=case, expressions=[text.copy()]))


@register
class CountPattern(Transform):
    type = "countpattern"
    params = (
        Param("field", "field", required=True),
        Param("case", "enum", values=("upper", "lower", "mixed"), default="mixed"),
        Param("pattern", "string", default="[\\w\"]+"),
        Param("stopwords", "string", default=""),
        Param("as", "string", array=True, length=2, default=["text", "count"]),
    )

    def to_sql(self, rel: Relation, ctx: TransformContext) -> Relation:
        text_as, count_as = string_list(self.param("as", ctx), "as", self.where, 2)
        field = field_name(self.param("field", ctx), f"{self.where}.field")
        columns = {text_as: VegaType.STRING}
        columns[count_as] = VegaType.NUMBER
        if field not in rel.columns:
            # No row has the field: only empty input works in Vega (undefined has no match()).
            nothing = exp.select(exp.alias_(exp.cast(exp.Null(), "VARCHAR"), text_as, quoted=True),
                                 exp.alias_(exp.cast(exp.Null(), "DOUBLE"), count_as, quoted=True),
                                 col(ORDER)).from_(rel.as_subquery("t")).where(exp.false())
            return Relation(query=nothing, columns=columns)
        if rel.columns[field] is not VegaType.STRING:
            raise UnsupportedError("countpattern over a field that is not a string (Vega fails "
                                   "on it)", path=self.where)
        # vega-transforms: `_.pattern || "[\\w']+"` (an empty pattern means the default).
        pattern = js_regexp_to_re2(self.spec_value("pattern", ctx) or "[\\w']+", self.where)
        stop = js_regexp_to_re2(self.spec_value("stopwords", ctx) or "", self.where)
        text = col(field)
        case = self.param("case", ctx)
        if case in ("upper", "lower"):
            text = _js_case(text, case)
        tokens = exp.Anonymous(this="regexp_extract_all", expressions=[
            text, exp.Literal.string(pattern)])
        exploded = exp.select(
            col(ORDER),
            exp.alias_(exp.Unnest(expressions=[col("_vf_tokens")]), "_vf_tok", quoted=True),
            exp.alias_(exp.Unnest(expressions=[exp.Anonymous(this="range", expressions=[
                exp.Anonymous(this="len", expressions=[col("_vf_tokens")])])]), "_vf_pos",
                quoted=True),
        ).from_(exp.select(col(ORDER), exp.alias_(tokens, "_vf_tokens", quoted=True)).from_(
            rel.as_subquery("t")).subquery("s"))
        # JavaScript's "i" flag; RE2 wants it inside the pattern.
        stopped = exp.Anonymous(this="regexp_matches", expressions=[
            col("_vf_tok"), exp.Literal.string(f"(?i)^{stop}$")])
        counted = exp.select(
            col("_vf_tok"),
            exp.alias_(exp.cast(exp.Count(this=exp.Star()), "DOUBLE"), "_vf_count", quoted=True),
            exp.alias_(exp.Anonymous(this="min", expressions=[exp.Tuple(expressions=[
                col(ORDER), col("_vf_pos")])]), "_vf_first", quoted=True),
        ).from_(exploded.subquery("e")).where(exp.Not(this=stopped)).group_by(col("_vf_tok"))
        is_index = exp.Anonymous(this="regexp_full_match", expressions=[
            col("_vf_tok"), exp.Literal.string("0|[1-9][0-9]{0,9}")])
        index = exp.If(this=is_index, true=exp.TryCast(
            this=col("_vf_tok"), to=sql_type("DOUBLE")), false=exp.Null())
        index_key = exp.If(this=exp.LTE(this=index, expression=exp.Literal.number(_MAX_INDEX)),
                           true=index.copy(), false=exp.Null())
        order = renumber(exp.Ordered(this=index_key, nulls_first=False),
                         exp.Ordered(this=col("_vf_first")))
        query = exp.select(
            exp.alias_(col("_vf_tok"), text_as, quoted=True),
            exp.alias_(col("_vf_count"), count_as, quoted=True),
            exp.alias_(order, ORDER, quoted=True),
        ).from_(counted.subquery("c"))
        return Relation(query=query, columns=columns)

    def spec_value(self, name: str, ctx: TransformContext) -> str | None:
        """A string parameter as given (None when absent): Vega applies no Definition default."""
        if self.spec.get(name) is None:
            return None
        return self.param(name, ctx)
