"""Technical indicators for the Market page's price charts: pure functions of a price series.

Each takes the closes in time order and returns a series of the same length and index, NaN
where the look-back is not yet full.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.metrics.percentiles import FloatArray

BOLLINGER_WINDOW = 20
BOLLINGER_WIDTH = 2.0
RSI_PERIOD = 14


def _series(values: pd.Series | FloatArray | list[float]) -> pd.Series:
    return pd.Series(values, dtype="float64") if not isinstance(values, pd.Series) else values


def sma(values: pd.Series | FloatArray | list[float], window: int) -> pd.Series:
    """Simple moving average of the last ``window`` values."""
    if window < 1:
        raise ValueError("window must be 1 or more")
    return _series(values).astype("float64").rolling(window, min_periods=window).mean()


def bollinger_bands(
    values: pd.Series | FloatArray | list[float],
    window: int = BOLLINGER_WINDOW,
    width: float = BOLLINGER_WIDTH,
) -> pd.DataFrame:
    """``middle`` (SMA), ``upper`` and ``lower`` = middle ± ``width`` × the population standard
    deviation (ddof 0, as Bollinger defines it) of the last ``window`` values."""
    prices = _series(values).astype("float64")
    middle = sma(prices, window)
    spread = width * prices.rolling(window, min_periods=window).std(ddof=0)
    return pd.DataFrame({"middle": middle, "upper": middle + spread, "lower": middle - spread})


def rsi(values: pd.Series | FloatArray | list[float], period: int = RSI_PERIOD) -> pd.Series:
    """Wilder's relative strength index (0–100).

    The first value (at position ``period``) uses the simple means of the first ``period``
    gains and losses; later ones Wilder's smoothing, ``avg = (avg × (n − 1) + x) / n``.
    100 when there were no losses, 50 when the price did not move at all.
    """
    if period < 1:
        raise ValueError("period must be 1 or more")
    prices = _series(values).astype("float64")
    change = prices.diff().to_numpy()
    out = np.full(len(prices), np.nan)
    if len(prices) > period:
        gains, losses = np.clip(change, 0, None), np.clip(-change, 0, None)
        avg_gain, avg_loss = gains[1 : period + 1].mean(), losses[1 : period + 1].mean()
        out[period] = _rsi_value(avg_gain, avg_loss)
        for i in range(period + 1, len(prices)):
            avg_gain = (avg_gain * (period - 1) + gains[i]) / period
            avg_loss = (avg_loss * (period - 1) + losses[i]) / period
            out[i] = _rsi_value(avg_gain, avg_loss)
    return pd.Series(out, index=prices.index, dtype="float64")


def _rsi_value(avg_gain: float, avg_loss: float) -> float:
    if avg_loss == 0:
        return 50.0 if avg_gain == 0 else 100.0
    return float(100.0 - 100.0 / (1.0 + avg_gain / avg_loss))


def log_returns(values: pd.Series | FloatArray | list[float]) -> pd.Series:
    """ln(pₜ / pₜ₋₁); NaN for the first value."""
    prices = _series(values).astype("float64")
    return pd.Series(np.log(prices / prices.shift(1)), index=prices.index, dtype="float64")
