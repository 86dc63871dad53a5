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
        # Pre-aggregated tables (runtime/preaggregate.py) by the hash of their query: the table's
        # name, or None when the cube was too large to keep; oldest first for eviction.
        self._cubes: dict[str, str | None] = {}
        self._cube_rows: dict[str, int] = {}
        self.cube_row_budget = 20_000_000

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

    def cube(self, key: str, sql: Callable[[], str], max_rows: int) -> str | None:
        """The temporary table holding the result of ``sql()``, created once per ``key`` (a
        digest of that query); None when it has more than ``max_rows`` rows (then it is not
        kept, and not tried again)."""
        with self._lock:
            if key in self._cubes:
                return self._cubes[key]
            name = f"vf_cube_{key[:24]}"
            self.queries_run += 1
            self.con.sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql()} LIMIT {max_rows + 1}")
            rows = self.con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            if rows > max_rows:
                self.con.sql(f"DROP TABLE {name}")
                self._cubes[key] = None
                return None
            self._cubes[key], self._cube_rows[key] = name, rows
            self._evict_cubes()
            return name

    def _evict_cubes(self) -> None:
        """Drop the oldest cubes while all of them hold more rows than the budget."""
        kept = [k for k, name in self._cubes.items() if name is not None]
        while len(kept) > 1 and sum(self._cube_rows[k] for k in kept) > self.cube_row_budget:
            oldest = kept.pop(0)
            self.con.sql(f"DROP TABLE IF EXISTS {self._cubes.pop(oldest)}")
            del self._cube_rows[oldest]

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
