"""The five workloads: Altair charts compiled once to Vega, and the interactions replayed on them.

Every engine receives the same Vega spec (written to benchmarks/data/specs/) whose one data source
is ``vegafusion+dataset://flights`` (or, for the parquet workload, the parquet file's path), so
that the timings cover the data work only, not Vega-Lite compilation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .data import DATA_DIR

FLIGHTS_URL = "vegafusion+dataset://flights"
LOCAL_TZ = "America/New_York"  # the viewer's zone: timeunit in workload 4 is in local time
# The parquet's timestamps are naive; every engine reads them as UTC (as Vega JS reads epoch ms).
INPUT_TZ = "UTC"
BRUSH_UPDATES = 30
DISTANCE_RANGE = (100.0, 2500.0)  # sample_data: distance = round(100 + 2400 u^2)


def _vega(chart: Any) -> dict[str, Any]:
    import vl_convert

    spec = vl_convert.vegalite_to_vega(chart.to_dict(validate=False))
    for data in spec["data"]:
        if str(data.get("url", "")).endswith(".parquet"):
            # Vega-Lite writes format.type "json" for any url it does not know; both servers
            # read a parquet file by its extension when no type is given.
            data.pop("format", None)
    return spec


def histogram(url: str = FLIGHTS_URL) -> dict[str, Any]:
    """Workload 1: one binned histogram of delay."""
    import altair as alt

    chart = alt.Chart(alt.UrlData(url)).mark_bar().encode(
        x=alt.X("delay:Q", bin=alt.Bin(maxbins=50)), y="count()")
    return _vega(chart)


def crossfilter(url: str = FLIGHTS_URL) -> dict[str, Any]:
    """Workload 2: Altair's interactive crossfilter (three histograms, an interval brush)."""
    import altair as alt

    brush = alt.selection_interval(encodings=["x"], name="brush")
    base = alt.Chart(alt.UrlData(url)).mark_bar().encode(
        x=alt.X(alt.repeat("column"), type="quantitative", bin=alt.Bin(maxbins=20)),
        y="count()").properties(width=160, height=130)
    background = base.encode(color=alt.value("#ddd")).add_params(brush)
    highlight = base.transform_filter(brush)
    chart = alt.layer(background, highlight).repeat(column=["distance", "delay", "time"])
    return _vega(chart)


def heatmap(url: str = FLIGHTS_URL) -> dict[str, Any]:
    """Workload 3: a 2D binned heatmap filtered by a point selection on a bar chart of origins."""
    import altair as alt

    pick = alt.selection_point(fields=["origin"], name="pick")
    data = alt.UrlData(url)
    bars = alt.Chart(data).mark_bar().encode(
        x="origin:N", y="count()",
        color=alt.condition(pick, alt.value("steelblue"), alt.value("#ddd"))).add_params(pick)
    heat = alt.Chart(data).mark_rect().encode(
        x=alt.X("distance:Q", bin=alt.Bin(maxbins=40)),
        y=alt.Y("delay:Q", bin=alt.Bin(maxbins=40)),
        color="count()").transform_filter(pick)
    return _vega(alt.hconcat(bars, heat))


def timeseries(url: str = FLIGHTS_URL) -> dict[str, Any]:
    """Workload 4: mean delay per local day, smoothed by a 7-day rolling mean."""
    import altair as alt

    chart = alt.Chart(alt.UrlData(url)).transform_timeunit(
        day="yearmonthdate(date)").transform_aggregate(
        mean_delay="mean(delay)", groupby=["day"]).transform_window(
        rolling="mean(mean_delay)", frame=[-6, 0], sort=[{"field": "day"}]).mark_line().encode(
        x="day:T", y="rolling:Q")
    return _vega(chart)


def brush_sweep(n: int = BRUSH_UPDATES) -> list[tuple[float, float]]:
    """``n`` brush extents of a quarter of the distance axis, sliding from left to right."""
    lo, hi = DISTANCE_RANGE
    width = (hi - lo) / 4
    step = (hi - lo - width) / max(n - 1, 1)
    return [(lo + i * step, lo + i * step + width) for i in range(n)]


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    build: Callable[[str], dict[str, Any]]
    interactive: bool
    outputs: tuple[str, ...]  # the datasets the browser draws (compared across engines)


_CROSSFILTER_OUTPUTS = tuple(f"data_{i}" for i in range(1, 7))
WORKLOADS = {
    "histogram": Workload("histogram", "1. histogram (bin + aggregate), pre_transform_spec",
                          histogram, False, ("source_0",)),
    "crossfilter": Workload("crossfilter", "2. crossfilter: new_chart_state + 30 brush updates",
                            crossfilter, True, _CROSSFILTER_OUTPUTS),
    "heatmap": Workload("heatmap", "3. 2D heatmap + point selection on origins",
                        heatmap, True, ("data_0", "data_1")),
    "timeseries": Workload("timeseries", "4. timeunit (local) + rolling mean, pre_transform_spec",
                           timeseries, False, ("source_0",)),
    "parquet": Workload("parquet", "5. crossfilter over a parquet file read in place",
                        crossfilter, True, _CROSSFILTER_OUTPUTS),
}


def spec_path(key: str, url: str = FLIGHTS_URL) -> Path:
    """Where the workload's compiled Vega spec is kept (engines read it; they import no Altair)."""
    suffix = "" if url == FLIGHTS_URL else "_" + Path(url).stem
    return DATA_DIR / "specs" / f"{key}{suffix}.vg.json"


def write_spec(key: str, url: str = FLIGHTS_URL) -> Path:
    """Compile the workload's spec once per run, so that every engine reads the same file."""
    path = spec_path(key, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(WORKLOADS[key].build(url), indent=1))
    return path
