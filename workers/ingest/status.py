"""Ingest health: consumer lag per partition from Kafka, counters from the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import redis
import sqlalchemy as sa
from confluent_kafka import Consumer, TopicPartition

from app.config import Settings


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed_offset: int | None
    end_offset: int
    lag: int


@dataclass(frozen=True)
class TopicCounters:
    topic: str
    events_stored: int
    duplicates_ignored: int
    dead_letters: int
    last_event_ts: dt.datetime | None


def partition_lags(settings: Settings, timeout: float = 5.0) -> list[PartitionLag]:
    """Committed offset of the ingest group, end offset and lag of every partition."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": settings.consumer_group,
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=timeout)
        partitions = [
            TopicPartition(topic, p)
            for topic in settings.topics.values()
            if topic in metadata.topics
            for p in sorted(metadata.topics[topic].partitions)
        ]
        committed = consumer.committed(partitions, timeout=timeout) if partitions else []
        lags = []
        for tp in committed:
            low, high = consumer.get_watermark_offsets(tp, timeout=timeout, cached=False)
            done = tp.offset if tp.offset >= 0 else None
            lag = high - (done if done is not None else low)
            lags.append(PartitionLag(tp.topic, tp.partition, done, high, max(lag, 0)))
        return lags
    finally:
        consumer.close()


def topic_counters(engine: sa.Engine, settings: Settings) -> list[TopicCounters]:
    """Events stored, duplicates ignored, dead letters and the last event time per topic."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT topic, events_stored, duplicates_ignored, dead_letters, last_event_ts "
                "FROM ingest_stats WHERE topic = ANY(:topics) ORDER BY topic"
            ),
            {"topics": list(settings.topics.values())},
        ).all()
    return [TopicCounters(*row) for row in rows]


def events_per_second(client: redis.Redis, settings: Settings) -> float | None:
    """Events stored per second over the consumers' last publish windows (None: unknown)."""
    from .live import keys

    try:
        rates = client.hvals(keys(settings.consumer_group)["rates"])
    except redis.RedisError:
        return None
    return round(sum(float(r) for r in rates), 1)


def status_document(
    engine: sa.Engine, settings: Settings, client: redis.Redis | None = None
) -> dict[str, object]:
    """The body of GET /api/v1/ingest/status."""
    lags = partition_lags(settings)
    counters = {c.topic: c for c in topic_counters(engine, settings)}
    topics = []
    for topic in settings.topics.values():
        parts = [asdict(p) for p in lags if p.topic == topic]
        counter = counters.get(topic)
        topics.append(
            {
                "topic": topic,
                "lag": sum(p["lag"] for p in parts),
                "partitions": [{k: v for k, v in p.items() if k != "topic"} for p in parts],
                "events_stored": counter.events_stored if counter else 0,
                "duplicates_ignored": counter.duplicates_ignored if counter else 0,
                "dead_letters": counter.dead_letters if counter else 0,
                "last_event_ts": counter.last_event_ts.isoformat().replace("+00:00", "Z")
                if counter and counter.last_event_ts
                else None,
            }
        )
    return {
        "consumer_group": settings.consumer_group,
        "events_per_second": events_per_second(client, settings) if client else None,
        "lag": sum(t["lag"] for t in topics),
        "topics": topics,
    }
