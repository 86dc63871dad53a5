"""Flights dashboard on Dash: 1M generated flights, data work in DuckDB, drawing in the browser.

    python examples/dash_app.py                       # ROWS=100000 for a smaller table, PORT=8050

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections reach Python as the charts' ``selections`` prop (a callback Input).
"""

from __future__ import annotations

import os

from dash import Dash, Input, Output, html

from dash_vegafusion import VegaFusionChart
from flights_dashboard import ROWS, brush_text, crossfilter, origins, pick_text, read_flights


def make_app() -> Dash:
    table = read_flights(ROWS)
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
        return brush_text(selections)

    @app.callback(Output("pick-text", "children"), Input("origins", "selections"))
    def show_pick(selections: dict) -> str:
        return pick_text(selections)

    return app


if __name__ == "__main__":
    make_app().run(host=os.environ.get("HOST", "127.0.0.1"),
                   port=int(os.environ.get("PORT", "8050")), debug=False)
