"""Events as Kafka messages: topic, key and value bytes, plus the deliberate bad ones."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import NamedTuple

from app.events import encode, key_of

from .defects import corrupt, defect_kinds
from .generator import generate_events
from .options import SimulatorOptions


class SimMessage(NamedTuple):
    """One message to produce. ``defect`` is None for a valid event, ``"duplicate"`` for a
    second delivery of the previous message, or the reason code a consumer must give it."""

    topic: str
    key: bytes
    value: bytes
    t: float
    defect: str | None = None


def generate_messages(
    options: SimulatorOptions, wall_now: float | None = None
) -> Iterator[SimMessage]:
    """The run's messages in time order; bad ones and duplicates follow the event they copy."""
    rng = random.Random(options.seed * 977 + 5)
    bad_ratio = options.bad_ratio
    duplicate_ratio = options.effective_duplicate_ratio
    next_kind: dict[str, int] = {}
    for t, event in generate_events(options, wall_now):
        message = SimMessage(event.topic_key, key_of(event), encode(event), t)
        yield message
        if bad_ratio and rng.random() < bad_ratio:
            kinds = defect_kinds(message.topic)
            number = next_kind.get(message.topic, 0)
            next_kind[message.topic] = number + 1
            kind = kinds[number % len(kinds)]  # round robin: every kind comes up
            value = corrupt(message.topic, message.value, kind, rng, options.max_message_bytes)
            yield message._replace(value=value, defect=kind)
        if duplicate_ratio and rng.random() < duplicate_ratio:
            yield message._replace(defect="duplicate")
