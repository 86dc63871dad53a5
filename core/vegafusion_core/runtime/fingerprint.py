"""Fingerprints of data sources: cheap to compute, and never the same for different data.

- inline ``values``: a hash of their canonical JSON and ``format``;
- files: path, size and modification time (a rewritten file gets a new fingerprint);
- DataFrames and other in-memory tables: a hash of their Arrow buffers (xxh3, several GB/s), so a
  frame changed in place is never served from a stale cache entry; an immutable pyarrow Table is
  hashed once per object and remembered while the object lives;
- the viewer's time zone only where the source parses local dates.
"""

from __future__ import annotations

import json
import os
import weakref
from typing import Any, Mapping

import pyarrow as pa
import xxhash

from ..data.urls import inline_dataset_name, resolve_url

# id(table) -> hash, for immutable Arrow tables still alive (entries leave with their table).
_arrow_hashes: dict[int, str] = {}


def _hash_arrow(table: pa.Table) -> str:
    digest = xxhash.xxh3_128()
    digest.update(str(table.schema).encode())
    for column in table.columns:
        for chunk in column.chunks:
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(memoryview(buffer))
    return digest.hexdigest()


def _as_arrow(obj: Any) -> pa.Table | None:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatchReader):
        return None
    module = type(obj).__module__
    if module.startswith("pandas"):
        return pa.Table.from_pandas(obj, preserve_index=False)
    if module.startswith("polars"):
        return obj.to_arrow()
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.table(obj)
    return None


def frame_fingerprint(obj: Any) -> str:
    """A content hash of an in-memory table (see the module docstring)."""
    if isinstance(obj, pa.Table):
        cached = _arrow_hashes.get(id(obj))
        if cached is None:
            cached = _arrow_hashes[id(obj)] = _hash_arrow(obj)
            weakref.finalize(obj, _arrow_hashes.pop, id(obj), None)
        return cached
    table = _as_arrow(obj)
    if table is None:
        # Readers and DuckDB relations can be read only by scanning them: identify the object.
        return f"object-{id(obj):x}"
    return _hash_arrow(table)


def source_fingerprint(spec: Mapping[str, Any], inline_datasets: Mapping[str, Any], tz: str,
                       default_input_tz: str | None) -> tuple[str, Any]:
    """``(fingerprint, object to keep alive)`` for a Vega data entry's source."""
    parts: dict[str, Any] = {"format": spec.get("format"), "input_tz": default_input_tz}
    if _parses_local_dates(spec.get("format")):
        parts["tz"] = tz
    keep: Any = None
    url = spec.get("url")
    if "values" in spec and spec["values"] is not None:
        parts["values"] = spec["values"]
    elif isinstance(url, str) and inline_dataset_name(url) is not None:
        name = inline_dataset_name(url)
        frame = inline_datasets.get(name)
        parts["frame"] = frame_fingerprint(frame) if frame is not None else f"missing:{name}"
        keep = frame
        parts["tz"] = tz
    elif isinstance(url, str):
        parts["url"] = url
        try:
            resolved = resolve_url(url)
            stat = os.stat(resolved.target)
            parts["file"] = [str(resolved.target), stat.st_size, stat.st_mtime_ns]
        except Exception:  # noqa: BLE001 - the loader reports unreadable URLs with their name
            pass
    text = json.dumps(parts, sort_keys=True, default=str)
    return xxhash.xxh3_128_hexdigest(text.encode()), keep


def _parses_local_dates(fmt: Any) -> bool:
    if not isinstance(fmt, Mapping):
        return False
    parse = fmt.get("parse")
    if parse == "auto":
        return True
    return isinstance(parse, Mapping) and any(
        isinstance(kind, str) and kind.startswith("date") for kind in parse.values())
