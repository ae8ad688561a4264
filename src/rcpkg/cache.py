"""A small thread-safe LRU cache bounded by entries and by bytes.

The data changes only when rcpkg rebuilds, so what is computed from it (a thing's description
in some format, a page, a query's answer) can be kept and reused; keys carry the store's
fingerprint, so a new release never meets old entries. The byte bound keeps a cache of large
answers from growing a web process without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


def weight(value: Any) -> int:
    """Bytes a cached value holds: what it says (``nbytes``), its body's length if it has
    one, else a rough 1 KiB."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    body = getattr(value, "body", None)
    return len(body) if isinstance(body, bytes | str) else 1024


class LruCache:
    """Least-recently-used entries go first once ``size`` entries or ``max_bytes`` are passed."""

    def __init__(self, size: int, max_bytes: int | None = None) -> None:
        self.size = max(1, size)
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Any | None:
        """The value for ``key``, or ``None``; a hit makes it the most recently used."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: tuple, value: Any) -> None:
        """Keep ``value``; a value larger than the whole byte bound is not kept."""
        size = weight(value)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self.size or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The cached value for ``key``, made (outside the lock) and kept on first use."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    @property
    def bytes(self) -> int:
        """Bytes held now (by :func:`weight`)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
