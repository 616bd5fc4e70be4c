"""``summarize_trades`` computes every figure in one pass over shared intermediate arrays (the
rule report's fast path): each figure must equal, bit for bit, what the single-metric
functions of ``app.metrics.results`` give for the same trades."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.metrics.results import (
    NS_PER_DAY,
    cumulative_pnl,
    daily_sums,
    drawdown_duration_ns,
    gross_loss,
    gross_profit,
    longest_streaks,
    max_drawdown,
    max_drawdown_fraction,
    net_pnl,
    profit_factor,
    sharpe_ratio,
    sortino_ratio,
    summarize_trade_days,
    summarize_trades,
    trade_count,
    win_rate,
)
from app.metrics.risk import value_at_risk

pytestmark = pytest.mark.unit

DAY0_NS = 20_000 * NS_PER_DAY


def generated(
    count: int, seed: int, *, unconverted_every: int, drift: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Close times over 6 days (ties, gaps), results rounded to cents with zeros, and USD
    amounts with NaN for every ``unconverted_every``-th trade (0: none)."""
    rng = np.random.default_rng(seed)
    close_ns = np.sort(DAY0_NS + rng.integers(0, 6 * 86_400, count) // 7 * 7 * 10**9)
    pnl = np.round(rng.normal(drift, 60.0, count), 2)
    pnl[::37] = 0.0
    usd = np.round(pnl * 1.0837, 8)
    if unconverted_every:
        usd[::unconverted_every] = np.nan
    return close_ns, pnl, usd


def single_metrics(
    close_ns: np.ndarray, pnl: np.ndarray, usd: np.ndarray, capital: float
) -> dict[str, Any]:
    """The summary's fields from the separate public functions."""
    converted = ~np.isnan(usd)
    curve = cumulative_pnl(usd)
    daily = daily_sums(close_ns, usd)
    duration = drawdown_duration_ns(close_ns[converted], curve)
    var = value_at_risk(daily)
    wins, losses = longest_streaks(pnl)
    return {
        "trades": trade_count(pnl),
        "unconverted": int((~converted).sum()),
        "gross_profit": gross_profit(usd),
        "gross_loss": gross_loss(usd),
        "net_pnl": net_pnl(usd),
        "profit_factor": profit_factor(usd),
        "win_rate": win_rate(pnl),
        "sharpe": sharpe_ratio(daily, 0.0001),
        "sortino": sortino_ratio(daily, 0.0001),
        "max_drawdown": max_drawdown(curve),
        "max_drawdown_pct": max_drawdown_fraction(curve, capital),
        "drawdown_duration_s": duration.seconds,
        "drawdown_recovered": duration.recovered,
        "var95": var.var,
        "es95": var.expected_shortfall,
        "var_days": var.days_used,
        "longest_win_streak": wins,
        "longest_loss_streak": losses,
    }


@pytest.mark.parametrize(
    ("seed", "unconverted_every", "drift"),
    [
        (1, 0, 3.0),  # rising: the max drawdown recovers
        (2, 11, 3.0),  # unconverted trades: curve points are not trade indices
        (3, 5, -4.0),  # falling: never recovers
        (4, 0, 0.0),
    ],
)
def test_one_pass_summary_equals_each_metric(
    seed: int, unconverted_every: int, drift: float
) -> None:
    close_ns, pnl, usd = generated(5_000, seed, unconverted_every=unconverted_every, drift=drift)
    summary = summarize_trades(close_ns, pnl, usd, capital=25_000.0, risk_free_daily=0.0001)
    expected = single_metrics(close_ns, pnl, usd, 25_000.0)
    assert summary.as_dict() == expected
    assert summary.max_drawdown > 0


def test_bounds_name_the_trades_whose_times_give_the_duration() -> None:
    close_ns, pnl, usd = generated(3_000, 2, unconverted_every=11, drift=3.0)
    days = close_ns // NS_PER_DAY - 7  # any numbering in day order groups the same
    summary, bounds = summarize_trade_days(days, pnl, usd, capital=25_000.0)
    assert bounds is not None and summary.drawdown_duration_s is None
    assert summary.drawdown_recovered is True
    assert not np.isnan(usd[bounds.peak]) and not np.isnan(usd[bounds.recovery])
    timed = bounds.timed(summary, int(close_ns[bounds.peak]), int(close_ns[bounds.recovery]))
    assert timed == summarize_trades(close_ns, pnl, usd, capital=25_000.0)


def test_hand_computed_bounds_skip_unconverted_trades() -> None:
    # curve over the converted trades: 10, -20, 20; trade 2 is unconverted
    usd = np.array([10.0, -30.0, np.nan, 40.0])
    pnl = np.array([10.0, -30.0, 8.0, 40.0])
    days = np.zeros(4, dtype=np.int64)
    summary, bounds = summarize_trade_days(days, pnl, usd)
    assert bounds is not None and (bounds.peak, bounds.recovery) == (0, 3)
    assert (summary.max_drawdown, summary.unconverted, summary.win_rate) == (30.0, 1, 0.75)


@pytest.mark.parametrize(
    ("usd", "recovered"),
    [([], True), ([1.0, 2.0], True), ([5.0, -1.0, -1.0], False)],
)
def test_no_bounds_without_a_recovered_drawdown(usd: list[float], recovered: bool) -> None:
    values = np.array(usd, dtype=np.float64)
    summary, bounds = summarize_trade_days(np.zeros(values.size, np.int64), values, values)
    assert bounds is None
    assert (summary.drawdown_duration_s, summary.drawdown_recovered) == (None, recovered)


def longest_run_by_loop(values: list[float], win: bool) -> int:
    longest = current = 0
    for value in values:
        current = current + 1 if (value > 0 if win else value < 0) else 0
        longest = max(longest, current)
    return longest


@pytest.mark.parametrize("size", [0, 1, 2, 3, 50, 2_000])
def test_streaks_equal_a_plain_loop(size: int) -> None:
    rng = np.random.default_rng(size)
    values = rng.choice([-1.5, 0.0, 2.0, np.nan], size=size, p=[0.4, 0.1, 0.45, 0.05])
    expected = (longest_run_by_loop(list(values), True), longest_run_by_loop(list(values), False))
    assert longest_streaks(values) == expected
    assert longest_streaks(np.abs(values)) == (longest_run_by_loop(list(np.abs(values)), True), 0)
