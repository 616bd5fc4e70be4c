"""Best-execution monitoring (MiFID II RTS 28 / FCA COBS 11.2A style), per class of instrument.

For each asset class, the top five venues by executed volume (USD notional of the fills) with
their share of the class's volume and executed orders, the % of passive, aggressive and
directed orders (see :mod:`app.compliance.order_types`), and per venue the execution-quality
factors: price (improvement against the composite mid and slippage against the requested
price, in pips, positive = better for the client), cost (commission and PFOF per million USD
filled), speed (latency ``ts - sent_ts``, median and p95) and likelihood of execution (fill
ratio of the attempts). B-book fills count as the venue ``INTERNAL``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from app.compliance.data import load_attempts
from app.compliance.order_types import is_directed, is_passive
from app.compliance.render import Report, Section
from app.queries.filters import Filter

TOP_VENUES = 5
RTS28_NOTE = (
    "RTS 28 publication was removed in the UK (FCA, December 2021) and deprioritised in the "
    "EU (2024 MiFIR review); this report remains the firm's internal best-execution "
    "monitoring record."
)
FILLED = ("filled", "partially_filled")


def _fills(attempts: pd.DataFrame) -> pd.DataFrame:
    fills = attempts[attempts["status"].isin(FILLED) & (attempts["fill_qty"] > 0)].copy()
    fills["notional_usd"] = fills["fill_qty"] * fills["fill_price"] * fills["price_rate"]
    fills["passive"] = is_passive(fills)
    fills["directed"] = is_directed(fills)
    return fills


def top_venues(attempts: pd.DataFrame, top: int = TOP_VENUES) -> pd.DataFrame:
    """Per asset class, the ``top`` venues by USD volume with the RTS 28 shares (in %)."""
    fills = _fills(attempts)
    columns = [
        "asset_class", "rank", "venue", "volume_usd", "volume_share_pct", "orders",
        "order_share_pct", "passive_pct", "aggressive_pct", "directed_pct",
    ]  # fmt: skip
    if fills.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for asset_class, group in fills.groupby("asset_class", sort=True):
        class_volume = group["notional_usd"].sum()
        class_orders = group["order_id"].nunique()
        venues = []
        for venue, at_venue in group.groupby("lp"):
            orders = at_venue.drop_duplicates("order_id")
            count = len(orders)
            venues.append(
                {
                    "asset_class": asset_class,
                    "venue": venue,
                    "volume_usd": at_venue["notional_usd"].sum(),
                    "volume_share_pct": _pct(at_venue["notional_usd"].sum(), class_volume),
                    "orders": count,
                    "order_share_pct": _pct(count, class_orders),
                    "passive_pct": _pct(orders["passive"].sum(), count),
                    "aggressive_pct": _pct(count - orders["passive"].sum(), count),
                    "directed_pct": _pct(orders["directed"].sum(), count),
                }
            )
        venues.sort(key=lambda v: (-v["volume_usd"], v["venue"]))
        for rank, venue_row in enumerate(venues[:top], start=1):
            rows.append({**venue_row, "rank": rank})
    return pd.DataFrame(rows, columns=columns)


def venue_quality(attempts: pd.DataFrame) -> pd.DataFrame:
    """Per venue: price, cost, speed and likelihood of execution over all its attempts."""
    columns = [
        "venue", "attempts", "fills", "fill_ratio_pct", "price_improvement_pips",
        "slippage_pips", "commission_per_million_usd", "pfof_per_million_usd",
        "latency_median_ms", "latency_p95_ms",
    ]  # fmt: skip
    if attempts.empty:
        return pd.DataFrame(columns=columns)
    frame = attempts.copy()
    sign = np.where(frame["side"] == "buy", 1.0, -1.0)
    mid = (frame["market_bid"] + frame["market_ask"]) / 2
    frame["improvement"] = (mid - frame["fill_price"]) * sign / frame["pip_size"]
    frame["slippage"] = (frame["requested_price"] - frame["fill_price"]) * sign / frame["pip_size"]
    frame["latency_ms"] = (frame["exec_ts"] - frame["sent_ts"]).dt.total_seconds() * 1000
    frame["notional_usd"] = frame["fill_qty"] * frame["fill_price"] * frame["price_rate"]
    frame["commission_usd"] = frame["commission"] * frame["fee_rate"]
    frame["pfof_usd"] = frame["pfof"] * frame["fee_rate"]
    frame["is_fill"] = frame["status"].isin(FILLED) & (frame["fill_qty"] > 0)
    rows = []
    for venue, group in frame.groupby("lp", sort=True):
        fills = group[group["is_fill"]]
        notional = fills["notional_usd"].sum()
        rows.append(
            {
                "venue": venue,
                "attempts": len(group),
                "fills": len(fills),
                "fill_ratio_pct": _pct(len(fills), len(group)),
                "price_improvement_pips": _mean(fills["improvement"]),
                "slippage_pips": _mean(fills["slippage"]),
                "commission_per_million_usd": _per_million(group["commission_usd"].sum(), notional),
                "pfof_per_million_usd": _per_million(group["pfof_usd"].sum(), notional),
                "latency_median_ms": _quantile(group["latency_ms"], 0.5),
                "latency_p95_ms": _quantile(group["latency_ms"], 0.95),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _pct(part: float, whole: float) -> float:
    return float(part) / float(whole) * 100.0 if whole else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if values.notna().any() else float("nan")


def _quantile(values: pd.Series, q: float) -> float:
    return float(values.quantile(q)) if values.notna().any() else float("nan")


def _per_million(amount: float, notional: float) -> float:
    return float(amount) / float(notional) * 1e6 if notional else float("nan")


def build(conn: Connection, flt: Filter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The top-venues table and the venue-quality table for the window of ``flt``."""
    attempts = load_attempts(conn, flt)
    return top_venues(attempts), venue_quality(attempts)


def annual_filter(year: int) -> Filter:
    """The calendar year ``year`` in UTC (the annual monitoring report's period)."""
    return Filter(
        start=dt.datetime(year, 1, 1, tzinfo=dt.UTC), end=dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    )


def report(top: pd.DataFrame, quality: pd.DataFrame, flt: Filter) -> Report:
    """The report as titled sections (one per asset class, then the venue quality)."""
    sections = [
        Section(f"Top five venues - {asset_class}", group.drop(columns=["asset_class"]))
        for asset_class, group in top.groupby("asset_class", sort=True)
    ]
    sections.append(Section("Execution quality per venue", quality))
    period = f"{flt.start:%Y-%m-%d %H:%M} to {flt.end:%Y-%m-%d %H:%M} UTC"
    return Report(f"Best execution monitoring, {period}", sections, (RTS28_NOTE,))
