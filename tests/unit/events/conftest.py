"""Valid example events of every topic, and a helper to build message bytes from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from app.events import (
    AccountSnapshot,
    Event,
    ExecutionReport,
    LpStatus,
    OrderRouted,
    PositionClosed,
    Quote,
    RulePublished,
    encode,
)

T = datetime(2026, 11, 24, 10, 15, 30, 123456, tzinfo=UTC)


def _envelope(event_type: str, number: int) -> dict[str, Any]:
    return {
        "event_id": UUID(int=number, version=4),
        "event_type": event_type,
        "schema_version": 1,
        "ts": T,
    }


def example_events() -> dict[str, Event]:
    """One valid event per topic short name."""
    return {
        "orders": OrderRouted(
            **_envelope("order.routed", 1),
            order_id="O-1", client_id="C-1", account_id="A-1", symbol="EURUSD",
            asset_class="fx", pip_size=0.0001, side="buy", qty=100_000, order_type="limit",
            limit_price=1.08530, arrival_bid=1.08501, arrival_ask=1.08504, book="A",
            lp="LP_ALPHA", rule_id="R-PRO-A", rule_version=1, client_segment="professional",
        ),
        "executions": ExecutionReport(
            **_envelope("execution.report", 2),
            exec_id="X-1", order_id="O-1", lp="LP_ALPHA", status="filled",
            requested_qty=100_000, fill_qty=100_000, requested_price=1.08504,
            fill_price=1.08504, sent_ts=T - timedelta(milliseconds=25), market_bid=1.08502,
            market_ask=1.08505, reject_reason=None, commission=0.87, pfof=0.0, currency="USD",
        ),
        "quotes": Quote(
            **_envelope("quote", 3),
            lp="LP_BRAVO", symbol="USDJPY", bid=151.203, ask=151.207, bid_size=2e6, ask_size=1e6,
        ),
        "positions": PositionClosed(
            **_envelope("position.closed", 4),
            position_id="P-1", account_id="A-1", client_id="C-1", symbol="EURUSD", side="buy",
            qty=100_000, open_ts=T - timedelta(hours=2), open_price=1.08504, close_price=1.08604,
            book="B", lp=None, rule_id="R-RETAIL-B", rule_version=1, client_pnl=100.0,
            broker_pnl=-100.0, currency="USD",
        ),
        "accounts": AccountSnapshot(
            **_envelope("account.snapshot", 5),
            account_id="A-1", client_id="C-1", balance=10_000.0, equity=9_500.0,
            margin_used=3_616.8, margin_level=262.66, currency="EUR",
        ),
        "lp_status": LpStatus(**_envelope("lp.status", 6), lp="LP_CHARLIE", status="degraded",
                              detail="high latency"),
        "rules": RulePublished(
            **_envelope("rule.published", 7),
            rule_id="R-LARGE-A", rule_version=2, name="Large tickets to A-book", book="A",
            conditions={"min_notional_usd": 250_000, "lp_weights": {"LP_ALPHA": 3.0}},
            effective_from=T,
        ),
    }  # fmt: skip


Message = dict[str, Any]


def message_bytes(topic: str, change: Callable[[Message], object] | None = None) -> bytes:
    """The example event of ``topic`` as JSON, after ``change`` edited its decoded dict."""
    message: Message = orjson.loads(encode(example_events()[topic]))
    if change is not None:
        change(message)
    return orjson.dumps(message)


@pytest.fixture
def examples() -> dict[str, Event]:
    return example_events()


@pytest.fixture
def make_message() -> Callable[[str, Callable[[Message], object] | None], bytes]:
    return message_bytes
