"""The Kafka side of the simulator: a batching, compressing producer that never drops."""

from __future__ import annotations

from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from app.config import Settings

from .messages import SimMessage

PRODUCER_CONFIG: dict[str, Any] = {
    "linger.ms": 25,
    "batch.num.messages": 10_000,
    "batch.size": 1_000_000,
    "compression.type": "lz4",
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 512 * 1024,
    # Bad "oversize" messages exceed the consumers' 1 MiB limit on purpose; compressed they are
    # a few kilobytes, which the broker accepts.
    "message.max.bytes": 8 * 1024 * 1024,
    # The same key-to-partition mapping as the Java clients the trading engine uses.
    "partitioner": "murmur2_random",
}


class EventProducer:
    """Produces :class:`SimMessage` values to their topics and counts delivery reports."""

    def __init__(self, settings: Settings, overrides: dict[str, Any] | None = None) -> None:
        config = {"bootstrap.servers": settings.kafka_bootstrap_servers, **PRODUCER_CONFIG}
        config.update(overrides or {})
        self._producer = Producer(config)
        self._topics = settings.topics
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None

    def send(self, message: SimMessage) -> None:
        """Queue one message; when the local queue is full, serve delivery reports and retry."""
        topic = self._topics[message.topic]
        while True:
            try:
                self._producer.produce(
                    topic, message.value, message.key, on_delivery=self._on_delivery
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)

    def wait(self, seconds: float) -> None:
        """Serve delivery reports for up to ``seconds`` (the live mode's way of sleeping)."""
        self._producer.poll(seconds)

    def flush(self, timeout: float = 60.0) -> int:
        """Wait for every queued message to be acknowledged; return how many are left."""
        return self._producer.flush(timeout)

    def _on_delivery(self, error: KafkaError | None, _message: Message) -> None:
        if error is None:
            self.delivered += 1
            return
        self.failed += 1
        if self.first_error is None:
            self.first_error = str(error)
