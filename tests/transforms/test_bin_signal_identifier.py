"""What the row-by-row oracle cannot compare, compared with Vega JS all the same.

- bin's ``signal`` binds the transform's accessor function; Vega's value is read from the
  function's start/step/stop/fields/fname properties (tests/oracle/signal_oracle.mjs).
- identifier's ids come from a counter shared by the whole view, so after another identifier
  they differ from ours; only their order and uniqueness are meaningful, so that is what is
  compared (every other field must be equal).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

from .oracle import ORACLE_DIR, Case, rows_equal, run_ours

BIN_SIGNAL_CASES = [
    {"transforms": [{"type": "bin", "field": "x", "extent": [0, 10], "signal": "bins"}]},
    {"transforms": [{"type": "bin", "field": "x", "extent": [0.13, 9.7], "maxbins": 7,
                     "anchor": 0.5, "name": "named", "signal": "bins"}]},
    {"transforms": [{"type": "bin", "field": "x", "extent": [-3, 3], "step": 0.7, "nice": False,
                     "signal": "bins"}]},
    {"transforms": [{"type": "extent", "field": "x", "signal": "ext"},
                    {"type": "bin", "field": "x", "extent": {"signal": "ext"}, "maxbins": 10,
                     "signal": "bins"}]},
    {"transforms": [{"type": "extent", "field": "x", "signal": "ext"},
                    {"type": "bin", "field": "x", "extent": {"signal": "ext"}, "base": 2,
                     "anchor": 0.3, "signal": "bins"}]},
]
ROWS = [{"x": v} for v in (0.5, 2.25, -1.5, 7.125, 3.0)]

# Pipelines where Vega's shared counter makes ids differ from 1..n.
IDENTIFIER_CASES = [
    {"transforms": [{"type": "identifier", "as": "a"}, {"type": "identifier", "as": "b"}]},
    {"transforms": [{"type": "identifier", "as": "a"},
                    {"type": "filter", "expr": "datum.x > 1"},
                    {"type": "identifier", "as": "b"}]},
    {"transforms": [{"type": "identifier", "as": "a"},
                    {"type": "collect", "sort": {"field": "x", "order": "descending"}},
                    {"type": "identifier", "as": "b"}]},
    {"transforms": [{"type": "identifier", "as": "id"}],
     "datasets": {"other": {"values": [{"y": 1}, {"y": 2}],
                            "transforms": [{"type": "identifier", "as": "id"}]}}},
]


def _vega(cases: list[dict]) -> list[dict]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")
    payload = [{"rows": ROWS, **c, "produced_signals": c.get("produced_signals", [])}
               for c in cases]
    proc = subprocess.run(["node", "signal_oracle.mjs"], input=json.dumps(payload), text=True,
                          capture_output=True, cwd=ORACLE_DIR, check=True)
    return json.loads(proc.stdout)


def _case(spec: dict, signals: list[str] = ()) -> Case:
    return Case(file="inline", line=0, transforms=spec["transforms"], rows=ROWS, parse=None,
                signals={}, datasets={}, zones=["UTC"], produced_signals=list(signals))


@pytest.mark.parametrize("index", range(len(BIN_SIGNAL_CASES)))
def test_bin_signal_matches_vega(index: int) -> None:
    spec = {**BIN_SIGNAL_CASES[index], "produced_signals": ["bins"]}
    theirs = _vega([spec])[0]["signals"]["bins"]
    ours = run_ours(_case(spec, ["bins"]), "UTC")["signals"]["bins"]
    assert ours["fields"] == theirs["fields"] and ours["fname"] == theirs["fname"]
    for key in ("start", "step", "stop"):
        assert math.isclose(ours[key], theirs[key], rel_tol=1e-12, abs_tol=1e-300), \
            f"{key}: ours {ours[key]!r}, Vega {theirs[key]!r}"


def _ranks(rows: list[dict], name: str) -> list[int]:
    ids = [row[name] for row in rows]
    assert len(set(ids)) == len(ids), f"{name} ids are not unique: {ids}"
    return [sorted(ids).index(i) for i in ids]


@pytest.mark.parametrize("index", range(len(IDENTIFIER_CASES)))
def test_identifier_ids_order_like_vega(index: int) -> None:
    spec = IDENTIFIER_CASES[index]
    theirs = _vega([spec])[0]["rows"]
    ours = run_ours(_case(spec), "UTC")["rows"]
    assert len(ours) == len(theirs)
    id_fields = [t["as"] for t in spec["transforms"] if t["type"] == "identifier"]
    for name in id_fields:
        assert _ranks(ours, name) == _ranks(theirs, name), name
    strip = lambda row: {k: v for k, v in row.items() if k not in id_fields}  # noqa: E731
    assert all(rows_equal(strip(a), strip(b)) for a, b in zip(ours, theirs))


def test_v8_pow_matches_node() -> None:
    """Bin steps are powers of the base: binning.v8_pow must give V8's doubles, not libm's."""
    import random

    from vegafusion_core.transforms.binning import v8_pow

    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")
    rng = random.Random(11)
    pairs = [[b, p] for b in (10, 2, 3, 0.5, 1.5, 7) for p in range(-330, 310)]
    pairs += [[rng.uniform(0, 50), rng.uniform(-40, 40)] for _ in range(3000)]
    pairs += [[-rng.uniform(0, 9), float(rng.randint(-20, 20))] for _ in range(500)]
    script = ("let s='';process.stdin.on('data',c=>s+=c);process.stdin.on('end',()=>"
              "process.stdout.write(JSON.stringify(JSON.parse(s).map(([a,b])=>{"
              "const r=Math.pow(a,b);return Number.isFinite(r)?r:String(r)}))))")
    proc = subprocess.run(["node", "-e", script], input=json.dumps(pairs), text=True,
                          capture_output=True, check=True)
    theirs = [float(r) if not isinstance(r, str) else float(r.replace("Infinity", "inf"))
              for r in json.loads(proc.stdout)]
    wrong = [(a, b, v8_pow(a, b), r) for (a, b), r in zip(pairs, theirs)
             if not (v8_pow(a, b) == r or (math.isnan(r) and math.isnan(v8_pow(a, b))))]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Australia/Lord_Howe"])
def test_python_time_floor_matches_vega(zone: str) -> None:
    """timeunits.floor_ms (for the planner) gives Vega's unit0 on every timeunit case."""
    from vegafusion_core.data.parse import parse_rows
    from vegafusion_core.transforms.timeunits import floor_ms, time_units

    from .oracle import decode, load_cases, vega_results

    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")
    cases = [c for c in load_cases() if c.file == "timeunit.jsonl" and zone in c.zones
             and len(c.transforms) == 1 and isinstance(c.transforms[0].get("units"), list)
             and c.server is None]
    results = vega_results(cases, zone)
    checked = 0
    for case, result in zip(cases, results):
        spec = case.transforms[0]
        if "$error" in result:
            continue
        units = time_units(spec["units"])
        step = spec.get("step") or 1
        tz = None if spec.get("timezone") == "utc" else zone
        out = (spec.get("as") or ["unit0", "unit1"])[0]
        rows = parse_rows(case.rows, case.parse, zone)
        for row, theirs in zip(rows, decode(result["rows"])):
            value = row.get(spec["field"])
            if value is None:
                continue
            ms = value.ms if hasattr(value, "ms") else float(value)
            assert floor_ms(ms, units, step, tz) == theirs[out], (case.id, row, theirs)
            checked += 1
    assert checked > 500


def test_huge_sequence_is_refused() -> None:
    """A sequence Vega could not hold either (1e9 values) is refused, not materialised."""
    from vegafusion_core.errors import UnsupportedError

    case = Case(file="inline", line=0, transforms=[{"type": "sequence", "start": 0,
                                                    "stop": 1e9}],
                rows=[], parse=None, signals={}, datasets={}, zones=["UTC"])
    with pytest.raises(UnsupportedError, match="sequence"):
        run_ours(case, "UTC")
