"""Python forms of Vega's formatting functions (format, timeFormat, utcParse, monthFormat, ...)."""

from __future__ import annotations
