"""Untrusted field names, strings and signal values reach SQL only as quoted identifiers and literals.

For hostile text (quotes, backslashes, semicolons, comments, SQL fragments) the generated SQL must
parse back (sqlglot, duckdb dialect) to the same tree, run in DuckDB, and return the value
unchanged; the compiler may refuse (UnsupportedError/SpecError) but never crash otherwise.
"""

from __future__ import annotations

import json

import sqlglot
import sqlglot.expressions as exp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vegafusion_core.errors import SpecError, UnsupportedError
from vegafusion_core.expression.to_sql import SqlContext, compile_expression
from vegafusion_core.expression.types import VegaType as T
from vegafusion_core.sql.connection import new_connection

FRAGMENTS = ["'", '"', "\\", ";", "--", "/*", "*/", "'); DROP TABLE t; --", "\" OR 1=1 --",
             "$$", "\n", "\\'", "${x}", "E'\\x41'", "`", "\u00e9", "\U0001F600"]
hostile = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=6).map("".join)

CON = new_connection()
CON.execute("CREATE TABLE t AS SELECT 1 AS one")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(sql_tree: exp.Expression) -> object:
    query = exp.select(sql_tree.as_("v")).from_("t")
    text = query.sql("duckdb")
    reparsed = sqlglot.parse_one(text, read="duckdb")
    assert reparsed.sql("duckdb") == text  # the same tree: nothing was read as SQL syntax
    return CON.execute(text).fetchone()[0]


def _compile(expr: str, ctx: SqlContext):
    try:
        return compile_expression(expr, ctx)
    except (UnsupportedError, SpecError):
        return None


@SETTINGS
@given(hostile)
def test_string_literals_stay_literals(value: str) -> None:
    typed = _compile(json.dumps(value) + " + ''", SqlContext({}))
    if typed is not None:
        assert _round_trip(typed.sql) == value


@SETTINGS
@given(hostile)
def test_signal_values_stay_literals(value: str) -> None:
    typed = _compile("upper(sig) + lower(sig)", SqlContext({}, signals={"sig": value}))
    if typed is not None:
        result = _round_trip(typed.sql)
        assert isinstance(result, str)


@SETTINGS
@given(hostile)
def test_field_names_stay_quoted_identifiers(name: str) -> None:
    ctx = SqlContext({name: T.STRING}, table="t")
    typed = _compile(f"datum[{json.dumps(name)}]", ctx)
    if typed is None:
        return
    assert isinstance(typed.sql, exp.Column)
    assert typed.sql.name == name and typed.sql.this.quoted
    # The quoted name runs against a table that has exactly that column.
    con = new_connection()
    quoted = exp.to_identifier(name, quoted=True).sql("duckdb")
    con.execute(f"CREATE TABLE t AS SELECT 'ok' AS {quoted}")
    text = exp.select(typed.sql.as_("v")).from_("t").sql("duckdb")
    assert sqlglot.parse_one(text, read="duckdb").sql("duckdb") == text
    assert con.execute(text).fetchone()[0] == "ok"


@SETTINGS
@given(hostile, hostile)
def test_string_functions_keep_hostile_arguments_literal(text: str, pattern: str) -> None:
    ctx = SqlContext({}, signals={"a": text, "p": pattern})
    for expr in ["replace(a, p, 'x')", "pad(a, 12, p, 'left')", "a < p", "a == p", "indexof(a, p)"]:
        typed = _compile(expr, ctx)
        if typed is not None:
            _round_trip(typed.sql)
