"""The last good answer of a page, kept in Redis, to show under a "stale since …" banner while
the database cannot be reached.

Redis is a convenience here, never a dependency: every Redis error is swallowed (logged), so a
page keeps working from the database when Redis is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from plotly.io.json import to_json_plotly

log = logging.getLogger(__name__)

PREFIX = "td:ui:last-good:"
KEEP_FOR = dt.timedelta(days=7)
"""How long a last good answer is kept (a week-old value is still better than an error)."""
PAUSE_AFTER_ERROR_S = 30.0
"""After a Redis error, leave Redis alone this long: the client retries with backoff, and a
page must not pay that on every refresh while Redis is down."""
_paused_until = 0.0


def _paused() -> bool:
    return time.monotonic() < _paused_until


def _failed(action: str, key: str, error: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_ERROR_S
    log.warning("could not %s %s (Redis left alone for %.0f s): %s", action, key,
                PAUSE_AFTER_ERROR_S, error)  # fmt: skip


@dataclass(frozen=True)
class LastGood:
    """A cached answer and when it was computed."""

    value: Any
    saved_at: dt.datetime


def remember(client: redis.Redis, key: str, value: Any, *, now: dt.datetime) -> bool:
    """Keep ``value`` (JSON-able, Dash components and figures included) as ``key``'s last good
    answer; False when Redis could not take it."""
    if _paused():
        return False
    saved_at = orjson.dumps(now.isoformat()).decode()
    payload = f'{{"saved_at": {saved_at}, "value": {to_json_plotly(value)}}}'
    try:
        client.set(PREFIX + key, payload, ex=int(KEEP_FOR.total_seconds()))
    except redis.RedisError as error:
        _failed("cache", key, error)
        return False
    return True


def last_good(client: redis.Redis, key: str) -> LastGood | None:
    """``key``'s last good answer, or None when there is none or Redis is unavailable."""
    if _paused():
        return None
    try:
        raw = client.get(PREFIX + key)
    except redis.RedisError as error:
        _failed("read the cached", key, error)
        return None
    if raw is None:
        return None
    stored = orjson.loads(raw)
    return LastGood(stored["value"], dt.datetime.fromisoformat(stored["saved_at"]))
