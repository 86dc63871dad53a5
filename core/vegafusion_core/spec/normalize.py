"""Any chart input (Vega dict, Vega-Lite dict, Altair chart) turned into a Vega dict.

DataFrames inside an Altair chart never become JSON: a data transformer replaces each one by a
``vegafusion+dataset://NAME`` URL and hands the frame back as an inline dataset.
"""

from __future__ import annotations

import copy
import json
from contextvars import ContextVar
from typing import Any, Mapping

from ..errors import SpecError

_VEGA_LITE_KEYS = {"mark", "layer", "hconcat", "vconcat", "concat", "facet", "repeat", "spec"}
DATASET_URL_PREFIXES = ("vegafusion+dataset://", "table://")


def is_vega_lite(spec: Mapping[str, Any]) -> bool:
    schema = str(spec.get("$schema", ""))
    if "vega-lite" in schema:
        return True
    if "/vega/" in schema:
        return False
    return bool(_VEGA_LITE_KEYS & set(spec))


def vega_lite_to_vega(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Compile Vega-Lite with vl-convert (the same compiler Altair uses)."""
    try:
        import vl_convert
    except ImportError as err:  # pragma: no cover - vl-convert is a dependency
        raise SpecError("compiling Vega-Lite needs the vl-convert-python package") from err
    try:
        return vl_convert.vegalite_to_vega(dict(spec))
    except Exception as err:  # vl-convert raises plain ValueErrors with the compiler's message
        raise SpecError(f"invalid Vega-Lite spec: {err}") from err


_TRANSFORMER = "vegafusion_suite"
_frames: ContextVar[dict[str, Any]] = ContextVar("vegafusion_suite_frames")


def _frame_to_dataset_url(data: Any) -> Any:
    """Altair data transformer: keep URLs and inline values, turn a frame into a dataset URL."""
    if data is None or isinstance(data, (dict, str)):
        return data
    frames = _frames.get()
    name = f"df_{len(frames)}"
    frames[name] = data
    return {"url": f"vegafusion+dataset://{name}"}


def _altair_to_vega_lite(chart: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Serialise an Altair chart, swapping every DataFrame for a dataset URL."""
    import altair as alt

    if _TRANSFORMER not in alt.data_transformers.names():
        alt.data_transformers.register(_TRANSFORMER, _frame_to_dataset_url)
    frames: dict[str, Any] = {}
    token = _frames.set(frames)
    try:
        with alt.data_transformers.enable(_TRANSFORMER):
            spec = chart.to_dict(validate=False)
    finally:
        _frames.reset(token)
    return spec, frames


def to_vega(chart: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(vega_spec, datasets)``: the chart as a Vega dict, and the frames it carried."""
    if hasattr(chart, "to_dict") and type(chart).__module__.startswith("altair"):
        vl_spec, frames = _altair_to_vega_lite(chart)
        return vega_lite_to_vega(vl_spec), frames
    if isinstance(chart, str):
        try:
            chart = json.loads(chart)
        except json.JSONDecodeError as err:
            raise SpecError(f"spec is not valid JSON: {err}") from err
    if not isinstance(chart, Mapping):
        raise SpecError(f"a spec must be a dict, a JSON string or an Altair chart, "
                        f"not {type(chart).__name__}")
    if is_vega_lite(chart):
        return vega_lite_to_vega(chart), {}
    return copy.deepcopy(dict(chart)), {}


def dataset_name_from_url(url: Any) -> str | None:
    """``"table://flights"`` -> ``"flights"``; None for any other URL."""
    if isinstance(url, str):
        for prefix in DATASET_URL_PREFIXES:
            if url.startswith(prefix):
                return url[len(prefix):]
    return None
