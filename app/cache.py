"""Short-lived answers of the page reads, kept in Redis per query and filter, so that the
callbacks of one page load (and a reload within seconds) share one read instead of each
repeating it.

A key is ``td:ui:read:<scope>:<query>:<digest>``; the digest covers the filter as the user chose
it (the window's length, its end floored to the time-to-live, the sorted dimension values) and
the query's other arguments. The end is floored because it moves with every call: callbacks of
one page load, a few hundred milliseconds apart, then read the same answer, which is at most
two time-to-lives old. The scope (the caller's: database and session) keeps answers apart that
must not be shared.

Redis is a convenience, never a dependency: every Redis error is logged and the read goes to
the database, and Redis is left alone for a while after an error (as in ``app.stale_cache``).
Values are pickled: only this process family writes these keys, to its own Redis.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

import redis

from app.queries.filters import Filter

log = logging.getLogger(__name__)

PREFIX = "td:ui:read:"
PAUSE_AFTER_ERROR_S = 30.0
"""After a Redis error, read from the database only for this long (no retry per read)."""
_paused_until = 0.0

T = TypeVar("T")


def filter_digest(f: Filter, ttl_s: float, *args: Hashable) -> str:
    """The digest of ``f`` as chosen (window length, end floored to ``ttl_s``, sorted
    dimensions) and ``args``; equal for two calls of one page load."""
    step = max(ttl_s, 1.0)
    end_bucket = int(f.end.timestamp() // step)
    length = round((f.end - f.start).total_seconds())
    parts = [
        str(length),
        str(end_bucket),
        *(",".join(sorted(values)) for values in (f.symbols, f.lps, f.books, f.rule_ids)),
        ",".join(sorted(f.segments)),
        *(repr(arg) for arg in args),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _paused() -> bool:
    return time.monotonic() < _paused_until


def _failed(action: str, key: str, error: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_ERROR_S
    log.warning("could not %s %s (read cache off for %.0f s): %s", action, key,
                PAUSE_AFTER_ERROR_S, error)  # fmt: skip


@dataclass(frozen=True)
class ReadCache:
    """Answers of reads for ``ttl_s`` seconds in ``client`` under ``scope``; a ``ttl_s`` of 0
    or no client turns it off (every read goes to the database)."""

    client: redis.Redis | None
    scope: str
    ttl_s: float

    def key(self, query: str, f: Filter, *args: Hashable) -> str:
        """The Redis key of ``query`` on ``f`` with ``args``."""
        return f"{PREFIX}{self.scope}:{query}:{filter_digest(f, self.ttl_s, *args)}"

    def read(self, query: str, f: Filter, compute: Callable[[], T], *args: Hashable) -> T:
        """The cached answer of ``query`` on ``f`` (and ``args``), else ``compute()`` kept for
        the next caller."""
        if self.client is None or self.ttl_s <= 0 or _paused():
            return compute()
        key = self.key(query, f, *args)
        try:
            raw = self.client.get(key)
        except redis.RedisError as error:
            _failed("read", key, error)
            return compute()
        if isinstance(raw, bytes):
            value: T = pickle.loads(raw)  # noqa: S301 - written only by this application
            return value
        value = compute()
        try:
            self.client.set(key, pickle.dumps(value), px=max(int(self.ttl_s * 1000), 1))
        except redis.RedisError as error:
            _failed("keep", key, error)
        return value
