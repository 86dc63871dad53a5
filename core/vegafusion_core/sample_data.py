"""Deterministic flights-like data for demos, examples and benchmarks.

Generated inside DuckDB from the row number alone (no random state), so that every run, every
machine and every peer in a benchmark sees exactly the same rows.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

ORIGINS = ["ATL", "DFW", "DEN", "ORD", "LAX", "JFK", "LAS", "MCO", "MIA", "CLT",
           "SEA", "PHX", "EWR", "SFO", "IAH", "BOS", "FLL", "MSP", "LGA", "DTW"]

# u(i, k): a uniform number in [0, 1) from row i and stream k: two rounds of a multiplicative
# hash modulo a prime, so that neighbouring rows and different streams look independent.
_PRIME = 4294967291
_ROUND = "((({x}) * {a} + {b}) % {p})"


def _uniform(stream: int) -> str:
    first = _ROUND.format(x="i + 1", a=2654435761 + 40503 * stream, b=97 * stream + 13, p=_PRIME)
    second = _ROUND.format(x=first, a=1597334677 + 7919 * stream, b=stream + 1, p=_PRIME)
    return f"(CAST({second} AS DOUBLE) / {_PRIME})"


def flights_query(rows: int) -> str:
    """SQL producing ``rows`` flights: date, origin, distance, delay (minutes) and hour of day."""
    u1, u2, u3, u4, u5, u6 = (_uniform(k) for k in range(1, 7))
    origins = ", ".join(f"'{code}'" for code in ORIGINS)
    return f"""
    SELECT
      TIMESTAMP '2024-01-01' + to_milliseconds(CAST(floor({u1} * 365 * 86400000) AS BIGINT)) AS date,
      ([{origins}])[1 + CAST(floor({u2} * {len(ORIGINS)}) AS INTEGER)] AS origin,
      round(100 + 2400 * {u3} * {u3}) AS distance,
      round(-15 + 60 * sqrt(-2 * ln(1 - {u4})) * cos(6.283185307179586 * {u5}) * 0.5
            + 30 * {u4} * {u4}) AS delay,
      round(5 + 19 * {u6}, 2) AS time
    FROM range({int(rows)}) AS r(i)
    """


def flights_table(rows: int, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The flights as an Arrow table."""
    con = con or duckdb.connect()
    return con.sql(flights_query(rows)).to_arrow_table()


def write_flights_parquet(rows: int, path: Path) -> Path:
    """Write the flights to ``path`` as parquet (once: an existing file is kept)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of this process's own, then an atomic rename: servers started at the same time
        # (tests run them in parallel) must never read or write each other's half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            duckdb.connect().execute(
                f"COPY ({flights_query(rows)}) TO '{tmp.as_posix()}' (FORMAT parquet)")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path
