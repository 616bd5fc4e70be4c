"""Properties of the results metrics that must hold for any trades (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.metrics.results import (
    cumulative_pnl,
    drawdown_duration,
    drawdown_series,
    gross_loss,
    gross_profit,
    max_drawdown,
    max_drawdown_fraction,
    profit_factor,
    summarize_results,
    win_rate,
)
from app.metrics.risk import daily_percentile, value_at_risk

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

# Cent amounts, as broker_pnl is stored; some exactly zero.
amounts = st.integers(min_value=-1_000_000, max_value=1_000_000).map(lambda cents: cents / 100)
pnl_lists = st.lists(amounts, max_size=60)
minutes = st.lists(st.integers(min_value=0, max_value=60 * 24 * 30), max_size=60)


def frame_of(pnl: list[float], offsets: list[int]) -> pd.DataFrame:
    offsets = (offsets + list(range(len(pnl))))[: len(pnl)]
    times = [T0 + dt.timedelta(minutes=m) for m in offsets]
    return pd.DataFrame({"ts": times, "broker_pnl": pnl, "broker_pnl_usd": pnl})


@given(pnl_lists)
def test_drawdown_is_never_negative(pnl: list[float]) -> None:
    curve = cumulative_pnl(pnl)
    assert (drawdown_series(curve) >= 0).all()
    assert max_drawdown(curve) >= 0
    assert max_drawdown_fraction(curve, 10_000.0) >= 0


@given(pnl_lists)
def test_max_drawdown_is_bounded_by_the_gross_loss(pnl: list[float]) -> None:
    assert max_drawdown(cumulative_pnl(pnl)) <= gross_loss(pnl) + 1e-6


@given(pnl_lists)
def test_win_rate_is_a_fraction(pnl: list[float]) -> None:
    rate = win_rate(pnl)
    assert rate is None if not pnl else 0.0 <= rate <= 1.0


@given(pnl_lists, minutes)
def test_duplicating_every_trade_doubles_sums_and_keeps_ratios(
    pnl: list[float], offsets: list[int]
) -> None:
    once = summarize_results(frame_of(pnl, offsets))
    frame = frame_of(pnl, offsets)
    twice = summarize_results(pd.concat([frame, frame], ignore_index=True))
    assert twice.trades == 2 * once.trades
    assert twice.gross_profit == pytest.approx(2 * once.gross_profit)
    assert twice.gross_loss == pytest.approx(2 * once.gross_loss)
    assert twice.net_pnl == pytest.approx(2 * once.net_pnl, abs=1e-6)
    assert twice.win_rate == once.win_rate
    if once.profit_factor is None or np.isinf(once.profit_factor):
        assert twice.profit_factor == once.profit_factor
    else:
        assert twice.profit_factor == pytest.approx(once.profit_factor)


@given(pnl_lists)
def test_profit_factor_agrees_with_the_gross_sums(pnl: list[float]) -> None:
    factor = profit_factor(pnl)
    profit, loss = gross_profit(pnl), gross_loss(pnl)
    if loss > 0:
        assert factor == pytest.approx(profit / loss)
    else:
        assert factor == (float("inf") if profit > 0 else None)


@given(pnl_lists, minutes)
def test_a_recovered_drawdown_has_a_duration_and_an_unrecovered_one_has_none(
    pnl: list[float], offsets: list[int]
) -> None:
    frame = frame_of(pnl, offsets).sort_values("ts", kind="stable")
    duration = drawdown_duration(frame["ts"], cumulative_pnl(frame["broker_pnl_usd"]))
    if duration.recovered:
        assert duration.seconds is None or duration.seconds >= 0
    else:
        assert duration.seconds is None


@given(st.lists(amounts, min_size=1, max_size=300), st.floats(0, 100), st.floats(0, 100))
def test_percentiles_are_monotone(daily: list[float], p: float, q: float) -> None:
    low, high = sorted((p, q))
    low_value, high_value = daily_percentile(daily, low), daily_percentile(daily, high)
    assert low_value is not None and high_value is not None
    assert min(daily) <= low_value <= high_value + 1e-9 <= max(daily) + 2e-9


@given(st.lists(amounts, min_size=1, max_size=300))
def test_expected_shortfall_is_at_least_var_and_var_grows_with_confidence(
    daily: list[float],
) -> None:
    at95, at99 = value_at_risk(daily), value_at_risk(daily, confidence=0.99)
    assert at95.var is not None and at95.expected_shortfall is not None
    assert at99.var is not None
    assert at95.expected_shortfall >= at95.var - 1e-9
    assert at99.var >= at95.var - 1e-9
    assert at95.var <= -min(daily) + 1e-9
