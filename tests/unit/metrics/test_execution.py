"""Execution-quality formulas on small hand-computed cases and their edge values."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from app.metrics.execution import (
    ReasonCount,
    attempts,
    best_execution_pct,
    commission_per_million,
    fill_rate_by_volume,
    fill_ratio,
    fills,
    latency_ms,
    notional_usd,
    pfof_by_month,
    price_improvement_pips,
    quote_staleness_ms,
    ratio,
    reject_rate,
    reject_reasons,
    slippage_distribution,
    slippage_pips,
    slippage_summary,
    spread_pips_from_sums,
    time_weighted_spread_pips,
    uptime_fraction,
    volume_share,
    weighted_mean,
)

pytestmark = pytest.mark.unit

STATUSES = ["filled", "rejected", "partially_filled", "rejected", "cancelled"]
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_counts_and_ratios_of_attempts() -> None:
    assert attempts(STATUSES) == 5
    assert fills(STATUSES) == 2
    assert fill_ratio(STATUSES) == pytest.approx(0.4)
    assert reject_rate(STATUSES) == pytest.approx(0.4)
    assert fill_rate_by_volume([100, 0, 50, 0, 0], [100, 100, 100, 100, 100]) == pytest.approx(0.3)


@pytest.mark.parametrize("metric", [fill_ratio, reject_rate, lambda s: fill_rate_by_volume([], [])])
def test_ratios_without_attempts_are_none_not_zero_or_nan(metric) -> None:  # type: ignore[no-untyped-def]
    assert metric([]) is None


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 4, 0.25), (0, 4, 0.0), (3, 0, None), (0, 0, None), (1, math.nan, None)],
)
def test_ratio(numerator: float, denominator: float, expected: float | None) -> None:
    assert ratio(numerator, denominator) == expected


def test_reject_reasons_count_and_share_among_rejects_only() -> None:
    reasons = reject_reasons(
        ["rejected", "rejected", "rejected", "cancelled", "filled"],
        ["last_look", "last_look", "timeout", "timeout", None],
    )
    assert reasons["last_look"] == ReasonCount(2, pytest.approx(2 / 3))
    assert reasons["timeout"] == ReasonCount(1, pytest.approx(1 / 3))  # the cancel is not a reject
    assert reasons["other"] == ReasonCount(0, 0.0)
    assert reject_reasons(["filled"], [None])["last_look"] == ReasonCount(0, None)


def test_latency_is_report_time_minus_sent_time_in_ms() -> None:
    got = latency_ms([at(0), at(1)], [at(0.0125), at(3)])
    assert got.tolist() == pytest.approx([12.5, 2000.0])


def test_slippage_sign_favours_the_client() -> None:
    # Buy asked at 1.1000 filled at 1.0998 (+2 pips); sell asked at 1.1000 filled at 1.0999
    # (-1 pip); USDJPY buy filled 3 pips worse at a 0.01 pip.
    pips = slippage_pips(
        [1, -1, 1], [1.1, 1.1, 150.0], [1.0998, 1.0999, 150.03], [1e-4, 1e-4, 0.01]
    )
    assert pips.tolist() == pytest.approx([2.0, -1.0, -3.0])


def test_slippage_summary_weights_by_fill_qty_and_splits_by_sign() -> None:
    summary = slippage_summary([2.0, -1.0, 0.0, 1e-12], [100_000, 300_000, 100_000, 100_000])
    assert summary.mean_pips == pytest.approx((2 * 1e5 - 3e5) / 6e5)
    assert (summary.positive_share, summary.zero_share, summary.negative_share) == (
        0.25,
        0.5,
        0.25,
    )
    assert slippage_summary([], []).mean_pips is None


def test_slippage_distribution_bins_and_clips() -> None:
    assert slippage_distribution([0.05, 0.15, 0.12, -0.05, 9.0, -9.0], 0.1, 1.0) == {
        -1.0: 1,
        -0.1: 1,
        0.0: 1,
        0.1: 2,
        0.9: 1,
    }


def test_price_improvement_is_against_the_mid_at_fill() -> None:
    # Mid 1.10005; a buy at 1.1000 is 0.5 pip better, a sell at 1.1000 0.5 pip worse.
    pips = price_improvement_pips([1, -1], [1.1, 1.1], [1.1001, 1.1001], [1.1, 1.1], [1e-4] * 2)
    assert pips.tolist() == pytest.approx([0.5, -0.5])


def test_best_execution_compares_with_the_touch_of_the_side_taken() -> None:
    share = best_execution_pct(
        side=[1, 1, -1, -1],
        fill_price=[1.1001, 1.1002, 1.1000, 1.0999],
        market_bid=[1.1000] * 4,
        market_ask=[1.1001] * 4,
    )
    assert share == 0.5  # the buy at the ask and the sell at the bid
    assert best_execution_pct([], [], [], []) is None


def test_weighted_mean_ignores_unknown_values() -> None:
    assert weighted_mean([1.0, np.nan, 3.0], [1, 100, 3]) == pytest.approx(2.5)
    assert weighted_mean([np.nan], [1]) is None


def test_notional_flags_unknown_rates_instead_of_using_one() -> None:
    notional = notional_usd([100_000, 1000, 10], [1.1, 150.0, 5.0], [1.0, 1 / 150, np.nan])
    assert notional.usd == pytest.approx(110_000 + 1000)
    assert notional.unconverted == 1


def test_share_and_cost_ratios() -> None:
    assert volume_share(25.0, 100.0) == 0.25
    assert volume_share(0.0, 0.0) is None
    assert commission_per_million(30.0, 2_000_000.0) == pytest.approx(15.0)
    assert commission_per_million(30.0, 0.0) is None


def test_pfof_per_calendar_month_in_utc() -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    ts = [
        dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 0, 30, tzinfo=cet),  # still October in UTC
        dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    ]
    assert pfof_by_month(ts, [1.0, 2.0, 4.0]) == {"2026-10": 3.0, "2026-11": 4.0}


@pytest.mark.parametrize(
    ("times", "statuses", "prior", "expected"),
    [
        ([], [], None, None),  # no status at all: unknown
        ([], [], "up", 1.0),  # the status before the window applies throughout
        ([], [], "degraded", 0.0),  # degraded is not up
        ([at(30)], ["down"], "up", 0.5),
        ([at(10), at(20), at(40)], ["up", "up", "down"], "down", 0.5),
        ([at(30)], ["up"], None, 1.0),  # before the first status: unknown, not down
        ([at(0), at(15), at(45)], ["up", "degraded", "up"], None, 0.5),
    ],
)
def test_uptime(
    times: list[dt.datetime], statuses: list[str], prior: str | None, expected: float | None
) -> None:
    assert uptime_fraction(times, statuses, at(0), at(60), prior) == expected


def test_quote_staleness_and_spreads() -> None:
    assert quote_staleness_ms(at(2.5), at(0)) == 2500.0
    # 1 pip for 3 s then 2 pips for 1 s: time-weighted 1.25 pips.
    spread = time_weighted_spread_pips([0.0, 3.0], [1.1, 1.1], [1.1001, 1.1002], 4.0, 1e-4)
    assert spread == pytest.approx(1.25)
    assert time_weighted_spread_pips([], [], [], 4.0, 1e-4) is None
    assert spread_pips_from_sums(5.0, 4.0) == 1.25
    assert spread_pips_from_sums(0.0, 0.0) is None
