"""The floor: each workload written by hand as DuckDB SQL, as a careful engineer would.

No planner, no fingerprints, no JSON: extents first where Vega computes them, the bin step from
them in Python (vega-statistics' ``bin``), then one grouped query per view (the three filtered
histograms of a brush update in one GROUPING SETS query). The outputs carry Vega's field and
dataset names so that benchmarks/run.py compares them with the other engines' row for row.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .workloads import LOCAL_TZ

Rows = list[dict[str, Any]]
CROSSFILTER_FIELDS = ("distance", "delay", "time")
# Vega-Lite's dataset names for the crossfilter: filtered (highlight) and unfiltered views.
FILTERED = {"time": "data_1", "distance": "data_2", "delay": "data_3"}
UNFILTERED = {"distance": "data_4", "delay": "data_5", "time": "data_6"}


def vega_bin(lo: float, hi: float, maxbins: int) -> tuple[float, float, float]:
    """vega-statistics' bin (base 10, divide [5, 2], nice): (start, stop, step)."""
    span = (hi - lo) or abs(lo) or 1
    level = math.ceil(math.log(maxbins) / math.log(10))
    # Math.round: halves go up (Python's round goes to even).
    step = max(0.0, 10.0 ** (math.floor(math.log(span) / math.log(10) + 0.5) - level))
    while math.ceil(span / step) > maxbins:
        step *= 10
    for div in (5, 2):
        if span / (step / div) <= maxbins:
            step /= div
    v = math.log(step)
    precision = 0 if v >= 0 else int(-v / math.log(10)) + 1
    eps = 10.0 ** (-precision - 1)
    start = math.floor(lo / step + eps) * step
    start = start - step if lo < start else start
    stop = math.ceil(hi / step) * step
    return start, (start + step if stop == start else stop), step


def bin_sql(field: str, bins: tuple[float, float, float]) -> str:
    start, stop, step = bins
    return (f"({start!r} + {step!r} * floor(1e-14 + (greatest({start!r}, least({field}, "
            f"{stop - step!r})) - {start!r}) / {step!r}))")


class HandWritten:
    def __init__(self, source: pa.Table | Path, workload: str) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        if isinstance(source, Path):
            self.con.execute(f"CREATE VIEW flights AS SELECT * FROM read_parquet('{source}')")
        else:
            self.con.register("flights", source)
        self.workload = workload

    def clear_caches(self) -> None:
        """DuckDB keeps no query results between statements: nothing to clear."""

    def rows(self, sql: str) -> Rows:
        return self.con.sql(sql).to_arrow_table().to_pylist()

    # -- the static workloads ----------------------------------------------------------------
    def pre_transform(self, spec: dict, datasets: dict) -> dict[str, Rows]:
        if self.workload == "histogram":
            return {"source_0": self.histogram("delay", 50, "TRUE")}
        return {"source_0": self.timeseries()}

    def histogram(self, field: str, maxbins: int, where: str) -> Rows:
        lo, hi = self.con.sql(f"SELECT min({field}), max({field}) FROM flights "
                              f"WHERE {where}").fetchall()[0]
        b = bin_sql(field, vega_bin(lo, hi, maxbins))
        name = f"bin_maxbins_{maxbins}_{field}"
        step = vega_bin(lo, hi, maxbins)[2]
        return self.rows(f"SELECT {b} AS {name}, {b} + {step!r} AS {name}_end, "
                         f"count(*) AS __count FROM flights WHERE {where} GROUP BY 1, 2")

    def timeseries(self) -> Rows:
        # Time zone conversions cost far more than sums: aggregate by UTC hour first (every
        # offset of the zone is a whole number of hours), then convert ~9,000 hours to local days.
        local = f"timezone('{LOCAL_TZ}', hour::TIMESTAMPTZ)"
        day = f"epoch_ms(timezone('{LOCAL_TZ}', date_trunc('day', {local})))"
        return self.rows(f"""
            WITH hours AS (SELECT date_trunc('hour', date) AS hour, sum(delay) AS s,
                                  count(delay) AS n FROM flights GROUP BY 1),
                 days AS (SELECT {day} AS day, sum(s) / sum(n) AS mean_delay FROM hours GROUP BY 1)
            SELECT day, mean_delay,
                   avg(mean_delay) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
                     AS rolling
            FROM days ORDER BY day""")

    # -- the interactive workloads -----------------------------------------------------------
    def new_state(self, spec: dict, datasets: dict) -> tuple[dict, dict[str, Rows]]:
        if self.workload == "heatmap":
            origins = self.rows("SELECT origin, count(*) AS __count FROM flights GROUP BY 1")
            return {}, {"data_0": origins, "data_1": self.heatmap("TRUE")}
        extents = self.con.sql("SELECT " + ", ".join(
            f"min({f}), max({f})" for f in CROSSFILTER_FIELDS) + " FROM flights").fetchall()[0]
        bins = {f: vega_bin(extents[2 * i], extents[2 * i + 1], 20)
                for i, f in enumerate(CROSSFILTER_FIELDS)}
        state = {"bins": bins}
        all_rows = self.crossfilter(bins, "TRUE")
        snapshot = {UNFILTERED[f]: rows for f, rows in all_rows.items()}
        snapshot.update({FILTERED[f]: rows for f, rows in all_rows.items()})
        return state, snapshot

    def update(self, state: dict, message: list[dict]) -> dict[str, Rows]:
        store = message[0]["value"][0]
        if self.workload == "heatmap":
            origin = store["values"][0].replace("'", "''")
            return {"data_1": self.heatmap(f"origin = '{origin}'")}
        lo, hi = store["values"][0]
        rows = self.crossfilter(state["bins"], f"distance BETWEEN {lo!r} AND {hi!r}")
        return {FILTERED[f]: r for f, r in rows.items()}

    def crossfilter(self, bins: dict, where: str) -> dict[str, Rows]:
        """The three histograms of one filter, in one GROUPING SETS query."""
        exprs = {f: bin_sql(f, bins[f]) for f in CROSSFILTER_FIELDS}
        cols = ", ".join(f"{e} AS b_{f}" for f, e in exprs.items())
        table = self.con.sql(f"""
            SELECT {cols}, count(*) AS __count FROM flights WHERE {where}
            GROUP BY GROUPING SETS ((b_distance), (b_delay), (b_time))""").to_arrow_table()
        out: dict[str, Rows] = {f: [] for f in CROSSFILTER_FIELDS}
        for row in table.to_pylist():
            field = next(f for f in CROSSFILTER_FIELDS if row[f"b_{f}"] is not None)
            name, start = f"bin_maxbins_20_{field}", row[f"b_{field}"]
            out[field].append({name: start, f"{name}_end": start + bins[field][2],
                               "__count": row["__count"]})
        return out

    def heatmap(self, where: str) -> Rows:
        lo_d, hi_d, lo_y, hi_y = self.con.sql(
            f"SELECT min(distance), max(distance), min(delay), max(delay) FROM flights "
            f"WHERE {where}").fetchall()[0]
        if lo_d is None:
            return []
        bd, by = vega_bin(lo_d, hi_d, 40), vega_bin(lo_y, hi_y, 40)
        xd, xy = bin_sql("distance", bd), bin_sql("delay", by)
        return self.rows(f"""
            SELECT {xd} AS bin_maxbins_40_distance, {xd} + {bd[2]!r} AS bin_maxbins_40_distance_end,
                   {xy} AS bin_maxbins_40_delay, {xy} + {by[2]!r} AS bin_maxbins_40_delay_end,
                   count(*) AS __count
            FROM flights WHERE {where} GROUP BY 1, 2, 3, 4""")
