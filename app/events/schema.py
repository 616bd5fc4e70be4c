"""The seven event types of the trading engine's contract, version 1, as msgspec structs.

Each struct is frozen, keyword-only and ignores unknown fields (forward compatibility). Field
constraints are checked by msgspec while decoding; the cross-field rules are checked in
``__post_init__``, which msgspec runs both when decoding and when the simulator builds an event,
so an inconsistent event can be neither accepted nor emitted. A rule that fails raises
``ValueError("<reason code>: <explanation>")``; see :mod:`app.events.invalid` for the codes.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from uuid import UUID

from msgspec import Struct
from msgspec.structs import force_setattr

from .fields import (
    TIMESTAMP_LAYOUT_FRACTION,
    AssetClass,
    Book,
    CurrencyCode,
    ExecutionStatus,
    Identifier,
    LpState,
    NonNegativeNumber,
    OrderType,
    PositiveNumber,
    RejectReason,
    RuleBook,
    RuleName,
    RuleVersion,
    Side,
    Symbol,
    UtcTimestamp,
    parse_iso,
    parse_utc,
)

SCHEMA_VERSION = 1

# Tolerance of the margin level check: engines commonly round it to two decimals.
_MARGIN_LEVEL_ABS_TOLERANCE = 0.01
_MARGIN_LEVEL_REL_TOLERANCE = 1e-6


class Envelope(Struct, frozen=True, kw_only=True, gc=False):
    """Fields every event carries. ``gc=False``: events hold no reference cycles."""

    topic_key: ClassVar[str]
    key_field: ClassVar[str]

    event_id: UUID
    event_type: str
    schema_version: Literal[1]
    ts: UtcTimestamp


class OrderRouted(Envelope, frozen=True, kw_only=True, gc=False):
    """A client order at the moment the routing engine decided where it goes."""

    topic_key: ClassVar[str] = "orders"
    key_field: ClassVar[str] = "order_id"

    event_type: Literal["order.routed"]
    order_id: Identifier
    client_id: Identifier
    account_id: Identifier
    symbol: Symbol
    asset_class: AssetClass
    pip_size: PositiveNumber
    side: Side
    qty: PositiveNumber
    order_type: OrderType
    limit_price: PositiveNumber | None
    arrival_bid: PositiveNumber
    arrival_ask: PositiveNumber
    book: Book
    lp: Identifier | None
    rule_id: Identifier
    rule_version: RuleVersion
    client_segment: Identifier | None

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))
        if self.arrival_bid > self.arrival_ask:
            raise ValueError("crossed_book: arrival_bid is above arrival_ask")
        if self.limit_price is None and self.order_type != "market":
            raise ValueError(f"missing_limit_price: a {self.order_type} order needs limit_price")
        if self.book == "B":
            if self.lp is not None:
                raise ValueError("lp_on_b_book: a B-book order has no LP (lp must be null)")
        elif self.lp is None:
            raise ValueError("missing_lp: an A-book order names the first LP tried")


class ExecutionReport(Envelope, frozen=True, kw_only=True, gc=False):
    """One attempt at a venue: an LP's response (A-book) or the internal fill (B-book)."""

    topic_key: ClassVar[str] = "executions"
    key_field: ClassVar[str] = "order_id"

    event_type: Literal["execution.report"]
    exec_id: Identifier
    order_id: Identifier
    lp: Identifier
    status: ExecutionStatus
    requested_qty: PositiveNumber
    fill_qty: NonNegativeNumber
    requested_price: PositiveNumber
    fill_price: PositiveNumber | None
    sent_ts: UtcTimestamp
    market_bid: PositiveNumber
    market_ask: PositiveNumber
    reject_reason: RejectReason | None
    commission: NonNegativeNumber
    pfof: NonNegativeNumber
    currency: CurrencyCode

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))
        force_setattr(self, "sent_ts", parse_utc(self.sent_ts, "sent_ts"))
        if self.sent_ts > self.ts:
            raise ValueError("time_order: sent_ts is after ts (negative latency)")
        if self.market_bid > self.market_ask:
            raise ValueError("crossed_book: market_bid is above market_ask")
        if self.fill_qty > self.requested_qty:
            raise ValueError("overfill: fill_qty is above requested_qty")
        if self.status == "rejected" and self.reject_reason is None:
            raise ValueError("missing_reject_reason: a rejected attempt needs reject_reason")
        filled = self.fill_qty > 0
        if filled != (self.fill_price is not None):
            raise ValueError("fill_mismatch: fill_price must be null exactly when fill_qty is 0")
        if filled != (self.status == "filled" or self.status == "partially_filled"):
            raise ValueError(f"fill_mismatch: status {self.status} with fill_qty {self.fill_qty}")


class Quote(Envelope, frozen=True, kw_only=True, gc=False):
    """One LP price update for one symbol."""

    topic_key: ClassVar[str] = "quotes"
    key_field: ClassVar[str] = "symbol"

    event_type: Literal["quote"]
    lp: Identifier
    symbol: Symbol
    bid: PositiveNumber
    ask: PositiveNumber
    bid_size: NonNegativeNumber
    ask_size: NonNegativeNumber

    def __post_init__(self) -> None:
        # The busiest type: the common timestamp layout is inlined (a function call is a
        # tenth of the time budget); everything else goes through parse_utc.
        ts: object = self.ts
        if (
            type(ts) is str
            and ts[4:20:3] == TIMESTAMP_LAYOUT_FRACTION
            and ts[-1] == "Z"
            and len(ts) > 21
        ):
            try:
                force_setattr(self, "ts", parse_iso(ts))
            except ValueError:
                force_setattr(self, "ts", parse_utc(ts, "ts"))
        else:
            force_setattr(self, "ts", parse_utc(ts, "ts"))
        if self.bid > self.ask:
            raise ValueError("crossed_quote: bid is above ask")


class PositionClosed(Envelope, frozen=True, kw_only=True, gc=False):
    """A closed client position with the realised result for the client and the broker."""

    topic_key: ClassVar[str] = "positions"
    key_field: ClassVar[str] = "position_id"

    event_type: Literal["position.closed"]
    position_id: Identifier
    account_id: Identifier
    client_id: Identifier
    symbol: Symbol
    side: Side
    qty: PositiveNumber
    open_ts: UtcTimestamp
    open_price: PositiveNumber
    close_price: PositiveNumber
    book: Book
    lp: Identifier | None
    rule_id: Identifier
    rule_version: RuleVersion
    client_pnl: float
    broker_pnl: float
    currency: CurrencyCode

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))
        force_setattr(self, "open_ts", parse_utc(self.open_ts, "open_ts"))
        if self.open_ts > self.ts:
            raise ValueError("time_order: open_ts is after the close time ts")


class AccountSnapshot(Envelope, frozen=True, kw_only=True, gc=False):
    """A periodic or on-change margin snapshot of one account."""

    topic_key: ClassVar[str] = "accounts"
    key_field: ClassVar[str] = "account_id"

    event_type: Literal["account.snapshot"]
    account_id: Identifier
    client_id: Identifier
    balance: float
    equity: float
    margin_used: NonNegativeNumber
    margin_level: float | None
    currency: CurrencyCode

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))
        level = self.margin_level
        if self.margin_used == 0:
            if level is not None:
                raise ValueError("bad_margin_level: margin_level must be null without margin")
            return
        if level is None:
            raise ValueError("bad_margin_level: margin_level is required when margin is used")
        expected = self.equity / self.margin_used * 100
        tolerance = _MARGIN_LEVEL_ABS_TOLERANCE + _MARGIN_LEVEL_REL_TOLERANCE * abs(expected)
        if abs(level - expected) > tolerance:
            raise ValueError(
                f"bad_margin_level: {level} is not equity / margin_used x 100 = {expected:.2f}"
            )


class LpStatus(Envelope, frozen=True, kw_only=True, gc=False):
    """A venue's state, on every change and as a heartbeat at least every 10 seconds."""

    topic_key: ClassVar[str] = "lp_status"
    key_field: ClassVar[str] = "lp"

    event_type: Literal["lp.status"]
    lp: Identifier
    status: LpState
    detail: str | None

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))


class RulePublished(Envelope, frozen=True, kw_only=True, gc=False):
    """A new version of a routing rule that the engine starts using."""

    topic_key: ClassVar[str] = "rules"
    key_field: ClassVar[str] = "rule_id"

    event_type: Literal["rule.published"]
    rule_id: Identifier
    rule_version: RuleVersion
    name: RuleName
    book: RuleBook
    conditions: dict[str, Any]
    effective_from: UtcTimestamp

    def __post_init__(self) -> None:
        force_setattr(self, "ts", parse_utc(self.ts, "ts"))
        force_setattr(self, "effective_from", parse_utc(self.effective_from, "effective_from"))


Event = (
    OrderRouted
    | ExecutionReport
    | Quote
    | PositionClosed
    | AccountSnapshot
    | LpStatus
    | RulePublished
)
"""Any valid event of the contract."""

EVENT_TYPES: dict[str, type[Event]] = {
    cls.topic_key: cls
    for cls in (
        OrderRouted,
        ExecutionReport,
        Quote,
        PositionClosed,
        AccountSnapshot,
        LpStatus,
        RulePublished,
    )
}
"""The event struct of each topic, by the topic's short name (``orders``, ``quotes``, ...)."""
