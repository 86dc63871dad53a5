"""Both expression engines (Python evaluator, SQL compiler) against Vega JS, case by case.

The cases are data (``cases/*.jsonl``); the machinery is in ``oracle.py``. A test id reads
``file:line:zone:engine``, e.g. ``strings.jsonl:12:UTC:sql``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest


def _load_harness() -> Any:
    # Loaded by path under a unique name, so that no other test folder's module can shadow it.
    name = "vegafusion_tests_expression_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load_harness()
CASES = oracle.load_cases()
SYNTAX_ERRORS = oracle.load_syntax_errors()
PARAMS = [pytest.param(case, zone, engine, id=f"{case.id}:{zone}:{engine}")
          for case in CASES for zone in case.zones for engine in oracle.ENGINES]


def _require_node() -> None:
    if oracle.node_path() is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")


@pytest.fixture(scope="session")
def vega_results() -> dict[str, dict[str, Any]]:
    """Vega's results per zone, computed on first use (one Node process per zone, cached)."""
    _require_node()
    return {}


def _result_for(cache: dict[str, dict[str, Any]], case: Any, zone: str) -> Any:
    if zone not in cache:
        cache[zone] = oracle.run_oracle(CASES, zone)
    return cache[zone][case.id]


@pytest.fixture(scope="session")
def parsed_asts() -> dict[str, Any]:
    """Each case's AST, from Vega's own parser (so that these tests do not depend on ours)."""
    _require_node()
    texts = sorted({case.expr for case in CASES})
    return {text: r.get("ast") for text, r in zip(texts, oracle.vega_parse(texts))}


@pytest.fixture(scope="module")
def duckdb_connection() -> Any:
    from vegafusion_core.sql.connection import new_connection

    con = new_connection()
    yield con
    con.close()


@pytest.mark.parametrize(("case", "zone", "engine"), PARAMS)
def test_engine_matches_vega(case: Any, zone: str, engine: str, vega_results: dict[str, Any],
                             parsed_asts: dict[str, Any], request: pytest.FixtureRequest) -> None:
    result = _result_for(vega_results, case, zone)
    ast = parsed_asts[case.expr] or {}
    if engine == "python":
        outcome = oracle.run_python(case, result, zone)
    else:
        outcome = oracle.run_sql(case, result, zone, request.getfixturevalue("duckdb_connection"))
    problem = oracle.check(case, engine, zone, result, outcome, ast)
    if problem:
        pytest.fail(problem, pytrace=False)


def _vega_parse_or_skip(texts: list[str]) -> list[dict[str, Any]]:
    _require_node()
    return oracle.vega_parse(texts)


def test_parser_matches_vega() -> None:
    """Our parser gives vega-expression's AST for every case's expression."""
    from vegafusion_core.expression.parser import parse

    texts = sorted({case.expr for case in CASES})
    mismatches = []
    for text, theirs in zip(texts, _vega_parse_or_skip(texts)):
        assert "ast" in theirs, f"Vega cannot parse the case expression {text!r}: {theirs}"
        try:
            ours = oracle.decode_ast(parse(text))
        except Exception as error:  # noqa: BLE001 - reported below with the expression
            mismatches.append(f"{text!r}: ours raised {type(error).__name__}: {error}")
            continue
        if not oracle.js_equal(theirs["ast"], ours, negzero=True):
            mismatches.append(f"{text!r}:\n  ours {ours}\n  Vega {theirs['ast']}")
    assert not mismatches, f"{len(mismatches)} ASTs differ:\n" + "\n".join(mismatches[:30])


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_parser_rejects_what_vega_rejects(text: str) -> None:
    """A malformed expression: Vega rejects it, and ours raises ExpressionSyntaxError there."""
    from vegafusion_core.errors import ExpressionSyntaxError
    from vegafusion_core.expression.parser import parse

    (theirs,) = _vega_parse_or_skip([text])
    assert "error" in theirs, f"Vega accepts {text!r}: the case belongs elsewhere"
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(text)
    assert isinstance(caught.value.position, int) and 0 <= caught.value.position <= len(text)
    # Vega's index is where its scanner stopped (after the offending token), ours is where the
    # offending token starts: ours may not be later than Vega's.
    if theirs["index"] is not None:
        assert caught.value.position <= theirs["index"], (
            f"ours says position {caught.value.position}, Vega stopped at {theirs['index']} "
            f"({theirs['error']})")


def _exercised(engine: str, parsed_asts: dict[str, Any]) -> set[str]:
    """Functions called by some case that the engine is held to (not a documented gap)."""
    called: set[str] = set()
    for case in CASES:
        ast = parsed_asts.get(case.expr)
        if ast and engine not in case.gaps:
            called |= oracle.called_functions(ast)
    return called


@pytest.mark.parametrize("engine", oracle.ENGINES)
def test_every_server_function_is_exercised(engine: str, parsed_asts: dict[str, Any]) -> None:
    from vegafusion_core.expression.functions import FUNCTIONS

    with_form = {name for name, fn in FUNCTIONS.items() if getattr(fn, engine) is not None}
    missing = sorted(with_form - _exercised(engine, parsed_asts))
    assert not missing, f"functions with a {engine} form but no case that checks it: {missing}"


def test_every_portable_function_has_a_case(parsed_asts: dict[str, Any]) -> None:
    """Every function that could run on the server (not browser-only by nature) has a case."""
    from vegafusion_core.expression.functions import _NO_FORM_YET, FUNCTIONS

    portable = {name for name, fn in FUNCTIONS.items()
                if fn.server or fn.reason == _NO_FORM_YET}
    called = set().union(*(oracle.called_functions(a) for a in parsed_asts.values() if a))
    missing = sorted(portable - called)
    assert not missing, f"functions with no oracle case: {missing}"


def test_harness_equality_rules() -> None:
    """The comparison the whole suite rests on: strict types, NaN, -0, dates, SQL leniencies."""
    nan = float("nan")
    assert oracle.js_equal(nan, nan)
    assert not oracle.js_equal(1.0, True) and not oracle.js_equal(0.0, None)
    assert oracle.js_equal(0.1 + 0.2, 0.3) and not oracle.js_equal(1.0, 1.0 + 1e-9)
    assert oracle.js_equal(0.0, -0.0) and not oracle.js_equal(0.0, -0.0, negzero=True)
    assert not oracle.js_equal("1", 1.0) and not oracle.js_equal([1.0], [1.0, 2.0])
    assert not oracle.js_equal({"a": 1.0}, {"a": 1.0, "b": oracle.UNDEFINED})
    assert not oracle.js_equal(oracle.UNDEFINED, None)
    assert oracle.js_equal(oracle.UNDEFINED, None, sql=True)
    assert oracle.js_equal(5.0, oracle.JSDate(5.0), sql=True)
    assert not oracle.js_equal(5.0, oracle.JSDate(5.0))
    assert not oracle.js_equal(oracle.JSDate(5.0), oracle.JSDate(6.0))


def test_harness_decoding_and_types() -> None:
    decoded = oracle.decode([{"$num": "-0"}, {"$date": 0}, {"$undefined": True}, 2,
                             {"$object": {"$a": {"$num": "NaN"}}}, {"$regexp": ["a", "g"]}])
    assert str(decoded[0]) == "-0.0" and decoded[1] == oracle.JSDate(0.0)
    assert decoded[2] is oracle.UNDEFINED and decoded[3] == 2.0 and isinstance(decoded[3], float)
    assert list(decoded[4]) == ["$a"] and decoded[5] == oracle.JSRegExp("a", "g")
    rows = [{"n": 1.0, "s": "a", "d": 0.0, "z": None, "m": 1.0}, {"n": None, "s": None, "d": 5.0,
                                                                   "z": None}]
    types = oracle.column_types(rows, {"d": "date"})
    assert types == {"n": oracle.VegaType.NUMBER, "s": oracle.VegaType.STRING,
                     "d": oracle.VegaType.DATE, "z": oracle.VegaType.NULL, "m": None}
    assert [oracle.truthy(v) for v in [0.0, float("nan"), "", None, oracle.UNDEFINED, "0", [],
                                       oracle.JSDate(float("nan"))]] == [
        False, False, False, False, False, True, True, True]
