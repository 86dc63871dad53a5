"""Dash host for vegafusion-suite: Vega, Vega-Lite and Altair charts over big data in Dash.

    from dash_vegafusion import VegaFusionChart
    app.layout = html.Div([VegaFusionChart(id="flights", chart=chart, datasets={"flights": df}),
                           html.Pre(id="picked")])

    @app.callback(Output("picked", "children"), Input("flights", "selections"))
    def show(selections): ...

The browser bundle (static/dash.js) is built by ``npm run build`` in frontend/; it takes React
from Dash's own ``window.React``.
"""

from __future__ import annotations

__version__ = "0.1.0"

_js_dist = [
    {"relative_package_path": "static/dash.js", "namespace": "dash_vegafusion"},
]

from .component import VegaFusionChart  # noqa: E402  (after _js_dist, which Dash reads)

__all__ = ["VegaFusionChart"]
