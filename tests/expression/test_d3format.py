"""d3-format in Python against d3-format in Node, case by case (format_cases/number_cases.jsonl)."""

from __future__ import annotations

import pytest

from vegafusion_core.errors import SpecError
from vegafusion_core.expression.d3format import (
    format_number,
    js_to_exponential,
    js_to_fixed,
    js_to_precision,
)
from vegafusion_core.expression.jsvalues import to_number, to_string

from format_oracle import decode, load_cases, oracle_results

CASES = load_cases("number_cases.jsonl")


def _case_id(case: dict) -> str:
    return f"{case['spec']!r}:{case['value']!r}"


def _format(spec: str, value: object) -> str:
    return format_number(spec, value, to_number=to_number, to_string=to_string)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[_case_id(c) for c in CASES])
def test_number_format_matches_d3(index: int) -> None:
    case = CASES[index]
    expected = oracle_results("number_cases.jsonl")[index]
    value = decode(case["value"])
    if "error" in expected:
        with pytest.raises(SpecError) as info:
            _format(case["spec"], value)
        assert str(info.value) == expected["error"]
    else:
        assert _format(case["spec"], value) == expected["ok"]


def test_case_file_is_large_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize(("x", "digits", "expected"), [
    (2.5, 0, "3"), (1.005, 2, "1.00"), (-1.5, 0, "-2"), (1e21, 2, "1e+21"), (-0.0001, 2, "-0.00"),
])
def test_to_fixed_rounds_the_exact_binary_value_half_away_from_zero(
        x: float, digits: int, expected: str) -> None:
    assert js_to_fixed(x, digits) == expected


def test_to_exponential_and_to_precision_follow_ecmascript() -> None:
    assert js_to_exponential(25.0, 0) == "3e+1"
    assert js_to_exponential(0.000123) == "1.23e-4"
    assert js_to_precision(0.0000001, 1) == "1e-7"
    assert js_to_precision(123456.0, 3) == "1.23e+5"
    assert js_to_precision(0.000001, 2) == "0.0000010"
