"""The fast results path (packed arrays per rule and day in ``rule_trades_1d``, the rest read
as binary arrays from ``positions``) against the previous computation (every position of the
window into pandas, grouped, summarised) on generated data: the rows must be equal, every
money figure to the cent and in fact to the last stored decimal."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, Engine, insert, text

from app.db.models.events import ClosedPosition
from app.metrics.results import epoch_ns
from app.queries.filters import Filter
from app.queries.results import (
    DIMENSION_KEYS,
    StoredDay,
    close_ns_at,
    closed_positions,
    refresh_rule_trades_1d,
    results_by,
    rule_report,
    rule_trades,
    summary_row,
)

pytestmark = pytest.mark.integration

DAY0 = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(
    days=8
)
DAYS = 4
RULES = ("R-alpha", "R-beta", "R-gamma")
MONEY = ("gross_profit", "gross_loss", "net_pnl", "max_drawdown", "var95", "es95")


def generated_positions(count: int, seed: int) -> list[dict[str, Any]]:
    """Positions over ``DAYS`` days with ties in close time, zero results, unconverted trades,
    two books and two symbols; rule R-gamma trades on the first two days only."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        rule = RULES[n % 3]
        day = rng.randrange(2) if rule == "R-gamma" else rng.randrange(DAYS)
        second = rng.randrange(0, 86_400, 7)  # coarse seconds: many trades close at once
        ts = DAY0 + dt.timedelta(days=day, seconds=second)
        pnl = 0.0 if n % 41 == 0 else round(rng.gauss(3.0, 60.0), 2)
        book = "A" if n % 5 == 0 else "B"
        rows.append(
            {
                "event_id": uuid.UUID(int=rng.getrandbits(128)),
                "ts": ts,
                "position_id": f"P{seed}-{n}",
                "account_id": f"ACC{n % 7}",
                "client_ref": f"client-{n % 7}",
                "symbol": "EURUSD" if n % 3 else "USDJPY",
                "side": "buy" if n % 2 else "sell",
                "qty": 1000.0,
                "open_ts": ts - dt.timedelta(minutes=5),
                "open_price": 1.1,
                "close_price": 1.1,
                "book": book,
                "lp": "LPX" if book == "A" else None,
                "rule_id": rule,
                "rule_version": 1 + n % 2,
                "client_pnl": -pnl,
                "broker_pnl": pnl,
                "currency": "JPY" if n % 3 == 0 else "USD",
                "broker_pnl_usd": None if n % 53 == 0 else round(pnl * 1.0837, 8),
            }
        )
    return rows


def previous_results(conn: Connection, f: Filter, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The computation before the fast path: all positions into pandas, grouped by key."""
    trades = closed_positions(conn, f)
    rows = []
    for key, group in trades.groupby(list(keys), sort=True):
        values = key if isinstance(key, tuple) else (key,)
        row = {k: (int(v) if k == "rule_version" else v) for k, v in zip(keys, values, strict=True)}
        rows.append(row | summary_row(group, capital=25_000.0))
    return rows


def assert_same_rows(fast: list[dict[str, Any]], previous: list[dict[str, Any]]) -> None:
    assert [len(previous), *(r["trades"] for r in previous)] == [
        len(fast),
        *(r["trades"] for r in fast),
    ]
    for fast_row, previous_row in zip(fast, previous, strict=True):
        fast_row = {k: v for k, v in fast_row.items() if k != "name"}
        for field in MONEY:  # the stated contract: to the cent
            if previous_row[field] is not None:
                assert round(fast_row[field], 2) == round(previous_row[field], 2), field
        assert fast_row == previous_row  # and in fact identical


@pytest.fixture
def positions(db: Connection) -> Connection:
    db.execute(insert(ClosedPosition), generated_positions(2400, seed=7))
    return db


def test_read_model_rows_and_changed_days(positions: Connection) -> None:
    dirty = "SELECT DISTINCT day FROM rule_trades_1d_dirty ORDER BY day"
    assert list(positions.execute(text(dirty)).scalars()) == [
        DAY0 + dt.timedelta(days=d) for d in range(DAYS)
    ]
    assert refresh_rule_trades_1d(positions) == DAYS
    assert list(positions.execute(text(dirty)).scalars()) == []
    stored = positions.execute(
        text("SELECT rule_id, count(*), sum(trades) FROM rule_trades_1d GROUP BY 1 ORDER BY 1")
    ).all()
    assert [tuple(r) for r in stored] == [
        ("R-alpha", 4, 800),
        ("R-beta", 4, 800),
        ("R-gamma", 2, 800),
    ]
    late = generated_positions(30, seed=8)
    for row in late:
        row["ts"] = DAY0 + dt.timedelta(days=2, seconds=row["ts"].second)
    positions.execute(insert(ClosedPosition), late)
    assert list(positions.execute(text(dirty)).scalars()) == [DAY0 + dt.timedelta(days=2)]


@pytest.mark.parametrize(
    "window",
    [
        (dt.timedelta(0), dt.timedelta(days=DAYS)),  # whole days
        (dt.timedelta(hours=7, seconds=3), dt.timedelta(days=3, hours=5)),  # partial ends
        (dt.timedelta(days=1), dt.timedelta(days=2)),  # a single day
        (dt.timedelta(hours=2), dt.timedelta(hours=20)),  # inside one day
    ],
)
def test_rule_report_equals_previous_computation(
    positions: Connection, window: tuple[dt.timedelta, dt.timedelta]
) -> None:
    refresh_rule_trades_1d(positions)
    late = generated_positions(60, seed=9)  # day 2 changes after the refresh
    for row in late:
        row["ts"] = DAY0 + dt.timedelta(days=2, seconds=row["ts"].minute * 60)
    positions.execute(insert(ClosedPosition), late)
    f = Filter(start=DAY0 + window[0], end=DAY0 + window[1])
    fast = results_by(positions, f, "rule", capital=25_000.0)
    assert_same_rows(fast, previous_results(positions, f, ("rule_id",)))
    report = rule_report(positions, Filter(start=f.start, end=f.end, rule_ids=("R-beta",)))
    assert [r["rule_id"] for r in report] == ["R-beta"]
    expected = previous_results(
        positions, Filter(start=f.start, end=f.end, rule_ids=("R-beta",)), ("rule_id",)
    )
    assert report[0]["net_pnl"] == expected[0]["net_pnl"]
    assert report[0]["max_drawdown"] == expected[0]["max_drawdown"]


@pytest.mark.parametrize("by", sorted(DIMENSION_KEYS))
def test_every_dimension_and_filter_equals_previous_computation(
    positions: Connection, by: str
) -> None:
    refresh_rule_trades_1d(positions)
    whole = Filter(start=DAY0, end=DAY0 + dt.timedelta(days=DAYS))
    narrowed = Filter(start=DAY0, end=whole.end, symbols=("EURUSD",), books=("B",))
    for f in (whole, narrowed):
        fast = results_by(positions, f, by, capital=25_000.0)  # type: ignore[arg-type]
        assert_same_rows(fast, previous_results(positions, f, DIMENSION_KEYS[by]))


def test_close_times_are_read_by_position_from_the_stored_row_that_was_read(
    committed_db: Engine,
) -> None:
    with committed_db.begin() as conn:
        conn.execute(insert(ClosedPosition), generated_positions(900, seed=11))
        refresh_rule_trades_1d(conn)
    whole = Filter(start=DAY0, end=DAY0 + dt.timedelta(days=DAYS))
    with committed_db.connect() as reader:
        expected = closed_positions(reader, whole)
        expected = expected[expected["rule_id"] == "R-alpha"]
        times = epoch_ns(expected["ts"])
        alpha = dict(rule_trades(reader, whole))["R-alpha"]
        assert [p.day for p in alpha.parts if isinstance(p, StoredDay)] == [
            DAY0 + dt.timedelta(days=d) for d in range(DAYS)
        ]
        assert np.array_equal(alpha.broker_pnl, expected["broker_pnl"].to_numpy())
        assert np.array_equal(
            alpha.broker_pnl_usd, expected["broker_pnl_usd"].to_numpy(), equal_nan=True
        )
        day2 = int(alpha.offsets[2])  # the first trade of day 2
        for index in (0, 1, 57, day2 - 1, day2, times.size - 1):
            assert close_ns_at(reader, "R-alpha", alpha, index) == times[index]
        with committed_db.begin() as writer:  # a refresh commits between the two reads
            late = generated_positions(3, seed=12)
            for row in late:
                row["ts"] = DAY0 + dt.timedelta(days=2, hours=5)
            writer.execute(insert(ClosedPosition), late)
            assert refresh_rule_trades_1d(writer) == 1
        assert close_ns_at(reader, "R-alpha", alpha, day2) is None  # day 2 was rewritten
        assert close_ns_at(reader, "R-alpha", alpha, day2 - 1) == times[day2 - 1]
