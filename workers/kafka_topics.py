"""Create (and, for tests, delete) the trading engine's Kafka topics.

The broker runs with ``auto.create.topics.enable=false``, so the simulator and the consumers
call :func:`ensure_topics` before they start. It is idempotent: existing topics are left as they
are, whatever their partition count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from app.config import Settings

REPLICATION_FACTOR = 1
_WAIT_SECONDS = 30.0


def _admin(settings: Settings) -> AdminClient:
    return AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})


def _existing(admin: AdminClient) -> set[str]:
    return set(admin.list_topics(timeout=10).topics)


# The metadata values are confluent_kafka's TopicMetadata, which the package does not export.
TopicsMetadata = dict[str, Any]


def ensure_topics(settings: Settings, timeout: float = _WAIT_SECONDS) -> list[str]:
    """Create the seven topics that are missing; return the names created. Waits until every
    topic is visible in the cluster's metadata with a leader for each partition."""
    admin = _admin(settings)
    names = list(settings.topics.values())
    missing = [name for name in names if name not in _existing(admin)]
    if missing:
        futures = admin.create_topics(
            [NewTopic(name, settings.topic_partitions, REPLICATION_FACTOR) for name in missing],
            operation_timeout=timeout,
        )
        for future in futures.values():
            try:
                future.result()
            except KafkaException as error:  # another process created it first: fine
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
    _wait(admin, lambda topics: all(_ready(topics, name) for name in names), timeout)
    return missing


def delete_topics(settings: Settings, timeout: float = _WAIT_SECONDS) -> list[str]:
    """Delete those of the seven topics that exist (tests use a unique ``topic_prefix``)."""
    admin = _admin(settings)
    present = [name for name in settings.topics.values() if name in _existing(admin)]
    if present:
        for future in admin.delete_topics(present, operation_timeout=timeout).values():
            try:
                future.result()
            except KafkaException as error:
                if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
        _wait(admin, lambda topics: not any(name in topics for name in present), timeout)
    return present


def _ready(topics: TopicsMetadata, name: str) -> bool:
    metadata = topics.get(name)
    if metadata is None or metadata.error is not None or not metadata.partitions:
        return False
    return all(partition.leader >= 0 for partition in metadata.partitions.values())


def _wait(admin: AdminClient, done: Callable[[TopicsMetadata], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if done(admin.list_topics(timeout=10).topics):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("Kafka topics did not reach the expected state in time")
        time.sleep(0.2)
