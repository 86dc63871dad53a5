"""The SQL compiler of row-level expressions: structure, typing and JavaScript semantics in DuckDB.

Expected values were checked with Vega/Node (the broad comparison lives in test_oracle.py).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlglot.expressions as exp

from vegafusion_core.errors import UnsupportedError
from vegafusion_core.expression.to_sql import SqlContext, compile_expression, compile_filter
from vegafusion_core.expression.types import VegaType as T
from vegafusion_core.sql.connection import new_connection

COLUMNS = {"x": T.NUMBER, "s": T.STRING, "b": T.BOOLEAN, "d": T.DATE}
# Rows: a plain row, an all-null row, a NaN row, a negative row.
ROWS_SQL = """
SELECT * FROM (VALUES
  (1.0::DOUBLE, 'a', true, TIMESTAMP '2024-03-01 12:00:00'),
  (NULL, NULL, NULL, NULL),
  ('NaN'::DOUBLE, '12', false, TIMESTAMP '1999-12-31 23:59:59.5'),
  (-2.5, '', true, TIMESTAMP '2024-07-01 00:00:00')) v(x, s, b, d)
"""
NAN = math.nan


@pytest.fixture(scope="module")
def con():
    c = new_connection()
    c.execute(f"CREATE TABLE t AS {ROWS_SQL}")
    return c


def run(con, expr: str, tz: str = "UTC", signals: dict | None = None) -> list[Any]:
    ctx = SqlContext(COLUMNS, signals=signals or {}, tz=tz)
    typed = compile_expression(expr, ctx)
    sql = exp.select(typed.sql.as_("v")).from_("t").sql("duckdb")
    return [row[0] for row in con.execute(sql).fetchall()]


def same(a: list[Any], b: list[Any]) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return x == y
    return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("expr, expected", [
    ("datum.x + 1", [2.0, 1.0, NAN, -1.5]),                     # null + 1 is 1
    ("'' + datum.s + datum.x", ["a1", "nullnull", "12NaN", "-2.5"]),  # JS ToString of numbers
    ("datum.x / 0", [math.inf, NAN, NAN, -math.inf]),
    ("datum.x % 2", [1.0, 0.0, NAN, -0.5]),                      # sign of the dividend
    ("datum.x < 1", [False, True, False, True]),                 # null < 1 is 0 < 1
    ("datum.x == datum.s", [False, True, False, False]),         # null == null
    ("datum.x === datum.s", [False, True, False, False]),
    ("datum.x != datum.x", [False, False, True, False]),         # NaN != NaN
    ("datum.b == 1", [True, False, False, True]),
    ("datum.x || 5", [1.0, 5.0, 5.0, -2.5]),
    ("datum.x ? 'y' : 'n'", ["y", "n", "n", "y"]),
    ("datum.nope + 1", [NAN] * 4),                               # undefined + 1
    ("~datum.x", [-2.0, -1.0, -1.0, 1.0]),
    ("datum.x << 31", [-2147483648.0, 0.0, 0.0, 0.0]),
    ("datum.x >> 1", [0.0, 0.0, 0.0, -1.0]),
    ("-1 >>> 0", [4294967295.0] * 4),
    ("round(datum.x)", [1.0, 0.0, NAN, -2.0]),                   # half toward +Infinity
    ("max(datum.x, 1)", [1.0, 1.0, NAN, 1.0]),                   # NaN propagates
    ("substring(datum.x, 1, 0)", ["1", "n", "N", "-"]),          # String(x): ASCII only
    ("toNumber(datum.s)", [NAN, None, 12.0, None]),
    ("toString(datum.x)", ["1", None, "NaN", "-2.5"]),
    ("toBoolean(datum.s)", [True, None, True, None]),
    ("replace(datum.s, /(\\d)/g, '[$1]')", ["a", "null", "[1][2]", ""]),
    ("replace(datum.s + 'aa', 'a', 'b')", ["baa", "nullba", "12ba", "ba"]),
    ("format(datum.x, '.2f')", ["1.00", "null", "NaN", "\u22122.50"]),
    ("monthFormat(datum.x)", ["February", "", "", ""]),
    ("utchours(datum.d)", [12.0, 0.0, 23.0, 0.0]),
    ("year(datum.x)", [1970.0, 1970.0, NAN, 1969.0]),
    # A date column holds epoch milliseconds, as Vega's parsed dates do.
    ("datum.d + 1", [1709294400001.0, 1.0, 946684799501.0, 1719792000001.0]),
    ("isDate(datum.d) || isNumber(datum.d)", [True, False, True, True]),
    ("time(datetime(2020, 0, datum.x * 1e20))", [NAN, 1577750400000.0, NAN, NAN]),  # Invalid Date
    ("1 / max(-0, datum.x * 0)", [math.inf, math.inf, NAN, -math.inf]),
    ("1 / min(0, datum.x * 0)", [math.inf, math.inf, NAN, -math.inf]),
    ("lower('\u0130') + upper(datum.s + '\u00df')", ["i\u0307ASS", "i\u0307NULLSS", "i\u030712SS", "i\u0307SS"]),
    ('replace(datum.s + "xy", "x", "[$&|$`|$\'|$$|$1]")', ["a[x|a|y|$|$1]y", "null[x|null|y|$|$1]y",
                                                           "12[x|12|y|$|$1]y", "[x||y|$|$1]y"]),
    ("parseInt(datum.s, 36)", [10.0, 1112745.0, 38.0, NAN]),
])
def test_semantics(con, expr: str, expected: list[Any]) -> None:
    assert same(run(con, expr), expected), run(con, expr)


def test_local_time_uses_the_viewer_zone(con) -> None:
    assert run(con, "hours(datum.d)", tz="Europe/Paris") == [13.0, 1.0, 0.0, 2.0]
    assert run(con, "timezoneoffset(datum.d)", tz="Europe/Paris") == [-60.0, -60.0, -60.0, -120.0]


def test_datetime_resolves_dst_gaps_and_overlaps_like_js(con) -> None:
    # 02:30 does not exist on 2024-03-10 in New York: JS reads it as 03:30 EDT (07:30Z).
    gap = run(con, "time(datetime(2024, 2, 10, 2, 30))", tz="America/New_York")
    assert gap[0] == 1710055800000.0
    # 01:30 happens twice on 2024-11-03: JS takes the earlier (EDT, 05:30Z).
    overlap = run(con, "time(datetime(2024, 10, 3, 1, 30))", tz="America/New_York")
    assert overlap[0] == 1730611800000.0


def test_number_to_string_matches_js(con) -> None:
    values = ["1e21", "1e-7", "0.000001", "123456789012", "0.1 + 0.2", "-0", "1/3", "5e-324"]
    expected = ["1e+21", "1e-7", "0.000001", "123456789012", "0.30000000000000004", "0",
                "0.3333333333333333", "5e-324"]
    for text, want in zip(values, expected):
        got = run(con, f"'' + (datum.x * 0 + {text})")
        assert got[0] == want, text


def test_filter_is_never_null(con) -> None:
    ctx = SqlContext(COLUMNS)
    predicate = compile_filter("datum.x > 0 || datum.s", ctx)
    sql = exp.select(predicate.as_("v")).from_("t").sql("duckdb")
    assert [r[0] for r in con.execute(sql).fetchall()] == [True, False, True, False]


def test_signals_are_inlined_as_literals(con) -> None:
    assert run(con, "sig * 2 + arr[1]", signals={"sig": 3, "arr": [1, 2]}) == [8.0] * 4
    typed = compile_expression("sig", SqlContext(COLUMNS, signals={"sig": "it's"}))
    assert typed.is_literal and typed.value == "it's" and typed.type == T.STRING


def test_columns_are_quoted_identifiers() -> None:
    typed = compile_expression("datum['a\"b']", SqlContext({'a"b': T.NUMBER}, table="t"))
    assert isinstance(typed.sql, exp.Column) and typed.sql.this.quoted
    assert typed.sql.sql("duckdb") == '"t"."a""b"'


@pytest.mark.parametrize("expr, construct", [
    ("datum.x ? 1 : 'a'", "branches have different types"),
    ("datum.x || datum.s", "'||' between"),
    ("datum.obj.a", "unknown shape"),
    ("random()", "random"),
    ("datetime(datum.x, 0) + 1", "Date"),
    ("datum.s + 1", "may be null"),
    ("length(datum.s)", "may be null"),
    ("substring(datum.s, 1)", "lone surrogate"),
    ("datum.mixed", "mixes JavaScript types"),
    ("datetime(datum.x, 0, 1)", "Invalid Date"),
    ("nosuch", "not bound"),
])
def test_unsupported_constructs_are_named(expr: str, construct: str) -> None:
    with pytest.raises(UnsupportedError, match=construct):
        compile_expression(expr, SqlContext({**COLUMNS, "obj": T.OBJECT, "mixed": None}))


def test_values_sql_cannot_hold_fail_the_query(con) -> None:
    """Where Vega throws or yields what SQL cannot hold for some rows only, the query fails."""
    import duckdb
    for expr in ["length(sequence(datum.x * 1e7))",          # beyond the server's length limit
                 "length(sequence(datum.x * -3e9))",         # ToInt32 wraps: Vega throws
                 "test(/^.$/, datum.s + '\U0001F600')"]:     # '.' is one UTF-16 unit in JS
        with pytest.raises(duckdb.Error):
            run(con, expr)


def test_date_functions_read_date_columns_directly() -> None:
    typed = compile_expression("year(datum.d)", SqlContext(COLUMNS))
    sql = typed.sql.sql("duckdb")
    assert "epoch_ms" not in sql and '"d"' in sql  # no round trip through milliseconds
