"""DuckDB connections set up the way the compiled SQL expects them."""

from __future__ import annotations

import duckdb


def new_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose session time zone is UTC.

    Compiled SQL converts to the viewer's zone explicitly; it must never depend on the session's.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    try:
        from .udfs import install_udfs
    except ImportError:  # the UDF module arrives with the formatting functions' SQL forms
        return con
    install_udfs(con)
    return con
