"""Exposure metrics (METRICS.md, Exposure): the broker's own B-book risk per symbol.

The broker holds the opposite of what its B-booked clients hold, so each B-book (``INTERNAL``)
fill moves the net open position by ``−s × fill_qty`` (``s = +1`` for a client buy). A-book
fills are hedged with an LP and do not count. Notional exposure is ``|net| × mid × USD rate``;
a symbol whose mid or rate is unknown has no notional (None), flagged rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd


def position_delta(side: str, fill_qty: float) -> float:
    """How one B-book fill of the client's ``side`` moves the broker's net position."""
    return -fill_qty if side == "buy" else fill_qty


def net_position(fills: Iterable[tuple[str, float]]) -> float:
    """The broker's net open position from B-book fills given as (client side, fill_qty)."""
    return sum(position_delta(side, qty) for side, qty in fills)


def notional_usd(net: float, mid: float | None, usd_rate: float | None) -> float | None:
    """``|net| × mid × rate``: 0 for a flat position, None when the mid or rate is unknown."""
    if net == 0:
        return 0.0
    if mid is None or usd_rate is None or not math.isfinite(mid) or not math.isfinite(usd_rate):
        return None
    return abs(net) * mid * usd_rate


def utilisation(notional: float | None, limit_usd: float | None) -> float | None:
    """Notional exposure / the symbol's limit; None without a positive limit or a notional."""
    if notional is None or limit_usd is None or not limit_usd > 0:
        return None
    return notional / limit_usd


def concentration(notionals: Mapping[str, float | None]) -> dict[str, float | None]:
    """Each symbol's share of the total notional exposure of the symbols with a known notional
    (None for the unknown ones, and for all when the total is zero)."""
    total = sum(v for v in notionals.values() if v is not None)
    return {
        symbol: (value / total if value is not None and total > 0 else None)
        for symbol, value in notionals.items()
    }


def positions_at_bucket_ends(
    baseline: Mapping[str, float], deltas: pd.DataFrame, buckets: pd.DatetimeIndex
) -> pd.DataFrame:
    """Net position per symbol (rows) at the end of each bucket (columns, by bucket start).

    ``baseline`` is each symbol's position before the first bucket; ``deltas`` has rows
    (symbol, bucket, net_qty_delta) for buckets that saw fills. A bucket without fills carries
    the previous position forward.
    """
    symbols = sorted(set(baseline) | set(deltas["symbol"] if len(deltas) else ()))
    if not symbols:
        return pd.DataFrame(index=pd.Index([], name="symbol"), columns=buckets, dtype="float64")
    wide = (
        deltas.pivot_table(index="symbol", columns="bucket", values="net_qty_delta", aggfunc="sum")
        if len(deltas)
        else pd.DataFrame(index=symbols, dtype="float64")
    )
    wide = wide.reindex(index=symbols, columns=buckets).fillna(0.0)
    start = pd.Series({s: float(baseline.get(s, 0.0)) for s in symbols})
    positions = wide.cumsum(axis=1).add(start, axis=0)
    positions.index.name = "symbol"
    return positions


def notional_matrix(
    positions: pd.DataFrame, mids: pd.DataFrame, usd_rates: pd.DataFrame
) -> pd.DataFrame:
    """``|net| × mid × rate`` cell by cell (NaN where the mid or rate is unknown, 0 when flat)."""
    notional = positions.abs() * mids.reindex_like(positions) * usd_rates.reindex_like(positions)
    return notional.mask(positions == 0, 0.0)


def utilisation_matrix(notional: pd.DataFrame, limits: Mapping[str, float]) -> pd.DataFrame:
    """Notional / limit per row symbol (NaN for symbols without a positive limit)."""
    limit = pd.Series({s: limits.get(s, math.nan) for s in notional.index}, dtype="float64")
    return notional.div(limit.where(limit > 0), axis=0)
