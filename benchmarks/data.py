"""The benchmark's data: deterministic flights (core's sample_data) written once as parquet.

Every engine reads the same file, so every peer sees exactly the same rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from vegafusion_core.sample_data import write_flights_parquet

DATA_DIR = Path(__file__).resolve().parent / "data"


def parquet_path(rows: int) -> Path:
    """The flights parquet file of ``rows`` rows, generated on first use."""
    return write_flights_parquet(rows, DATA_DIR / f"flights_{rows}.parquet")


def load_table(rows: int) -> pa.Table:
    """The flights as an in-memory Arrow table (what a dashboard holds as its DataFrame)."""
    return pq.read_table(parquet_path(rows))


def json_path(rows: int) -> Path:
    """The flights as a JSON array of rows for Vega JS (dates as epoch milliseconds)."""
    path = DATA_DIR / f"flights_{rows}.json"
    if not path.exists():
        con = duckdb.connect()
        src = parquet_path(rows).as_posix()
        table = con.sql(f"SELECT epoch_ms(date) AS date, * EXCLUDE (date) "
                        f"FROM read_parquet('{src}')").to_arrow_table()
        tmp = path.with_suffix(".tmp")
        with tmp.open("w") as out:
            json.dump(table.to_pylist(), out, separators=(",", ":"))
        tmp.rename(path)
    return path
