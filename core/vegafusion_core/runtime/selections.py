"""Selections of a Vega-Lite chart, read from its ``<param>_store`` datasets.

The result has the shape of ``st.altair_chart``'s selection state, so that apps can switch:
``{"selection": {name: value}}`` where a point selection's value is a list of ``{field: value}``
dicts (one per selected point) and an interval's is ``{field: [lo, hi]}``; an empty selection is
``[]`` (point) or ``{}`` (interval).

Vega-Lite stores a selection as tuples ``{unit, fields: [{field, channel?, type}], values: [...]}``
where ``type`` is ``"E"`` (one value), ``"R"`` (an interval [lo, hi]) or ``"R-E"``/``"R-LE"``/
``"R-RE"`` (a binned value given as its bin's [start, end]).
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from ..errors import SpecError

SelectionKind = Literal["point", "interval"]
STORE_SUFFIX = "_store"


def selection_params(vega_spec: Mapping[str, Any]) -> dict[str, SelectionKind]:
    """Selection parameters of a Vega spec compiled from Vega-Lite, with their kind.

    A selection ``p`` compiles to a root dataset ``p_store`` and a signal ``p_tuple``; only a
    point selection has ``p_toggle``, only an interval has ``p_translate_anchor`` or per-channel
    signals. Signals may sit in any group of the spec, so all of them are looked at.
    """
    stores = [d["name"][: -len(STORE_SUFFIX)] for d in vega_spec.get("data", [])
              if isinstance(d, Mapping) and str(d.get("name", "")).endswith(STORE_SUFFIX)]
    signals = _all_signal_names(vega_spec)
    params: dict[str, SelectionKind] = {}
    for name in stores:
        if f"{name}_toggle" in signals:
            params[name] = "point"
        elif f"{name}_tuple" in signals or f"{name}_translate_anchor" in signals:
            params[name] = "interval"
    return params


def _all_signal_names(spec: Mapping[str, Any]) -> set[str]:
    names = {s.get("name") for s in spec.get("signals", []) if isinstance(s, Mapping)}
    for mark in spec.get("marks", []) or []:
        if isinstance(mark, Mapping) and mark.get("type") == "group":
            names |= _all_signal_names(mark)
    return names


def _point(tuples: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    points = []
    for tup in tuples:
        fields = tup.get("fields") or []
        values = tup.get("values") or []
        # A binned field's value is its bin's [start, end], reported as given (as Streamlit does).
        points.append({str(f.get("field")): v for f, v in zip(fields, values)})
    return points


def _interval(tuples: list[Mapping[str, Any]]) -> dict[str, Any]:
    # An interval selection keeps one tuple (the brush); several units could each have one.
    out: dict[str, Any] = {}
    for tup in tuples:
        for f, v in zip(tup.get("fields") or [], tup.get("values") or []):
            out[str(f.get("field"))] = list(v) if isinstance(v, (list, tuple)) else v
    return out


def selections_from_stores(params: Mapping[str, SelectionKind],
                           stores: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{"selection": {name: value}}`` from store datasets (keyed ``name`` or ``name_store``)."""
    stores = stores or {}
    selection: dict[str, Any] = {}
    for name, kind in params.items():
        rows = stores.get(f"{name}{STORE_SUFFIX}", stores.get(name)) or []
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            raise SpecError(f"selection store {name!r} must be a list of tuples")
        selection[name] = _point(rows) if kind == "point" else _interval(rows)
    return {"selection": selection}
