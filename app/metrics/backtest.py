"""Backtest of a routing rule: its live trades re-scored under another book policy (estimates).

Every number here is an **estimate**: it re-prices closed positions as if they had been in the
other book, with the client's trades unchanged (same prices, same times). Per trade:

- kept in its live book: the live ``broker_pnl_usd``;
- moved to the **B-book**: ``−client_pnl_usd + spread_share × spread_usd``. The client's fills
  already crossed the spread (and paid any markup and commission), so ``−client_pnl`` already
  holds the broker's spread income; ``spread_share`` (default 0) only adds an extra share of
  the symbol's typical spread when B-book quotes are to be modelled wider than the LPs';
- moved to the **A-book**: ``(markup + client commission − LP commission) per million ×
  notional_usd / 1e6``, with ``notional_usd`` = qty × (open price + close price) in USD, i.e.
  both legs of the round trip.

A trade with an unknown USD amount for what it needs gets NaN: it counts as a trade and stays
out of the money, like an unconverted live trade.

Version comparison: the difference of the mean P/L per trade of two rule versions, with a
percentile bootstrap confidence interval (resampling each version's trades independently, a
seeded generator so the same data gives the same interval).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .results import ResultsSummary, summarize_results
from .toxicity import is_toxic

PolicyName = Literal["flip", "toxicity"]


@dataclass(frozen=True)
class CostModel:
    """What a trade earns in the book it is moved to (USD per million of notional USD)."""

    markup_per_million: float = 30.0
    """Markup on A-book fills: 0.3 pip on EURUSD is about 30 USD per million per leg."""
    client_commission_per_million: float = 0.0
    """Commission charged to the client (spread-only retail accounts pay none)."""
    lp_commission_per_million: float = 8.0
    """What the LP charges the broker (3–20 per million is the usual range)."""
    spread_share: float = 0.0
    """Extra share of the typical spread earned on trades moved to the B-book."""


@dataclass(frozen=True)
class BacktestResult:
    """Live and alternative results of the same trades, and how many moved (estimates)."""

    policy: PolicyName
    live: ResultsSummary
    alternative: ResultsSummary
    moved_to_a: int
    moved_to_b: int
    estimate: bool = True


def flipped_books(books: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Every trade in the other book: A ↔ B."""
    live = np.asarray(books).reshape(-1)
    return np.where(live == "A", "B", "A")


def toxicity_books(
    client_refs: npt.ArrayLike, scores: Mapping[str, float], threshold_bps: float
) -> npt.NDArray[np.str_]:
    """A-book for trades of clients scored above ``threshold_bps``, B-book for the rest
    (clients without a score included)."""
    clients = pd.Series(np.asarray(client_refs).reshape(-1))
    score = clients.map(pd.Series(dict(scores), dtype=np.float64))
    toxic = is_toxic(score, threshold_bps).to_numpy()
    return np.where(toxic, "A", "B")


def counterfactual_pnl(
    trades: pd.DataFrame, new_books: npt.ArrayLike, costs: CostModel | None = None
) -> npt.NDArray[np.float64]:
    """The broker's estimated USD result per trade in ``new_books``, from columns ``book``,
    ``broker_pnl_usd``, ``client_pnl_usd``, ``notional_usd`` and ``spread_usd`` (NaN unknown;
    a missing ``spread_usd`` counts as 0)."""
    costs = costs or CostModel()
    live_books = trades["book"].to_numpy()
    target = np.asarray(new_books).reshape(-1)
    live = trades["broker_pnl_usd"].to_numpy(dtype=np.float64)
    spread = np.nan_to_num(trades["spread_usd"].to_numpy(dtype=np.float64), nan=0.0)
    as_b = -trades["client_pnl_usd"].to_numpy(dtype=np.float64) + costs.spread_share * spread
    per_million = (
        costs.markup_per_million
        + costs.client_commission_per_million
        - costs.lp_commission_per_million
    )
    as_a = per_million * trades["notional_usd"].to_numpy(dtype=np.float64) / 1e6
    moved = np.where(target == "A", as_a, as_b)
    result: npt.NDArray[np.float64] = np.where(target == live_books, live, moved)
    return result


def run_backtest(
    trades: pd.DataFrame,
    new_books: npt.ArrayLike,
    policy: PolicyName,
    *,
    costs: CostModel | None = None,
    capital: float | None = None,
) -> BacktestResult:
    """The results of the trades as they were and as re-scored into ``new_books``; ``trades``
    has the columns of :func:`counterfactual_pnl` plus ``ts`` and ``broker_pnl``."""
    target = np.asarray(new_books).reshape(-1)
    live_books = trades["book"].to_numpy()
    alternative_usd = counterfactual_pnl(trades, target, costs)
    alternative = pd.DataFrame(
        {"ts": trades["ts"], "broker_pnl": alternative_usd, "broker_pnl_usd": alternative_usd}
    )
    return BacktestResult(
        policy=policy,
        live=summarize_results(trades, capital=capital),
        alternative=summarize_results(alternative, capital=capital),
        moved_to_a=int(np.count_nonzero((target == "A") & (live_books != "A"))),
        moved_to_b=int(np.count_nonzero((target == "B") & (live_books != "B"))),
    )


@dataclass(frozen=True)
class VersionComparison:
    """Mean P/L per trade of two versions, their difference (b − a) and its bootstrap CI."""

    trades_a: int
    trades_b: int
    mean_a: float | None
    mean_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float


def _bootstrap_means(
    rng: np.random.Generator, values: npt.NDArray[np.float64], resamples: int
) -> npt.NDArray[np.float64]:
    # In batches, so a version with many trades never needs a resamples × trades matrix at once.
    batch = max(1, 4_000_000 // values.size)
    means = [
        rng.choice(values, size=(min(batch, resamples - done), values.size)).mean(axis=1)
        for done in range(0, resamples, batch)
    ]
    return np.concatenate(means)


def compare_versions(
    pnl_a: npt.ArrayLike,
    pnl_b: npt.ArrayLike,
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> VersionComparison:
    """mean(b) − mean(a) of the USD results per trade, with a percentile bootstrap CI; None
    fields when either side has no converted trade."""
    a = np.asarray(pnl_a, dtype=np.float64).reshape(-1)
    b = np.asarray(pnl_b, dtype=np.float64).reshape(-1)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return VersionComparison(a.size, b.size, None, None, None, None, None, confidence)
    rng = np.random.default_rng(seed)
    boot_a, boot_b = _bootstrap_means(rng, a, resamples), _bootstrap_means(rng, b, resamples)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(boot_b - boot_a, [tail, 100 - tail])
    mean_a, mean_b = float(a.mean()), float(b.mean())
    return VersionComparison(
        a.size, b.size, mean_a, mean_b, mean_b - mean_a, float(low), float(high), confidence
    )
