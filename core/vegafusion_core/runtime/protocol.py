"""Answering a browser's ``update`` message, the same way in every host.

Each host (Streamlit's side channel, Dash's callback, Panel's websocket) carries the messages of
frontend/src/core/types.ts its own way, but an update is answered alike: the seq must be an
integer newer than the last one applied (a late or replayed message must not move the chart
back), the state applies all of the updates or none (ChartState.update), and the answer names
the seq it answers. The answer also says how long the server worked on it (``serverMs``), which
the browser's trace and the host benchmark use to split a brush's latency into its parts.

Also here, what every host does around the updates so that a brush waits for nothing but its
work: Nagle's algorithm off on the connections (``disable_nagle``), and once a page's charts are
planned, their first selection prepared and the heap settled (``prepare_page``).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from typing import Any, Mapping

from ..errors import VegaFusionError
from .chart_state import ChartState

_LOGGER = logging.getLogger(__name__)


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


def disable_nagle(sock: Any) -> None:
    """Send small writes at once on this connection (TCP_NODELAY).

    The hosts' web servers (uvicorn under Streamlit, werkzeug under Dash, Tornado under Panel)
    write an answer in several small sends (headers, then body; or Bokeh's message frames). With
    Nagle's algorithm on, each send after the first waits for the browser to acknowledge the
    previous one, and browsers delay acknowledgements by up to 40 ms: that wait, not the work,
    was most of an update's round trip on loopback.
    """
    import socket

    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):  # closed meanwhile, or not a socket
        pass


_heap_lock = threading.Lock()
_heap_settled_at = float("-inf")


def settle_heap(min_interval_s: float = 1.0) -> None:
    """Collect garbage now, then exempt every surviving object from later collections.

    Called by the hosts after planning a chart for a page, when a pause goes unnoticed. A host
    process holds a large, long-lived heap (the libraries, the app, Altair's schema, each chart's
    plan), and Python's full collections walk all of it: 35-160 ms each (measured here), every
    few dozen brushes, landing on whichever update happens to be running. With the long-lived
    heap frozen (gc.freeze), a full collection walks only what was made since (about 1 ms).
    Nothing leaks for long: the next settle unfreezes, collects what died meanwhile, and freezes
    again. At most once per ``min_interval_s`` (a page plans several charts at once);
    ``VEGAFUSION_GC_FREEZE=0`` turns it off.
    """
    global _heap_settled_at
    if os.environ.get("VEGAFUSION_GC_FREEZE", "1") == "0":
        return
    with _heap_lock:
        now = time.monotonic()
        if now - _heap_settled_at < min_interval_s:
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _heap_settled_at = time.monotonic()


def prepare_page(state: ChartState) -> None:
    """What a host does once a chart is planned and its browser has said hello: build the
    cubes its first selection will read (ChartState.prepare_for_selections), then settle the
    heap. Both are pauses the page does not wait for (the chart is drawn from its props)."""
    try:
        state.prepare_for_selections()
    except Exception:  # noqa: BLE001 - an optimisation: it must never fail the page
        _LOGGER.exception("preparing the chart's selections failed")
    settle_heap()
