"""The side channel: interaction updates answered on a route of Streamlit's own web server.

Why a route and not a script rerun (or a fragment rerun): an update must be answered in
milliseconds, and a rerun goes through the session's script runner (queued behind any running
script, then a delta round trip). Here the browser POSTs ``{token, message}`` to
``/_vegafusion/update`` on the same host and port as the app (so it works behind the same proxy);
the handler finds the chart by its token and answers with ``ChartState.update`` in a worker
thread. The token is a random secret created per chart and per session and known only to that
session's browser, so one session can never read or change another's chart.

Streamlit (1.5x and later, on Starlette) has no public hook to add a route to ``streamlit run``'s
server, so the route is inserted into the running Starlette app's router once, the first time a
chart is drawn. Requests that do not name a live chart, are too large, or are not valid JSON get
a 4xx and change nothing.
"""

from __future__ import annotations

import gc
import json
import logging
import secrets
import threading
import weakref
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from vegafusion_core.errors import VegaFusionError
from vegafusion_core.runtime import ChartState, new_chart_state
from vegafusion_core.runtime.protocol import answer_update, disable_nagle, prepare_page

ROUTE = "/_vegafusion/update"
MAX_BODY_BYTES = 4 * 1024 * 1024
_LOGGER = logging.getLogger(__name__)


@dataclass(eq=False)
class ChartEntry:
    """One chart of one session: its server state and the secret its browser uses."""

    state: ChartState
    tz: str
    build: dict[str, Any]  # what new_chart_state was given, to re-plan for another zone
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_seq: int = 0

    def handle(self, message: Any) -> dict[str, Any]:
        """Answer one client message (see frontend/src/core/types.ts)."""
        if not isinstance(message, dict):
            return {"type": "error", "message": "a message must be an object"}
        kind = message.get("type")
        if kind == "hello":
            return self._hello(message.get("tz"))
        if kind == "update":
            with self.lock:
                reply, self.last_seq = answer_update(self.state, message, self.last_seq)
            return reply
        return {"type": "error", "message": f"unknown message type {kind!r}"}

    def _hello(self, tz: Any) -> dict[str, Any]:
        """Re-plan if the browser's zone differs from the one the chart was planned in."""
        try:
            return self._replan_for(tz)
        finally:
            prepare_page(self.state)

    def _replan_for(self, tz: Any) -> dict[str, Any]:
        if not isinstance(tz, str) or not tz or tz == self.tz:
            return {"type": "ok"}
        if not _is_zone(tz):
            return {"type": "error", "message": f"unknown time zone {tz[:64]!r}"}
        try:
            state = new_chart_state(self.build["spec"], local_tz=tz,
                                    inline_datasets=self.build["datasets"],
                                    row_limit=self.build["row_limit"])
        except VegaFusionError as err:
            return {"type": "error", "message": f"time zone {tz!r}: {err}"}
        with self.lock:
            self.state, self.tz = state, tz
        return {"type": "reset", "clientSpec": state.get_client_spec(),
                "commPlan": state.get_comm_plan()}


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


# token -> entry; the session's state holds the entry, so a closed session's charts disappear.
_charts: "weakref.WeakValueDictionary[str, ChartEntry]" = weakref.WeakValueDictionary()
_install_lock = threading.Lock()
_installed_apps: "weakref.WeakSet[Any]" = weakref.WeakSet()


def register(entry: ChartEntry) -> None:
    _charts[entry.token] = entry


def lookup(token: Any) -> ChartEntry | None:
    return _charts.get(token) if isinstance(token, str) else None


def answer(body: bytes) -> tuple[int, dict[str, Any]]:
    """HTTP status and JSON answer for one request body."""
    if len(body) > MAX_BODY_BYTES:
        return 413, {"type": "error", "message": "request too large"}
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 400, {"type": "error", "message": "request is not valid JSON"}
    if not isinstance(request, dict):
        return 400, {"type": "error", "message": "request must be {token, message}"}
    entry = lookup(request.get("token"))
    if entry is None:
        return 404, {"type": "error", "message": "no such chart (the session may have ended)"}
    try:
        return 200, entry.handle(request.get("message"))
    except Exception as err:  # a bug must not take the server down; the state is unchanged
        _LOGGER.exception("vegafusion update failed")
        return 500, {"type": "error", "message": f"internal error: {type(err).__name__}"}


async def _endpoint(request: Any) -> Any:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    body = await request.body()
    status, payload = await run_in_threadpool(answer, body)
    return JSONResponse(payload, status_code=status)


def route_path() -> str:
    """The route as the browser must call it, under Streamlit's server.baseUrlPath."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{ROUTE}" if base else ROUTE


def ensure_route() -> bool:
    """Insert the route into the running Streamlit server (once). False if there is none."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    with _install_lock:
        if len(_installed_apps):
            return True
        heap = gc.get_objects()  # a full heap walk: done once per process
        apps = [obj for obj in heap if isinstance(obj, Starlette)]
        if not apps:
            return False
        for app in apps:
            # First in the list: Streamlit's catch-all static route would otherwise answer it.
            app.router.routes.insert(0, Route(route_path(), _endpoint, methods=["POST"]))
            _installed_apps.add(app)
        _disable_nagle(heap)
        return True


def _disable_nagle(heap: list[Any]) -> None:
    """Turn Nagle's algorithm off on the server's listening sockets (accepted connections inherit
    it on Linux) and on the connections already open.

    Streamlit creates its listening socket without naming the protocol, so asyncio does not set
    TCP_NODELAY on the connections (it checks ``sock.proto == IPPROTO_TCP``), and uvicorn writes
    a response's headers and body in two sends: on a kept-alive connection the body then waits
    for the browser's delayed ACK of the headers (measured here: 68 ms per request from the
    browser for 21 ms of work; 27 ms after this). The route has no handle on its connection's
    socket, hence the heap walk, done once with the route's.
    """
    import asyncio

    from streamlit import config

    port = config.get_option("server.port")
    for obj in heap:
        sockets = []
        if isinstance(obj, asyncio.base_events.Server):
            sockets = obj.sockets
        elif isinstance(obj, asyncio.Transport):
            sockets = [obj.get_extra_info("socket")]
        for sock in sockets:
            try:
                if sock is not None and sock.getsockname()[1] == port:
                    disable_nagle(sock)
            except (OSError, IndexError, TypeError):  # closed meanwhile, or not an IP socket
                continue
