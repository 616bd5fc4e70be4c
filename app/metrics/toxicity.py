"""Client toxicity: how much a client's flow wins against the price (pure, no I/O).

Toxic flow is flow that wins consistently: the broker loses on it in the B-book. The score
the backtest routes by is **markout-based** (:func:`markout_toxicity`): per fill, the markout
at a horizon (default 60 s, client view, pips) in basis points of the fill price,

    markout (bps) = markout_pips × pip_size / fill_price × 10,000

so that it is comparable across symbols; a client's (or a segment's) score is the
``fill_qty``-weighted mean over their fills with a known markout, NaN below ``min_fills``
fills. Positive: the price moved the client's way right after they traded.

The older **edge score** (:func:`toxicity_scores`) is kept for closed positions:

    edge (bps) of a trade = s × (close_price − open_price) / open_price × 10,000

(s = +1 for a position opened with a buy, −1 for a sell): the client's price return before
commission, in basis points of the opening price. A client's edge score is the mean
edge of their trades; it is comparable across symbols and account currencies, unlike the P/L.
Clients with fewer than ``min_trades`` trades are not scored (score NaN): a handful of lucky
trades is not evidence. The share of the client's winning trades (``client_pnl > 0``) is
reported alongside but does not enter the score.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

BASIS_POINTS = 10_000.0
DEFAULT_MIN_TRADES = 5


def side_sign(side: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """+1 for ``buy``, −1 for ``sell`` (the position's opening side)."""
    sides = np.asarray(side).reshape(-1)
    return np.where(sides == "buy", 1.0, -1.0)


def client_edge_bps(
    side: npt.ArrayLike, open_price: npt.ArrayLike, close_price: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Per trade: the client's price return in basis points, positive when the client won."""
    opened = np.asarray(open_price, dtype=np.float64).reshape(-1)
    closed = np.asarray(close_price, dtype=np.float64).reshape(-1)
    result: npt.NDArray[np.float64] = side_sign(side) * (closed - opened) / opened * BASIS_POINTS
    return result


def toxicity_scores(trades: pd.DataFrame, *, min_trades: int = DEFAULT_MIN_TRADES) -> pd.DataFrame:
    """Per client (index ``client_ref``): ``trades``, ``edge_bps`` (mean), ``win_share`` and
    ``score`` (= ``edge_bps``, NaN below ``min_trades``), from columns ``client_ref``, ``side``,
    ``open_price``, ``close_price`` and ``client_pnl``."""
    columns = ["trades", "edge_bps", "win_share", "score"]
    if trades.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="client_ref"), dtype=float)
    per_trade = pd.DataFrame(
        {
            "client_ref": trades["client_ref"].to_numpy(),
            "edge": client_edge_bps(trades["side"], trades["open_price"], trades["close_price"]),
            "win": (trades["client_pnl"].to_numpy(dtype=np.float64) > 0).astype(np.float64),
        }
    )
    grouped = per_trade.groupby("client_ref")
    scores = pd.DataFrame(
        {
            "trades": grouped.size(),
            "edge_bps": grouped["edge"].mean(),
            "win_share": grouped["win"].mean(),
        }
    )
    scores["score"] = scores["edge_bps"].where(scores["trades"] >= min_trades)
    return scores[columns]


def is_toxic(scores: pd.Series, threshold_bps: float) -> pd.Series:
    """True for clients whose score is above ``threshold_bps`` (unscored clients: False)."""
    return scores.gt(threshold_bps).fillna(False).astype(bool)


DEFAULT_HORIZON_S = 60
"""The markout horizon the score uses by default: long enough that a fast client's informed
flow shows, short enough to be about the fill rather than the market's drift."""


def markout_bps(
    markout_pips: npt.ArrayLike, pip_size: npt.ArrayLike, fill_price: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Per fill: the markout in basis points of the fill price (NaN where unknown)."""
    pips = np.asarray(markout_pips, dtype=np.float64).reshape(-1)
    size = np.asarray(pip_size, dtype=np.float64).reshape(-1)
    price = np.asarray(fill_price, dtype=np.float64).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: npt.NDArray[np.float64] = np.where(
            price > 0, pips * size / price * BASIS_POINTS, np.nan
        )
    return result


def markout_toxicity(
    fills: pd.DataFrame, by: str = "client_ref", *, min_fills: int = DEFAULT_MIN_TRADES
) -> pd.DataFrame:
    """Per value of ``by`` (``client_ref`` or ``client_segment``): ``fills`` (with a known
    markout), ``markout_bps`` (``fill_qty``-weighted mean), ``win_share`` (share of fills with a
    positive markout) and ``score`` (= ``markout_bps``, NaN below ``min_fills``), from columns
    ``by``, ``fill_qty``, ``fill_price``, ``pip_size`` and ``markout_pips``."""
    columns = ["fills", "markout_bps", "win_share", "score"]
    bps = markout_bps(fills["markout_pips"], fills["pip_size"], fills["fill_price"])
    qty = fills["fill_qty"].to_numpy(dtype=np.float64)
    known = np.isfinite(bps) & (qty > 0) & fills[by].notna().to_numpy()
    if not known.any():
        return pd.DataFrame(columns=columns, index=pd.Index([], name=by), dtype=float)
    per_fill = pd.DataFrame(
        {
            by: fills[by].to_numpy()[known],
            "weighted": bps[known] * qty[known],
            "qty": qty[known],
            "win": (bps[known] > 0).astype(np.float64),
        }
    )
    grouped = per_fill.groupby(by)
    scores = pd.DataFrame(
        {
            "fills": grouped.size(),
            "markout_bps": grouped["weighted"].sum() / grouped["qty"].sum(),
            "win_share": grouped["win"].mean(),
        }
    )
    scores["score"] = scores["markout_bps"].where(scores["fills"] >= min_fills)
    return scores[columns]
