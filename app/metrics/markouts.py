"""Markouts (METRICS.md): how the composite mid moved after each fill, from the client's view.

``markout(h) = s × (mid(ts + h) − fill_price) / p`` for h ∈ {0, 1, 5, 30, 60} s, where
``mid(t)`` is the as-of composite mid: the latest per-second mid at or before ``t``, and only
if it is at most 5 s old (else unknown, NaN here, NULL in the database). Positive means the
price moved in the client's favour: toxic flow for whoever took the other side.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.metrics.execution import MARKOUT_HORIZONS_S, markout_pips, weighted_mean

MAX_MID_AGE_S = 5.0
"""A mid older than this at the horizon does not count (METRICS.md's 5-second rule)."""

FloatArray = npt.NDArray[np.float64]


def mid_as_of(
    mid_times_s: npt.ArrayLike,
    mids: npt.ArrayLike,
    at_s: npt.ArrayLike,
    max_age_s: float = MAX_MID_AGE_S,
) -> FloatArray:
    """For each time in ``at_s``, the latest mid at or before it if at most ``max_age_s`` old,
    else NaN. ``mid_times_s`` (epoch seconds) must be ascending."""
    times = np.asarray(mid_times_s, dtype=np.float64)
    values = np.asarray(mids, dtype=np.float64)
    at = np.asarray(at_s, dtype=np.float64)
    if times.size == 0:
        return np.full(at.shape, np.nan)
    index = np.searchsorted(times, at, side="right") - 1
    safe = np.maximum(index, 0)
    fresh = (index >= 0) & (at - times[safe] <= max_age_s)
    return np.where(fresh, values[safe], np.nan)


def fill_markouts(
    side: npt.ArrayLike,
    fill_ts_s: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    pip_size: npt.ArrayLike,
    mid_times_s: npt.ArrayLike,
    mids: npt.ArrayLike,
    horizons_s: tuple[int, ...] = MARKOUT_HORIZONS_S,
) -> dict[int, FloatArray]:
    """Per horizon, each fill's markout in pips (NaN where the mid is unknown), for fills of
    one symbol against that symbol's per-second mids."""
    at = np.asarray(fill_ts_s, dtype=np.float64)
    return {
        h: markout_pips(side, mid_as_of(mid_times_s, mids, at + h), fill_price, pip_size)
        for h in horizons_s
    }


def markout_means(
    markouts: dict[int, FloatArray], fill_qty: npt.ArrayLike
) -> dict[str, float | None]:
    """Fill-qty-weighted mean markout per horizon over fills whose markout is known, keyed by
    the horizon in seconds as a string (the API's ``markout_pips`` object)."""
    return {str(h): weighted_mean(values, fill_qty) for h, values in markouts.items()}
