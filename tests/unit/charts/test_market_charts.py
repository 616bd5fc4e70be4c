"""Market figure builders: the traces they draw from small frames, and empty data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from app.charts.market import (
    WARMUP_BUCKETS,
    cumulative_pnl_by_lp,
    price_chart,
    volatility_heatmap,
    with_indicators,
)
from app.charts.theme import NO_DATA, is_empty

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def _candles(n: int) -> pd.DataFrame:
    close = 1.1 + 0.001 * np.sin(np.arange(n) / 5)
    return pd.DataFrame(
        {
            "bucket": [T0 + dt.timedelta(minutes=5 * i) for i in range(n)],
            "open": close - 0.0002,
            "high": close + 0.0005,
            "low": close - 0.0005,
            "close": close,
            "quote_count": 100,
            "volume_usd": 1e6,
        }
    )


def _fills() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": [T0 + dt.timedelta(minutes=300), T0 + dt.timedelta(minutes=301)],
            "fill_price": [1.1, 1.101],
            "fill_qty": [1000.0, 2000.0],
            "side": ["buy", "sell"],
            "lp": ["LP_A", "INTERNAL"],
            "book": ["A", "B"],
        }
    )


def test_the_price_chart_has_candles_indicators_fills_volume_and_rsi() -> None:
    fig = price_chart(_candles(100), _fills(), "EURUSD")
    names = [trace.name for trace in fig.data]
    assert names == [
        "EURUSD", "BB upper", "BB lower", "SMA 20", "SMA 50",
        "Client buys", "Client sells", "Volume (USD)", "RSI 14",
    ]  # fmt: skip
    markers = {t.name: t.marker.symbol for t in fig.data if t.name.startswith("Client")}
    assert markers == {"Client buys": "triangle-up", "Client sells": "triangle-down"}
    assert fig.layout.yaxis3.range == (0, 100)


def test_warmup_candles_feed_the_indicators_but_are_not_drawn() -> None:
    candles = _candles(WARMUP_BUCKETS + 10)
    visible_from = candles["bucket"].iloc[WARMUP_BUCKETS]
    fig = price_chart(candles, _fills().iloc[:0], "EURUSD", visible_from=visible_from)
    assert len(fig.data[0].x) == 10
    sma50 = next(t for t in fig.data if t.name == "SMA 50")
    assert not np.isnan(np.asarray(sma50.y, dtype=float)).any()
    expected = with_indicators(candles)["sma50"].iloc[WARMUP_BUCKETS:].to_numpy()
    assert np.asarray(sma50.y, dtype=float) == pytest.approx(expected)


def test_no_candles_is_a_no_data_figure() -> None:
    fig = price_chart(_candles(0), _fills(), "EURUSD")
    assert is_empty(fig)
    assert fig.layout.annotations[0].text == NO_DATA


def test_the_volatility_heatmap_has_24_hours_in_basis_points() -> None:
    frame = pd.DataFrame(
        {"symbol": ["EURUSD", "EURUSD", "USDJPY"], "hour": [0, 13, 13],
         "volatility": [1e-4, 2e-4, 3e-4], "returns": [10, 10, 10]}
    )  # fmt: skip
    fig = volatility_heatmap(frame)
    heatmap = fig.data[0]
    assert list(heatmap.y) == ["EURUSD", "USDJPY"]
    assert len(heatmap.x) == 24
    z = np.asarray(heatmap.z, dtype=float)
    assert z[0, 0] == pytest.approx(1.0) and z[1, 13] == pytest.approx(3.0)
    assert np.isnan(z[1, 0])
    assert is_empty(volatility_heatmap(frame.iloc[:0]))


def test_cumulative_pnl_carries_each_lp_forward() -> None:
    t1, t2 = T0, T0 + dt.timedelta(hours=1)
    frame = pd.DataFrame(
        {"bucket": [t1, t1, t2], "lp": ["LP_A", "INTERNAL", "LP_A"],
         "pnl_usd": [10.0, -5.0, 2.5], "trades": [1, 1, 1]}
    )  # fmt: skip
    fig = cumulative_pnl_by_lp(frame)
    lines = {t.name: list(t.y) for t in fig.data}
    assert lines == {"INTERNAL": [-5.0, -5.0], "LP_A": [10.0, 12.5]}
    assert {t.fill for t in fig.data} == {"tozeroy"}
    assert is_empty(cumulative_pnl_by_lp(frame.iloc[:0]))
