"""The simulator's messages: reproducible, valid, and bad exactly where it says so."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from app.events import REASON_CODES, Invalid, decode, key_of
from workers.simulator.defects import defect_kinds
from workers.simulator.messages import SimMessage, generate_messages
from workers.simulator.options import SimulatorOptions

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
TOPICS = ("orders", "executions", "quotes", "positions", "accounts", "lp_status", "rules")


BASE = SimulatorOptions(
    seed=11,
    now=NOW,
    backfill_days=0.5 / 24,
    duration=20.0,
    rate=300.0,
    backfill_orders_per_day=100_000,
    accounts=120,
    realtime=False,
)


def _options(**overrides: Any) -> SimulatorOptions:
    return replace(BASE, **overrides)


@pytest.fixture(scope="module")
def messages_with_defects() -> list[SimMessage]:
    return list(generate_messages(_options(bad_ratio=0.2, duplicate_ratio=0.05)))


def test_same_seed_same_bytes() -> None:
    options = _options(bad_ratio=0.05)
    first = list(generate_messages(options))
    assert len(first) > 10_000
    assert first == list(generate_messages(options))
    other = list(generate_messages(_options(seed=12, bad_ratio=0.05)))
    assert [m.value for m in other[:1000]] != [m.value for m in first[:1000]]


def test_without_bad_ratio_every_message_is_valid_and_keyed() -> None:
    counts: Counter[str] = Counter()
    for message in generate_messages(_options()):
        assert message.defect is None
        event = decode(message.topic, message.value)
        assert not isinstance(event, Invalid), (message.topic, event, message.value[:300])
        assert key_of(event) == message.key
        counts[message.topic] += 1
    assert set(counts) == set(TOPICS)
    assert counts["quotes"] > 0.8 * sum(counts.values())  # dominated by quotes, as production


def test_bad_messages_decode_with_the_reason_they_were_made_for(
    messages_with_defects: list[SimMessage],
) -> None:
    previous: SimMessage | None = None
    seen: Counter[str] = Counter()
    for message in messages_with_defects:
        result = decode(message.topic, message.value)
        if message.defect is None:
            assert not isinstance(result, Invalid), result
            previous = message
        elif message.defect == "duplicate":
            assert previous is not None
            assert (message.topic, message.key, message.value) == (
                previous.topic, previous.key, previous.value,
            )  # fmt: skip
        else:
            assert isinstance(result, Invalid), (message.defect, message.value[:200])
            assert result.reason == message.defect, (result, message.value[:300])
        seen[message.defect or "valid"] += 1
    assert seen["duplicate"] > 0


def test_bad_messages_cover_every_reason_code(messages_with_defects: list[SimMessage]) -> None:
    made = {m.defect for m in messages_with_defects} - {None, "duplicate"}
    possible = {kind for topic in TOPICS for kind in defect_kinds(topic)}
    assert possible == set(REASON_CODES) - {"invalid"}
    assert made == possible


def test_live_rate_is_close_to_the_target() -> None:
    messages = list(generate_messages(_options(backfill_days=0, duration=60.0, rate=400.0)))
    assert 0.75 * 400 * 60 <= len(messages) <= 1.25 * 400 * 60


def test_messages_come_in_time_order(messages_with_defects: list[SimMessage]) -> None:
    times = [m.t for m in messages_with_defects]
    assert times == sorted(times)
