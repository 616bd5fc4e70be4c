"""One consumed batch, decoded and sorted into table rows, quotes and dead letters (pure)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.events import Event, Invalid, Quote, decode_batch

from .rows import Row


@dataclass(frozen=True)
class Message:
    """A Kafka message as the consumer hands it over."""

    topic_key: str
    topic: str
    partition: int
    offset: int
    value: bytes | None


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    raw: bytes
    reason: str


@dataclass
class DecodedBatch:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    """Topic short name → rows of its table (not quotes)."""
    quotes: list[Quote] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    """(topic, partition) → the offset after the last message of the batch."""
    received: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Topic → valid events in the batch (before de-duplication)."""
    quote_duplicates: int = 0
    topic_names: dict[str, str] = field(default_factory=dict)
    """Topic short name → full topic name, for the topics present in the batch."""
    last_event_ts: dict[str, dt.datetime] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(self.received.values()) + len(self.dead_letters)


class RecentIds:
    """Event ids seen lately (two rotating generations), to drop re-sent quotes.

    Quotes are not stored raw, so a redelivered quote cannot be refused by a unique key; the
    same delivery is guarded by the stored offsets, and a producer's retry (same event, new
    offset, seconds later at most) is caught here.
    """

    def __init__(self, capacity: int = 2_000_000) -> None:
        self._capacity = capacity // 2
        self._current: set[object] = set()
        self._previous: set[object] = set()

    def seen(self, event_id: object) -> bool:
        """True if ``event_id`` was seen before; remembers it otherwise."""
        if event_id in self._current or event_id in self._previous:
            return True
        self._current.add(event_id)
        if len(self._current) >= self._capacity:
            self._previous, self._current = self._current, set()
        return False


def decode_messages(
    messages: Iterable[Message],
    builders: dict[str, Callable[[Event], Row]],
    recent_quotes: RecentIds,
) -> DecodedBatch:
    """Decode and validate a batch; every message ends as a row, a quote or a dead letter."""
    by_topic: dict[str, list[Message]] = defaultdict(list)
    batch = DecodedBatch()
    for message in messages:
        by_topic[message.topic_key].append(message)
        batch.topic_names[message.topic_key] = message.topic
        key = (message.topic, message.partition)
        if message.offset + 1 > batch.next_offsets.get(key, -1):
            batch.next_offsets[key] = message.offset + 1
    for topic_key, group in by_topic.items():
        results = decode_batch(topic_key, [m.value for m in group])
        valid: list[Event] = []
        for message, result in zip(group, results, strict=True):
            if isinstance(result, Invalid):
                batch.dead_letters.append(
                    DeadLetter(
                        message.topic,
                        message.partition,
                        message.offset,
                        message.value or b"",
                        str(result),
                    )
                )
            else:
                valid.append(result)
        if not valid:
            continue
        batch.received[topic_key] += len(valid)
        batch.last_event_ts[topic_key] = max(event.ts for event in valid)
        if topic_key == "quotes":
            for event in valid:
                assert isinstance(event, Quote)
                if recent_quotes.seen(event.event_id):
                    batch.quote_duplicates += 1
                else:
                    batch.quotes.append(event)
        else:
            build = builders[topic_key]
            batch.rows[topic_key].extend(build(event) for event in valid)
    return batch
