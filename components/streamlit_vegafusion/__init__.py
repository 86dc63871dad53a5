"""Streamlit component: Vega, Vega-Lite and Altair charts whose data work runs on the server.

    import streamlit_vegafusion  # registers st.vegafusion_chart
    event = st.vegafusion_chart(chart, on_select="rerun", key="flights")
    event["selection"]  # as st.altair_chart: {"brush": {"distance": [lo, hi]}, ...}

The chart is planned once per session (and per spec) with ``vegafusion_core``; the browser gets
the client spec and only the data it draws. Interactions are answered on a side channel of
Streamlit's own server (see channel.py) without rerunning the script; a selection change reruns it
only if ``on_select`` asks for it, as with ``st.altair_chart``.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Sequence

import streamlit as st

from vegafusion_core.runtime import new_chart_state
from vegafusion_core.runtime.selections import selection_params, selections_from_stores
from vegafusion_core.spec.normalize import _altair_to_vega_lite, to_vega, vega_lite_to_vega

from . import channel

__all__ = ["vegafusion_chart"]

PACKAGE = "streamlit_vegafusion"
COMPONENT = f"{PACKAGE}.chart"
STATIC = Path(__file__).parent / "static"
BUNDLE = "streamlit.js"
_SESSION_KEY = "_vegafusion_charts"
_MAX_CHARTS_PER_SESSION = 32


def _ensure_assets_registered() -> None:
    """Serve static/ as the component's asset dir (the bundle is fetched once, then cached).

    Done in code rather than by a ``[tool.streamlit.component]`` manifest so it also works from a
    source checkout; the bundle is built by ``npm run build`` in frontend/.
    """
    from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager
    from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

    if not (STATIC / BUNDLE).is_file():
        raise RuntimeError(f"{STATIC / BUNDLE} is missing: build it with `npm ci && npm run build` "
                           "in frontend/ (`make setup` does this)")
    manager = get_bidi_component_manager()
    if manager.get_component_asset_root(COMPONENT) is None:
        manager.register_from_manifest(
            ComponentManifest(name=PACKAGE, version="0.1.0",
                              components=[ComponentConfig(name="chart", asset_dir="static")]),
            Path(__file__).parent)


def _component() -> Any:
    _ensure_assets_registered()
    return st.components.v2.component(COMPONENT, js=BUNDLE)


def _fingerprint(vega: Mapping[str, Any], datasets: Mapping[str, Any], tz: str,
                 row_limit: int | None) -> str:
    """Identity of a planned chart: the spec, the dataset objects, the zone and the row limit.

    Datasets count by object identity (hashing a million rows on every rerun would cost more than
    planning); cache the data with st.cache_data/st.cache_resource to keep the chart's state.
    """
    digest = hashlib.sha256(json.dumps(vega, sort_keys=True, default=str).encode())
    digest.update(repr(sorted((k, id(v)) for k, v in datasets.items())).encode())
    digest.update(f"{tz}|{row_limit}".encode())
    return digest.hexdigest()[:20]


_VEGA_CACHE: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
_VEGA_CACHE_SIZE = 64


def _vega_of(chart: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``to_vega(chart)``, remembering the Vega-Lite -> Vega step (about 0.1 s for a concat
    chart), which every rerun would otherwise repeat for an unchanged chart."""
    if not (hasattr(chart, "to_dict") and type(chart).__module__.startswith("altair")):
        return to_vega(chart)
    vega_lite, frames = _altair_to_vega_lite(chart)
    text = json.dumps(vega_lite, sort_keys=True, default=str)
    vega = _VEGA_CACHE.get(text)
    if vega is None:
        vega = vega_lite_to_vega(vega_lite)
        _VEGA_CACHE[text] = vega
        while len(_VEGA_CACHE) > _VEGA_CACHE_SIZE:
            _VEGA_CACHE.popitem(last=False)
    _VEGA_CACHE.move_to_end(text)
    return json.loads(json.dumps(vega)), frames


def _session_charts() -> "OrderedDict[str, channel.ChartEntry]":
    charts = st.session_state.get(_SESSION_KEY)
    if charts is None:
        charts = OrderedDict()
        st.session_state[_SESSION_KEY] = charts
    return charts


def _chart_entry(chart: Any, datasets: Mapping[str, Any] | None, tz: str,
                 row_limit: int | None, key: str | None) -> channel.ChartEntry:
    vega, frames = _vega_of(chart)
    inline = {**frames, **(datasets or {})}
    slot = f"{key}:{_fingerprint(vega, inline, tz, row_limit)}"
    charts = _session_charts()
    entry = charts.get(slot)
    if entry is None:
        state = new_chart_state(vega, local_tz=tz, inline_datasets=inline, row_limit=row_limit)
        entry = channel.ChartEntry(state=state, tz=tz, build={
            "spec": vega, "datasets": inline, "row_limit": row_limit})
        # A keyed chart whose spec changed replaces its previous state.
        for old in [s for s in charts if key is not None and s.split(":", 1)[0] == str(key)]:
            del charts[old]
        charts[slot] = entry
        while len(charts) > _MAX_CHARTS_PER_SESSION:
            charts.popitem(last=False)
    charts.move_to_end(slot)
    channel.register(entry)
    return entry


def vegafusion_chart(chart: Any, *, datasets: Mapping[str, Any] | None = None,
                     key: str | None = None,
                     on_select: Literal["ignore", "rerun"] | Callable[[], None] = "ignore",
                     selection_mode: str | Sequence[str] | None = None,
                     theme: Literal["streamlit"] | None = "streamlit",
                     width: int | None = None, height: int | None = None,
                     debounce: int = 10, row_limit: int | None = None) -> Any:
    """Draw ``chart`` (Altair chart, Vega-Lite or Vega dict) with its data work done on the server.

    ``datasets`` names DataFrames/Arrow tables/DuckDB relations referenced as ``table://name``.
    With ``on_select="rerun"`` (or a callback) the selections are returned as with
    ``st.altair_chart``: ``{"selection": {name: value}}``; ``selection_mode`` limits them to the
    named parameters. ``debounce`` is the quiet time (ms) before the browser sends a change.
    """
    if on_select not in ("ignore", "rerun") and not callable(on_select):
        raise st.errors.StreamlitAPIException(
            f"on_select must be 'ignore', 'rerun' or a callable, not {on_select!r}")
    if not channel.ensure_route():
        raise RuntimeError("vegafusion_chart needs a running Streamlit server (`streamlit run`)")
    tz = getattr(st.context, "timezone", None) or "UTC"
    entry = _chart_entry(chart, datasets, tz, row_limit, key)
    params = selection_params(entry.state.get_client_spec())
    if selection_mode is not None:
        wanted = [selection_mode] if isinstance(selection_mode, str) else list(selection_mode)
        unknown = [name for name in wanted if name not in params]
        if unknown:
            raise st.errors.StreamlitAPIException(
                f"selection_mode names unknown selections {unknown}; the chart has {list(params)}")
        params = {name: params[name] for name in wanted}
    reporting = on_select != "ignore" and bool(params)
    data = {
        "chartId": entry.token,
        "token": entry.token,
        "endpoint": channel.route_path(),
        "clientSpec": entry.state.get_client_spec(),
        "commPlan": entry.state.get_comm_plan(),
        "debounceMs": debounce,
        # Resolved in the browser: st.context.theme is only known after the first rerun.
        "theme": "streamlit" if theme == "streamlit" else None,
        "width": width,
        "height": height,
        "selectionStores": [{"namespace": "data", "name": f"{name}_store", "scope": []}
                            for name in params] if reporting else [],
    }
    callbacks: dict[str, Any] = {}
    if on_select != "ignore":
        callbacks["on_selection_change"] = on_select if callable(on_select) else (lambda: None)
    result = _component()(key=key, data=data, width="stretch",
                          default={"selection": {}} if callbacks else None, **callbacks)
    if on_select == "ignore":
        return None
    stores = getattr(result, "selection", None) or {}
    return selections_from_stores(params, stores)


st.vegafusion_chart = vegafusion_chart  # type: ignore[attr-defined]
