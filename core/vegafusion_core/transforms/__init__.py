"""Vega transforms compiled to DuckDB SQL: one module per transform, registered in TRANSFORMS."""

from __future__ import annotations

import importlib
import pkgutil

from .registry import ALL_TRANSFORM_NAMES, BROWSER_TRANSFORMS, TRANSFORMS, browser_reason

_INFRASTRUCTURE = {"base", "registry", "pipeline", "ops"}


def _import_transform_modules() -> None:
    # Each transform lives in its own module and registers itself on import.
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


_import_transform_modules()

__all__ = ["ALL_TRANSFORM_NAMES", "BROWSER_TRANSFORMS", "TRANSFORMS", "browser_reason"]
