"""Latency percentiles: exact ones match numpy; histogram ones stay within 1 % of them."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from app.db.models.rollups import latency_bucket
from app.metrics.percentiles import (
    LatencyStats,
    exact_percentiles,
    histogram_percentiles,
    latency_stats,
    latency_stats_from_histogram,
    merge_histograms,
)

pytestmark = pytest.mark.unit

QS = (1.0, 5.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0)


def histogram_of(latencies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    buckets = np.array([latency_bucket(float(x)) for x in latencies])
    return np.unique(buckets, return_counts=True)


def test_exact_percentiles_interpolate_linearly_between_closest_ranks() -> None:
    # n = 4: p50 is halfway between the 2nd and 3rd value, p95 at 0.85 of the 3rd to 4th.
    assert exact_percentiles([10, 20, 30, 40], (50, 95, 100)) == pytest.approx([25, 38.5, 40])


def test_latency_stats_of_nothing_are_all_none() -> None:
    assert latency_stats([]) == LatencyStats(None, None, None, None, None)
    assert histogram_percentiles([], [], (50,)) == [None]
    assert latency_stats_from_histogram([], [], latency_sum_ms=0, latency_max_ms=None).p99 is None


def test_latency_stats_of_a_small_sample() -> None:
    stats = latency_stats([5.0, 1.0, 3.0])
    assert (stats.p50, stats.max, stats.mean) == (3.0, 5.0, 3.0)
    assert stats.p99 == pytest.approx(3.0 + 0.98 * 2.0)


def test_merge_adds_counts_of_equal_buckets_and_sorts() -> None:
    buckets, counts = merge_histograms([([5, 9], [1, 2]), ([2, 5], [4, 3]), ([], [])])
    assert buckets.tolist() == [2, 5, 9]
    assert counts.tolist() == [4, 4, 2]


def test_a_single_value_is_read_back_within_one_percent() -> None:
    buckets, counts = histogram_of(np.array([42.0]))
    for value in histogram_percentiles(buckets, counts, QS):
        assert value == pytest.approx(42.0, rel=0.01)


def test_the_exact_maximum_caps_the_estimate() -> None:
    buckets, counts = histogram_of(np.array([42.0, 42.0]))
    assert histogram_percentiles(buckets, counts, (100,), max_value=42.0) == [42.0]


DISTRIBUTIONS = {
    "lognormal fast LP": lambda rng, n: rng.lognormal(np.log(8), 0.5, n),
    "lognormal slow LP": lambda rng, n: rng.lognormal(np.log(120), 0.9, n),
    "lognormal with pareto tail": lambda rng, n: np.where(
        rng.random(n) < 0.03,
        np.minimum(50 * (1 + rng.pareto(1.2, n)), 3000),
        rng.lognormal(np.log(30), 0.6, n),
    ),
    "fat-tailed pareto": lambda rng, n: np.minimum(5 * (1 + rng.pareto(0.8, n)), 59_000),
    "bimodal": lambda rng, n: np.where(
        rng.random(n) < 0.5, rng.lognormal(np.log(3), 0.2, n), rng.lognormal(np.log(900), 0.3, n)
    ),
    "sub-millisecond": lambda rng, n: rng.lognormal(np.log(0.2), 0.7, n),
}


@pytest.mark.parametrize("name", DISTRIBUTIONS)
@pytest.mark.parametrize("n", [7, 101, 5000])
def test_histogram_percentiles_are_within_one_percent_of_exact(name: str, n: int) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}/{n}".encode()))
    latencies = DISTRIBUTIONS[name](rng, n)
    buckets, counts = histogram_of(latencies)
    exact = np.percentile(latencies, QS)
    estimated = histogram_percentiles(buckets, counts, QS, max_value=float(latencies.max()))
    for q, want, got in zip(QS, exact, estimated, strict=True):
        assert got == pytest.approx(want, rel=0.01), f"p{q}"


def test_histogram_from_merged_minutes_equals_one_histogram() -> None:
    rng = np.random.default_rng(3)
    latencies = rng.lognormal(np.log(40), 1.0, 3000)
    parts = [histogram_of(chunk) for chunk in np.array_split(latencies, 17)]
    merged = merge_histograms([(b.tolist(), c.tolist()) for b, c in parts])
    whole = histogram_of(latencies)
    assert merged[0].tolist() == whole[0].tolist()
    assert merged[1].tolist() == whole[1].tolist()
    stats = latency_stats_from_histogram(
        *merged, latency_sum_ms=float(latencies.sum()), latency_max_ms=float(latencies.max())
    )
    assert stats.mean == pytest.approx(latencies.mean())
    assert stats.p99 == pytest.approx(np.percentile(latencies, 99), rel=0.01)
