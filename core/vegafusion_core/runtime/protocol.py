"""Answering a browser's ``update`` message, the same way in every host.

Each host (Streamlit's side channel, Dash's callback, Panel's websocket) carries the messages of
frontend/src/core/types.ts its own way, but an update is answered alike: the seq must be an
integer newer than the last one applied (a late or replayed message must not move the chart
back), the state applies all of the updates or none (ChartState.update), and the answer names
the seq it answers. The answer also says how long the server worked on it (``serverMs``), which
the browser's trace and the host benchmark use to split a brush's latency into its parts.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

from ..errors import VegaFusionError
from .chart_state import ChartState


def answer_update(state: ChartState, message: Mapping[str, Any], last_seq: int
                  ) -> tuple[dict[str, Any], int]:
    """The answer to one ``{type: "update", seq, updates}`` message, and the newest seq applied
    (``last_seq`` unchanged when the update was refused)."""
    seq = message.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return {"type": "error", "message": "an update needs an integer seq"}, last_seq
    if seq <= last_seq:
        return ({"type": "error", "seq": seq, "message": f"update {seq} arrived out of order"},
                last_seq)
    started = time.perf_counter()
    try:
        changed = state.update(message.get("updates"))
    except VegaFusionError as err:
        return {"type": "error", "seq": seq, "message": str(err)}, last_seq
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"type": "update", "seq": seq, "updates": changed, "serverMs": elapsed_ms}, seq
