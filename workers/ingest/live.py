"""Live state in Redis for the pages: latest quotes, per-LP counters, B-book exposure per
symbol, event rates and a throttled pub/sub channel of deltas.

Keys are namespaced by the consumer group (``td:{group}:...``), so environments or tests that
share a Redis stay apart. Publishing never blocks ingestion: a Redis error is logged and the
delta dropped (the database is the record).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable

import orjson
import redis

from app.events import Quote
from app.ingest.store import BatchResult

log = logging.getLogger(__name__)

FILL_STATUSES = ("filled", "partially_filled")
EXPOSURE_EVERY_S = 1.0


def keys(group: str) -> dict[str, str]:
    """The Redis keys of one consumer group's live state."""
    base = f"td:{group}"
    return {
        "quotes": f"{base}:quotes:latest",  # hash "LP|SYMBOL" -> {"bid","ask","ts"}
        "events": f"{base}:ingest:events",  # hash topic key -> events stored (running total)
        "rates": f"{base}:ingest:rate",  # hash consumer id -> events/s over the last flush
        "lp": f"{base}:lp:",  # + LP: hash attempts / fills / rejects (running totals)
        "exposure": f"{base}:exposure",  # hash symbol -> net B-book position (base units)
        "channel": f"{base}:live",  # pub/sub: {"t", "stored", "rate"}
    }


class LivePublisher:
    def __init__(
        self,
        client: redis.Redis,
        group: str,
        consumer_id: str,
        exposure: Callable[[], dict[str, float]] | None = None,
        *,
        max_per_second: float = 10.0,
    ) -> None:
        self.client = client
        self.keys = keys(group)
        self.consumer_id = consumer_id
        self.exposure = exposure
        self.min_interval = 1.0 / max_per_second
        self._last_publish = time.monotonic()
        self._last_exposure = 0.0
        self._pending: dict[str, int] = defaultdict(int)
        self._lp: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._latest: dict[str, bytes] = {}

    def record(self, result: BatchResult, quotes: list[Quote]) -> None:
        """Remember a stored batch; publish if the throttle allows."""
        for topic, count in result.stored.items():
            self._pending[topic] += count
        for (lp, status), count in result.new_executions.items():
            counters = self._lp[lp]
            counters["attempts"] += count
            counters["fills"] += count if status in FILL_STATUSES else 0
            counters["rejects"] += count if status == "rejected" else 0
        for quote in quotes[-2000:]:
            self._latest[f"{quote.lp}|{quote.symbol}"] = orjson.dumps(
                {"bid": quote.bid, "ask": quote.ask, "ts": quote.ts.isoformat()}
            )
        now = time.monotonic()
        if now - self._last_publish >= self.min_interval:
            self._flush(now)

    def idle(self) -> None:
        """The consumer found nothing new: announce what the throttle held back, so readers
        (the alert evaluator) learn of the last batch now rather than with the next one."""
        if self._pending or self._lp or self._latest:
            self._flush(time.monotonic())

    def finish(self) -> None:
        """Publish what is pending, with a fresh exposure snapshot (on shutdown)."""
        self._last_exposure = float("-inf")
        self._flush(time.monotonic())

    def _exposure_or_nothing(self) -> dict[str, float]:
        assert self.exposure is not None
        try:
            return self.exposure()
        except Exception as exc:  # noqa: BLE001 - live state is best effort
            log.warning("exposure snapshot for Redis failed (%s); skipped", exc)
            return {}

    def _flush(self, now: float) -> None:
        elapsed = max(now - self._last_publish, 1e-6)
        rate = sum(self._pending.values()) / elapsed
        try:
            pipe = self.client.pipeline(transaction=False)
            if self._latest:
                pipe.hset(self.keys["quotes"], mapping=self._latest)  # type: ignore[arg-type]
            for topic, count in self._pending.items():
                pipe.hincrby(self.keys["events"], topic, count)
            for lp, counters in self._lp.items():
                for name, value in counters.items():
                    pipe.hincrby(self.keys["lp"] + lp, name, value)
            pipe.hset(self.keys["rates"], self.consumer_id, round(rate, 1))
            pipe.expire(self.keys["rates"], 60)
            if self.exposure is not None and now - self._last_exposure >= EXPOSURE_EVERY_S:
                self._last_exposure = now
                positions = self._exposure_or_nothing()
                if positions:
                    pipe.hset(self.keys["exposure"], mapping=positions)  # type: ignore[arg-type]
            message = {"t": time.time(), "stored": self._pending, "rate": round(rate, 1)}
            pipe.publish(self.keys["channel"], orjson.dumps(message))
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("live update to Redis failed (%s); dropped", exc)
        self._pending = defaultdict(int)
        self._lp = defaultdict(lambda: defaultdict(int))
        self._latest = {}
        self._last_publish = now
