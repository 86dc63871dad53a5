"""The public API, with the names and arguments of ``vegafusion.runtime`` 2.x.

    from vegafusion_core import runtime
    spec2, warnings = runtime.pre_transform_spec(spec, local_tz="Europe/Paris",
                                                 inline_datasets={"flights": df})
    state = runtime.new_chart_state(spec, local_tz="Europe/Paris", inline_datasets=...)
    server_updates = state.update(client_updates)

``spec`` is a Vega dict, a Vega-Lite dict or an Altair chart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa

from ..errors import SpecError
from ..spec.normalize import to_vega
from ..spec.scopes import Var
from .chart_state import ChartState, RowLimitError
from .evaluation import Inputs

__all__ = ["ChartState", "RowLimitError", "new_chart_state", "pre_transform_spec",
           "pre_transform_datasets", "pre_transform_extract"]


def _local_tz() -> str:
    """The machine's IANA zone name (VegaFusion's default for ``local_tz``), else UTC."""
    if os.environ.get("TZ"):
        return os.environ["TZ"]
    link = Path("/etc/localtime")
    if link.is_symlink():
        target = str(link.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def _vars(items: Iterable[Any] | None, namespace: str) -> list[Var]:
    """``"name"`` or ``("name", [scope])`` entries as variables."""
    out = []
    for item in items or []:
        if isinstance(item, str):
            out.append(Var(namespace, item, ()))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            out.append(Var(namespace, item[0], tuple(item[1])))
        else:
            raise SpecError(f"expected a name or a (name, scope) pair, got {item!r}")
    return out


def _state(spec: Any, *, local_tz: str | None, default_input_tz: str | None,
           inline_datasets: Mapping[str, Any] | None, **options: Any) -> ChartState:
    vega, frames = to_vega(spec)
    datasets = dict(frames)
    datasets.update(inline_datasets or {})
    inputs = Inputs(tz=local_tz or _local_tz(), default_input_tz=default_input_tz,
                    inline_datasets=datasets)
    return ChartState(vega, inputs, **options)


def new_chart_state(spec: Any, local_tz: str | None = None, default_input_tz: str | None = None,
                    row_limit: int | None = None,
                    inline_datasets: Mapping[str, Any] | None = None) -> ChartState:
    """Plan ``spec``, evaluate its server part, and keep it ready for interaction updates."""
    return _state(spec, local_tz=local_tz, default_input_tz=default_input_tz,
                  inline_datasets=inline_datasets, row_limit=row_limit)


def pre_transform_spec(spec: Any, local_tz: str | None = None,
                       default_input_tz: str | None = None, row_limit: int | None = None,
                       preserve_interactivity: bool = True,
                       inline_datasets: Mapping[str, Any] | None = None,
                       keep_signals: Sequence[Any] | None = None,
                       keep_datasets: Sequence[Any] | None = None,
                       ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The spec with its server-evaluable data work done and the results inlined.

    Datasets over ``row_limit`` rows are truncated with a ``RowLimitExceeded`` warning, as in
    VegaFusion.
    """
    state = _state(spec, local_tz=local_tz, default_input_tz=default_input_tz,
                   inline_datasets=inline_datasets, row_limit=row_limit,
                   preserve_interactivity=preserve_interactivity,
                   keep_signals=_vars(keep_signals, "signal"),
                   keep_datasets=_vars(keep_datasets, "data"), truncate_to_row_limit=True)
    return state.get_transformed_spec(), state.get_warnings()


def _as_format(rows: list[dict[str, Any]], dataset_format: str) -> Any:
    table = pa.Table.from_pylist(rows)
    if dataset_format == "pyarrow":
        return table
    if dataset_format in ("auto", "pandas"):
        try:
            return table.to_pandas()
        except ImportError:
            if dataset_format == "pandas":
                raise
            return table
    if dataset_format == "polars":
        import polars

        return polars.from_arrow(table)
    raise SpecError(f"dataset_format must be auto, pandas, polars or pyarrow, "
                    f"not {dataset_format!r}")


def pre_transform_datasets(spec: Any, datasets: Sequence[Any], local_tz: str | None = None,
                           default_input_tz: str | None = None, row_limit: int | None = None,
                           inline_datasets: Mapping[str, Any] | None = None,
                           dataset_format: str = "auto") -> tuple[list[Any], list[dict]]:
    """The values of the named datasets (``"name"`` or ``("name", scope)``) after their transforms."""
    wanted = _vars(datasets, "data")
    state = _state(spec, local_tz=local_tz, default_input_tz=default_input_tz,
                   inline_datasets=inline_datasets, row_limit=row_limit,
                   keep_datasets=wanted, truncate_to_row_limit=True)
    values = []
    for var in wanted:
        if var not in state.plan.datasets or not state.plan.datasets[var].complete:
            raise SpecError(f"dataset {var.name!r} (scope {list(var.scope)}) is not fully "
                            "evaluated on the server: " + "; ".join(
                                w["message"] for w in state.get_warnings()) or "no such dataset")
        values.append(_as_format(state.evaluator.values.get(var) or [], dataset_format))
    return values, state.get_warnings()


def pre_transform_extract(spec: Any, local_tz: str | None = None,
                          default_input_tz: str | None = None,
                          preserve_interactivity: bool = True, extract_threshold: int = 20,
                          extracted_format: str = "auto",
                          inline_datasets: Mapping[str, Any] | None = None,
                          keep_signals: Sequence[Any] | None = None,
                          keep_datasets: Sequence[Any] | None = None,
                          ) -> tuple[dict[str, Any], list[tuple[str, list[int], Any]], list[dict]]:
    """Like pre_transform_spec, but datasets over ``extract_threshold`` rows are returned apart.

    Returns ``(spec, [(name, scope, table)], warnings)``; the spec names each extracted dataset
    with an empty ``values`` to be filled by the caller.
    """
    state = _state(spec, local_tz=local_tz, default_input_tz=default_input_tz,
                   inline_datasets=inline_datasets, preserve_interactivity=preserve_interactivity,
                   keep_signals=_vars(keep_signals, "signal"),
                   keep_datasets=_vars(keep_datasets, "data"))
    extracted = []
    values = state._client_values()
    for var in state.plan.server_to_client:
        rows = values.get(var)
        if var.namespace == "data" and isinstance(rows, list) and len(rows) > extract_threshold:
            extracted.append((var.name, list(var.scope), _as_format(rows, extracted_format)))
            values[var] = []
    from ..planner.split import build_client_spec

    return build_client_spec(state.plan, values), extracted, state.get_warnings()
