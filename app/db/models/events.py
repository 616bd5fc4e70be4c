"""Raw events of the trading-engine contract (EVENTS.md, version 1), one table per topic.

Every table keeps the envelope's ``event_id`` and ``ts`` as its primary key ``(event_id, ts)``:
a redelivered event has the same id and time, so ``INSERT ... ON CONFLICT DO NOTHING`` stores it
once, and the key contains the partition column as partitioned tables and hypertables require.
``client_id`` is personal data: only the pseudonym the application computes, ``client_ref``,
is stored. Quotes (``te.quotes.v1``) are not stored raw; see :mod:`app.db.models.quotes`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

SIDES = ("buy", "sell")
BOOKS = ("A", "B")
RULE_BOOKS = ("A", "B", "hybrid")
ASSET_CLASSES = ("fx", "metal", "index", "commodity", "crypto", "equity_cfd")
ORDER_TYPES = ("market", "limit", "stop")
EXECUTION_STATUSES = ("filled", "partially_filled", "rejected", "cancelled")
REJECT_REASONS = (
    "price_moved",
    "last_look",
    "no_liquidity",
    "timeout",
    "credit_limit",
    "market_closed",
    "other",
)
LP_STATUSES = ("up", "degraded", "down")
INTERNAL_LP = "INTERNAL"
"""The venue name of B-book (internalised) fills."""

CURRENCY = String(3)


class EventKey:
    """The envelope columns every event table starts with."""

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-2)
    ts: Mapped[dt.datetime] = mapped_column(primary_key=True, sort_order=-1)


class Order(EventKey, Base):
    """``te.orders.v1``: a client order at the moment the routing engine decided its book."""

    __tablename__ = "orders"
    __table_args__ = (
        one_of("asset_class", ASSET_CLASSES),
        one_of("side", SIDES),
        one_of("order_type", ORDER_TYPES),
        one_of("book", BOOKS),
        Index(None, "order_id"),
        Index(None, "symbol", "ts"),
        Index(None, "rule_id", "rule_version"),
    )

    order_id: Mapped[str]
    client_ref: Mapped[str]
    account_id: Mapped[str]
    symbol: Mapped[str]
    asset_class: Mapped[str]
    pip_size: Mapped[float]
    side: Mapped[str]
    qty: Mapped[float]
    order_type: Mapped[str]
    limit_price: Mapped[float | None]
    arrival_bid: Mapped[float]
    arrival_ask: Mapped[float]
    book: Mapped[str]
    lp: Mapped[str | None]
    rule_id: Mapped[str]
    rule_version: Mapped[int]
    client_segment: Mapped[str | None]


class Execution(EventKey, Base):
    """``te.executions.v1``: one attempt at a venue (``lp = 'INTERNAL'`` for B-book fills)."""

    __tablename__ = "executions"
    __table_args__ = (
        one_of("status", EXECUTION_STATUSES),
        CheckConstraint(
            "reject_reason IS NULL OR reject_reason IN ("
            + ", ".join(f"'{reason}'" for reason in REJECT_REASONS)
            + ")",
            name="reject_reason",
        ),
        Index(None, "order_id"),
        Index(None, "lp", "ts"),
        Index(None, "ts"),  # drill-down pages in time order
    )

    exec_id: Mapped[str]
    order_id: Mapped[str]
    lp: Mapped[str]
    status: Mapped[str]
    requested_qty: Mapped[float]
    fill_qty: Mapped[float]
    requested_price: Mapped[float]
    fill_price: Mapped[float | None]
    sent_ts: Mapped[dt.datetime]
    market_bid: Mapped[float]
    market_ask: Mapped[float]
    reject_reason: Mapped[str | None]
    commission: Mapped[Decimal]
    pfof: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CURRENCY)


class ClosedPosition(EventKey, Base):
    """``te.positions.v1``: a closed client position with its realised results (``ts`` = close).

    ``broker_pnl_usd`` is ``broker_pnl`` converted by the consumer at the close time; it is NULL
    when the conversion rate was unknown, so such trades are flagged rather than counted at 1.0.
    """

    __tablename__ = "positions"
    __table_args__ = (
        one_of("side", SIDES),
        one_of("book", BOOKS),
        Index(None, "rule_id", "rule_version", "ts"),
        Index(None, "symbol", "ts"),
    )

    position_id: Mapped[str]
    account_id: Mapped[str]
    client_ref: Mapped[str]
    symbol: Mapped[str]
    side: Mapped[str]
    qty: Mapped[float]
    open_ts: Mapped[dt.datetime]
    open_price: Mapped[float]
    close_price: Mapped[float]
    book: Mapped[str]
    lp: Mapped[str | None]
    rule_id: Mapped[str]
    rule_version: Mapped[int]
    client_pnl: Mapped[Decimal]
    broker_pnl: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CURRENCY)
    broker_pnl_usd: Mapped[Decimal | None]


class AccountSnapshot(EventKey, Base):
    """``te.accounts.v1``: a periodic or on-change margin snapshot of one account."""

    __tablename__ = "account_snapshots"
    __table_args__ = (Index(None, "account_id", "ts"),)

    account_id: Mapped[str]
    client_ref: Mapped[str]
    balance: Mapped[Decimal]
    equity: Mapped[Decimal]
    margin_used: Mapped[Decimal]
    margin_level: Mapped[float | None]
    currency: Mapped[str] = mapped_column(CURRENCY)


class LpStatus(EventKey, Base):
    """``te.lp_status.v1``: a venue's state change or heartbeat (at least every 10 s)."""

    __tablename__ = "lp_status"
    __table_args__ = (
        one_of("status", LP_STATUSES),
        Index(None, "lp", "ts"),
        Index(None, "lp", "status", "ts"),  # uptime walks the status changes only
    )

    lp: Mapped[str]
    status: Mapped[str]
    detail: Mapped[str | None]


class RuleVersion(EventKey, Base):
    """``te.rules.v1``: a routing rule version the engine started using.

    The only event table that is not time-partitioned: one row per rule version, a few hundred
    rows in the life of the system, looked up by ``(rule_id, rule_version)``.
    """

    __tablename__ = "rules"
    __table_args__ = (one_of("book", RULE_BOOKS), Index(None, "rule_id", "rule_version"))

    rule_id: Mapped[str]
    rule_version: Mapped[int]
    name: Mapped[str]
    book: Mapped[str]
    conditions: Mapped[dict[str, Any]]
    effective_from: Mapped[dt.datetime]
