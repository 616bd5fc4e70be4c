"""One consumed batch, decoded and sorted into table rows, quotes and dead letters (pure)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from app.events import (
    AccountSnapshot,
    Event,
    Invalid,
    OrderRouted,
    PositionClosed,
    Quote,
    decode_batch,
)

from .rows import CLIENT_REF_AT, Row


class Consumed(Protocol):
    """A consumed Kafka message, as confluent-kafka hands it over (methods, not fields)."""

    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class Message:
    """A plain consumed message (tests and tools build these; it satisfies ``Consumed``)."""

    topic_key: str
    topic: str
    partition_: int
    offset_: int
    value_: bytes | None

    def partition(self) -> int:
        return self.partition_

    def offset(self) -> int:
        return self.offset_

    def value(self) -> bytes | None:
        return self.value_


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
    clients: dict[str, tuple[str, dt.datetime, dt.datetime]] = field(default_factory=dict)
    """Pseudonym → (real client id, first and last event time in the batch), for the
    compliance mapping ``client_identities``."""

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

    def seen(self, event_id: UUID) -> bool:
        """True if ``event_id`` was seen before; remembers it otherwise."""
        key = event_id.int  # an int hashes in C; a UUID's __hash__ is Python code
        if key in self._current or key in self._previous:
            return True
        self._current.add(key)
        if len(self._current) >= self._capacity:
            self._previous, self._current = self._current, set()
        return False


def decode_messages(
    messages: Iterable[Message],
    builders: dict[str, Callable[[Event], Row]],
    recent_quotes: RecentIds,
) -> DecodedBatch:
    """Decode and validate a batch of :class:`Message`; see :func:`decode_grouped`."""
    groups: dict[tuple[str, str], list[Consumed]] = defaultdict(list)
    for message in messages:
        groups[(message.topic_key, message.topic)].append(message)
    return decode_grouped(groups, builders, recent_quotes)


def decode_grouped(
    groups: dict[tuple[str, str], list[Consumed]],
    builders: dict[str, Callable[[Event], Row]],
    recent_quotes: RecentIds,
) -> DecodedBatch:
    """Decode and validate messages grouped by (topic short name, topic); every message ends
    as a row, a quote or a dead letter. Messages of one partition come in offset order."""
    batch = DecodedBatch()
    for (topic_key, topic), group in groups.items():
        batch.topic_names[topic_key] = topic
        last_offsets: dict[int, int] = {}
        for message in group:
            last_offsets[message.partition() or 0] = message.offset() or 0
        for partition, offset in last_offsets.items():
            batch.next_offsets[(topic, partition)] = offset + 1
        results = decode_batch(topic_key, [m.value() for m in group])
        valid: list[Event] = []
        for message, result in zip(group, results, strict=True):
            if isinstance(result, Invalid):
                batch.dead_letters.append(
                    DeadLetter(
                        topic,
                        message.partition() or 0,
                        message.offset() or 0,
                        message.value() or b"",
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
            rows = [build(event) for event in valid]
            batch.rows[topic_key].extend(rows)
            if topic_key in CLIENT_REF_AT:
                _note_clients(batch.clients, valid, rows, CLIENT_REF_AT[topic_key])
    return batch


def _note_clients(
    clients: dict[str, tuple[str, dt.datetime, dt.datetime]],
    events: list[Event],
    rows: list[Row],
    ref_at: int,
) -> None:
    # One entry per client and batch: the database sees each client once per batch at most.
    for event, row in zip(events, rows, strict=True):
        assert isinstance(event, OrderRouted | PositionClosed | AccountSnapshot)
        pseudonym, ts = row[ref_at], event.ts
        seen = clients.get(pseudonym)
        if seen is None:
            clients[pseudonym] = (event.client_id, ts, ts)
        elif ts < seen[1] or ts > seen[2]:
            clients[pseudonym] = (seen[0], min(ts, seen[1]), max(ts, seen[2]))
