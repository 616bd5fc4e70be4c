"""Executions drill-down pages against an independent computation here: each execution in the
window with its earliest order within [ts − 1 day, ts + 1 hour] (none: not listed), the order
filters applied to that order, sorted and paged. Both query paths are checked: the set-based
one (windows up to ``SET_BASED_MAX_ROWS`` executions) and the lookup-per-row one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from operator import itemgetter
from typing import Any

import pytest
import sqlalchemy as sa

from app.db.models.events import Execution, Order
from app.queries import drilldown
from app.queries.filters import Filter

pytestmark = pytest.mark.integration

DAY0 = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
WINDOW = Filter(start=DAY0 + dt.timedelta(hours=10), end=DAY0 + dt.timedelta(hours=12))
SYMBOLS = ("EURUSD", "USDJPY", "GBPUSD")
SEGMENTS = ("retail", "professional")
LPS = ("LP_ALPHA", "LP_BRAVO", "INTERNAL")


def _order(order_id: str, ts: dt.datetime, n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4(),
        "ts": ts,
        "order_id": order_id,
        "client_ref": f"client-{n % 5}",
        "account_id": f"acct-{n % 5}",
        "symbol": SYMBOLS[n % 3],
        "asset_class": "fx",
        "pip_size": 0.01 if SYMBOLS[n % 3] == "USDJPY" else 0.0001,
        "side": "buy" if n % 2 else "sell",
        "qty": 1000.0 * (1 + n % 4),
        "order_type": "market",
        "limit_price": None,
        "arrival_bid": 1.1,
        "arrival_ask": 1.1002,
        "book": "B" if n % 4 == 0 else "A",
        "lp": None,
        "rule_id": f"rule-{n % 3}",
        "rule_version": 1,
        "client_segment": SEGMENTS[n % 2],
        **overrides,
    }


def _execution(order_id: str, ts: dt.datetime, n: int) -> dict[str, Any]:
    rejected = n % 5 == 0
    return {
        "event_id": uuid.uuid4(),
        "ts": ts,
        "exec_id": f"x-{n}",
        "order_id": order_id,
        "lp": LPS[n % 3],
        "status": "rejected" if rejected else "filled",
        "requested_qty": 1000.0,
        "fill_qty": 0.0 if rejected else 1000.0,
        "requested_price": 1.1002,
        "fill_price": None if rejected else 1.1002 + (n % 3 - 1) * 0.0001,
        "sent_ts": ts - dt.timedelta(milliseconds=5 + n * 7 % 90),
        "market_bid": 1.1,
        "market_ask": 1.1002,
        "reject_reason": "last_look" if rejected else None,
        "commission": Decimal("0.02"),
        "pfof": Decimal("0"),
        "currency": "USD",
    }


def _history() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    at = WINDOW.start
    orders, executions = [], []
    for n in range(60):  # ordinary: the order half a second before its execution
        ts = at + dt.timedelta(seconds=113 * n + 1)
        orders.append(_order(f"o-{n}", ts - dt.timedelta(milliseconds=500), n))
        executions.append(_execution(f"o-{n}", ts, n))
    # A second attempt of order 7, two executions with equal times (the event id decides).
    executions.append(_execution("o-7", executions[7]["ts"] + dt.timedelta(seconds=3), 60))
    tie = executions[20]["ts"]
    orders.append(_order("o-tie", tie - dt.timedelta(seconds=1), 61))
    executions.append(_execution("o-tie", tie, 61))
    # No order: not listed.
    executions.append(_execution("o-missing", at + dt.timedelta(minutes=30), 62))
    # The order 23 h 40 min before (the day before): listed.
    far = at + dt.timedelta(minutes=40)
    orders.append(_order("o-far", far - dt.timedelta(hours=23, minutes=40), 63))
    executions.append(_execution("o-far", far, 63))
    # The order 30 min after its execution: listed; 2 h after: not listed.
    early = at + dt.timedelta(minutes=50)
    orders.append(_order("o-late", early + dt.timedelta(minutes=30), 64))
    executions.append(_execution("o-late", early, 64))
    orders.append(_order("o-too-late", early + dt.timedelta(hours=2), 65))
    executions.append(_execution("o-too-late", early, 65))
    # A duplicated order id: the earliest copy (GBPUSD, retail, B) is the execution's order.
    dup = at + dt.timedelta(minutes=70)
    orders.append(
        _order(
            "o-dup",
            dup - dt.timedelta(minutes=10),
            66,
            symbol="GBPUSD",
            book="B",
            client_segment="retail",
            pip_size=0.0001,
        )  # fmt: skip
    )
    orders.append(
        _order(
            "o-dup",
            dup - dt.timedelta(seconds=1),
            67,
            symbol="EURUSD",
            book="A",
            client_segment="professional",
            pip_size=0.0001,
        )  # fmt: skip
    )
    executions.append(_execution("o-dup", dup, 66))
    # Outside the window on both sides.
    orders.append(_order("o-out", at - dt.timedelta(minutes=5), 68))
    executions.append(_execution("o-out", at - dt.timedelta(microseconds=1), 68))
    executions.append(_execution("o-out", WINDOW.end, 69))
    return orders, executions


ORDERS, EXECUTIONS = _history()


def _matches(o: dict[str, Any], f: Filter) -> bool:
    return not (
        (f.symbols and o["symbol"] not in f.symbols)
        or (f.books and o["book"] not in f.books)
        or (f.rule_ids and o["rule_id"] not in f.rule_ids)
        or (f.segments and o["client_segment"] not in f.segments)
    )


def _expected(f: Filter, *, any_order: bool = False) -> list[dict[str, Any]]:
    """Listed rows (execution fields plus its order's) in ``f``, unsorted. With
    ``any_order``: the executions with *any* order in reach that matches the filters (what the
    lookup-per-row path counts; it differs only for a duplicated order id)."""
    rows = []
    for e in EXECUTIONS:
        if not f.start <= e["ts"] < f.end or (f.lps and e["lp"] not in f.lps):
            continue
        reach = [
            o
            for o in ORDERS
            if o["order_id"] == e["order_id"]
            and e["ts"] - dt.timedelta(days=1) <= o["ts"] <= e["ts"] + dt.timedelta(hours=1)
        ]
        if not reach:
            continue
        if any_order:
            reach = [o for o in reach if _matches(o, f)]
            if not reach:
                continue
        o = min(reach, key=lambda o: o["ts"])
        if not _matches(o, f):
            continue
        rows.append({**e, "symbol": o["symbol"], "book": o["book"], "side": o["side"]})
    return rows


def _sorted(rows: list[dict[str, Any]], sort: str) -> list[str]:
    """exec ids sorted like ``sort`` (stable sorts, last key first; event id breaks ties)."""
    out = sorted(rows, key=lambda r: r["event_id"])
    for item in reversed(sort.split(",")):
        out = sorted(out, key=itemgetter(item.lstrip("-")), reverse=item.startswith("-"))
    return [r["exec_id"] for r in out]


@pytest.fixture
def history(db: sa.Connection) -> sa.Connection:
    db.execute(sa.insert(Order), ORDERS)
    db.execute(sa.insert(Execution), EXECUTIONS)
    return db


FILTERS = [
    WINDOW,
    dataclasses.replace(WINDOW, symbols=("GBPUSD",)),
    dataclasses.replace(WINDOW, books=("B",), segments=("retail",)),
    dataclasses.replace(WINDOW, lps=("LP_ALPHA", "INTERNAL"), rule_ids=("rule-1",)),
]


@pytest.mark.parametrize("set_based", [True, False], ids=["set-based", "lookup-per-row"])
@pytest.mark.parametrize("f", FILTERS, ids=["all", "symbol", "book-segment", "lp-rule"])
@pytest.mark.parametrize("sort", ["-ts", "symbol,-ts", "lp,ts"])
def test_pages_list_the_executions_with_their_earliest_order(
    history: sa.Connection,
    monkeypatch: pytest.MonkeyPatch,
    set_based: bool,
    f: Filter,
    sort: str,
) -> None:
    if not set_based:
        monkeypatch.setattr(drilldown, "SET_BASED_MAX_ROWS", 0)
    expected = _sorted(_expected(f), sort)
    assert expected
    # The set-based total counts the listed rows; the other path counts executions with any
    # matching order in reach (one more here for the lp-rule filter: the later copy of o-dup).
    total = len(expected) if set_based else len(_expected(f, any_order=True))
    size = 7
    pages = -(-len(expected) // size)
    got: list[str] = []
    for number in range(1, pages + 2):  # one page past the end: no rows, the same total
        page = drilldown.executions_page(history, f, number, size, sort)
        assert page.total == total
        assert len(page.rows) == (
            min(size, len(expected) - (number - 1) * size) if number <= pages else 0
        )
        assert list(page.rows.columns) == list(drilldown.EXECUTION_COLUMNS)
        got.extend(page.rows["exec_id"])
    assert got == expected


def test_the_fixture_covers_the_edge_cases() -> None:
    listed = {r["exec_id"]: r for r in _expected(WINDOW)}
    assert "x-62" not in listed and "x-65" not in listed  # no order in reach
    assert "x-63" in listed and "x-64" in listed  # the order 23 h before, 30 min after
    assert listed["x-66"]["symbol"] == "GBPUSD"  # the earliest copy of a duplicated order id
    assert "x-68" not in listed and "x-69" not in listed  # outside the window
    assert len(listed) == 60 + 2 + 2 + 1
    lp_rule = FILTERS[3]
    assert len(_expected(lp_rule, any_order=True)) == len(_expected(lp_rule)) + 1


def test_the_set_based_page_carries_the_order_columns(history: sa.Connection) -> None:
    page = drilldown.executions_page(history, WINDOW, 1, 100, "-ts")
    row = page.rows.set_index("exec_id").loc["x-66"]
    assert (row["symbol"], row["book"], row["side"]) == ("GBPUSD", "B", "sell")
    assert row["latency_ms"] == pytest.approx(5 + 66 * 7 % 90)
    assert row["order_id"] == "o-dup" and row["lp"] == LPS[0]
