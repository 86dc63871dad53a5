"""The charts and data of the flights dashboard, shared by the Streamlit, Dash and Panel apps.

Each app only adds its host's layout and the way it reads selections back into Python.
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import pyarrow as pa
import pyarrow.parquet as pq

from vegafusion_core.sample_data import write_flights_parquet

ROWS = int(os.environ.get("ROWS", "1000000"))
DATA_DIR = Path(__file__).parent / "data"


def read_flights(rows: int = ROWS) -> pa.Table:
    """The generated flights, written once as parquet into examples/data/."""
    return pq.read_table(write_flights_parquet(rows, DATA_DIR / f"flights_{rows}.parquet"))


def histogram(field: str, title: str, maxbins: int = 20) -> alt.Chart:
    return alt.Chart().mark_bar().encode(
        x=alt.X(f"{field}:Q", bin=alt.Bin(maxbins=maxbins), title=title),
        y=alt.Y("count():Q", title="flights"),
    ).properties(width=260, height=180)


def crossfilter() -> alt.HConcatChart:
    """Altair's interactive crossfilter: a brush on distance filters the other histograms."""
    brush = alt.selection_interval(encodings=["x"], name="brush")
    distance = histogram("distance", "distance (miles)").add_params(brush)
    filtered = []
    for field, title in (("delay", "delay (minutes)"), ("time", "hour of day")):
        background = histogram(field, title).mark_bar(color="#d8dde6")
        highlight = histogram(field, title).transform_filter(brush)
        filtered.append(alt.layer(background, highlight))
    return alt.hconcat(distance, *filtered, data="table://flights")


def origins() -> alt.Chart:
    """Flights per origin, sorted by count, with a point selection on the bars."""
    pick = alt.selection_point(fields=["origin"], name="pick")
    return alt.Chart("table://flights").transform_aggregate(
        flights="count()", groupby=["origin"],
    ).mark_bar().encode(
        x=alt.X("origin:N", sort="-y", title="origin"),
        y=alt.Y("flights:Q", title="flights"),
        color=alt.condition(pick, alt.value("#4c78a8"), alt.value("#c9d3e0")),
    ).add_params(pick).properties(height=200)


def brush_text(selections: dict) -> str:
    interval = selections["selection"]["brush"].get("distance")
    return f"distance brush: {interval if interval else 'none'}"


def pick_text(selections: dict) -> str:
    points = selections["selection"]["pick"]
    return f"origins picked: {', '.join(p['origin'] for p in points) if points else 'none'}"
