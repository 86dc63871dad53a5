"""Flights dashboard on Dash: 1M generated flights, data work in DuckDB, drawing in the browser.

    python examples/dash_app.py                       # ROWS=100000 for a smaller table, PORT=8050

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections reach Python as the charts' ``selections`` prop (a callback Input).
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import pyarrow.parquet as pq
from dash import Dash, Input, Output, html

from dash_vegafusion import VegaFusionChart
from vegafusion_core.sample_data import write_flights_parquet

ROWS = int(os.environ.get("ROWS", "1000000"))
DATA = Path(__file__).parent / "data" / f"flights_{ROWS}.parquet"


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


def make_app() -> Dash:
    table = pq.read_table(write_flights_parquet(ROWS, DATA))
    app = Dash(__name__, title="Flights: vegafusion-suite")
    app.layout = html.Div([
        html.H1(f"{ROWS:,} flights"),
        html.P("The rows stay on the server (DuckDB); "
               "the browser receives only the bars it draws."),
        VegaFusionChart(id="crossfilter", chart=crossfilter(), datasets={"flights": table}),
        VegaFusionChart(id="origins", chart=origins(), datasets={"flights": table}),
        html.H4("Selections read in Python"),
        html.Pre(id="brush-text", children="distance brush: none"),
        html.Pre(id="pick-text", children="origins picked: none"),
    ], style={"fontFamily": "sans-serif", "margin": "1em 2em"})

    @app.callback(Output("brush-text", "children"), Input("crossfilter", "selections"))
    def show_brush(selections: dict) -> str:
        interval = selections["selection"]["brush"].get("distance")
        return f"distance brush: {interval if interval else 'none'}"

    @app.callback(Output("pick-text", "children"), Input("origins", "selections"))
    def show_pick(selections: dict) -> str:
        points = selections["selection"]["pick"]
        return f"origins picked: {', '.join(p['origin'] for p in points) if points else 'none'}"

    return app


if __name__ == "__main__":
    make_app().run(host=os.environ.get("HOST", "127.0.0.1"),
                   port=int(os.environ.get("PORT", "8050")), debug=False)
