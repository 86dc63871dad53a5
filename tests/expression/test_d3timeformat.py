"""d3-time-format in Python against d3-time-format in Node (format_cases/time_cases.jsonl).

utcFormat/utcParse cases run once; timeFormat/timeParse cases run in every zone of ZONES, with
the Node oracle's TZ set to that zone.
"""

from __future__ import annotations

import math

import pytest

from format_oracle import ZONES, decode, load_cases, oracle_results
from vegafusion_core.expression.d3timeformat import format_time, parse_time

FILE = "time_cases.jsonl"
CASES = load_cases(FILE)
PARAMS = [
    pytest.param(index, zone,
                 id=f"{zone}:{case['kind']}:{case['spec']!r}:{case.get('text', case.get('ms'))!r}")
    for index, case in enumerate(CASES)
    for zone in (ZONES if case["kind"].startswith("time") else ["UTC"])
]


def _python_result(case: dict, zone: str) -> object:
    tz = zone if case["kind"].startswith("time") else None
    if case["kind"].endswith("Format"):
        return format_time(case["spec"], float(decode(case["ms"])), tz)
    return parse_time(case["spec"], case["text"], tz)


def _expected(index: int, zone: str) -> object:
    result = oracle_results(FILE, zone)[index]
    assert "ok" in result, result
    expected = decode(result["ok"])
    return expected.ms if hasattr(expected, "ms") else expected


@pytest.mark.parametrize(("index", "zone"), PARAMS)
def test_time_format_and_parse_match_d3(index: int, zone: str) -> None:
    actual = _python_result(CASES[index], zone)
    expected = _expected(index, zone)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual)
    else:
        assert actual == expected


def test_case_file_is_large_enough() -> None:
    formats = [c for c in CASES if c["kind"].endswith("Format")]
    parses = [c for c in CASES if c["kind"].endswith("Parse")]
    assert len(formats) >= 150 and len(parses) >= 150
