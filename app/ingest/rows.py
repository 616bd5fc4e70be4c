"""Contract events as rows of the raw event tables, in the column order of each COPY."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from app.events import (
    AccountSnapshot,
    Event,
    ExecutionReport,
    LpStatus,
    OrderRouted,
    PositionClosed,
    RulePublished,
)
from app.privacy import pseudonymise

Row = tuple[Any, ...]


@dataclass(frozen=True)
class TableSpec:
    """How one topic's events are copied into its table."""

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    """PostgreSQL type names for binary COPY, parallel to ``columns``."""


ENVELOPE = (("event_id", "uuid"), ("ts", "timestamptz"))


def _spec(table: str, *columns: tuple[str, str]) -> TableSpec:
    pairs = (*ENVELOPE, *columns)
    return TableSpec(table, tuple(n for n, _ in pairs), tuple(t for _, t in pairs))


ORDERS = _spec(
    "orders",
    ("order_id", "text"),
    ("client_ref", "text"),
    ("account_id", "text"),
    ("symbol", "text"),
    ("asset_class", "text"),
    ("pip_size", "float8"),
    ("side", "text"),
    ("qty", "float8"),
    ("order_type", "text"),
    ("limit_price", "float8"),
    ("arrival_bid", "float8"),
    ("arrival_ask", "float8"),
    ("book", "text"),
    ("lp", "text"),
    ("rule_id", "text"),
    ("rule_version", "int4"),
    ("client_segment", "text"),
)
EXECUTIONS = _spec(
    "executions",
    ("exec_id", "text"),
    ("order_id", "text"),
    ("lp", "text"),
    ("status", "text"),
    ("requested_qty", "float8"),
    ("fill_qty", "float8"),
    ("requested_price", "float8"),
    ("fill_price", "float8"),
    ("sent_ts", "timestamptz"),
    ("market_bid", "float8"),
    ("market_ask", "float8"),
    ("reject_reason", "text"),
    ("commission", "numeric"),
    ("pfof", "numeric"),
    ("currency", "text"),
)
POSITIONS = _spec(
    "positions",
    ("position_id", "text"),
    ("account_id", "text"),
    ("client_ref", "text"),
    ("symbol", "text"),
    ("side", "text"),
    ("qty", "float8"),
    ("open_ts", "timestamptz"),
    ("open_price", "float8"),
    ("close_price", "float8"),
    ("book", "text"),
    ("lp", "text"),
    ("rule_id", "text"),
    ("rule_version", "int4"),
    ("client_pnl", "numeric"),
    ("broker_pnl", "numeric"),
    ("currency", "text"),
)
ACCOUNTS = _spec(
    "account_snapshots",
    ("account_id", "text"),
    ("client_ref", "text"),
    ("balance", "numeric"),
    ("equity", "numeric"),
    ("margin_used", "numeric"),
    ("margin_level", "float8"),
    ("currency", "text"),
)
LP_STATUS = _spec("lp_status", ("lp", "text"), ("status", "text"), ("detail", "text"))
RULES = _spec(
    "rules",
    ("rule_id", "text"),
    ("rule_version", "int4"),
    ("name", "text"),
    ("book", "text"),
    ("conditions", "jsonb"),
    ("effective_from", "timestamptz"),
)

SPECS: dict[str, TableSpec] = {
    "orders": ORDERS,
    "executions": EXECUTIONS,
    "positions": POSITIONS,
    "accounts": ACCOUNTS,
    "lp_status": LP_STATUS,
    "rules": RULES,
}
"""Topic short name → table spec; quotes are downsampled instead (see ``quotes``)."""

CLIENT_REF_AT: dict[str, int] = {
    key: SPECS[key].columns.index("client_ref") for key in ("orders", "positions", "accounts")
}
"""Topic short name → position of the pseudonym in its rows (topics that carry a client)."""


def _money(value: float) -> Decimal:
    # Through repr, so 0.1 is stored as 0.1 and not as the float's binary expansion.
    return Decimal(repr(value))


def row_builders(pseudonym_key: bytes) -> dict[str, Callable[[Event], Row]]:
    """One function per topic turning an event into its table row."""
    cache: dict[str, str] = {}

    def ref(client_id: str) -> str:
        pseudonym = cache.get(client_id)
        if pseudonym is None:
            if len(cache) > 100_000:
                cache.clear()
            pseudonym = cache[client_id] = pseudonymise(client_id, pseudonym_key)
        return pseudonym

    def order(e: Event) -> Row:
        assert isinstance(e, OrderRouted)
        return (
            e.event_id,
            e.ts,
            e.order_id,
            ref(e.client_id),
            e.account_id,
            e.symbol,
            e.asset_class,
            e.pip_size,
            e.side,
            e.qty,
            e.order_type,
            e.limit_price,
            e.arrival_bid,
            e.arrival_ask,
            e.book,
            e.lp,
            e.rule_id,
            e.rule_version,
            e.client_segment,
        )

    def execution(e: Event) -> Row:
        assert isinstance(e, ExecutionReport)
        return (
            e.event_id,
            e.ts,
            e.exec_id,
            e.order_id,
            e.lp,
            e.status,
            e.requested_qty,
            e.fill_qty,
            e.requested_price,
            e.fill_price,
            e.sent_ts,
            e.market_bid,
            e.market_ask,
            e.reject_reason,
            _money(e.commission),
            _money(e.pfof),
            e.currency,
        )

    def position(e: Event) -> Row:
        assert isinstance(e, PositionClosed)
        return (
            e.event_id,
            e.ts,
            e.position_id,
            e.account_id,
            ref(e.client_id),
            e.symbol,
            e.side,
            e.qty,
            e.open_ts,
            e.open_price,
            e.close_price,
            e.book,
            e.lp,
            e.rule_id,
            e.rule_version,
            _money(e.client_pnl),
            _money(e.broker_pnl),
            e.currency,
        )

    def account(e: Event) -> Row:
        assert isinstance(e, AccountSnapshot)
        return (
            e.event_id,
            e.ts,
            e.account_id,
            ref(e.client_id),
            _money(e.balance),
            _money(e.equity),
            _money(e.margin_used),
            e.margin_level,
            e.currency,
        )

    def lp_status(e: Event) -> Row:
        assert isinstance(e, LpStatus)
        return (e.event_id, e.ts, e.lp, e.status, e.detail)

    def rule(e: Event) -> Row:
        assert isinstance(e, RulePublished)
        return (
            e.event_id,
            e.ts,
            e.rule_id,
            e.rule_version,
            e.name,
            e.book,
            Jsonb(e.conditions),
            e.effective_from,
        )

    return {
        "orders": order,
        "executions": execution,
        "positions": position,
        "accounts": account,
        "lp_status": lp_status,
        "rules": rule,
    }


def copy_sql(table: str, columns: Sequence[str]) -> str:
    """The binary COPY statement into ``table``."""
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
