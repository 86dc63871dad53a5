"""Every transform case: DuckDB's rows must equal Vega JS's rows, values and order."""

from __future__ import annotations

import shutil
from functools import lru_cache

import pytest

from vegafusion_core.errors import SpecError, UnsupportedError

from .oracle import Case, decode, describe_difference, load_cases, run_ours, values_equal, \
    vega_results

CASES = load_cases()


@lru_cache(maxsize=None)
def _vega_by_zone(zone: str) -> dict[str, dict]:
    zoned = [c for c in CASES if zone in c.zones]
    return {c.id: r for c, r in zip(zoned, vega_results(zoned, zone))}


def _params() -> list:
    return [pytest.param(case, zone, id=f"{case.id}:{zone}") for case in CASES for zone in case.zones]


@pytest.mark.parametrize("case,zone", _params())
def test_transform_matches_vega(case: Case, zone: str) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")
    expected = _vega_by_zone(zone)[case.id]
    if "$error" in expected:
        with pytest.raises((SpecError, UnsupportedError)):
            run_ours(case, zone)
        return
    if case.server and case.server.startswith("unsupported"):
        with pytest.raises(UnsupportedError):
            run_ours(case, zone)
        return
    ours = run_ours(case, zone)
    theirs_rows = decode(expected["rows"])
    assert len(ours["rows"]) == len(theirs_rows) and all(
        values_equal(a, b) for a, b in zip(ours["rows"], theirs_rows)
    ), describe_difference(ours["rows"], theirs_rows)
    for name in case.produced_signals:
        theirs = decode(expected["signals"][name])
        assert values_equal(ours["signals"][name], theirs), \
            f"signal {name}: ours {ours['signals'][name]!r}, Vega {theirs!r}"
