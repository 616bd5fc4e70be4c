"""Rows of the event tables for the compliance integration tests, inserted through SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.db.models.events import Execution, Order

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)


def order(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": uuid.uuid4(), "ts": T0, "order_id": "o1", "client_ref": "p" * 32,
        "account_id": "ACC1", "symbol": "EURUSD", "asset_class": "fx", "pip_size": 0.0001,
        "side": "buy", "qty": 1000.0, "order_type": "market", "limit_price": None,
        "arrival_bid": 0.9999, "arrival_ask": 1.0001, "book": "A", "lp": "LP1",
        "rule_id": "r1", "rule_version": 1, "client_segment": "retail",
    }  # fmt: skip
    base.update(fields)
    return base


def execution(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": uuid.uuid4(), "ts": T0 + dt.timedelta(milliseconds=25), "exec_id": "x1",
        "order_id": "o1", "lp": "LP1", "status": "filled", "requested_qty": 1000.0,
        "fill_qty": 1000.0, "requested_price": 1.0, "fill_price": 1.0,
        "sent_ts": T0 + dt.timedelta(milliseconds=5), "market_bid": 0.9999,
        "market_ask": 1.0001, "reject_reason": None, "commission": Decimal("0"),
        "pfof": Decimal("0"), "currency": "USD",
    }  # fmt: skip
    base.update(fields)
    return base


def insert(
    conn: sa.Connection, orders: list[dict[str, Any]], executions: list[dict[str, Any]]
) -> None:  # noqa: E501
    if orders:
        conn.execute(sa.insert(Order), orders)
    if executions:
        conn.execute(sa.insert(Execution), executions)
