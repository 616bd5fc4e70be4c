"""Client toxicity: how much a client's trades win against the price (pure, no I/O).

Toxic flow is flow that wins consistently: the broker loses on it in the B-book. Closed
positions carry the client's pseudonym (``client_ref``) and execution reports do not, so the
per-client score is built from positions, in a currency-free unit:

    edge (bps) of a trade = s × (close_price − open_price) / open_price × 10,000

(s = +1 for a position opened with a buy, −1 for a sell): the client's price return before
commission, in basis points of the opening price. A client's **toxicity score** is the mean
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
