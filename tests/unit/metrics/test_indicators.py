"""Technical indicators against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app.metrics.indicators import bollinger_bands, log_returns, rsi, sma

pytestmark = pytest.mark.unit


def test_sma_starts_once_the_window_is_full() -> None:
    assert sma([1, 2, 3, 4, 5], 3).tolist()[2:] == [2.0, 3.0, 4.0]
    assert sma([1, 2, 3, 4, 5], 3).isna().tolist()[:2] == [True, True]
    assert sma([], 3).empty
    with pytest.raises(ValueError):
        sma([1.0], 0)


def test_bollinger_bands_use_the_population_standard_deviation() -> None:
    bands = bollinger_bands([1, 2, 3, 4, 5], window=3, width=2)
    spread = 2 * math.sqrt(2 / 3)  # std of (1, 2, 3) with ddof 0
    assert bands["middle"].tolist()[2:] == [2.0, 3.0, 4.0]
    assert bands["upper"].iloc[2] == pytest.approx(2 + spread)
    assert bands["lower"].iloc[4] == pytest.approx(4 - spread)
    assert bands.iloc[:2].isna().all().all()


def test_rsi_uses_wilders_smoothing() -> None:
    prices = [10, 11, 10.5, 11.5, 11, 12]
    # changes +1, -0.5, +1 → avg gain 2/3, avg loss 1/6, RS 4
    # then -0.5: gain (2/3·2 + 0)/3 = 4/9, loss (1/6·2 + .5)/3 = 5/18, RS 1.6
    # then +1: gain (4/9·2 + 1)/3 = 17/27, loss (5/18·2)/3 = 5/27, RS 3.4
    values = rsi(prices, period=3)
    assert values.isna().tolist()[:3] == [True, True, True]
    assert values.tolist()[3:] == pytest.approx([80.0, 100 - 100 / 2.6, 100 - 100 / 4.4])


@pytest.mark.parametrize(
    ("prices", "expected"),
    [([1, 2, 3, 4, 5, 6], 100.0), ([5, 5, 5, 5, 5], 50.0), ([6, 5, 4, 3, 2], 0.0)],
)
def test_rsi_edges(prices: list[float], expected: float) -> None:
    assert rsi(prices, period=3).iloc[-1] == pytest.approx(expected)


def test_rsi_keeps_the_index_and_needs_more_than_a_period() -> None:
    series = pd.Series([1.0, 2.0, 3.0], index=[10, 11, 12])
    assert rsi(series, period=3).index.tolist() == [10, 11, 12]
    assert rsi(series, period=3).isna().all()


def test_log_returns() -> None:
    returns = log_returns([100.0, 110.0, 99.0])
    assert math.isnan(returns.iloc[0])
    assert returns.iloc[1:].tolist() == pytest.approx([np.log(1.1), np.log(0.9)])
