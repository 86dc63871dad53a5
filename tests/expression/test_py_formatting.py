"""The Python forms of Vega's formatting functions against Vega in Node, in every zone of ZONES
(format_cases/function_cases.jsonl: one Vega expression per line)."""

from __future__ import annotations

import pytest

from format_oracle import ZONES, decode, load_cases, oracle_results, same_value
from vegafusion_core.errors import SpecError, UnsupportedError
from vegafusion_core.expression.evaluate import EvalContext, evaluate

FILE = "function_cases.jsonl"
CASES = load_cases(FILE)


@pytest.mark.parametrize(("index", "zone"), [
    pytest.param(i, zone, id=f"{zone}:{case['expr']}")
    for i, case in enumerate(CASES) for zone in ZONES])
def test_formatting_function_matches_vega(index: int, zone: str) -> None:
    expected = oracle_results(FILE, zone)[index]
    expr = CASES[index]["expr"]
    if zone in CASES[index].get("unsupported_zones", []):
        # A documented gap (e.g. the browser's long name of a zone): the browser must keep it.
        with pytest.raises(UnsupportedError):
            evaluate(expr, EvalContext(tz=zone))
    elif "error" in expected:
        with pytest.raises(SpecError) as info:
            evaluate(expr, EvalContext(tz=zone))
        assert expected["error"] in str(info.value)
    else:
        actual = evaluate(expr, EvalContext(tz=zone))
        assert same_value(actual, decode(expected["ok"])), (actual, expected["ok"])
