"""Completeness findings on a crafted set of orders and executions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from app.compliance.completeness import (
    CLOCK_SKEW,
    EXECUTION_WITHOUT_ORDER,
    MISSING_FIELD,
    ORDER_WITHOUT_EXECUTION,
    findings,
)

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def at(seconds_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds_ago)


def orders() -> pd.DataFrame:
    rows = [
        ("ok", at(300), "market", None, "A", "LP1"),
        ("lonely", at(120), "market", None, "A", "LP1"),  # no execution after 60 s
        ("recent", at(10), "market", None, "B", None),  # no execution yet, but only 10 s old
        ("nolimit", at(300), "limit", None, "B", None),  # a limit order without its price
        ("nolp", at(300), "market", None, "A", None),  # A-book without its LP
        ("late", at(200), "market", None, "A", "LP1"),
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "ts", "order_type", "limit_price", "book", "lp"]
    )  # noqa: E501
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def executions() -> pd.DataFrame:
    rows = [
        ("e-ok", "ok", at(299), at(299.01), "filled", 1.0, 1.1, None),
        ("e-nolimit", "nolimit", at(299), at(299.01), "filled", 1.0, None, None),  # no price
        ("e-nolp", "nolp", at(299), at(299.01), "rejected", 0.0, None, None),  # no reason
        ("e-orphan", "ghost", at(100), at(100.01), "filled", 1.0, 1.1, None),
        ("e-young", "ghost2", at(5), at(5.01), "filled", 1.0, 1.1, None),  # may still come
        ("e-ahead", "ok", at(250), at(247), "filled", 1.0, 1.1, None),  # sent 3 s after ts
        ("e-before", "late", at(199), at(205), "filled", 1.0, 1.1, None),  # sent before order
    ]
    columns = ["exec_id", "order_id", "ts", "sent_ts", "status", "fill_qty", "fill_price",
               "reject_reason"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("ts", "sent_ts"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["fill_price"] = frame["fill_price"].astype(float)
    return frame


def test_every_kind_of_gap_is_found_once() -> None:
    found = findings(orders(), executions(), now=NOW, wait_s=60, skew_s=1.0)
    got = sorted((f.kind, f.reference) for f in found)
    assert got == sorted(
        [
            (MISSING_FIELD, "nolimit"),
            (MISSING_FIELD, "nolp"),
            (MISSING_FIELD, "e-nolimit"),
            (MISSING_FIELD, "e-nolp"),
            (ORDER_WITHOUT_EXECUTION, "lonely"),
            (EXECUTION_WITHOUT_ORDER, "e-orphan"),
            (CLOCK_SKEW, "e-ahead"),
            (CLOCK_SKEW, "e-before"),
        ]
    )
    assert [f.ts for f in found] == sorted(f.ts for f in found)
    [ahead] = [f for f in found if f.reference == "e-ahead"]
    assert ahead.detail == "sent_ts 3.000000 s after ts"
    [before] = [f for f in found if f.reference == "e-before"]
    assert before.detail == "sent_ts 5.000000 s before the order"


def test_a_wider_tolerance_and_wait_hide_the_borderline_cases() -> None:
    found = findings(orders(), executions(), now=NOW, wait_s=150, skew_s=10.0)
    kinds = {(f.kind, f.reference) for f in found}
    assert (CLOCK_SKEW, "e-ahead") not in kinds
    assert (ORDER_WITHOUT_EXECUTION, "lonely") not in kinds  # 120 s < 150 s
    assert (EXECUTION_WITHOUT_ORDER, "e-orphan") not in kinds


def test_clean_data_has_no_findings() -> None:
    clean_orders = orders().iloc[[0]]
    clean_executions = executions().iloc[[0]]
    assert findings(clean_orders, clean_executions, now=NOW, wait_s=60, skew_s=1) == []
