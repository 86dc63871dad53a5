"""Flights dashboard on Panel: 1M generated flights, data work in DuckDB, drawing in the browser.

    python examples/panel_app.py                      # ROWS=100000 for a smaller table, PORT=5006
    panel serve examples/panel_app.py                 # the same, with Panel's own command

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections reach Python as the panes' ``selections`` parameter (pn.bind).
"""

from __future__ import annotations

import os

import panel as pn
import pyarrow as pa

from flights_dashboard import ROWS, brush_text, crossfilter, origins, pick_text, read_flights
from panel_vegafusion import VegaFusionPane


@pn.cache
def flights(rows: int) -> pa.Table:
    """The table, read once and shared by every session."""
    return read_flights(rows)


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
