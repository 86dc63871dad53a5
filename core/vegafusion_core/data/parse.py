"""``format.parse`` as vega-loader applies it to JSON rows before any transform."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import SpecError
from ..expression.jsvalues import UNDEFINED, JSDate, to_number


def _parse_number(value: Any) -> Any:
    # vega-loader's typeParsers.number: null and "" stay null, the rest is +value.
    return None if value is None or value == "" else to_number(value)


def _parse_boolean(value: Any) -> Any:
    # vega-util's toBoolean: "false" and "0" (and "") are false.
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value not in ("false", "0")
    return bool(value)


def _parse_date(value: Any, tz: str) -> Any:
    if value is None or value == "":
        return None
    from ..expression.evaluate import EvalContext
    from ..expression.registry import PYTHON_FORMS

    result = PYTHON_FORMS["toDate"](EvalContext(tz=tz), value)
    return result if isinstance(result, JSDate) else JSDate(float("nan"))


def _parse_formatted_date(value: Any, fmt: str, tz: str | None) -> Any:
    if value is None or value == "":
        return None
    from ..expression.d3timeformat import parse_time

    ms = parse_time(fmt, str(value), tz)
    return None if ms is None else JSDate(ms)


def _parser_for(kind: str, tz: str, path: str):
    if kind == "number":
        return _parse_number
    if kind == "boolean":
        return _parse_boolean
    if kind == "string":
        return lambda v: None if v is None else str(v)
    if kind == "date":
        return lambda v: _parse_date(v, tz)
    for prefix, zone in (("date:", tz), ("utc:", None)):
        if kind.startswith(prefix):
            fmt = kind[len(prefix):].strip()
            if len(fmt) >= 2 and fmt[0] == fmt[-1] and fmt[0] in "'\"":
                fmt = fmt[1:-1]
            return lambda v, fmt=fmt, zone=zone: _parse_formatted_date(v, fmt, zone)
    raise SpecError(f"unknown parse type {kind!r}", path=path)


def parse_rows(rows: Sequence[Mapping[str, Any]], parse: Mapping[str, str] | None, tz: str,
               path: str = "format.parse") -> list[dict[str, Any]]:
    """Copy ``rows`` with each field named in ``parse`` converted as vega-loader does."""
    if not parse:
        return [dict(row) for row in rows]
    if parse == "auto":
        from .infer import infer_parse

        parse = infer_parse(rows)
    parsers = {field: _parser_for(kind, tz, f"{path}.{field}") for field, kind in parse.items()}
    out = []
    for row in rows:
        new = dict(row)
        for field, parser in parsers.items():
            value = parser(row.get(field))
            if value is not UNDEFINED:
                new[field] = value
        out.append(new)
    return out
