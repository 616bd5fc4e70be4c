"""The simulator against the real broker: topics, production, and every message read back."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer

from app.config import Settings, load_settings
from app.events import Invalid, decode
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions, run_simulator
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration


@pytest.fixture
def settings() -> Iterator[Settings]:
    settings = load_settings(env="test", topic_prefix=f"test{uuid.uuid4().hex[:10]}.",
                             topic_partitions=3)  # fmt: skip
    yield settings
    delete_topics(settings)


def _consume_all(
    settings: Settings, expected: int, timeout: float = 90.0
) -> list[tuple[str, bytes, bytes]]:
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": f"sim-test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    short_name = {topic: key for key, topic in settings.topics.items()}
    consumer.subscribe(list(settings.topics.values()))
    received: list[tuple[str, bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(received) < expected and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=10_000, timeout=1.0):
                assert message.error() is None, message.error()
                received.append((short_name[message.topic()], message.key(), message.value()))
    finally:
        consumer.close()
    return received


def test_ensure_topics_is_idempotent(settings: Settings) -> None:
    created = ensure_topics(settings)
    assert sorted(created) == sorted(settings.topics.values())
    assert ensure_topics(settings) == []


def test_a_simulation_round_trips_through_kafka(settings: Settings) -> None:
    options = SimulatorOptions(
        seed=21,
        now=datetime.now(UTC).replace(microsecond=0),
        backfill_days=0.01,
        duration=15.0,
        rate=300.0,
        bad_ratio=0.03,
        duplicate_ratio=0.01,
        realtime=False,
    )
    report = run_simulator(settings, options)
    expected = list(generate_messages(options))
    assert report.failed == 0, report.first_error
    assert report.delivered == report.messages == len(expected)
    assert report.bad["oversize"] > 0  # the broker took messages above the consumers' limit

    received = _consume_all(settings, len(expected))
    assert Counter(received) == Counter((m.topic, m.key, m.value) for m in expected)

    valid: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for topic, _key, value in received:
        result = decode(topic, value)
        if isinstance(result, Invalid):
            refused[result.reason] += 1
        else:
            valid[topic] += 1
    duplicates = Counter(m.topic for m in expected if m.defect == "duplicate")
    assert valid == report.events + duplicates
    assert refused == report.bad
