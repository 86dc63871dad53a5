"""``format.parse`` as vega-loader applies it, on Python rows (JSON) and as SQL (files, frames).

vega-loader's read() runs, for every field named in ``parse``, one parser over every row:

- ``number``/``integer``: vega-util toNumber: null, undefined and ``''`` -> null, else ``+v``;
- ``boolean``: toBoolean: null/``''`` -> null; falsy, ``'false'`` and ``'0'`` -> false; else true;
- ``string``: toString: null/``''`` -> null, else ``v + ''``;
- ``date``: toDate: null/``''`` -> null; numbers and Dates stay; else ``Date.parse(v)`` (local
  time for date-times without an offset: the viewer's zone ``tz``);
- ``date:'<fmt>'`` / ``utc:'<fmt>'``: d3 timeParse / utcParse (null when the text does not match);
- ``unknown`` (auto inference on no data): the value as is.

A field missing from a row gets the parser's result for undefined (null), as in Vega.

Storage: Vega's ``date`` parser yields epoch numbers (Date.parse) where d3's yields Dates; both
are stored as TIMESTAMP (VegaType.DATE), the contract of the transforms. An unparseable date is
NULL (Vega holds NaN or null: neither draws, both are invalid for isValid).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError
from ..expression.jsvalues import (UNDEFINED, JSDate, is_number, parse_date, to_number,
                                   to_string, truthy)
from ..expression.types import VegaType
from .udfs import DATE_PARSE, JS_NUMBER, NUMBER_TO_STRING, TIME_PARSE

PLAIN_KINDS = ("number", "integer", "boolean", "string", "date", "unknown")


def parse_kind(kind: Any, path: str) -> tuple[str, str | None, bool]:
    """``(kind, pattern, utc)``: kind is one of PLAIN_KINDS or ``"pattern"``."""
    if not isinstance(kind, str):
        raise SpecError(f"Illegal format pattern: {kind!r}", path=path)
    for prefix, utc in (("date:", False), ("utc:", True)):
        if kind.startswith(prefix):
            pattern = kind[len(prefix):]
            # vega-loader strips one pair of matching quotes, nothing else (no whitespace trim).
            if len(pattern) >= 2 and pattern[0] == pattern[-1] and pattern[0] in "'\"":
                pattern = pattern[1:-1]
            if not pattern:
                raise SpecError(f"Illegal format pattern: {kind!r}", path=path)
            return "pattern", pattern, utc
    if kind not in PLAIN_KINDS:
        raise SpecError(f"Illegal format pattern: {kind!r}", path=path)
    return kind, None, False


def result_type(kind: str) -> VegaType | None:
    """The Vega type a parser produces (None: the input's type, for ``unknown``)."""
    return {"number": VegaType.NUMBER, "integer": VegaType.NUMBER, "boolean": VegaType.BOOLEAN,
            "string": VegaType.STRING, "date": VegaType.DATE, "pattern": VegaType.DATE}.get(kind)


# --------------------------------------------------------------------------------------------
# Python rows

def _is_empty(value: Any) -> bool:
    return value is None or value is UNDEFINED or value == ""


def _parse_number(value: Any) -> Any:
    return None if _is_empty(value) else to_number(value)


def _parse_boolean(value: Any) -> Any:
    if _is_empty(value):
        return None
    return not (not truthy(value) or value == "false" or value == "0")


def _parse_string(value: Any, tz: str) -> Any:
    return None if _is_empty(value) else to_string(value, tz)


def _parse_date(value: Any, tz: str) -> Any:
    if _is_empty(value):
        return None
    if isinstance(value, JSDate):
        return value
    if is_number(value) and not isinstance(value, bool):
        return JSDate(float(value))
    return JSDate(parse_date(to_string(value, tz), tz))


def _parse_pattern(value: Any, pattern: str, zone: str | None, tz: str) -> Any:
    from ..expression.d3timeformat import parse_time

    # d3's parser reads String(value), so null and undefined are the texts "null", "undefined".
    text = "undefined" if value is UNDEFINED else to_string(value, tz)
    ms = parse_time(pattern, text, zone)
    return None if ms is None else JSDate(float(ms))


def row_parser(kind: Any, tz: str, path: str) -> Callable[[Any], Any]:
    """The Python parser of one ``format.parse`` entry."""
    name, pattern, utc = parse_kind(kind, path)
    if name in ("number", "integer"):
        return _parse_number
    if name == "boolean":
        return _parse_boolean
    if name == "string":
        return lambda v: _parse_string(v, tz)
    if name == "date":
        return lambda v: _parse_date(v, tz)
    if name == "unknown":
        return lambda v: v
    zone = None if utc else tz
    return lambda v: _parse_pattern(v, pattern, zone, tz)


def parse_rows(rows: Sequence[Any], parse: Mapping[str, str] | str | None, tz: str,
               path: str = "format.parse") -> list[Any]:
    """Copy ``rows`` with each field named in ``parse`` converted as vega-loader does."""
    if not parse or not rows:
        return [dict(row) if isinstance(row, Mapping) else row for row in rows]
    if parse == "auto":
        from .infer import infer_parse

        parse = infer_parse(rows, tz)
    if not isinstance(parse, Mapping):
        raise SpecError(f"format.parse must be an object or \"auto\", got {parse!r}", path=path)
    parsers = {field: row_parser(kind, tz, f"{path}.{field}") for field, kind in parse.items()}
    out = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise UnsupportedError("format.parse on rows that are not objects is evaluated in "
                                   "the browser", path=path)
        new = dict(row)
        for field, parser in parsers.items():
            new[field] = parser(row.get(field, UNDEFINED))
        out.append(new)
    return out


# --------------------------------------------------------------------------------------------
# SQL: the same parsers over a typed column

def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _case(whens: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression) -> exp.Case:
    case = exp.Case()
    for condition, value in whens:
        case = case.when(condition, value)
    return case.else_(default)


def _null(sql_type: str) -> exp.Expression:
    return exp.cast(exp.Null(), sql_type)


def _is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e, expression=exp.Null())


def _empty_string(e: exp.Expression) -> exp.Expression:
    return exp.or_(_is_null(e), exp.EQ(this=e, expression=exp.Literal.string("")))


# A plain decimal that DuckDB's CAST reads exactly as JavaScript does; anything else (spaces,
# hexadecimal, "Infinity", "1_000", huge exponents) goes through the JavaScript UDF.
_PLAIN_DECIMAL = r"[+-]?(\d{1,300}\.?\d{0,300}|\.\d{1,300})([eE][+-]?\d{1,2})?"


def js_number_sql(s: exp.Expression) -> exp.Expression:
    """``+s`` for a non-NULL VARCHAR ``s`` (a DOUBLE, NaN when not numeric)."""
    plain = _fn("regexp_full_match", s, exp.Literal.string(_PLAIN_DECIMAL))
    return _case([(plain, exp.cast(s, "DOUBLE"))], _fn(JS_NUMBER, s))


def ms_to_timestamp_sql(ms: exp.Expression) -> exp.Expression:
    """A TIMESTAMP from epoch milliseconds (DOUBLE); NULL for NaN and outside JS's date range."""
    valid = exp.and_(exp.Not(this=_fn("isnan", ms)),
                     exp.LTE(this=_fn("abs", ms), expression=exp.Literal.number(8.64e15)))
    # make_timestamp takes microseconds: a number parsed as "date" keeps its fraction of a ms.
    as_ts = _fn("make_timestamp", exp.cast(_fn("round", exp.Mul(
        this=ms, expression=exp.Literal.number(1000))), "BIGINT"))
    return _case([(valid, as_ts)], _null("TIMESTAMP"))


def timestamp_to_ms_sql(ts: exp.Expression) -> exp.Expression:
    return exp.Div(this=exp.cast(_fn("epoch_us", ts), "DOUBLE"),
                   expression=exp.Literal.number(1000))


def _number_from(e: exp.Expression, source: VegaType) -> exp.Expression:
    if source is VegaType.NUMBER:
        return e
    if source is VegaType.BOOLEAN:
        return exp.cast(e, "DOUBLE")
    if source is VegaType.DATE:
        return timestamp_to_ms_sql(e)
    return _case([(_empty_string(e), _null("DOUBLE"))], js_number_sql(e))


def _boolean_from(e: exp.Expression, source: VegaType) -> exp.Expression:
    if source is VegaType.BOOLEAN:
        return e
    if source is VegaType.NUMBER:
        falsy = exp.or_(exp.EQ(this=e, expression=exp.Literal.number(0)), _fn("isnan", e))
        return _case([(_is_null(e), _null("BOOLEAN")), (falsy, exp.false())], exp.true())
    if source is VegaType.DATE:
        return _case([(_is_null(e), _null("BOOLEAN"))], exp.true())
    falsy = exp.In(this=e, expressions=[exp.Literal.string("false"), exp.Literal.string("0")])
    return _case([(_empty_string(e), _null("BOOLEAN")), (falsy, exp.false())], exp.true())


def _string_from(e: exp.Expression, source: VegaType) -> exp.Expression:
    if source is VegaType.STRING:
        return _fn("nullif", e, exp.Literal.string(""))
    if source is VegaType.BOOLEAN:
        return _case([(_is_null(e), _null("VARCHAR")), (e, exp.Literal.string("true"))],
                     exp.Literal.string("false"))
    if source is VegaType.NUMBER:
        return _fn(NUMBER_TO_STRING, e)
    raise UnsupportedError("format.parse \"string\" of a date column (Date.toString is "
                           "locale-dependent) is evaluated in the browser")


def _date_from(e: exp.Expression, source: VegaType, tz: str) -> exp.Expression:
    if source is VegaType.DATE:
        return e
    if source is VegaType.NUMBER:
        return _case([(_is_null(e), _null("TIMESTAMP"))], ms_to_timestamp_sql(e))
    if source is VegaType.BOOLEAN:
        return _null("TIMESTAMP")  # Date.parse("true") is NaN
    parsed = ms_to_timestamp_sql(_fn(DATE_PARSE, e, exp.Literal.string(tz)))
    return _case([(_empty_string(e), _null("TIMESTAMP"))], parsed)


def _pattern_from(e: exp.Expression, source: VegaType, pattern: str, zone: str | None,
                  path: str) -> exp.Expression:
    if source is VegaType.DATE:
        raise UnsupportedError("format.parse with a date pattern on a date column (it reads "
                               "Date.toString) is evaluated in the browser", path=path)
    if source is not VegaType.STRING:
        e = _string_from(e, source)
    parsed = _fn(TIME_PARSE, e, exp.Literal.string(pattern), exp.Literal.string(zone or ""))
    return ms_to_timestamp_sql(parsed)


def parse_sql(e: exp.Expression, source: VegaType, kind: Any, tz: str,
              path: str) -> tuple[exp.Expression, VegaType]:
    """The SQL of one ``format.parse`` entry over column ``e`` of type ``source``.

    Needs the loader UDFs (udfs.install_loader_udfs) in the connection that runs it.
    """
    name, pattern, utc = parse_kind(kind, path)
    if name == "unknown":
        return e, source
    if source not in (VegaType.NUMBER, VegaType.STRING, VegaType.BOOLEAN, VegaType.DATE):
        raise UnsupportedError(f"format.parse {kind!r} of a {source.value} column is evaluated "
                               "in the browser", path=path)
    if name in ("number", "integer"):
        return _number_from(e, source), VegaType.NUMBER
    if name == "boolean":
        return _boolean_from(e, source), VegaType.BOOLEAN
    if name == "string":
        try:
            return _string_from(e, source), VegaType.STRING
        except UnsupportedError as err:
            raise err.at(path)
    if name == "date":
        return _date_from(e, source, tz), VegaType.DATE
    return _pattern_from(e, source, pattern or "", None if utc else tz, path), VegaType.DATE


def missing_field_sql(kind: Any, path: str) -> tuple[exp.Expression, VegaType] | None:
    """A field named in ``parse`` that the data lacks: every parser maps undefined to null."""
    name, _, _ = parse_kind(kind, path)
    if name == "unknown":
        return None
    vega_type = result_type(name)
    storage = {VegaType.NUMBER: "DOUBLE", VegaType.BOOLEAN: "BOOLEAN", VegaType.STRING: "VARCHAR",
               VegaType.DATE: "TIMESTAMP"}[vega_type]
    return _null(storage), vega_type

