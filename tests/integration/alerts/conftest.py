"""Fixtures for the alert engine tests: rules made through the store, rollup rows by hand."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import parse_rule
from app.audit.chain import Actor

ADMIN = Actor("admin@example.com", "admin", "127.0.0.1")


def make_rule(session: Session, **fields: Any) -> int:
    """Create a rule through the store (defaults: an LP reject-rate threshold)."""
    data: dict[str, Any] = {
        "name": "LP reject rate",
        "type": "threshold",
        "scope": "lp",
        "cooldown_s": 0,
        "spec": {"metric": "reject_rate", "operator": ">", "value": 50},
    }
    data.update(fields)
    return store.create_rule(session, ADMIN, parse_rule(data)).id


def rollup(
    bucket: dt.datetime, *, lp: str = "LP1", attempts: int = 10, rejects: int = 0, **extra: Any
) -> dict[str, Any]:
    """One exec_rollup_1m row: ``attempts`` attempts, ``rejects`` of them rejected."""
    fills = attempts - rejects
    row: dict[str, Any] = {
        "bucket": bucket,
        "lp": lp,
        "symbol": "EURUSD",
        "book": "A",
        "rule_id": "R1",
        "rule_version": 1,
        "attempts": attempts,
        "fills": fills,
        "partial_fills": 0,
        "rejects": rejects,
        "cancels": 0,
        "reject_price_moved": rejects,
        "reject_last_look": 0,
        "reject_no_liquidity": 0,
        "reject_timeout": 0,
        "reject_credit_limit": 0,
        "reject_market_closed": 0,
        "reject_other": 0,
        "requested_qty": attempts * 1000.0,
        "fill_qty": fills * 1000.0,
        "notional_usd": fills * 1100.0,
        "slippage_pips_qty_sum": 0.0,
        "slippage_positive": 0,
        "slippage_zero": fills,
        "slippage_negative": 0,
        "price_improvement_pips_sum": 0.0,
        "best_execution_count": 0,
        "latency_buckets": [100],
        "latency_counts": [attempts],
        "latency_ms_sum": 20.0 * attempts,
        "latency_ms_max": 20.0,
        "commission_usd": 0,
        "pfof_usd": 0,
        "usd_unconverted": 0,
    }
    row.update(extra)
    return row


def insert_rollups(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    from app.db.models.rollups import ExecRollup1m

    conn.execute(sa.insert(ExecRollup1m), list(rows))


def order_row(order_id: str, ts: dt.datetime, **fields: Any) -> dict[str, Any]:
    """One ``orders`` row: a complete A-book market order routed to LP1 at ``ts``."""
    row: dict[str, Any] = {
        "event_id": uuid.uuid4(), "ts": ts, "order_id": order_id, "client_ref": "p" * 32,
        "account_id": "ACC1", "symbol": "EURUSD", "asset_class": "fx", "pip_size": 0.0001,
        "side": "buy", "qty": 1000.0, "order_type": "market", "limit_price": None,
        "arrival_bid": 0.9999, "arrival_ask": 1.0001, "book": "A", "lp": "LP1",
        "rule_id": "r1", "rule_version": 1, "client_segment": "retail",
    }  # fmt: skip
    row.update(fields)
    return row


def execution_row(order_id: str, ts: dt.datetime, **fields: Any) -> dict[str, Any]:
    """One ``executions`` row: a complete fill of ``order_id`` at ``ts``, sent at ``ts``."""
    row: dict[str, Any] = {
        "event_id": uuid.uuid4(), "ts": ts, "exec_id": f"x-{order_id}", "order_id": order_id,
        "lp": "LP1", "status": "filled", "requested_qty": 1000.0, "fill_qty": 1000.0,
        "requested_price": 1.0, "fill_price": 1.0, "sent_ts": ts, "market_bid": 0.9999,
        "market_ask": 1.0001, "reject_reason": None, "commission": Decimal("0"),
        "pfof": Decimal("0"), "currency": "USD",
    }  # fmt: skip
    row.update(fields)
    return row


def insert_events(
    conn: sa.Connection,
    orders: Sequence[Mapping[str, Any]] = (),
    executions: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Store raw orders and executions (what the ingest consumers write)."""
    from app.db.models.events import Execution, Order

    if orders:
        conn.execute(sa.insert(Order), list(orders))
    if executions:
        conn.execute(sa.insert(Execution), list(executions))


@contextlib.contextmanager
def committing(session: Session) -> Iterator[None]:
    """Commit what the block did (a session autobegins, so ``begin()`` would refuse)."""
    yield
    session.commit()


@pytest.fixture
def session(committed_db: sa.Engine) -> Iterator[Session]:
    """A session on the test database whose tables are emptied after the test."""
    with Session(committed_db) as session:
        yield session
