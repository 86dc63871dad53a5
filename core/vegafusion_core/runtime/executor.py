"""Running compiled queries on DuckDB, shared by every chart and session of the process.

Sources (inline values, files, DataFrames) are registered once per *fingerprint* under a name
derived from it, so the text of a compiled query identifies its result completely: the query text
is the cache key. It contains every signal value the query reads as a literal and the viewer's
time zone only where local time is used, so the time zone is part of a key exactly where it
matters.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Callable

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from ..data.values import SourceTable
from ..sql.connection import new_connection
from .cache import ResultCache, approximate_size


class Executor:
    """One DuckDB database, its registered sources, and the result cache."""

    def __init__(self, cache_bytes: int = 512 * 1024 * 1024) -> None:
        self.con = new_connection()
        self.cache: ResultCache[Any] = ResultCache(cache_bytes)
        self._sources: dict[str, SourceTable] = {}
        self._keep_alive: dict[str, Any] = {}
        # DuckDB's Python connection is not safe for concurrent use; its queries are themselves
        # parallel, so one query at a time per process loses little.
        self._lock = threading.RLock()
        self.queries_run = 0

    def source(self, fingerprint: str, load: Callable[[duckdb.DuckDBPyConnection, str],
                                                       SourceTable],
               keep_alive: Any = None) -> SourceTable:
        """The source registered under ``fingerprint``, loading it once with ``load(con, name)``."""
        with self._lock:
            table = self._sources.get(fingerprint)
            if table is None:
                name = f"vf_src_{fingerprint[:24]}"
                table = load(self.con, name)
                self._sources[fingerprint] = table
                if keep_alive is not None:
                    self._keep_alive[fingerprint] = keep_alive
            return table

    def table(self, query: exp.Expression | str) -> pa.Table:
        """Run a query (cached by its SQL text) and return Arrow."""
        sql = render(query)
        return self.cache.get_or_compute(_key("table", sql), lambda: self._run(sql),
                                         approximate_size)

    def row(self, query: exp.Expression | str) -> tuple | None:
        """Run a one-row query (cached) and return its row as a tuple."""
        sql = render(query)
        return self.cache.get_or_compute(_key("row", sql), lambda: self._fetch_row(sql),
                                         approximate_size)

    def check(self, query: exp.Expression | str) -> None:
        """Bind a query (names, types, functions resolved) without running it."""
        sql = render(query)
        with self._lock:
            self.con.sql(sql).types  # noqa: B018 - binding is the check

    def _run(self, sql: str) -> pa.Table:
        with self._lock:
            self.queries_run += 1
            return self.con.sql(sql).to_arrow_table()

    def _fetch_row(self, sql: str) -> tuple | None:
        with self._lock:
            self.queries_run += 1
            rows = self.con.sql(sql).fetchall()
            return rows[0] if rows else None


def render(query: exp.Expression | str) -> str:
    """DuckDB SQL text of a query (rendered in place: compiled trees are not reused after)."""
    return query if isinstance(query, str) else query.sql(dialect="duckdb", copy=False)


def _key(kind: str, sql: str) -> str:
    return kind + ":" + hashlib.sha256(sql.encode()).hexdigest()


_default: Executor | None = None
_default_lock = threading.Lock()


def default_executor() -> Executor:
    """The process-wide executor (its cache is shared by all charts and sessions)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Executor()
        return _default
