"""The ``VegaFusionChart`` Dash component and the callback that answers its browser.

The data never goes into props: the chart is planned on the server, and the props carry only the
client spec (with the values the browser draws), the comm plan and the messages. The browser
sets ``clientMessage``; the package's own callback answers in ``serverMessage`` (and computes
``selections`` from the selection stores the browser reports), using the ChartState of that
chart in that browser session (see sessions.py).
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

import dash
from dash import Input, Output, no_update
from dash._utils import stringify_id
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from vegafusion_core.errors import SpecError
from vegafusion_core.runtime import _local_tz
from vegafusion_core.runtime.protocol import disable_nagle
from vegafusion_core.runtime.selections import selections_from_stores

from .sessions import ChartDefinition, answer, define_chart, lookup_definition

NAMESPACE = "dash_vegafusion"
_registered_ids: set[str] = set()
_register_lock = threading.Lock()

_PROPS = ["id", "spec", "commPlan", "chartKey", "debounce", "maxWait", "theme", "width",
          "height", "selectionStores", "selections", "clientMessage", "serverMessage", "style",
          "className"]


class VegaFusionChart(Component):
    """A Vega, Vega-Lite or Altair chart whose data work runs on the server (DuckDB).

        VegaFusionChart(id="flights", chart=altair_chart, datasets={"flights": table})

    ``datasets`` names DataFrames/Arrow tables/DuckDB relations used as ``table://name``.
    ``selections`` (read-only, usable as a callback Input) has the shape of
    ``st.altair_chart``'s: ``{"selection": {"brush": {"distance": [lo, hi]}, "pick": [...]}}``.
    ``debounce`` is the quiet time (ms) before the browser sends a change; ``local_tz`` the zone
    the initial props are planned in (each browser re-plans in its own zone if it differs).
    """

    _namespace = NAMESPACE
    _type = "VegaFusionChart"
    _prop_names = _PROPS
    _valid_wildcard_attributes: list[str] = []
    available_properties = _PROPS
    available_wildcard_properties: list[str] = []
    _base_nodes = ["children"]
    _children_props: list[str] = []

    def __init__(self, chart: Any = None, datasets: Mapping[str, Any] | None = None, *,
                 id: str | dict[str, Any] | None = None, debounce: int = 10,
                 max_wait: int | None = None, theme: str | None = None,
                 width: int | None = None, height: int | None = None,
                 row_limit: int | None = None, local_tz: str | None = None,
                 style: dict[str, Any] | None = None, className: str | None = None,
                 **props: Any) -> None:
        if id is None:
            raise ValueError("VegaFusionChart needs an id (its callback is registered by id)")
        if theme not in (None, "light", "dark"):
            raise ValueError(f"theme must be None, 'light' or 'dark', not {theme!r}")
        if chart is not None:
            definition = define_chart(chart, datasets, local_tz or _local_tz(), row_limit)
            props.update(_initial_props(definition))
        elif "spec" not in props:
            raise ValueError("VegaFusionChart needs a chart (Altair chart, Vega-Lite or Vega dict)")
        optional = {"maxWait": max_wait, "theme": theme, "width": width, "height": height,
                    "style": style, "className": className}
        props.update({k: v for k, v in optional.items() if v is not None})
        super().__init__(id=id, debounce=debounce, **props)
        _ensure_callback(id)


def _initial_props(definition: ChartDefinition) -> dict[str, Any]:
    params = definition.selection_params
    return {
        "spec": definition.template.get_client_spec(),
        "commPlan": definition.template.get_comm_plan(),
        "chartKey": definition.key,
        "selectionStores": [{"namespace": "data", "name": f"{name}_store", "scope": []}
                            for name in params],
        "selections": selections_from_stores(params, {}),
    }


def _on_client_message(envelope: Any) -> tuple[Any, Any]:
    """``(serverMessage, selections)`` for one ``clientMessage`` envelope {n, chart, session,
    message}; a selection report answers ``ok`` so the browser's queue moves on."""
    if not isinstance(envelope, dict):
        raise PreventUpdate
    _answer_without_delay()
    n = envelope.get("n")
    definition = lookup_definition(envelope.get("chart"))
    if definition is None:
        gone = {"type": "error", "message": "this chart is gone from the server: reload the page"}
        return {"n": n, "message": gone}, no_update
    message = envelope.get("message")
    if isinstance(message, dict) and message.get("type") == "selection":
        try:
            selections = selections_from_stores(definition.selection_params, message.get("stores"))
        except SpecError as err:
            return {"n": n, "message": {"type": "error", "message": str(err)}}, no_update
        return {"n": n, "message": {"type": "ok"}}, selections
    return {"n": n, "message": answer(definition, envelope.get("session"), message)}, no_update


def _answer_without_delay() -> None:
    """Nagle off on this request's connection (werkzeug's server writes headers and body apart,
    so the body would wait for the browser's delayed ACK); other WSGI servers expose no socket."""
    try:
        from flask import request

        sock = request.environ.get("werkzeug.socket")
    except RuntimeError:  # outside a request (a test calling in directly)
        return
    if sock is not None:
        disable_nagle(sock)


def _running_app() -> dash.Dash | None:
    """The app, if it has already merged the global callbacks (its first request is served)."""
    try:
        app = dash.get_app()
    except Exception:  # no app created yet: the global callback list is the right place
        return None
    started = getattr(app, "_got_first_request", {}).get("setup_server", False)
    return app if started else None


def _ensure_callback(component_id: str | dict[str, Any]) -> None:
    """Register the component's callback once per id (a layout may be rebuilt per request)."""
    key = stringify_id(component_id)
    with _register_lock:
        if key in _registered_ids:
            return
        _registered_ids.add(key)
    app = _running_app()
    register = app.callback if app is not None else dash.callback
    register(Output(component_id, "serverMessage"), Output(component_id, "selections"),
             Input(component_id, "clientMessage"), prevent_initial_call=True)(_on_client_message)
