"""Server side of the Dash host: planned charts, and one ChartState per (chart, browser session).

A Dash layout is usually built once and served to every browser, so the component does not own
a ChartState: it names a ``ChartDefinition`` (the spec, its datasets, a template state planned
once for the initial props) by key. Each mounted chart in a browser picks a random session id and
says ``hello`` with its time zone; that creates the session's own ChartState (planning again
is cheap: results are cached by fingerprint across states). Updates are then applied in order to
that state only, so one browser's brush never moves another's chart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping

from vegafusion_core.errors import VegaFusionError
from vegafusion_core.runtime import ChartState, new_chart_state
from vegafusion_core.runtime.protocol import answer_update, prepare_page
from vegafusion_core.runtime.selections import SelectionKind, selection_params
from vegafusion_core.spec.normalize import to_vega

MAX_DEFINITIONS = 64
MAX_SESSIONS = 512
_LOGGER = logging.getLogger(__name__)


@dataclass(eq=False)
class ChartDefinition:
    """A chart as the app wrote it, planned once in the server's zone for the initial props."""

    key: str
    spec: dict[str, Any]
    datasets: dict[str, Any]
    row_limit: int | None
    tz: str
    template: ChartState
    _template_claimed: bool = False
    _claim_lock: threading.Lock = field(default_factory=threading.Lock)

    def claim_template(self) -> ChartState | None:
        """The template state, to the first session that asks (planning again costs seconds
        on a big spec); every later session plans its own."""
        with self._claim_lock:
            if self._template_claimed:
                return None
            self._template_claimed = True
            return self.template

    @property
    def selection_params(self) -> dict[str, SelectionKind]:
        return selection_params(self.template.get_client_spec())

    def new_state(self, tz: str) -> ChartState:
        return new_chart_state(self.spec, local_tz=tz, inline_datasets=self.datasets,
                               row_limit=self.row_limit)


@dataclass(eq=False)
class Session:
    """One chart in one browser: its own state, the zone it was planned in, the newest seq."""

    state: ChartState
    tz: str
    last_seq: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_definitions: "OrderedDict[str, ChartDefinition]" = OrderedDict()
_sessions: "OrderedDict[tuple[str, str], Session]" = OrderedDict()
_registry_lock = threading.Lock()


def _fingerprint(vega: Mapping[str, Any], datasets: Mapping[str, Any], tz: str,
                 row_limit: int | None) -> str:
    """The spec, the dataset objects (by identity: hashing 1M rows per layout would cost more
    than planning), the zone and the row limit."""
    digest = hashlib.sha256(json.dumps(vega, sort_keys=True, default=str).encode())
    digest.update(repr(sorted((k, id(v)) for k, v in datasets.items())).encode())
    digest.update(f"{tz}|{row_limit}".encode())
    return digest.hexdigest()[:24]


def define_chart(chart: Any, datasets: Mapping[str, Any] | None, tz: str,
                 row_limit: int | None) -> ChartDefinition:
    """Plan ``chart`` (once per spec, datasets, zone and limit) and keep it for its sessions."""
    vega, frames = to_vega(chart)
    inline = {**frames, **(datasets or {})}
    key = _fingerprint(vega, inline, tz, row_limit)
    with _registry_lock:
        found = _definitions.get(key)
        if found is not None:
            _definitions.move_to_end(key)
            return found
    template = new_chart_state(vega, local_tz=tz, inline_datasets=inline, row_limit=row_limit)
    definition = ChartDefinition(key, vega, inline, row_limit, tz, template)
    with _registry_lock:
        _definitions[key] = definition
        while len(_definitions) > MAX_DEFINITIONS:
            _definitions.popitem(last=False)
    return definition


def lookup_definition(key: Any) -> ChartDefinition | None:
    with _registry_lock:
        return _definitions.get(key) if isinstance(key, str) else None


def _store_session(key: tuple[str, str], session: Session) -> None:
    with _registry_lock:
        _sessions[key] = session
        _sessions.move_to_end(key)
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)


def _get_session(key: tuple[str, str]) -> Session | None:
    with _registry_lock:
        session = _sessions.get(key)
        if session is not None:
            _sessions.move_to_end(key)
        return session


def _reset(state: ChartState) -> dict[str, Any]:
    return {"type": "reset", "clientSpec": state.get_client_spec(),
            "commPlan": state.get_comm_plan()}


def _hello(definition: ChartDefinition, session_id: str, tz: Any) -> dict[str, Any]:
    """Start the session's own state, in the browser's zone; re-draw only if the plan differs."""
    zone = tz if isinstance(tz, str) and tz else definition.tz
    try:
        claimed = definition.claim_template() if zone == definition.tz else None
        state = claimed or definition.new_state(zone)
    except VegaFusionError as err:
        return {"type": "error", "message": f"time zone {zone!r}: {err}"}
    _store_session((definition.key, session_id), Session(state, zone))
    prepare_page(state)
    same = (zone == definition.tz
            or (state.get_client_spec() == definition.template.get_client_spec()
                and state.get_comm_plan() == definition.template.get_comm_plan()))
    return {"type": "ok"} if same else _reset(state)


def _update(definition: ChartDefinition, session_id: str, message: dict[str, Any]
            ) -> dict[str, Any]:
    session = _get_session((definition.key, session_id))
    if session is None:
        # Evicted or never greeted: its earlier inputs are gone, so start the browser afresh.
        state = definition.new_state(definition.tz)
        _store_session((definition.key, session_id), Session(state, definition.tz))
        return _reset(state)
    with session.lock:
        reply, session.last_seq = answer_update(session.state, message, session.last_seq)
    return reply


def answer(definition: ChartDefinition, session_id: Any, message: Any) -> dict[str, Any]:
    """Answer one client message (see frontend/src/core/types.ts); never raises."""
    if not isinstance(session_id, str) or not 8 <= len(session_id) <= 128:
        return {"type": "error", "message": "a message needs a session id"}
    if not isinstance(message, dict):
        return {"type": "error", "message": "a message must be an object"}
    try:
        kind = message.get("type")
        if kind == "hello":
            return _hello(definition, session_id, message.get("tz"))
        if kind == "update":
            return _update(definition, session_id, message)
        return {"type": "error", "message": f"unknown message type {kind!r}"}
    except Exception as err:  # a bug must not take the app down; the state is unchanged
        _LOGGER.exception("vegafusion update failed")
        return {"type": "error", "seq": message.get("seq"),
                "message": f"internal error: {type(err).__name__}"}
