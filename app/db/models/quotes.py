"""The downsampled quote store: raw LP quotes are too many to keep, these are what is stored.

- ``quote_mid_1s``: the composite top of book per symbol and second (best bid and best ask over
  all LPs' quotes that are at most 5 s old, as METRICS.md defines ``mid``), written by the
  quote consumer; it is what markouts and currency conversion read.
- ``ohlc_1m``: minute candles of the mid, derived from ``quote_mid_1s`` (a continuous aggregate
  on TimescaleDB, a table refreshed by :func:`app.db.derived.refresh_derived` otherwise).
- ``lp_quote_stats_1m``: per LP, symbol and minute, what the spread and staleness metrics need.
  Spreads are in price units (quotes carry no pip size); divide by the instrument's pip size.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class QuoteMid1s(Base):
    """Composite best bid, best ask and mid of one symbol in one second (``ts`` = its start)."""

    __tablename__ = "quote_mid_1s"

    symbol: Mapped[str] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(primary_key=True)
    best_bid: Mapped[float]
    best_ask: Mapped[float]
    mid: Mapped[float]
    quote_count: Mapped[int]
    """LP quotes received for the symbol during the second."""


class Ohlc1m(Base):
    """Open, high, low and close of the composite mid of one symbol in one minute."""

    __tablename__ = "ohlc_1m"

    symbol: Mapped[str] = mapped_column(primary_key=True)
    bucket: Mapped[dt.datetime] = mapped_column(primary_key=True)
    open: Mapped[float]
    high: Mapped[float]
    low: Mapped[float]
    close: Mapped[float]
    quote_count: Mapped[int]


class LpQuoteStats1m(Base):
    """One LP's quoting of one symbol in one minute.

    The time-weighted mean spread of a window is ``Σ spread_tw_sum / Σ spread_tw_seconds``
    (each quote's spread weighted by how long it stood, capped at the minute's end).
    """

    __tablename__ = "lp_quote_stats_1m"

    lp: Mapped[str] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    bucket: Mapped[dt.datetime] = mapped_column(primary_key=True)
    quote_count: Mapped[int]
    spread_tw_sum: Mapped[float]
    """Σ spread × seconds the quote stood, in price units × seconds."""
    spread_tw_seconds: Mapped[float]
    spread_min: Mapped[float]
    spread_max: Mapped[float]
    last_quote_ts: Mapped[dt.datetime]
