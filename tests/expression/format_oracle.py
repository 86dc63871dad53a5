"""Runs tests/oracle/d3_formats.mjs (d3-format, d3-time-format and Vega in Node) on case files.

Cases and results use a lossless JSON encoding: ``{"$": "NaN"}`` for non-finite numbers and -0,
``{"$date": ms}`` for a Date, ``{"$undefined": true}``. Each result is ``{"ok": value}`` or
``{"error": message}``. Node runs once per (case file, time zone); a missing ``node`` skips the
tests that need it, loudly.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from vegafusion_core.expression.jsvalues import UNDEFINED, JSDate

ORACLE_DIR = Path(__file__).resolve().parents[1] / "oracle"
CASES_DIR = Path(__file__).resolve().parent / "format_cases"
ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"]


def load_cases(name: str) -> list[dict[str, Any]]:
    text = (CASES_DIR / name).read_text(encoding="utf8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def decode(v: Any) -> Any:
    """A JSON-encoded JS value as the Python side represents it."""
    if isinstance(v, dict):
        if "$" in v:
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf,
                    "-0": -0.0}[v["$"]]
        if "$date" in v:
            return JSDate(float(decode(v["$date"])))
        if "$undefined" in v:
            return UNDEFINED
    return v


@lru_cache(maxsize=None)
def _run(name: str, tz: str) -> tuple[Any, ...]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the d3/Vega oracle cannot run, formatting is unchecked")
    if not (ORACLE_DIR / "node_modules" / "vega").is_dir():
        pytest.skip("tests/oracle/node_modules is missing: run `npm ci` in tests/oracle")
    proc = subprocess.run(
        ["node", "d3_formats.mjs"], cwd=ORACLE_DIR, input=(CASES_DIR / name).read_bytes(),
        capture_output=True, env={**os.environ, "TZ": tz}, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"oracle failed: {proc.stderr.decode()}")
    return tuple(json.loads(proc.stdout))


def oracle_results(name: str, tz: str = "UTC") -> tuple[dict[str, Any], ...]:
    """d3's results for every case of ``format_cases/<name>``, with Node's TZ set to ``tz``."""
    return _run(name, tz)


def same_value(actual: Any, expected: Any) -> bool:
    """Equality that treats NaN as equal to NaN and JSDates by their time value."""
    if isinstance(actual, JSDate) and isinstance(expected, JSDate):
        return actual.ms == expected.ms or (math.isnan(actual.ms) and math.isnan(expected.ms))
    if isinstance(actual, float) and isinstance(expected, (int, float)):
        return actual == expected or (math.isnan(actual) and math.isnan(float(expected)))
    return type(actual) is type(expected) and actual == expected
