"""The report builders over rows stored in PostgreSQL (USD rates and the order join in SQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from compliance_rows import T0, execution, insert, order
from sqlalchemy import Connection

from app.compliance import best_execution, completeness, order_routing, transaction_report
from app.queries.filters import Filter

pytestmark = pytest.mark.integration

WINDOW = Filter(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(hours=1))


def _stored(db: Connection) -> None:
    insert(
        db,
        [
            order(order_id="o1"),
            order(
                order_id="o2",
                ts=T0 + dt.timedelta(seconds=1),
                order_type="limit",
                limit_price=0.95,
                client_ref="q" * 32,
            ),
            order(order_id="o3", ts=T0 + dt.timedelta(seconds=2), book="B", lp=None),
        ],  # fmt: skip
        [
            execution(
                exec_id="x1",
                order_id="o1",
                fill_qty=600.0,
                pfof=Decimal("3"),
                commission=Decimal("1"),
            ),
            execution(
                exec_id="x2",
                order_id="o2",
                ts=T0 + dt.timedelta(seconds=1, milliseconds=5),
                sent_ts=T0 + dt.timedelta(seconds=1),
                fill_qty=400.0,
            ),
            execution(
                exec_id="x3",
                order_id="o3",
                lp="INTERNAL",
                ts=T0 + dt.timedelta(seconds=2, microseconds=123456),
                sent_ts=T0 + dt.timedelta(seconds=2),
            ),
            # An execution whose order never came, an hour-old order without executions.
            execution(exec_id="x-orphan", order_id="ghost", lp="LP2"),
        ],  # fmt: skip
    )


def test_best_execution_and_606_from_the_database(db: Connection) -> None:
    _stored(db)
    top, quality = best_execution.build(db, WINDOW)
    assert top["venue"].tolist() == ["INTERNAL", "LP1"]  # 1000 USD, then 600 + 400
    assert top["volume_share_pct"].tolist() == [50.0, 50.0]
    assert top["passive_pct"].tolist() == [0.0, 50.0]
    assert sorted(quality["venue"]) == ["INTERNAL", "LP1"]  # the orphan has no order
    table = order_routing.build(db, WINDOW)
    lp1 = table[table["venue"] == "LP1"].iloc[0]
    assert lp1["net_payment_usd"] == pytest.approx(2.0)
    assert lp1["net_payment_per_hundred_units"] == pytest.approx(2.0 / 2000 * 100)


def test_transaction_report_from_the_database(db: Connection) -> None:
    _stored(db)
    party = transaction_report.ReportingParty("5493001KJTIIGC8Y1R12", {})
    rows = transaction_report.build(db, WINDOW, party)
    assert rows["transaction_reference"].tolist() == ["x1", "x2", "x3"]
    x3 = rows.iloc[2]
    assert x3["trading_date_time"] == (
        f"{T0 + dt.timedelta(seconds=2, microseconds=123456):%Y-%m-%dT%H:%M:%S.%f}Z"
    )
    assert (x3["venue"], x3["trading_capacity"], x3["buyer_id"]) == ("XOFF", "DEAL", "p" * 32)
    assert rows.iloc[1]["buyer_id"] == "q" * 32
    assert (rows.iloc[0]["price_currency"], rows.iloc[0]["quantity_currency"]) == ("USD", "EUR")


def test_completeness_check_from_the_database(db: Connection) -> None:
    _stored(db)
    insert(db, [order(order_id="lonely", ts=T0 + dt.timedelta(seconds=3))], [])
    found = completeness.check(db, WINDOW, now=T0 + dt.timedelta(minutes=10), wait_s=60, skew_s=1)
    assert sorted((f.kind, f.reference) for f in found) == [
        (completeness.EXECUTION_WITHOUT_ORDER, "x-orphan"),
        (completeness.ORDER_WITHOUT_EXECUTION, "lonely"),
    ]
