"""Latency percentiles: exact on raw values, or from the stored DDSketch-style histogram.

METRICS.md: percentiles are numpy's default (linear interpolation between the closest ranks)
on raw data, and within 1 % relative error of that when read from a histogram.

Why the histogram read is within 1 %: numpy's p-th percentile of ``n`` sorted values is
``x[k] + f (x[k+1] - x[k])`` with ``h = p/100 (n - 1)``, ``k = floor(h)``, ``f = h - k``.
The histogram knows which bucket holds the k-th and (k+1)-th value, and each bucket's
representative is within α = 1 % of every value in it, so the same interpolation between the
two representatives is a convex combination of two 1 %-accurate numbers: within 1 % as well.
Only latencies outside the covered 0.01 ms – 60 s range (clamped into the edge buckets) escape
that bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from app.db.models.rollups import LATENCY_BUCKET_OFFSET, LATENCY_GAMMA

REPORTED_PERCENTILES = (50.0, 95.0, 99.0)
"""The latency percentiles every scorecard shows."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LatencyStats:
    """p50, p95, p99, max and mean latency in milliseconds (all None without attempts)."""

    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None
    mean: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        """The API's ``latency_ms`` object."""
        return asdict(self)


def bucket_values(buckets: npt.ArrayLike) -> FloatArray:
    """Representative latency (ms) of each bucket index; vectorised ``bucket_value``."""
    index = np.asarray(buckets, dtype=np.float64)
    return np.asarray(
        2 * np.power(LATENCY_GAMMA, index + LATENCY_BUCKET_OFFSET) / (LATENCY_GAMMA + 1),
        dtype=np.float64,
    )


def exact_percentiles(
    values: npt.ArrayLike, qs: Sequence[float] = REPORTED_PERCENTILES
) -> list[float | None]:
    """numpy's linear-interpolation percentiles of ``values``; Nones when there are none."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return [None for _ in qs]
    return [float(v) for v in np.percentile(data, list(qs))]


def merge_histograms(
    parts: Iterable[tuple[Sequence[int], Sequence[int]]],
) -> tuple[IntArray, IntArray]:
    """Sum sparse histograms ``(buckets, counts)`` into one, sorted by bucket."""
    buckets: list[int] = []
    counts: list[int] = []
    for part_buckets, part_counts in parts:
        buckets.extend(part_buckets)
        counts.extend(part_counts)
    if not buckets:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    unique, inverse = np.unique(np.asarray(buckets, dtype=np.int64), return_inverse=True)
    summed = np.bincount(inverse, weights=np.asarray(counts, dtype=np.float64))
    return unique.astype(np.int64), np.rint(summed).astype(np.int64)


def histogram_percentiles(
    buckets: npt.ArrayLike,
    counts: npt.ArrayLike,
    qs: Sequence[float] = REPORTED_PERCENTILES,
    *,
    max_value: float | None = None,
) -> list[float | None]:
    """Percentiles (ms) of a sparse latency histogram, interpolated like numpy's default.

    ``buckets`` must be ascending and unique (as stored, or from :func:`merge_histograms`).
    ``max_value``, the exact maximum when known, stands for the largest value and caps the
    others (both can only bring the estimate closer to the exact value).
    """
    index = np.asarray(buckets, dtype=np.int64)
    weights = np.asarray(counts, dtype=np.int64)
    keep = weights > 0
    index, weights = index[keep], weights[keep]
    total = int(weights.sum())
    if total == 0:
        return [None for _ in qs]
    cumulative = np.cumsum(weights)
    values = bucket_values(index)
    ranks = np.asarray(qs, dtype=np.float64) / 100.0 * (total - 1)
    low = np.floor(ranks).astype(np.int64)
    high = np.minimum(low + 1, total - 1)
    # The k-th smallest value (0-based) sits in the first bucket whose cumulative count > k.
    v_low = values[np.searchsorted(cumulative, low, side="right")]
    v_high = values[np.searchsorted(cumulative, high, side="right")]
    if max_value is not None:
        # The largest value is known exactly, and no value exceeds it.
        v_low = np.where(low == total - 1, max_value, np.minimum(v_low, max_value))
        v_high = np.where(high == total - 1, max_value, np.minimum(v_high, max_value))
    result = v_low + (ranks - low) * (v_high - v_low)
    return [float(v) for v in result]


def latency_stats(latencies_ms: npt.ArrayLike) -> LatencyStats:
    """Exact :class:`LatencyStats` of raw latencies."""
    data = np.asarray(latencies_ms, dtype=np.float64)
    if data.size == 0:
        return LatencyStats()
    p50, p95, p99 = exact_percentiles(data)
    return LatencyStats(p50, p95, p99, float(data.max()), float(data.mean()))


def latency_stats_from_histogram(
    buckets: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    latency_sum_ms: float,
    latency_max_ms: float | None,
) -> LatencyStats:
    """:class:`LatencyStats` of stored rollups: percentiles from the merged histogram (1 %),
    max and mean exact from the rollups' max and sum."""
    total = int(np.asarray(counts, dtype=np.int64).sum())
    if total == 0:
        return LatencyStats()
    p50, p95, p99 = histogram_percentiles(buckets, counts, max_value=latency_max_ms)
    return LatencyStats(p50, p95, p99, latency_max_ms, latency_sum_ms / total)
