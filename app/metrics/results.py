"""Trading results of closed positions (METRICS.md, "Results"): pure functions, no I/O.

Inputs are the broker's result per closed position in USD (``broker_pnl_usd``), as arrays in
close-time order, or a frame of trades (see :func:`summarize_results`). A trade whose USD rate
was unknown carries ``NaN`` as its USD amount: it counts as a trade (its sign is known from
``broker_pnl`` in the account currency) but stays out of every money figure, and the caller
reports how many there were (``unconverted``), never treating the rate as 1.0.

Conventions shared by every function here:

- A *win* is a trade with a result > 0, a *loss* < 0; a result of exactly 0 is neither and
  breaks both streaks.
- Ratios that are undefined (no trades, no days, zero deviation) are ``None``; the profit
  factor is ``float('inf')`` when there are gains and no losses.
- Days are UTC calendar days; only days with at least one trade exist in the daily series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .risk import DEFAULT_VAR_DAYS, value_at_risk

TRADING_DAYS_PER_YEAR = 252
NS_PER_DAY = 86_400 * 10**9
FloatArray = npt.NDArray[np.float64]
Amounts = Sequence[float] | npt.ArrayLike

BandName = Literal["unprofitable", "marginal", "good", "excellent"]


@dataclass(frozen=True)
class ProfitFactorBand:
    """A profit factor's band and the colour the pages show it in."""

    name: BandName
    colour: Literal["red", "yellow", "green", "blue"]


def _amounts(values: Amounts) -> FloatArray:
    """The values as a 1-d float array with unconverted (NaN) amounts dropped."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    return array[~np.isnan(array)]


def trade_count(results: Amounts) -> int:
    """Number of closed positions (unconverted ones included: NaN still counts)."""
    return int(np.asarray(results, dtype=np.float64).size)


def gross_profit(pnl_usd: Amounts) -> float:
    """Σ of the positive results (0.0 without any)."""
    amounts = _amounts(pnl_usd)
    return float(amounts[amounts > 0].sum())


def gross_loss(pnl_usd: Amounts) -> float:
    """|Σ of the negative results|, a positive amount (0.0 without any)."""
    amounts = _amounts(pnl_usd)
    return float(-amounts[amounts < 0].sum())


def net_pnl(pnl_usd: Amounts) -> float:
    """Σ of the results."""
    return float(_amounts(pnl_usd).sum())


def profit_factor(pnl_usd: Amounts) -> float | None:
    """Gross profit / gross loss; ``inf`` with gains and no losses; None with no trades or when
    every result is 0 (0 / 0)."""
    profit, loss = gross_profit(pnl_usd), gross_loss(pnl_usd)
    if loss == 0:
        return math.inf if profit > 0 else None
    return profit / loss


def profit_factor_band(value: float | None) -> ProfitFactorBand | None:
    """The band of a profit factor: < 1.0 unprofitable (red), 1.0–1.5 marginal (yellow),
    1.5–2.0 good (green), > 2.0 excellent (blue); None for an undefined factor."""
    if value is None or math.isnan(value):
        return None
    if value < 1.0:
        return ProfitFactorBand("unprofitable", "red")
    if value < 1.5:
        return ProfitFactorBand("marginal", "yellow")
    if value <= 2.0:
        return ProfitFactorBand("good", "green")
    return ProfitFactorBand("excellent", "blue")


def win_rate(results: Amounts) -> float | None:
    """Trades with a result > 0 / trades, in [0, 1]; None with no trades.

    Pass the results in any currency (their signs are all that matter), so unconverted trades
    still count.
    """
    array = np.asarray(results, dtype=np.float64).reshape(-1)
    if array.size == 0:
        return None
    return float(np.count_nonzero(array > 0) / array.size)


def longest_streaks(results_in_close_order: Amounts) -> tuple[int, int]:
    """(longest run of consecutive wins, longest run of consecutive losses); a 0 breaks both."""
    values = np.asarray(results_in_close_order, dtype=np.float64).reshape(-1)
    padded = np.zeros(values.size + 2, dtype=np.bool_)  # one buffer for both masks
    np.greater(values, 0.0, out=padded[1:-1])
    wins = _longest_run(padded)
    np.less(values, 0.0, out=padded[1:-1])
    return wins, _longest_run(padded)


def _longest_run(padded: npt.NDArray[np.bool_]) -> int:
    """The longest run of consecutive True values of a mask with a False at both ends
    (vectorised: the changes alternate between a run's start and the position after it)."""
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    if changes.size == 0:
        return 0
    return int((changes[1::2] - changes[::2]).max())


def daily_pnl(close_ts: Sequence[Any] | pd.Series, pnl_usd: Amounts) -> pd.Series:
    """Σ result per UTC calendar day (index: day at 00:00 UTC, ascending) over the days with at
    least one trade; unconverted (NaN) amounts add nothing but their day still exists."""
    days = pd.DatetimeIndex(pd.to_datetime(close_ts, utc=True)).floor("D")
    amounts = pd.Series(np.asarray(pnl_usd, dtype=np.float64).reshape(-1), index=days)
    if amounts.empty:
        return pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=np.float64)
    return amounts.groupby(level=0).sum(min_count=0).sort_index()


def sharpe_ratio(daily: Amounts, risk_free_daily: float = 0.0) -> float | None:
    """mean(daily − rf) / std(daily − rf, ddof=1) × √252; None with < 2 days or zero std."""
    excess = _amounts(daily) - risk_free_daily
    if excess.size < 2:
        return None
    std = float(excess.std(ddof=1))
    if std <= 1e-12 * max(1.0, float(np.abs(excess).max())):
        return None
    return float(excess.mean()) / std * math.sqrt(TRADING_DAYS_PER_YEAR)


def sortino_ratio(daily: Amounts, risk_free_daily: float = 0.0) -> float | None:
    """mean(daily − rf) / √(mean(min(daily − rf, 0)²)) × √252; None with no days or no
    losing day (zero downside deviation)."""
    excess = _amounts(daily) - risk_free_daily
    if excess.size == 0:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside == 0:
        return None
    return float(excess.mean()) / downside * math.sqrt(TRADING_DAYS_PER_YEAR)


def cumulative_pnl(pnl_usd_in_close_order: Amounts) -> FloatArray:
    """The running Σ of the results (the P/L curve), one point per converted trade."""
    return np.cumsum(_amounts(pnl_usd_in_close_order))


def running_peak(curve: Amounts) -> FloatArray:
    """The running maximum of the curve, starting from 0 (the curve before the first trade)."""
    values = np.asarray(curve, dtype=np.float64).reshape(-1)
    return np.maximum.accumulate(np.maximum(values, 0.0)) if values.size else values


def drawdown_series(curve: Amounts) -> FloatArray:
    """Running peak − curve at every point: ≥ 0, in USD."""
    values = np.asarray(curve, dtype=np.float64).reshape(-1)
    return running_peak(values) - values


def max_drawdown(curve: Amounts) -> float:
    """The largest drawdown of the curve in USD (0.0 for an empty or never-falling curve)."""
    drawdowns = drawdown_series(curve)
    return float(drawdowns.max()) if drawdowns.size else 0.0


def max_drawdown_fraction(curve: Amounts, capital: float) -> float:
    """max over time of drawdown / (capital + running peak), a fraction (> 1 once the losses
    exceed the capital and the gains so far)."""
    if not capital > 0:
        raise ValueError("capital must be a positive amount")
    values = np.asarray(curve, dtype=np.float64).reshape(-1)
    if values.size == 0:
        return 0.0
    return float((drawdown_series(values) / (capital + running_peak(values))).max())


@dataclass(frozen=True)
class DrawdownDuration:
    """The time from the peak before the max drawdown back to that peak.

    ``seconds`` is None when there was no drawdown or when the curve never came back to the
    peak (then ``recovered`` is False).
    """

    seconds: float | None
    recovered: bool


def drawdown_duration(close_ts: Sequence[Any] | pd.Series, curve: Amounts) -> DrawdownDuration:
    """From the peak before the max drawdown to the first later time the curve is back at it.

    ``close_ts[i]`` is the time of ``curve[i]``. The peak's time is that of the trade that set
    it; when the peak is the starting 0 (the curve fell from its first trade on), it is the
    first trade's time. Ties of the max drawdown take the earliest.
    """
    return drawdown_duration_ns(epoch_ns(close_ts), curve)


def epoch_ns(close_ts: Sequence[Any] | pd.Series) -> npt.NDArray[np.int64]:
    """UTC times as int64 nanoseconds since 1970 (naive times are taken as UTC)."""
    times = pd.DatetimeIndex(pd.to_datetime(close_ts, utc=True)).as_unit("ns")
    return np.asarray(times.asi8, dtype=np.int64)


def drawdown_duration_ns(close_ns: npt.NDArray[np.int64], curve: Amounts) -> DrawdownDuration:
    """:func:`drawdown_duration` with the times as int64 nanoseconds since 1970."""
    values = np.asarray(curve, dtype=np.float64).reshape(-1)
    drawdowns = drawdown_series(values)
    if values.size == 0 or drawdowns.max() <= 0:
        return DrawdownDuration(None, True)
    trough = int(drawdowns.argmax())
    peak = running_peak(values)[trough]
    at_peak = np.flatnonzero(values[: trough + 1] >= peak)
    peak_time = int(close_ns[int(at_peak[-1])] if at_peak.size else close_ns[0])
    back = np.flatnonzero(values[trough + 1 :] >= peak)
    if back.size == 0:
        return DrawdownDuration(None, False)
    recovery_time = int(close_ns[trough + 1 + int(back[0])])
    return DrawdownDuration((recovery_time - peak_time) / 1e9, True)


def daily_sums(close_ns: npt.NDArray[np.int64], pnl_usd: Amounts) -> FloatArray:
    """:func:`daily_pnl`'s values (day order) from int64 nanosecond close times."""
    return _daily_sums_by(np.floor_divide(close_ns, NS_PER_DAY), pnl_usd)


def _daily_sums_by(day_numbers: npt.NDArray[np.int64], pnl_usd: Amounts) -> FloatArray:
    """:func:`daily_sums` with each trade's day as an integer (any numbering in day order):
    the same grouped sums (pandas' compensated sum per day, NaN adding nothing)."""
    amounts = pd.Series(np.asarray(pnl_usd, dtype=np.float64).reshape(-1))
    if amounts.empty:
        return np.empty(0, dtype=np.float64)
    sums: FloatArray = amounts.groupby(day_numbers, sort=True).sum(min_count=0).to_numpy(np.float64)
    return sums


@dataclass(frozen=True)
class ResultsSummary:
    """Every results metric of one scope (a rule, an LP, a symbol, a book, ...), in USD."""

    trades: int
    unconverted: int
    gross_profit: float
    gross_loss: float
    net_pnl: float
    profit_factor: float | None
    win_rate: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_pct: float | None
    drawdown_duration_s: float | None
    drawdown_recovered: bool
    var95: float | None
    es95: float | None
    var_days: int
    longest_win_streak: int
    longest_loss_streak: int

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (numbers as they are; ``inf`` left to the caller)."""
        return asdict(self)


def order_trades(trades: pd.DataFrame) -> pd.DataFrame:
    """The trades sorted by close time (stable, so equal times keep their given order)."""
    return trades.sort_values("ts", kind="stable").reset_index(drop=True)


def summarize_results(
    trades: pd.DataFrame,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> ResultsSummary:
    """All results metrics of a frame of trades with columns ``ts`` (close time, UTC),
    ``broker_pnl`` (any currency: its sign) and ``broker_pnl_usd`` (NaN when unconverted)."""
    ordered = order_trades(trades)
    return summarize_trades(
        epoch_ns(ordered["ts"]),
        ordered["broker_pnl"].to_numpy(dtype=np.float64),
        ordered["broker_pnl_usd"].to_numpy(dtype=np.float64),
        capital=capital,
        risk_free_daily=risk_free_daily,
        var_days=var_days,
    )


def summarize_trades(
    close_ns: npt.NDArray[np.int64],
    signs: FloatArray,
    usd: FloatArray,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> ResultsSummary:
    """:func:`summarize_results` over arrays already in close order: close times (int64 ns
    since 1970, UTC), ``broker_pnl`` (any currency: its sign) and ``broker_pnl_usd`` (NaN
    when unconverted)."""
    summary, bounds = summarize_trade_days(
        np.floor_divide(close_ns, NS_PER_DAY),
        signs,
        usd,
        capital=capital,
        risk_free_daily=risk_free_daily,
        var_days=var_days,
    )
    if bounds is None:
        return summary
    return bounds.timed(summary, int(close_ns[bounds.peak]), int(close_ns[bounds.recovery]))


@dataclass(frozen=True)
class DrawdownBounds:
    """The trades (indices into all trades, unconverted included) whose close times bound the
    max drawdown's duration: the one that set the peak before it (the first trade when the
    peak is the starting 0) and the first one back at that peak."""

    peak: int
    recovery: int

    def timed(self, summary: ResultsSummary, peak_ns: int, recovery_ns: int) -> ResultsSummary:
        """The summary with its duration from these trades' close times (ns since 1970)."""
        return replace(summary, drawdown_duration_s=(recovery_ns - peak_ns) / 1e9)


def summarize_trade_days(
    day_numbers: npt.NDArray[np.int64],
    signs: FloatArray,
    usd: FloatArray,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> tuple[ResultsSummary, DrawdownBounds | None]:
    """:func:`summarize_trades` with each trade's UTC day (any integer numbering in day
    order) instead of its close time; the drawdown duration is left None and, when the max
    drawdown recovered, the trades whose times give it are returned (the caller reads only
    those two times).

    Every figure is computed exactly as the single-metric functions of this module do (the
    same operations on the same arrays), once: each intermediate array is made one time.
    """
    converted = ~np.isnan(usd)
    unconverted = int(usd.size - np.count_nonzero(converted))
    amounts = usd[converted] if unconverted else usd
    profit = float(amounts[amounts > 0].sum())
    loss = float(-amounts[amounts < 0].sum())
    curve = np.cumsum(amounts)
    peak = np.maximum.accumulate(curve)  # then floored at the starting 0: the same maxima
    np.maximum(peak, 0.0, out=peak)
    drawdowns = peak - curve
    daily = _daily_sums_by(day_numbers, usd)
    var = value_at_risk(daily, days=var_days)
    wins, losses = longest_streaks(signs)
    recovered, bounds = _drawdown_bounds(curve, peak, drawdowns)
    if bounds is not None and unconverted:
        trade_of_point = np.flatnonzero(converted)
        bounds = DrawdownBounds(
            int(trade_of_point[bounds.peak]), int(trade_of_point[bounds.recovery])
        )
    summary = ResultsSummary(
        trades=int(signs.size),
        unconverted=unconverted,
        gross_profit=profit,
        gross_loss=loss,
        net_pnl=float(amounts.sum()),
        profit_factor=_profit_factor(profit, loss),
        win_rate=win_rate(signs),
        sharpe=sharpe_ratio(daily, risk_free_daily),
        sortino=sortino_ratio(daily, risk_free_daily),
        max_drawdown=float(drawdowns.max()) if drawdowns.size else 0.0,
        max_drawdown_pct=None
        if capital is None
        else _max_drawdown_fraction(peak, drawdowns, capital),
        drawdown_duration_s=None,
        drawdown_recovered=recovered,
        var95=var.var,
        es95=var.expected_shortfall,
        var_days=var.days_used,
        longest_win_streak=wins,
        longest_loss_streak=losses,
    )
    return summary, bounds


def _profit_factor(profit: float, loss: float) -> float | None:
    """:func:`profit_factor` from the gross profit and loss."""
    if loss == 0:
        return math.inf if profit > 0 else None
    return profit / loss


def _max_drawdown_fraction(peak: FloatArray, drawdowns: FloatArray, capital: float) -> float:
    """:func:`max_drawdown_fraction` from the curve's running peak and drawdowns."""
    if not capital > 0:
        raise ValueError("capital must be a positive amount")
    if drawdowns.size == 0:
        return 0.0
    fractions = np.add(peak, capital)
    np.divide(drawdowns, fractions, out=fractions)
    return float(fractions.max())


def _drawdown_bounds(
    curve: FloatArray, peak: FloatArray, drawdowns: FloatArray
) -> tuple[bool, DrawdownBounds | None]:
    """:func:`drawdown_duration_ns` as (recovered, the points of the curve bounding the
    duration, None without a drawdown or a recovery)."""
    if curve.size == 0 or drawdowns.max() <= 0:
        return True, None
    trough = int(drawdowns.argmax())
    top = peak[trough]
    at_peak = np.flatnonzero(curve[: trough + 1] >= top)
    back = np.flatnonzero(curve[trough + 1 :] >= top)
    if back.size == 0:
        return False, None
    return True, DrawdownBounds(int(at_peak[-1]) if at_peak.size else 0, trough + 1 + int(back[0]))


def pnl_histogram(pnl_usd: Amounts, bins: int = 30) -> pd.DataFrame:
    """The distribution of trade results: columns ``bin_low``, ``bin_high``, ``trades`` (equal
    widths over the observed range; the last bin includes its upper edge)."""
    amounts = _amounts(pnl_usd)
    if amounts.size == 0:
        return pd.DataFrame({"bin_low": [], "bin_high": [], "trades": []})
    counts, edges = np.histogram(amounts, bins=bins)
    return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "trades": counts})


def pnl_attribution(keys: Sequence[str] | pd.Series, pnl_usd: Amounts) -> pd.DataFrame:
    """Net result per key (a symbol, for a waterfall), largest contribution first: columns
    ``key``, ``net_pnl``, ``trades``, ``unconverted``."""
    amounts = np.asarray(pnl_usd, dtype=np.float64).reshape(-1)
    frame = pd.DataFrame(
        {"key": np.asarray(keys).reshape(-1), "pnl": amounts, "unconverted": np.isnan(amounts)}
    )
    grouped = frame.groupby("key", sort=True)
    result = pd.DataFrame(
        {
            "net_pnl": grouped["pnl"].sum(min_count=0),
            "trades": grouped.size(),
            "unconverted": grouped["unconverted"].sum(),
        }
    ).reset_index()
    return result.sort_values("net_pnl", ascending=False, kind="stable").reset_index(drop=True)
