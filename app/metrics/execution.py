"""Execution quality per LP (METRICS.md, "Execution quality"): pure formulas.

Inputs are arrays (one element per execution report or per fill) or sums from the rollups;
outputs are plain numbers. An undefined ratio (nothing to divide by) is ``None``, never 0 or
NaN. Sign convention: ``side`` is ``+1`` for a client buy and ``-1`` for a sell, so positive
slippage, price improvement and markouts are in the client's favour.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.db.models.events import REJECT_REASONS

FILL_STATUSES = ("filled", "partially_filled")
SLIPPAGE_ZERO_PIPS = 1e-9
"""|slippage| at or below this counts as zero (float noise of price differences); the same
tolerance the ingest uses for the rollups' positive / zero / negative counts."""
MARKOUT_HORIZONS_S = (0, 1, 5, 30, 60)

FloatArray = npt.NDArray[np.float64]


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when the denominator is 0 (or not a number)."""
    if denominator == 0 or math.isnan(denominator):
        return None
    return float(numerator) / float(denominator)


def is_fill(statuses: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which attempts are fills (``filled`` or ``partially_filled``)."""
    return np.isin(np.asarray(statuses, dtype=object), FILL_STATUSES)


def attempts(statuses: npt.ArrayLike) -> int:
    """Number of execution reports."""
    return int(np.asarray(statuses, dtype=object).size)


def fills(statuses: npt.ArrayLike) -> int:
    """Number of attempts that filled, fully or partly."""
    return int(is_fill(statuses).sum())


def fill_ratio(statuses: npt.ArrayLike) -> float | None:
    """fills / attempts, by count."""
    return ratio(fills(statuses), attempts(statuses))


def fill_rate_by_volume(fill_qty: npt.ArrayLike, requested_qty: npt.ArrayLike) -> float | None:
    """Σ fill_qty / Σ requested_qty over all attempts."""
    return ratio(float(_floats(fill_qty).sum()), float(_floats(requested_qty).sum()))


def reject_rate(statuses: npt.ArrayLike) -> float | None:
    """Attempts with status ``rejected`` / attempts."""
    status = np.asarray(statuses, dtype=object)
    return ratio(int((status == "rejected").sum()), status.size)


@dataclass(frozen=True)
class ReasonCount:
    """How often one reject reason occurred, and its share of all rejects."""

    count: int
    share: float | None


def reject_reasons(statuses: npt.ArrayLike, reasons: npt.ArrayLike) -> dict[str, ReasonCount]:
    """Count and share of every contract reason among the rejected attempts (zeros included)."""
    status = np.asarray(statuses, dtype=object)
    reason = np.asarray(reasons, dtype=object)[status == "rejected"]
    counts = {name: int((reason == name).sum()) for name in REJECT_REASONS}
    return reason_shares(counts)


def reason_shares(counts: dict[str, int]) -> dict[str, ReasonCount]:
    """Reject reason counts (e.g. summed rollup columns) with their share of the total."""
    total = sum(counts.values())
    return {name: ReasonCount(count, ratio(count, total)) for name, count in counts.items()}


def latency_ms(sent_ts: npt.ArrayLike, ts: npt.ArrayLike) -> FloatArray:
    """``ts − sent_ts`` of each attempt in milliseconds (aware datetimes or datetime64 UTC)."""
    delta = pd.to_datetime(ts, utc=True) - pd.to_datetime(sent_ts, utc=True)
    return np.asarray(delta / pd.Timedelta(milliseconds=1), dtype=np.float64)


def slippage_pips(
    side: npt.ArrayLike,
    requested_price: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    pip_size: npt.ArrayLike,
) -> FloatArray:
    """Per fill ``s × (requested_price − fill_price) / p``; positive = better for the client."""
    return np.asarray(
        _floats(side) * (_floats(requested_price) - _floats(fill_price)) / _floats(pip_size),
        dtype=np.float64,
    )


@dataclass(frozen=True)
class SlippageSummary:
    """Fill-qty-weighted mean slippage (pips) and the shares of better, equal, worse fills."""

    mean_pips: float | None
    positive_share: float | None
    zero_share: float | None
    negative_share: float | None


def slippage_summary(pips: npt.ArrayLike, fill_qty: npt.ArrayLike) -> SlippageSummary:
    """Summary of per-fill slippage ``pips`` weighted by ``fill_qty``."""
    values, qty = _floats(pips), _floats(fill_qty)
    n = values.size
    return SlippageSummary(
        mean_pips=weighted_mean(values, qty),
        positive_share=ratio(int((values > SLIPPAGE_ZERO_PIPS).sum()), n),
        zero_share=ratio(int((np.abs(values) <= SLIPPAGE_ZERO_PIPS).sum()), n),
        negative_share=ratio(int((values < -SLIPPAGE_ZERO_PIPS).sum()), n),
    )


def slippage_distribution(
    pips: npt.ArrayLike, bin_width: float = 0.1, limit: float = 5.0
) -> dict[float, int]:
    """Fill counts per slippage bin (left edge in pips, ``bin_width`` wide); values beyond
    ``±limit`` are counted in the outermost bins."""
    values = np.clip(_floats(pips), -limit, limit - bin_width / 2)
    edges = np.round(np.floor(values / bin_width + 1e-9) * bin_width, 10)
    unique, counts = np.unique(edges, return_counts=True)
    return {float(edge): int(count) for edge, count in zip(unique, counts, strict=True)}


def price_improvement_pips(
    side: npt.ArrayLike,
    market_bid: npt.ArrayLike,
    market_ask: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    pip_size: npt.ArrayLike,
) -> FloatArray:
    """Per fill ``s × (mid_at_fill − fill_price) / p``, mid of the report's market bid/ask."""
    mid = (_floats(market_bid) + _floats(market_ask)) / 2
    return np.asarray(
        _floats(side) * (mid - _floats(fill_price)) / _floats(pip_size), dtype=np.float64
    )


def best_execution_pct(
    side: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    market_bid: npt.ArrayLike,
    market_ask: npt.ArrayLike,
) -> float | None:
    """Share (0–1) of fills at least as good as the composite touch: a buy at or below the
    ask, a sell at or above the bid."""
    s, price = _floats(side), _floats(fill_price)
    good = np.where(s > 0, price <= _floats(market_ask), price >= _floats(market_bid))
    return ratio(int(good.sum()), good.size)


def markout_pips(
    side: npt.ArrayLike,
    mid_after: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    pip_size: npt.ArrayLike,
) -> FloatArray:
    """Per fill, client view: ``s × (mid(ts + h) − fill_price) / p`` (NaN where no mid)."""
    return np.asarray(
        _floats(side) * (_floats(mid_after) - _floats(fill_price)) / _floats(pip_size),
        dtype=np.float64,
    )


def weighted_mean(values: npt.ArrayLike, weights: npt.ArrayLike) -> float | None:
    """Σ value × weight / Σ weight over the values that are known (not NaN); None if none."""
    v, w = _floats(values), _floats(weights)
    known = ~np.isnan(v)
    return ratio(float((v[known] * w[known]).sum()), float(w[known].sum()))


@dataclass(frozen=True)
class Notional:
    """Σ fill_qty × fill_price in USD over the fills whose rate is known, and how many were
    left out because it was not (they are flagged, never converted at 1.0)."""

    usd: float
    unconverted: int


def notional_usd(
    fill_qty: npt.ArrayLike, fill_price: npt.ArrayLike, usd_rate: npt.ArrayLike
) -> Notional:
    """Notional of fills in USD; ``usd_rate`` is NaN where the conversion rate is unknown."""
    amount = _floats(fill_qty) * _floats(fill_price) * _floats(usd_rate)
    known = ~np.isnan(amount)
    return Notional(float(amount[known].sum()), int((~known).sum()))


def volume_share(lp_notional_usd: float, a_book_notional_usd: float) -> float | None:
    """An LP's notional as a share of all A-book notional in the window."""
    return ratio(lp_notional_usd, a_book_notional_usd)


def commission_per_million(commission_usd: float, notional_usd: float) -> float | None:
    """Σ commission (USD) per million USD of notional."""
    return ratio(commission_usd, notional_usd / 1_000_000)


def pfof_by_month(ts: Sequence[dt.datetime], pfof_usd: npt.ArrayLike) -> dict[str, float]:
    """Σ PFOF (USD) per UTC calendar month, keyed ``YYYY-MM``, in month order."""
    totals: dict[str, float] = defaultdict(float)
    for at, amount in zip(ts, _floats(pfof_usd), strict=True):
        totals[at.astimezone(dt.UTC).strftime("%Y-%m")] += float(amount)
    return dict(sorted(totals.items()))


def uptime_fraction(
    times: Sequence[dt.datetime],
    statuses: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    prior: str | None = None,
) -> float | None:
    """Share (0–1) of ``[start, end)`` during which the LP's last status was ``up``.

    ``times``/``statuses`` are the LP's ``lp.status`` events in the window, ascending;
    ``prior`` is the last status before ``start``, which applies until the first event.
    ``degraded`` and ``down`` count as not up. Time before the LP's first known status is
    unknown and left out of the denominator; with no status at all the result is None.
    """
    points = [(at, status) for at, status in zip(times, statuses, strict=True) if at < end]
    if prior is not None:
        points.insert(0, (start, prior))
    if not points:
        return None
    known_from = max(points[0][0], start)
    up = dt.timedelta(0)
    for (at, status), (following, _) in zip(points, [*points[1:], (end, "")], strict=True):
        if status == "up":
            up += following - max(at, start)
    known = end - known_from
    return ratio(up.total_seconds(), known.total_seconds())


def quote_staleness_ms(now: dt.datetime, last_quote_ts: dt.datetime) -> float:
    """Milliseconds since the LP's latest quote for the symbol."""
    return (now - last_quote_ts).total_seconds() * 1000.0


def time_weighted_spread_pips(
    times_s: npt.ArrayLike,
    bids: npt.ArrayLike,
    asks: npt.ArrayLike,
    end_s: float,
    pip_size: float,
) -> float | None:
    """Mean ``(ask − bid) / p`` of one LP's quotes of one symbol, each weighted by how long it
    stood (until the next quote, the last one until ``end_s``)."""
    t = _floats(times_s)
    if t.size == 0:
        return None
    stood = np.diff(np.append(t, end_s))
    spread = (_floats(asks) - _floats(bids)) / pip_size
    return ratio(float((spread * stood).sum()), float(stood.sum()))


def spread_pips_from_sums(spread_tw_sum: float, spread_tw_seconds: float) -> float | None:
    """Time-weighted spread from the stored sums (``spread_tw_sum`` already in pips × s)."""
    return ratio(spread_tw_sum, spread_tw_seconds)
