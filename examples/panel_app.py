"""Flights dashboard on Panel: 1M generated flights, data work in DuckDB, drawing in the browser.

    python examples/panel_app.py                      # ROWS=100000 for a smaller table, PORT=5006
    panel serve examples/panel_app.py                 # the same, with Panel's own command

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections reach Python as the panes' ``selections`` parameter (pn.bind).
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import panel as pn
import pyarrow as pa
import pyarrow.parquet as pq

from panel_vegafusion import VegaFusionPane
from vegafusion_core.sample_data import write_flights_parquet

ROWS = int(os.environ.get("ROWS", "1000000"))
DATA = Path(__file__).parent / "data" / f"flights_{ROWS}.parquet"


@pn.cache
def flights(rows: int) -> pa.Table:
    """The table, generated once into examples/data/ and shared by every session."""
    return pq.read_table(write_flights_parquet(rows, DATA.with_name(f"flights_{rows}.parquet")))


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
    """Flights per origin, counted by an explicit aggregate: the x scale's sort then reads the
    20 counted rows (with ``y="count()"`` Vega-Lite sorts the domain over the raw rows, which
    the planner would have to ship to the browser)."""
    pick = alt.selection_point(fields=["origin"], name="pick")
    return alt.Chart("table://flights").transform_aggregate(
        flights="count()", groupby=["origin"]
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


def dashboard() -> pn.viewable.Viewable:
    """One session's page: its own panes, hence its own chart states."""
    table = flights(ROWS)
    brushed = VegaFusionPane(crossfilter(), datasets={"flights": table})
    picked = VegaFusionPane(origins(), datasets={"flights": table})
    return pn.Column(
        f"# {ROWS:,} flights",
        "The rows stay on the server (DuckDB); the browser receives only the bars it draws.",
        brushed, picked,
        "#### Selections read in Python",
        pn.pane.Str(pn.bind(brush_text, brushed.param.selections), css_classes=["brush-text"]),
        pn.pane.Str(pn.bind(pick_text, picked.param.selections), css_classes=["pick-text"]),
    )


if __name__ == "__main__":
    pn.serve(dashboard, port=int(os.environ.get("PORT", "5006")),
             address=os.environ.get("HOST", "127.0.0.1"), show=False,
             title="Flights: vegafusion-suite")
elif __name__.startswith("bokeh"):  # `panel serve examples/panel_app.py`
    dashboard().servable(title="Flights: vegafusion-suite")
