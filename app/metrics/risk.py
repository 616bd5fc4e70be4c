"""Historical value at risk and expected shortfall of daily P/L (METRICS.md, "Results").

VaR 95 % 1-day = −(5th percentile of the daily P/L over the last N days with trades, linear
interpolation between closest ranks, numpy's default), a positive amount for a loss. Expected
shortfall 95 % = −mean(daily P/L values ≤ that percentile). A negative VaR means that even the
bad days of the sample were profitable; it is reported as computed, not clipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DEFAULT_VAR_DAYS = 250
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class VarResult:
    """VaR and ES at one confidence level, and how many daily values they rest on."""

    var: float | None
    expected_shortfall: float | None
    days_used: int


def daily_percentile(daily: npt.ArrayLike, percent: float) -> float | None:
    """The ``percent`` percentile (0–100, linear interpolation) of the values; None if empty."""
    values = np.asarray(daily, dtype=np.float64).reshape(-1)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    return float(np.percentile(values, percent, method="linear"))


def value_at_risk(
    daily_in_day_order: npt.ArrayLike,
    *,
    days: int = DEFAULT_VAR_DAYS,
    confidence: float = DEFAULT_CONFIDENCE,
) -> VarResult:
    """Historical 1-day VaR and ES over the last ``days`` values of a daily P/L series in day
    order; both None (and ``days_used`` 0) without any day."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    values = np.asarray(daily_in_day_order, dtype=np.float64).reshape(-1)
    values = values[~np.isnan(values)][-days:]
    cutoff = daily_percentile(values, (1 - confidence) * 100)
    if cutoff is None:
        return VarResult(None, None, 0)
    tail = values[values <= cutoff]
    if tail.size == 0:  # interpolation rounding just below the minimum
        tail = values[values == values.min()]
    return VarResult(-cutoff, float(-tail.mean()), int(values.size))
