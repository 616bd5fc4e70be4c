"""Historical VaR 95 % and expected shortfall of daily P/L on known values."""

from __future__ import annotations

import numpy as np
import pytest

from app.metrics.risk import daily_percentile, value_at_risk

pytestmark = pytest.mark.unit

# 20 daily results in day order; sorted, the two lowest are -120 and -80.
TWENTY_DAYS = [
    15.0, -40.0, 100.0, -120.0, 5.0, 30.0, -10.0, 60.0, -80.0, 0.0,
    25.0, -60.0, 70.0, 10.0, -20.0, 40.0, 50.0, -30.0, 20.0, 80.0,
]  # fmt: skip


def test_var_and_es_on_twenty_known_days() -> None:
    # rank 0.05 × 19 = 0.95: -120 + 0.95 × (-80 - -120) = -82
    result = value_at_risk(TWENTY_DAYS)
    assert result.var == pytest.approx(82.0)
    assert result.expected_shortfall == pytest.approx(120.0)  # only -120 is at or below -82
    assert result.days_used == 20
    assert result.var == pytest.approx(-np.percentile(TWENTY_DAYS, 5))


def test_only_the_last_n_days_are_used() -> None:
    # the last 5: 40, 50, -30, 20, 80 -> sorted -30, 20, 40, 50, 80; rank 0.2
    result = value_at_risk(TWENTY_DAYS, days=5)
    assert result.days_used == 5
    assert result.var == pytest.approx(-(-30 + 0.2 * 50))
    assert result.expected_shortfall == pytest.approx(30.0)


def test_the_tail_mean_includes_every_value_at_or_below_the_cutoff() -> None:
    # 21 values: rank 0.05 × 20 = 1 exactly -> the cutoff is the second lowest, -50
    values = [-100.0, -50.0] + [float(v) for v in range(19)]
    result = value_at_risk(values)
    assert result.var == pytest.approx(50.0)
    assert result.expected_shortfall == pytest.approx(75.0)


def test_a_book_that_never_lost_has_a_negative_var() -> None:
    result = value_at_risk([10.0, 20.0])
    assert result.var == pytest.approx(-10.5)
    assert result.expected_shortfall == pytest.approx(-10.0)


def test_no_days_gives_no_var() -> None:
    result = value_at_risk([])
    assert (result.var, result.expected_shortfall, result.days_used) == (None, None, 0)
    assert daily_percentile([], 5) is None


def test_one_day_is_its_own_var() -> None:
    result = value_at_risk([-42.0])
    assert (result.var, result.expected_shortfall, result.days_used) == (42.0, 42.0, 1)


def test_other_confidence_levels() -> None:
    # 99 %: rank 0.01 × 19 = 0.19 -> -120 + 0.19 × 40
    assert value_at_risk(TWENTY_DAYS, confidence=0.99).var == pytest.approx(120 - 0.19 * 40)


@pytest.mark.parametrize(("days", "confidence"), [(0, 0.95), (10, 1.0), (10, 0.0)])
def test_bad_arguments_are_refused(days: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        value_at_risk([1.0], days=days, confidence=confidence)
