"""A small, hand-made stream stored through the real ingest path (decode → quote book →
batch store, as the consumer does, without Kafka), with numbers chosen so that every expected
value can be worked out by hand:

- EURUSD composite mid 1.25 from 00:00:00Z and 1.5 from 01:00:00Z on 2026-03-29 (the day
  Europe/London moves to summer time at 01:00Z); no GBP rate at all;
- three executions: 00:30:00Z LP_A (commission 2 EUR), 01:30:00Z LP_B (1.5 EUR) and 01:40:00Z
  INTERNAL on GBPUSD (0.5 GBP, rate unknown); one closed position (broker P/L −10 EUR).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from page_data import empty_tables

from app.config import Settings
from app.ingest.batch import Message, RecentIds, decode_messages
from app.ingest.quotes import QuoteBook
from app.ingest.rows import row_builders
from app.ingest.store import BatchStore, to_conninfo

DAY = "2026-03-29"
WINDOW = {"start": f"{DAY}T00:00:00Z", "end": f"{DAY}T02:00:00Z"}


def _envelope(event_type: str, ts: str) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1, "ts": ts}


def quote(ts: str, mid: float, symbol: str = "EURUSD") -> dict[str, Any]:
    return {
        **_envelope("quote", ts),
        "lp": "LP_A",
        "symbol": symbol,
        "bid": mid,
        "ask": mid,
        "bid_size": 1e6,
        "ask_size": 1e6,
    }


def order(
    order_id: str, ts: str, symbol: str, side: str, qty: float, lp: str | None
) -> dict[str, Any]:
    return {
        **_envelope("order.routed", ts),
        "order_id": order_id,
        "client_id": f"client-{order_id}",
        "account_id": f"ACC-{order_id}",
        "symbol": symbol,
        "asset_class": "fx",
        "pip_size": 0.0001,
        "side": side,
        "qty": qty,
        "order_type": "market",
        "limit_price": None,
        "arrival_bid": 1.25,
        "arrival_ask": 1.25,
        "book": "A" if lp else "B",
        "lp": lp,
        "rule_id": "R1",
        "rule_version": 1,
        "client_segment": "retail",
    }


def execution(
    exec_id: str, order_id: str, ts: str, lp: str, qty: float, price: float, commission: float,
    currency: str,
) -> dict[str, Any]:  # fmt: skip
    sent = dt.datetime.fromisoformat(ts.replace("Z", "+00:00")) - dt.timedelta(milliseconds=20)
    return {
        **_envelope("execution.report", ts),
        "exec_id": exec_id,
        "order_id": order_id,
        "lp": lp,
        "status": "filled",
        "requested_qty": qty,
        "fill_qty": qty,
        "requested_price": price,
        "fill_price": price,
        "sent_ts": sent.isoformat().replace("+00:00", "Z"),
        "market_bid": price,
        "market_ask": price,
        "reject_reason": None,
        "commission": commission,
        "pfof": 0.0,
        "currency": currency,
    }


def position(ts: str) -> dict[str, Any]:
    return {
        **_envelope("position.closed", ts),
        "position_id": "P1",
        "account_id": "ACC-O1",
        "client_id": "client-O1",
        "symbol": "EURUSD",
        "side": "buy",
        "qty": 100_000,
        "open_ts": f"{DAY}T00:30:00Z",
        "open_price": 1.25,
        "close_price": 1.2501,
        "book": "A",
        "lp": "LP_A",
        "rule_id": "R1",
        "rule_version": 1,
        "client_pnl": 10.0,
        "broker_pnl": -10.0,
        "currency": "EUR",
    }


EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("quotes", quote(f"{DAY}T00:00:00.000Z", 1.25)),
    ("quotes", quote(f"{DAY}T01:00:00.000Z", 1.5)),
    ("orders", order("O1", f"{DAY}T00:29:59.900Z", "EURUSD", "buy", 100_000, "LP_A")),
    ("orders", order("O2", f"{DAY}T01:29:59.900Z", "EURUSD", "sell", 50_000, "LP_B")),
    ("orders", order("O3", f"{DAY}T01:39:59.900Z", "GBPUSD", "buy", 20_000, None)),
    ("executions", execution("E1", "O1", f"{DAY}T00:30:00Z", "LP_A", 100_000, 1.25, 2.0, "EUR")),
    ("executions", execution("E2", "O2", f"{DAY}T01:30:00Z", "LP_B", 50_000, 1.5, 1.5, "EUR")),
    (
        "executions",
        execution("E3", "O3", f"{DAY}T01:40:00Z", "INTERNAL", 20_000, 1.3, 0.5, "GBP"),
    ),
    ("positions", position(f"{DAY}T01:45:00Z")),
]


def store_events(settings: Settings, events: list[tuple[str, dict[str, Any]]]) -> None:
    """What the ingest consumer does with one batch, minus Kafka."""
    messages = [
        Message(topic, settings.topics[topic], 0, offset, orjson.dumps(event))
        for offset, (topic, event) in enumerate(events)
    ]
    batch = decode_messages(messages, row_builders(settings.client_pseudonym_key), RecentIds())
    assert not batch.dead_letters, batch.dead_letters
    book = QuoteBook()
    book.add(batch.quotes)
    mids, lp_stats = book.drain()
    store = BatchStore(to_conninfo(settings.database_url), "exports-test")
    try:
        store.write(batch, mids, lp_stats)
    finally:
        store.close()


@pytest.fixture(scope="module")
def export_settings(
    base_settings: Settings, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return base_settings.model_copy(
        update={
            "database_url": database_url,
            "export_dir": tmp_path_factory.mktemp("exports"),
            "sync_export_row_limit": 2,
        }
    )


@pytest.fixture(scope="module")
def stored(export_settings: Settings, engine: sa.Engine) -> Iterator[sa.Engine]:
    """The hand-made stream, stored once per module."""
    empty_tables(engine)
    store_events(export_settings, EVENTS)
    yield engine
    empty_tables(engine)
