"""A process-wide result cache: keyed by fingerprint, bounded in bytes, one computation per key.

Concurrent requests for the same key wait for the first one's result instead of computing it
again (single flight). The least recently used entries are evicted when the byte budget is
exceeded; an entry larger than the whole budget is returned but not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any, Callable, Generic, TypeVar

V = TypeVar("V")


class ResultCache(Generic[V]):
    def __init__(self, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._pending: dict[str, Future] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_compute(self, key: str, compute: Callable[[], V],
                       size_of: Callable[[V], int]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key][0]
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = Future()
                owner = True
                self.misses += 1
            else:
                owner = False
                self.hits += 1
        if not owner:
            return pending.result()
        try:
            value = compute()
        except BaseException as err:
            with self._lock:
                del self._pending[key]
            pending.set_exception(err)
            raise
        with self._lock:
            del self._pending[key]
            self._store(key, value, size_of(value))
        pending.set_result(value)
        return value

    def _store(self, key: str, value: V, size: int) -> None:
        if size > self.max_bytes:
            return
        self._entries[key] = (value, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def approximate_size(value: Any) -> int:
    """Bytes a cached value holds (Arrow tables report their buffers; the rest is estimated)."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if isinstance(value, (list, tuple)):
        return 64 + sum(approximate_size(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(approximate_size(k) + approximate_size(v) for k, v in value.items())
    if isinstance(value, str):
        return 49 + len(value)
    return 32
