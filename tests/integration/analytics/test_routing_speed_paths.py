"""The routing read models' fast paths give the results of the rules they replace.

- Final outcome (``app.metrics.routing.final_outcome``) from one hash aggregate per order: the
  last of ``rejected``/``cancelled`` by time, and by ``exec_id`` when both share that time
  (looked up per order), ignoring executions outside the order's matching window.
- USD rates from one primary-key probe per order, across a midnight (two daily partitions),
  equal ``usd_rate(currency, ts)`` per order exactly.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app.metrics.routing import final_outcome
from app.queries.filters import Filter
from app.queries.routing import _RATED, rate_params, routing_groups, routing_shares_over_time

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
WINDOW = Filter(start=T0, end=T0 + dt.timedelta(hours=2))
MINUTE = dt.timedelta(minutes=1)

# order (its rule_id) -> executions as (exec_id, time after the order, status), and the outcome.
OUTCOME_CASES: dict[str, tuple[list[tuple[str, dt.timedelta, str]], str]] = {
    "pending": ([], "pending"),
    "fill-after-reject": ([("x1", MINUTE, "rejected"), ("x2", 2 * MINUTE, "filled")], "filled"),
    "partial-then-reject": (
        [("x1", MINUTE, "partially_filled"), ("x2", 2 * MINUTE, "rejected")],
        "partially_filled",
    ),
    "reject-last": ([("x1", MINUTE, "cancelled"), ("x2", 2 * MINUTE, "rejected")], "rejected"),
    "cancel-last": ([("x1", MINUTE, "rejected"), ("x2", 2 * MINUTE, "cancelled")], "cancelled"),
    "only-rejects": ([("x1", MINUTE, "rejected"), ("x2", 2 * MINUTE, "rejected")], "rejected"),
    # Both at the same time: the larger exec_id is the last attempt.
    "tie-cancel-wins": ([("x-a", MINUTE, "rejected"), ("x-b", MINUTE, "cancelled")], "cancelled"),
    "tie-reject-wins": ([("x-b", MINUTE, "rejected"), ("x-a", MINUTE, "cancelled")], "rejected"),
    "tie-after-earlier": (
        [
            ("x-z", 0 * MINUTE, "cancelled"),
            ("x-b", MINUTE, "rejected"),
            ("x-a", MINUTE, "cancelled"),
        ],
        "rejected",
    ),
    # A cancel more than a day after the order is not one of its executions.
    "late-cancel-ignored": (
        [("x1", MINUTE, "rejected"), ("x2", dt.timedelta(days=1, minutes=1), "cancelled")],
        "rejected",
    ),
    "only-outside-window": ([("x1", -dt.timedelta(hours=2), "cancelled")], "pending"),
}


def _insert_order(
    db: sa.Connection, order_id: str, ts: dt.datetime, symbol: str, rule: str
) -> None:
    db.execute(
        sa.text(
            "INSERT INTO orders (event_id, ts, order_id, client_ref, account_id, symbol, "
            "asset_class, pip_size, side, qty, order_type, arrival_bid, arrival_ask, book, lp, "
            "rule_id, rule_version, client_segment) VALUES (:id, :ts, :oid, 'c', 'acct', "
            ":symbol, 'fx', 0.0001, 'buy', 1000, 'market', 1.0, 1.2, 'A', 'LP_ALPHA', :rule, 1, "
            "'retail')"
        ),
        {"id": uuid.uuid4(), "ts": ts, "oid": order_id, "symbol": symbol, "rule": rule},
    )


def _insert_execution(
    db: sa.Connection, order_id: str, exec_id: str, ts: dt.datetime, status: str
) -> None:
    filled = status in ("filled", "partially_filled")
    db.execute(
        sa.text(
            "INSERT INTO executions (event_id, ts, exec_id, order_id, lp, status, requested_qty, "
            "fill_qty, requested_price, fill_price, sent_ts, market_bid, market_ask, commission, "
            "pfof, currency) VALUES (:id, :ts, :eid, :oid, 'LP_ALPHA', :status, 1000, :fill, "
            "1.1, :price, :ts, 1.0, 1.2, 0, 0, 'USD')"
        ),
        {"id": uuid.uuid4(), "ts": ts, "eid": f"{order_id}-{exec_id}", "oid": order_id,
         "status": status, "fill": 1000 if filled else 0, "price": 1.1 if filled else None},
    )  # fmt: skip


@pytest.fixture
def outcome_data(db: sa.Connection) -> sa.Connection:
    for n, (rule, (executions, _)) in enumerate(OUTCOME_CASES.items()):
        order_ts = T0 + dt.timedelta(minutes=5 + n)
        _insert_order(db, f"out-{n}", order_ts, "EURUSD", rule)
        for exec_id, after, status in executions:
            _insert_execution(db, f"out-{n}", exec_id, order_ts + after, status)
    return db


def test_outcomes_follow_the_final_outcome_rule(outcome_data: sa.Connection) -> None:
    groups = routing_groups(outcome_data, WINDOW)
    assert groups["orders"].tolist() == [1] * len(OUTCOME_CASES)
    assert dict(zip(groups["rule_id"], groups["outcome"], strict=True)) == {
        rule: outcome for rule, (_, outcome) in OUTCOME_CASES.items()
    }
    # The same rule, in Python, over the executions inside each order's window.
    for rule, (executions, outcome) in OUTCOME_CASES.items():
        inside = [
            (after, exec_id, status)
            for exec_id, after, status in executions
            if -dt.timedelta(hours=1) <= after <= dt.timedelta(days=1)
        ]
        assert final_outcome([status for *_, status in sorted(inside)]) == outcome, rule


MIDNIGHT = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
NIGHT = Filter(start=MIDNIGHT - dt.timedelta(minutes=30), end=MIDNIGHT + dt.timedelta(minutes=30))

# (symbol, time, mid) on both sides of midnight (two daily partitions).
NIGHT_MIDS = [
    ("EURUSD", MIDNIGHT - dt.timedelta(seconds=1), 1.15),
    ("EURUSD", MIDNIGHT, 1.16),
    ("USDJPY", MIDNIGHT - dt.timedelta(seconds=2), 150.0),
    ("USDJPY", MIDNIGHT + dt.timedelta(seconds=3), 151.0),
]
# (symbol, time): order times around midnight, on and between the mids' seconds.
NIGHT_ORDERS = [
    ("EURGBP", MIDNIGHT - dt.timedelta(seconds=5)),  # GBP: no pair at all, unconverted
    ("GER40", MIDNIGHT - dt.timedelta(milliseconds=500)),  # EUR, mid in its second (day 1)
    ("GER40", MIDNIGHT + dt.timedelta(milliseconds=300)),  # EUR, mid in its second (day 2)
    ("GER40", MIDNIGHT + dt.timedelta(seconds=4)),  # EUR, last mid 4 s before (usd_rate)
    ("JP225", MIDNIGHT - dt.timedelta(seconds=1)),  # JPY inverse, last mid 1 s before
    ("JP225", MIDNIGHT + dt.timedelta(seconds=3, milliseconds=900)),  # JPY inverse, its second
]
NIGHT_SQL = """
WITH o AS (
    SELECT order_id, ts, qty * (arrival_bid + arrival_ask) / 2 AS notional_quote,
           symbol
    FROM orders WHERE ts >= :start AND ts < :end
)"""


@pytest.fixture
def night_data(db: sa.Connection) -> sa.Connection:
    for symbol, ts, mid in NIGHT_MIDS:
        db.execute(
            sa.text(
                "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
                "VALUES (:symbol, :ts, :mid, :mid, :mid, 1)"
            ),
            {"symbol": symbol, "ts": ts, "mid": mid},
        )
    for n, (symbol, ts) in enumerate(NIGHT_ORDERS):
        _insert_order(db, f"night-{n}", ts, symbol, "R-1")
    return db


def test_rates_across_midnight_equal_usd_rate(night_data: sa.Connection) -> None:
    def rates(sql: str) -> dict[str, float | None]:
        rows = night_data.execute(sa.text(NIGHT_SQL + sql), rate_params(NIGHT)).all()
        return {order_id: rate for order_id, rate in rows}

    per_row = rates(" SELECT order_id, usd_rate(quote_currency(symbol), ts) FROM o")
    assert rates(", " + _RATED + " SELECT order_id, rate FROM rated") == per_row
    assert per_row == {
        "night-0": None,
        "night-1": 1.15,
        "night-2": 1.16,
        "night-3": 1.16,
        "night-4": 1.0 / 150.0,
        "night-5": 1.0 / 151.0,
    }
    groups = routing_groups(night_data, NIGHT)
    assert int(groups["unconverted"].sum()) == 1
    notional = 1000 * 1.1  # qty x arrival mid of every order
    expected = notional * (1.15 + 1.16 + 1.16 + 1.0 / 150.0 + 1.0 / 151.0)
    assert float(groups["notional_usd"].sum()) == pytest.approx(expected, rel=1e-12)
    shares = routing_shares_over_time(night_data, NIGHT, "1h")
    assert shares["orders_a"].tolist() == [3, 3]
    assert float(shares["notional_usd_a"].sum()) == pytest.approx(expected, rel=1e-12)
