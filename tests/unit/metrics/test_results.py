"""Results metrics (METRICS.md "Results") on small hand-computed cases and their edges."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from app.metrics.results import (
    cumulative_pnl,
    daily_pnl,
    drawdown_duration,
    drawdown_series,
    gross_loss,
    gross_profit,
    longest_streaks,
    max_drawdown,
    max_drawdown_fraction,
    net_pnl,
    pnl_attribution,
    pnl_histogram,
    profit_factor,
    profit_factor_band,
    sharpe_ratio,
    sortino_ratio,
    summarize_results,
    trade_count,
    win_rate,
)

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
NAN = float("nan")


def hours(*offsets: float) -> list[dt.datetime]:
    return [T0 + dt.timedelta(hours=h) for h in offsets]


def trades_frame(
    pnl: list[float], offsets: list[float], signs: list[float] | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": hours(*offsets),
            "broker_pnl": signs if signs is not None else pnl,
            "broker_pnl_usd": pnl,
        }
    )


# ------------------------------------------------------------------ counts and sums


def test_sums_counts_and_win_rate_of_a_mixed_book() -> None:
    pnl = [100.0, -50.0, 30.0, -20.0, 0.0]
    assert trade_count(pnl) == 5
    assert gross_profit(pnl) == 130.0
    assert gross_loss(pnl) == 70.0
    assert net_pnl(pnl) == 60.0
    assert profit_factor(pnl) == pytest.approx(130 / 70)
    assert win_rate(pnl) == pytest.approx(2 / 5)


def test_unconverted_amounts_count_as_trades_but_not_as_money() -> None:
    pnl = [100.0, NAN, -40.0]
    assert trade_count(pnl) == 3
    assert (gross_profit(pnl), gross_loss(pnl), net_pnl(pnl)) == (100.0, 40.0, 60.0)


@pytest.mark.parametrize(
    ("pnl", "expected"),
    [
        ([], None),  # no trades: undefined
        ([10.0, 5.0], math.inf),  # gains and no losses
        ([0.0, 0.0], None),  # 0 / 0
        ([-5.0], 0.0),
        ([30.0, -10.0, -5.0], 2.0),
    ],
)
def test_profit_factor_edges(pnl: list[float], expected: float | None) -> None:
    assert profit_factor(pnl) == expected


@pytest.mark.parametrize(
    ("value", "band", "colour"),
    [
        (0.0, "unprofitable", "red"),
        (0.99, "unprofitable", "red"),
        (1.0, "marginal", "yellow"),
        (1.49, "marginal", "yellow"),
        (1.5, "good", "green"),
        (2.0, "good", "green"),
        (2.01, "excellent", "blue"),
        (math.inf, "excellent", "blue"),
    ],
)
def test_profit_factor_bands(value: float, band: str, colour: str) -> None:
    result = profit_factor_band(value)
    assert result is not None and (result.name, result.colour) == (band, colour)


def test_an_undefined_profit_factor_has_no_band() -> None:
    assert profit_factor_band(None) is None
    assert profit_factor_band(NAN) is None


def test_win_rate_of_no_trades_is_undefined() -> None:
    assert win_rate([]) is None
    assert win_rate([0.0, -1.0]) == 0.0


@pytest.mark.parametrize(
    ("pnl", "streaks"),
    [
        ([], (0, 0)),
        ([1.0, 2.0, -1.0, -2.0, -3.0, 0.0, 4.0], (2, 3)),
        ([1.0, 0.0, 1.0], (1, 0)),  # a zero breaks the winning run
        ([-1.0, 0.0, -1.0, -1.0], (0, 2)),
        ([5.0, 5.0, 5.0], (3, 0)),
    ],
)
def test_longest_streaks(pnl: list[float], streaks: tuple[int, int]) -> None:
    assert longest_streaks(pnl) == streaks


# ------------------------------------------------------------------ daily P/L and ratios


def test_daily_pnl_sums_per_utc_day_and_skips_days_without_trades() -> None:
    offset = dt.timezone(dt.timedelta(hours=-2))
    times = [
        dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 23, 30, tzinfo=offset),  # 25 Nov 01:30 UTC
        dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC),
    ]
    daily = daily_pnl(times, [10.0, -4.0, 7.0, -3.0, NAN])
    assert list(daily.index.strftime("%Y-%m-%d")) == [
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",
        "2026-11-28",
    ]
    # a day whose only trade is unconverted exists, with nothing known to add
    assert daily.tolist() == [6.0, 7.0, -3.0, 0.0]
    assert str(daily.index.tz) == "UTC"


def test_daily_pnl_of_no_trades_is_empty() -> None:
    assert daily_pnl([], []).empty


def test_sharpe_on_two_days() -> None:
    # mean 2, std (ddof 1) √2
    assert sharpe_ratio([1.0, 3.0]) == pytest.approx(2 / math.sqrt(2) * math.sqrt(252))
    # with 1 a day risk-free: excess 0 and 2, mean 1, std √2
    assert sharpe_ratio([1.0, 3.0], risk_free_daily=1.0) == pytest.approx(
        1 / math.sqrt(2) * math.sqrt(252)
    )


@pytest.mark.parametrize("daily", [[], [120.0], [5.0, 5.0, 5.0], [0.1, 0.1, 0.1]])
def test_sharpe_is_undefined_with_one_day_or_zero_std(daily: list[float]) -> None:
    assert sharpe_ratio(daily) is None


def test_sortino_uses_the_downside_deviation_over_all_days() -> None:
    # mean 1; min(x, 0)² = 0, 1, 4, 0 -> mean 1.25
    assert sortino_ratio([2.0, -1.0, -2.0, 5.0]) == pytest.approx(
        1 / math.sqrt(1.25) * math.sqrt(252)
    )
    assert sortino_ratio([-4.0]) == pytest.approx(-math.sqrt(252))


@pytest.mark.parametrize("daily", [[], [1.0, 2.0], [0.0, 3.0]])
def test_sortino_is_undefined_without_a_losing_day(daily: list[float]) -> None:
    assert sortino_ratio(daily) is None


# ------------------------------------------------------------------ curve and drawdown


def test_curve_peak_and_drawdown() -> None:
    curve = cumulative_pnl([10.0, -30.0, 5.0, 40.0])
    assert curve.tolist() == [10.0, -20.0, -15.0, 25.0]
    assert drawdown_series(curve).tolist() == [0.0, 30.0, 25.0, 0.0]
    assert max_drawdown(curve) == 30.0
    assert max_drawdown_fraction(curve, 100.0) == pytest.approx(30 / 110)


def test_the_peak_starts_at_zero() -> None:
    curve = cumulative_pnl([-10.0, 5.0])
    assert drawdown_series(curve).tolist() == [10.0, 5.0]
    assert max_drawdown(curve) == 10.0
    assert max_drawdown_fraction(curve, 1000.0) == pytest.approx(10 / 1000)


def test_the_drawdown_fraction_is_the_largest_ratio_not_the_ratio_of_the_largest_drawdown() -> None:
    # drawdowns 60 at peak 100 and 70 at peak 300; capital 100: 60/200 = 0.3 > 70/400
    curve = np.array([100.0, 40.0, 300.0, 230.0])
    assert max_drawdown(curve) == 70.0
    assert max_drawdown_fraction(curve, 100.0) == pytest.approx(0.3)


def test_empty_curve_has_no_drawdown() -> None:
    assert max_drawdown([]) == 0.0
    assert max_drawdown_fraction([], 100.0) == 0.0
    with pytest.raises(ValueError):
        max_drawdown_fraction([1.0], 0.0)


def test_drawdown_duration_from_peak_to_recovery() -> None:
    curve = cumulative_pnl([10.0, -30.0, 5.0, 40.0])  # peak 10 at 0 h, back above at 3 h
    duration = drawdown_duration(hours(0, 1, 2, 3), curve)
    assert (duration.seconds, duration.recovered) == (3 * 3600.0, True)


def test_drawdown_duration_starts_at_the_last_visit_of_the_peak() -> None:
    curve = cumulative_pnl([10.0, -5.0, 5.0, -30.0, 35.0])  # 10, 5, 10, -20, 15
    duration = drawdown_duration(hours(0, 1, 2, 3, 4), curve)
    assert (duration.seconds, duration.recovered) == (2 * 3600.0, True)


def test_a_drawdown_from_the_first_trade_starts_at_the_first_trade() -> None:
    duration = drawdown_duration(hours(1, 5), cumulative_pnl([-10.0, 20.0]))
    assert (duration.seconds, duration.recovered) == (4 * 3600.0, True)


def test_a_drawdown_that_never_recovers() -> None:
    duration = drawdown_duration(hours(0, 1, 2), cumulative_pnl([10.0, -30.0, 5.0]))
    assert (duration.seconds, duration.recovered) == (None, False)


@pytest.mark.parametrize("pnl", [[], [1.0, 2.0], [0.0]])
def test_no_drawdown_has_no_duration(pnl: list[float]) -> None:
    duration = drawdown_duration(hours(*range(len(pnl))), cumulative_pnl(pnl))
    assert (duration.seconds, duration.recovered) == (None, True)


# ------------------------------------------------------------------ the whole summary


def test_summary_of_trades_given_out_of_order_with_one_unconverted() -> None:
    trades = trades_frame(
        pnl=[40.0, 10.0, NAN, -30.0],
        offsets=[3, 0, 30, 1],  # close order: 10, -30, NaN (sign +), 40
        signs=[40.0, 10.0, 8.0, -30.0],
    )
    summary = summarize_results(trades, capital=100.0)
    assert (summary.trades, summary.unconverted) == (4, 1)
    assert (summary.gross_profit, summary.gross_loss, summary.net_pnl) == (50.0, 30.0, 20.0)
    assert summary.profit_factor == pytest.approx(50 / 30)
    assert summary.win_rate == pytest.approx(3 / 4)  # the unconverted trade won
    assert (summary.longest_win_streak, summary.longest_loss_streak) == (2, 1)
    # curve 10, -20, 20: drawdown 30 from the peak at 0 h, back above it at 3 h
    assert summary.max_drawdown == 30.0
    assert summary.max_drawdown_pct == pytest.approx(30 / 110)
    assert (summary.drawdown_duration_s, summary.drawdown_recovered) == (3 * 3600.0, True)
    # day 1: 10 - 30 + 40 = 20; day 2 (only the unconverted trade): 0
    assert summary.sharpe == pytest.approx(10 / math.sqrt(200) * math.sqrt(252))
    assert summary.sortino is None
    assert summary.var_days == 2
    assert summary.var95 == pytest.approx(-(0 + 0.05 * 20))
    assert summary.es95 == pytest.approx(0.0)


def test_summary_of_no_trades() -> None:
    summary = summarize_results(trades_frame([], []))
    assert summary.trades == 0
    assert summary.profit_factor is None and summary.win_rate is None
    assert summary.sharpe is None and summary.sortino is None
    assert summary.var95 is None and summary.es95 is None and summary.var_days == 0
    assert summary.max_drawdown == 0.0 and summary.max_drawdown_pct is None
    assert summary.drawdown_duration_s is None and summary.drawdown_recovered is True


def test_histogram_and_attribution() -> None:
    histogram = pnl_histogram([-10.0, 0.0, 10.0, NAN], bins=2)
    assert histogram.to_dict("list") == {
        "bin_low": [-10.0, 0.0],
        "bin_high": [0.0, 10.0],
        "trades": [1, 2],
    }
    attribution = pnl_attribution(["EURUSD", "XAUUSD", "EURUSD", "US500"], [5.0, 9.0, 2.0, NAN])
    assert attribution.to_dict("list") == {
        "key": ["XAUUSD", "EURUSD", "US500"],
        "net_pnl": [9.0, 7.0, 0.0],
        "trades": [1, 2, 1],
        "unconverted": [0, 0, 1],
    }
