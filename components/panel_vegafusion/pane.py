"""``VegaFusionPane``: a Panel ESM component (JSComponent) drawing a chart planned on the server.

The data never leaves the server: the pane's parameters carry the client spec and the comm plan;
interaction updates travel as custom messages over Panel's websocket (``model.send_msg`` in the
browser, ``_handle_msg`` here, ``_send_msg`` back), with datasets as Arrow IPC bytes where their
values allow it. Every browser view of the pane has its own ChartState (keyed by the view's
random client id), created when the view says ``hello`` with its time zone. Queries run on a
worker thread, one at a time per pane and in arrival order, so the server's event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping

import param
import pyarrow as pa
from panel.config import config
from panel.custom import JSComponent
from panel.io.state import state as pn_state

from vegafusion_core.errors import SpecError, VegaFusionError
from vegafusion_core.runtime import ChartState, _local_tz, new_chart_state
from vegafusion_core.runtime.protocol import answer_update, disable_nagle, prepare_page
from vegafusion_core.runtime.selections import selection_params, selections_from_stores
from vegafusion_core.spec.normalize import to_vega

BUNDLE = Path(__file__).parent / "static" / "panel.js"
MAX_VIEWS = 64
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vegafusion-panel")
_LOGGER = logging.getLogger(__name__)


def dataset_value(rows: Any) -> Any:
    """Arrow IPC bytes for rows whose columns are all numbers, strings or booleans (with nulls)
    and whose rows share one set of keys; the rows themselves otherwise (a missing key and a
    nested value have no exact Arrow form that the browser would read back the same)."""
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return rows
    keys = list(rows[0])
    if any(list(r) != keys for r in rows):
        return rows
    columns = {}
    for key in keys:
        column = _arrow_column([r[key] for r in rows])
        if column is None:
            return rows
        columns[key] = column
    sink = pa.BufferOutputStream()
    table = pa.table(columns)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _arrow_column(values: list[Any]) -> pa.Array | None:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.array(values, type=pa.null())
    if kinds == {bool}:
        return pa.array(values, type=pa.bool_())
    if kinds <= {int, float}:  # JS numbers are doubles; ints beyond 2**53 round as in JSON
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if kinds == {str}:
        return pa.array(values, type=pa.string())
    return None


def _encode_updates(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**u, "value": dataset_value(u["value"])} if u.get("namespace") == "data" else u
            for u in updates]


def _answer_without_delay() -> None:
    """Nagle off on the websockets of the current Bokeh session: Bokeh sends a message as several
    frames (header, metadata, content, buffers), each of which would otherwise wait for the
    browser's delayed ACK of the one before."""
    session = getattr(getattr(pn_state.curdoc, "session_context", None), "_session", None)
    for connection in getattr(session, "_subscribed_connections", ()):
        stream = getattr(getattr(getattr(connection, "_socket", None), "ws_connection", None),
                         "stream", None)
        socket = getattr(stream, "socket", None)
        if socket is not None:
            disable_nagle(socket)


class VegaFusionPane(JSComponent):
    """A Vega, Vega-Lite or Altair chart whose data work runs on the server (DuckDB).

    ``selections`` has the shape of ``st.altair_chart``'s selection state and works with
    ``pn.bind`` and ``.param.watch``. ``theme=None`` follows Panel's theme (``pn.config.theme``).
    """

    spec = param.Dict(default={}, constant=True, doc="The client spec (planned on the server).")
    comm_plan = param.Dict(default={}, constant=True, doc="Variables exchanged with the server.")
    selection_stores = param.List(default=[], constant=True)
    debounce = param.Integer(default=10, bounds=(0, None),
                             doc="Quiet time (ms) before the browser sends a change.")
    max_wait = param.Integer(default=None, allow_None=True, bounds=(0, None),
                             doc="Longest wait (ms) while changes keep coming.")
    theme = param.Selector(default=None, objects=[None, "light", "dark"],
                           doc="Chart theme; None follows Panel's theme.")
    chart_width = param.Integer(default=None, allow_None=True)
    chart_height = param.Integer(default=None, allow_None=True)
    selections = param.Dict(default={"selection": {}}, constant=True,
                            doc="Selections read from the chart, as st.altair_chart reports them.")

    _property_mapping = {"selections": None}  # Python-only: the browser sends stores instead
    _esm = BUNDLE
    _bundle = BUNDLE

    def __init__(self, chart: Any = None, *, datasets: Mapping[str, Any] | None = None,
                 local_tz: str | None = None, row_limit: int | None = None,
                 **params: Any) -> None:
        if chart is None:
            raise ValueError("VegaFusionPane needs a chart (Altair chart, Vega-Lite or Vega dict)")
        if not BUNDLE.is_file():
            raise RuntimeError(f"{BUNDLE} is missing: build it with `npm ci && npm run build` "
                               "in frontend/")
        vega, frames = to_vega(chart)
        self._build = {"spec": vega, "datasets": {**frames, **(datasets or {})},
                       "row_limit": row_limit}
        self._tz = local_tz or _local_tz()
        template = self._new_state(self._tz)
        self._params_kinds = selection_params(template.get_client_spec())
        if params.get("theme") is None:
            params["theme"] = "dark" if config.theme == "dark" else "light"
        super().__init__(
            spec=template.get_client_spec(), comm_plan=template.get_comm_plan(),
            selection_stores=[{"namespace": "data", "name": f"{name}_store", "scope": []}
                              for name in self._params_kinds],
            selections=selections_from_stores(self._params_kinds, {}), **params)
        self._template = template
        self._template_claimed = False
        self._views: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._order_lock: asyncio.Lock | None = None

    def _new_state(self, tz: str) -> ChartState:
        return new_chart_state(self._build["spec"], local_tz=tz,
                               inline_datasets=self._build["datasets"],
                               row_limit=self._build["row_limit"])

    def _claim_template(self, zone: str) -> ChartState | None:
        """The state planned for the initial parameters, to the first view in its zone (planning
        again costs seconds on a big spec); every later view plans its own."""
        if zone != self._tz or self._template_claimed:
            return None
        self._template_claimed = True
        return self._template

    # -- messages from the browser ---------------------------------------------------------------
    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("client"), str):
            return  # not from our front end: nobody to answer
        client, message = data["client"], data.get("message")
        if isinstance(message, dict) and message.get("type") == "hello":
            _answer_without_delay()
        if isinstance(message, dict) and message.get("type") == "selection":
            self._reply(client, self._set_selections(message.get("stores")))
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop (e.g. a test calling in directly): answer inline
            self._reply(client, self.answer(client, message))
            return
        asyncio.ensure_future(self._answer_in_order(client, message))

    async def _answer_in_order(self, client: str, message: Any) -> None:
        if self._order_lock is None:
            self._order_lock = asyncio.Lock()
        async with self._order_lock:  # FIFO: updates reach the state in the order they came
            loop = asyncio.get_running_loop()
            reply = await loop.run_in_executor(_POOL, self.answer, client, message)
        self._reply(client, reply)

    def _reply(self, client: str, message: dict[str, Any] | None) -> None:
        if message is not None:
            self._send_msg({"client": client, "message": message})

    def _set_selections(self, stores: Any) -> dict[str, Any] | None:
        try:
            value = selections_from_stores(self._params_kinds, stores)
        except SpecError as err:
            return {"type": "error", "message": str(err)}
        if value != self.selections:
            with param.edit_constant(self):
                self.selections = value
        return None

    def answer(self, client: str, message: Any) -> dict[str, Any]:
        """The answer to one client message (see frontend/src/core/types.ts); never raises."""
        if not isinstance(message, dict):
            return {"type": "error", "message": "a message must be an object"}
        try:
            kind = message.get("type")
            if kind == "hello":
                return self._hello(client, message.get("tz"))
            if kind == "update":
                return self._update(client, message)
            return {"type": "error", "message": f"unknown message type {kind!r}"}
        except Exception as err:  # a bug must not take the session down; the state is unchanged
            _LOGGER.exception("vegafusion update failed")
            return {"type": "error", "seq": message.get("seq"),
                    "message": f"internal error: {type(err).__name__}"}

    def _hello(self, client: str, tz: Any) -> dict[str, Any]:
        zone = tz if isinstance(tz, str) and tz else self._tz
        try:
            state = self._claim_template(zone) or self._new_state(zone)
        except VegaFusionError as err:
            return {"type": "error", "message": f"time zone {zone!r}: {err}"}
        self._views[client] = {"state": state, "last_seq": 0}
        prepare_page(state)
        while len(self._views) > MAX_VIEWS:
            self._views.popitem(last=False)
        if zone == self._tz or (state.get_client_spec() == self._template.get_client_spec()
                                and state.get_comm_plan() == self._template.get_comm_plan()):
            return {"type": "ok"}
        return {"type": "reset", "clientSpec": state.get_client_spec(),
                "commPlan": state.get_comm_plan()}

    def _update(self, client: str, message: dict[str, Any]) -> dict[str, Any]:
        view = self._views.get(client)
        if view is None:
            return {"type": "error", "seq": message.get("seq"), "message": "say hello first"}
        reply, view["last_seq"] = answer_update(view["state"], message, view["last_seq"])
        if reply["type"] == "update":
            reply["updates"] = _encode_updates(reply["updates"])
        return reply
