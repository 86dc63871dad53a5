"""Do two engines' results agree? (so that a benchmark times the same work on each side)

Each engine reports, per step (the initial state, then each update), the datasets it sent. The
states are accumulated (an update may leave out a dataset that did not change) and compared on
the workload's output datasets that both engines hold, as multisets of rows: row order is not
compared (VegaFusion returns groups in hash order). Fields are compared on the smaller engine's
field set, which must be a subset of the other's (VegaFusion drops fields no mark reads).
Numbers agree to 1e-9 relative; VegaFusion's local date-time strings are read in the viewer's zone.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from .workloads import LOCAL_TZ

_LOCAL_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")
Rows = list[dict[str, Any]]


def _value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _LOCAL_ISO.match(value):
        local = datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(LOCAL_TZ))
        return local.timestamp() * 1000
    return value


def _key(row: dict[str, Any], fields: list[str]) -> tuple:
    return tuple((0, round(v, 6)) if isinstance(v, float) else (1, str(v))
                 for v in (row[f] for f in fields))


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def compare_rows(ours: Rows, theirs: Rows, where: str) -> list[str]:
    if len(ours) != len(theirs):
        return [f"{where}: {len(ours)} rows here, {len(theirs)} there"]
    if not ours:
        return []
    mine, other = set(ours[0]), set(theirs[0])
    fields = sorted(mine & other)
    if not (mine <= other or other <= mine):
        return [f"{where}: fields differ: {sorted(mine ^ other)}"]
    a = sorted(({f: _value(r[f]) for f in fields} for r in ours), key=lambda r: _key(r, fields))
    b = sorted(({f: _value(r[f]) for f in fields} for r in theirs), key=lambda r: _key(r, fields))
    for i, (x, y) in enumerate(zip(a, b)):
        bad = [f for f in fields if not _close(x[f], y[f])]
        if bad:
            return [f"{where}: row {i} differs in {bad}: {x} vs {y}"]
    return []


def accumulate(snapshots: Iterable[dict[str, Rows]]) -> list[dict[str, Rows]]:
    state: dict[str, Rows] = {}
    out = []
    for snap in snapshots:
        state = {**state, **snap}
        out.append(state)
    return out


def compare_runs(ours: list[dict[str, Rows]], theirs: list[dict[str, Rows]],
                 outputs: Iterable[str]) -> list[str]:
    """Differences between two engines' steps (empty when they agree)."""
    if len(ours) != len(theirs):
        return [f"{len(ours)} steps here, {len(theirs)} there"]
    problems = []
    for step, (a, b) in enumerate(zip(accumulate(ours), accumulate(theirs))):
        common = [name for name in outputs if name in a and name in b]
        if not common:
            problems.append(f"step {step}: no output dataset in common "
                            f"({sorted(a)} vs {sorted(b)})")
        for name in common:
            problems += compare_rows(a[name], b[name], f"step {step}, {name}")
    return problems
