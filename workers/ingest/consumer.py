"""The ingest loop: consume a batch, decode it, store it in one transaction, then commit.

Delivery is at least once and storage idempotent: Kafka offsets are committed only after the
batch's database transaction committed, the offsets are also stored in that transaction (the
consumer resumes from them when it is assigned a partition), and every event table refuses a
repeated ``event_id``. A failed write is retried with backoff on the same batch; nothing more
is consumed meanwhile, so nothing unstored is ever committed.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import psycopg
import redis
from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka import Message as KafkaMessage

from app.config import Settings
from app.ingest.batch import Consumed, RecentIds, decode_grouped
from app.ingest.quotes import QuoteBook
from app.ingest.rows import row_builders
from app.ingest.store import BatchResult, BatchStore, to_conninfo
from workers.kafka_topics import ensure_topics

from .live import LivePublisher

log = logging.getLogger("tradedash.ingest")

MAX_BACKOFF_S = 10.0
T = TypeVar("T")


@dataclass
class IngestTotals:
    batches: int = 0
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    latency_samples_ms: list[float] = field(default_factory=list)
    """Event ts → commit delay of every 50th quote of live traffic (under a minute old)."""
    started: float = field(default_factory=time.monotonic)
    last_batch_at: float = field(default_factory=time.monotonic)

    def add(self, size: int, result: BatchResult) -> None:
        self.batches += 1
        self.messages += size
        self.stored += result.stored_total
        self.duplicates += sum(result.duplicates.values())
        self.dead_letters += result.dead_letters
        self.last_batch_at = time.monotonic()


class IngestConsumer:
    """One consumer process of the ingest group, reading every contract topic."""

    def __init__(
        self,
        settings: Settings,
        *,
        batch_size: int = 20_000,
        batch_timeout_s: float = 0.25,
        publish_live: bool = True,
    ) -> None:
        self.settings = settings
        self.batch_size = batch_size
        self.batch_timeout_s = batch_timeout_s
        self.topic_keys = {name: key for key, name in settings.topics.items()}
        self.store = BatchStore(to_conninfo(settings.database_url), settings.consumer_group)
        self.book = QuoteBook()
        self.recent_quotes = RecentIds()
        self.builders = row_builders(settings.client_pseudonym_key)
        self.totals = IngestTotals()
        self.assigned = 0
        self.live = (
            LivePublisher(
                redis.Redis.from_url(settings.redis_url, socket_timeout=2),
                settings.consumer_group,
                f"{socket.gethostname()}-{os.getpid()}",
                self._exposure_snapshot,
            )
            if publish_live
            else None
        )
        self.consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka_bootstrap_servers,
                "group.id": settings.consumer_group,
                "client.id": "tradedash-ingest",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "roundrobin",
                "fetch.max.bytes": 64 * 1024 * 1024,
                "max.partition.fetch.bytes": 8 * 1024 * 1024,
                "queued.max.messages.kbytes": 256 * 1024,
                "fetch.wait.max.ms": 100,
                "session.timeout.ms": 10_000,
                "heartbeat.interval.ms": 2_000,
                "max.poll.interval.ms": 600_000,
                "enable.partition.eof": False,
            }
        )

    # -- partition assignment ------------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        stored: dict[str, dict[int, int]] = {}
        for tp in partitions:
            if tp.topic not in stored:
                topic: str = tp.topic
                stored[topic] = self._with_retry(partial(self.store.stored_offsets, topic))
            offset = stored[tp.topic].get(tp.partition)
            if offset is not None:
                tp.offset = offset
        log.info("assigned %d partitions", len(partitions))
        consumer.assign(partitions)
        self.assigned = len(partitions)
        self.totals.last_batch_at = time.monotonic()  # the idle clock starts with an assignment

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Batches are stored and committed before the next poll, so nothing is in flight here.
        log.info("revoked %d partitions", len(partitions))
        self.book = QuoteBook()
        self.assigned = 0
        consumer.unassign()

    # -- the loop ------------------------------------------------------------------------
    def run(
        self, stop: threading.Event | None = None, *, idle_exit_s: float | None = None
    ) -> IngestTotals:
        """Consume until ``stop`` is set (or, with ``idle_exit_s``, until nothing arrived for
        that long, which tests and backfills use)."""
        stop = stop or threading.Event()
        ensure_topics(self.settings)
        self.consumer.subscribe(
            list(self.topic_keys), on_assign=self._on_assign, on_revoke=self._on_revoke
        )
        try:
            while not stop.is_set():
                messages = self.consumer.consume(self.batch_size, self.batch_timeout_s)
                if not messages:
                    if self.live is not None:
                        self.live.idle()  # announce a batch the throttle held back
                    idle = time.monotonic() - self.totals.last_batch_at
                    if idle_exit_s and self.assigned and idle > idle_exit_s:
                        break
                    continue
                self._handle(messages)
        finally:
            if self.live is not None:
                self.live.finish()
            self.consumer.close()
            self.store.close()
        return self.totals

    def _handle(self, raw_messages: Sequence[KafkaMessage]) -> None:
        groups: dict[tuple[str, str], list[Consumed]] = {}
        for m in raw_messages:
            error = m.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer error: %s", error)
                continue
            topic = str(m.topic())
            group = groups.get((self.topic_keys[topic], topic))
            if group is None:
                group = groups[(self.topic_keys[topic], topic)] = []
            group.append(m)
        if not groups:
            return
        batch = decode_grouped(groups, self.builders, self.recent_quotes)
        self.book.add(batch.quotes)
        mids, lp_stats = self.book.drain()
        result = self._with_retry(lambda: self.store.write(batch, mids, lp_stats))
        self._commit(batch.next_offsets)
        self.totals.add(len(raw_messages), result)
        committed_at = time.time()
        for quote in batch.quotes[::50]:
            delay = committed_at - quote.ts.timestamp()
            if 0 <= delay < 60 and len(self.totals.latency_samples_ms) < 1_000_000:
                self.totals.latency_samples_ms.append(delay * 1000)
        if self.live is not None:
            self.live.record(result, batch.quotes)

    def _exposure_snapshot(self) -> dict[str, float]:
        """Net B-book position per symbol (running sum of the minute deltas), for Redis."""
        conn = self.store.connect()
        with conn.transaction():
            rows = conn.execute(
                "SELECT symbol, sum(net_qty_delta) FROM exposure_1m GROUP BY symbol"
            ).fetchall()
        return {str(symbol): float(net) for symbol, net in rows}  # type: ignore[arg-type]

    def _commit(self, next_offsets: dict[tuple[str, int], int]) -> None:
        offsets = [TopicPartition(t, p, o) for (t, p), o in next_offsets.items()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as exc:  # noqa: BLE001 - the stored offsets are the record
            log.warning("Kafka offset commit failed (%s); the database offsets cover it", exc)

    def _with_retry(self, action: Callable[[], T]) -> T:
        delay = 0.5
        while True:
            try:
                return action()
            except (
                psycopg.OperationalError,
                psycopg.errors.DeadlockDetected,
                psycopg.errors.LockNotAvailable,
            ) as exc:
                log.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                self.store.close()
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)


def run_ingest(settings: Settings, *, idle_exit_s: float | None = None) -> IngestTotals:
    """Entry of `tradedash ingest` for one process; SIGTERM / SIGINT stop it cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    consumer = IngestConsumer(settings)
    totals = consumer.run(stop, idle_exit_s=idle_exit_s)
    log.info("ingest stopped: %s", totals)
    return totals
