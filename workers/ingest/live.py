"""Live counters and deltas in Redis for the pages: latest quotes, per-topic counts, pub/sub.

Publishing is throttled (at most ``max_per_second`` messages per channel) and never blocks
ingestion: a Redis error is logged and the delta is dropped (the database is the record).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import orjson
import redis

from app.events import Quote
from app.ingest.store import BatchResult

log = logging.getLogger(__name__)

LATEST_QUOTES_KEY = "td:quotes:latest"
COUNTER_KEY = "td:ingest:events"
CHANNEL = "td:live:ingest"


class LivePublisher:
    def __init__(self, client: redis.Redis, *, max_per_second: float = 10.0) -> None:
        self.client = client
        self.min_interval = 1.0 / max_per_second
        self._last_publish = 0.0
        self._pending: dict[str, int] = defaultdict(int)
        self._latest: dict[str, bytes] = {}

    def record(self, result: BatchResult, quotes: list[Quote]) -> None:
        """Remember a stored batch; publish if the throttle allows."""
        for topic, count in result.stored.items():
            self._pending[topic] += count
        for quote in quotes[-2000:]:
            self._latest[f"{quote.lp}|{quote.symbol}"] = orjson.dumps(
                {"bid": quote.bid, "ask": quote.ask, "ts": quote.ts.isoformat()}
            )
        now = time.monotonic()
        if now - self._last_publish >= self.min_interval and (self._pending or self._latest):
            self._flush(now)

    def _flush(self, now: float) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            if self._latest:
                pipe.hset(LATEST_QUOTES_KEY, mapping=self._latest)  # type: ignore[arg-type]
            for topic, count in self._pending.items():
                pipe.hincrby(COUNTER_KEY, topic, count)
            pipe.publish(CHANNEL, orjson.dumps({"t": time.time(), "stored": self._pending}))
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("live update to Redis failed (%s); dropped", exc)
        self._pending = defaultdict(int)
        self._latest = {}
        self._last_publish = now
