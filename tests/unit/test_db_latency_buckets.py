"""The latency histogram mapping of exec_rollup_1m: 1 % relative accuracy, monotone."""

from __future__ import annotations

import math

import pytest

from app.db.models.rollups import (
    LATENCY_BUCKET_COUNT,
    LATENCY_MAX_MS,
    LATENCY_MIN_MS,
    LATENCY_RELATIVE_ACCURACY,
    bucket_value,
    latency_bucket,
)

pytestmark = pytest.mark.unit


def _latencies(points_per_decade: int = 2000) -> list[float]:
    low, high = math.log10(LATENCY_MIN_MS), math.log10(LATENCY_MAX_MS)
    steps = int((high - low) * points_per_decade)
    return [10 ** (low + (high - low) * i / steps) for i in range(steps + 1)]


def test_every_latency_from_10_microseconds_to_a_minute_is_within_one_percent() -> None:
    worst = max(abs(bucket_value(latency_bucket(ms)) - ms) / ms for ms in _latencies())
    assert worst <= LATENCY_RELATIVE_ACCURACY + 1e-12


def test_buckets_grow_with_latency() -> None:
    indexes = [latency_bucket(ms) for ms in _latencies()]
    assert indexes == sorted(indexes)
    values = [bucket_value(i) for i in range(LATENCY_BUCKET_COUNT)]
    assert values == sorted(values)


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0.0, 0),
        (-5.0, 0),
        (LATENCY_MIN_MS, 0),
        (LATENCY_MAX_MS, LATENCY_BUCKET_COUNT - 1),
        (3_600_000.0, LATENCY_BUCKET_COUNT - 1),
    ],
)
def test_latencies_outside_the_range_are_clamped(ms: float, expected: int) -> None:
    assert latency_bucket(ms) == expected


def test_the_histogram_stays_small() -> None:
    assert LATENCY_BUCKET_COUNT < 800
