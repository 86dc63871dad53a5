"""SQL forms of Vega expression functions (see functions.py)."""

from __future__ import annotations
