"""Panel host for vegafusion-suite: Vega, Vega-Lite and Altair charts over big data in Panel.

    from panel_vegafusion import VegaFusionPane
    pane = VegaFusionPane(chart, datasets={"flights": table})
    pn.Column(pane, pn.bind(show, pane.param.selections))

The ESM bundle (static/panel.js) is built by ``npm run build`` in frontend/.
"""

from __future__ import annotations

from .pane import VegaFusionPane

__version__ = "0.1.0"
__all__ = ["VegaFusionPane"]
