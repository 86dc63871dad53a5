"""timeunit in a local zone reads each row's offset from per-hour lists, or looks the zone up for
rows beyond them (data spanning more than OFFSET_LIST_HOURS): both paths must give Vega's
answers. And a number that is no valid date fails loudly (Vega's Invalid Date has no SQL form).
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from vegafusion_core.transforms import timeunits

from .oracle import decode, describe_difference, run_ours, values_equal
from .test_transforms_oracle import CASES, _vega_by_zone

# Rows around offset changes from 1883 to 2100, in units from years to milliseconds.
_UNITS = (["year", "month", "date"], ["year", "week"], ["year", "month", "date", "hours"],
          ["hours", "minutes"], ["year", "month", "date", "hours", "minutes", "seconds",
                                 "milliseconds"])
_CASES = [c for c in CASES if c.file == "timeunit.jsonl" and len(c.rows) > 100
          and len(c.transforms) == 1 and c.transforms[0].get("units") in _UNITS
          and "step" not in c.transforms[0]]


@pytest.mark.parametrize("case,zone", [
    pytest.param(c, z, id=f"{c.id}:{z}") for c in _CASES for z in c.zones if z != "UTC"])
def test_rows_beyond_the_offset_lists_match_vega(case, zone, monkeypatch) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Vega oracle cannot run")
    monkeypatch.setattr(timeunits, "OFFSET_LIST_HOURS", 1)  # every hour but the first
    ours = run_ours(case, zone)["rows"]
    theirs = decode(_vega_by_zone(zone)[case.id]["rows"])
    assert len(ours) == len(theirs) and all(values_equal(a, b) for a, b in zip(ours, theirs)), \
        describe_difference(ours, theirs)


def test_cases_cover_both_offset_paths() -> None:
    assert len(_CASES) >= len(_UNITS)  # this module tests something


def test_nan_instant_fails_with_a_message() -> None:
    from vegafusion_core.data.parse import parse_rows
    from vegafusion_core.data.values import register_rows
    from vegafusion_core.sql.connection import new_connection
    from vegafusion_core.transforms.base import TransformContext
    from vegafusion_core.transforms.pipeline import compile_transforms, final_query, \
        run_query, source_relation

    con = new_connection()
    table = register_rows(con, parse_rows([{"t": 0}, {"t": "abc"}], {"t": "number"}, "UTC"),
                          path="data[0]")
    spec = [{"type": "timeunit", "field": "t", "units": ["year", "month", "date"]}]
    for zone in ("UTC", "Europe/Paris"):
        rel = compile_transforms(source_relation(table.name, table.columns), spec,
                                 TransformContext(tz=zone, signals={}), "data[0]")
        with pytest.raises(duckdb.Error, match="Invalid Date"):
            run_query(con, final_query(rel))
