"""The LP scorecard read from ``exec_rollup_1d``/``exec_rollup_1h`` plus edge minutes gives the
numbers of the minute table: the same rows read once with every hour listed as changed (so all
from ``exec_rollup_1m``) and once after :func:`refresh_exec_rollup_1h`."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
import sqlalchemy as sa

from app.db.derived import refresh_exec_rollup_1h
from app.db.models.rollups import ExecRollup1m, latency_bucket
from app.queries.execution import lp_scorecard, minute_window, pfof_monthly, reject_reasons
from app.queries.execution_hourly import split_window
from app.queries.filters import Filter, where

pytestmark = pytest.mark.integration

DAY0 = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
KEYS = [
    ("LP_ALPHA", "EURUSD", "A", "rule-1", 1),
    ("LP_ALPHA", "USDJPY", "A", "rule-2", 1),
    ("LP_BRAVO", "EURUSD", "A", "rule-1", 2),
    ("INTERNAL", "EURUSD", "B", "rule-3", 1),
]
EDGE_WINDOW = Filter(
    start=DAY0 + dt.timedelta(hours=5, minutes=17, seconds=30),  # rounds up to 05:18
    end=DAY0 + dt.timedelta(days=2, hours=13, minutes=43),
)


def _minute_row(minute: int, key: int) -> dict[str, Any]:
    lp, symbol, book, rule_id, version = KEYS[key]
    attempts = 1 + (minute * 7 + key * 3) % 9
    rejects = (minute + key) % 3 if lp != "INTERNAL" else 0
    fills = attempts - rejects
    latencies = [0.5 + ((minute * 13 + key * 5 + i * 17) % 400) / 7.0 for i in range(attempts)]
    histogram: dict[int, int] = {}
    for ms in latencies:
        histogram[latency_bucket(ms)] = histogram.get(latency_bucket(ms), 0) + 1
    buckets = sorted(histogram)
    return {
        "bucket": DAY0 + dt.timedelta(minutes=minute),
        "lp": lp,
        "symbol": symbol,
        "book": book,
        "rule_id": rule_id,
        "rule_version": version,
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
        "requested_qty": 1000.0 * attempts,
        "fill_qty": 1000.0 * fills,
        "notional_usd": 1083.7 * fills + minute / 3.0,
        "slippage_pips_qty_sum": ((minute % 11) - 5) * 0.1 * 1000.0 * fills,
        "slippage_positive": fills // 2,
        "slippage_zero": 0,
        "slippage_negative": fills - fills // 2,
        "price_improvement_pips_sum": ((minute % 7) - 3) * 0.05 * fills,
        "best_execution_count": fills // 2,
        "latency_buckets": buckets,
        "latency_counts": [histogram[b] for b in buckets],
        "latency_ms_sum": sum(latencies),
        "latency_ms_max": max(latencies),
        "commission_usd": round(0.02 * fills + minute / 1000.0, 8),
        "pfof_usd": round(0.01 * fills, 8),
        "usd_unconverted": 0,
    }


@pytest.fixture
def minute_rows(db: sa.Connection) -> sa.Connection:
    """Three days of minute rows, every 13th minute for each key (the trigger lists the hours)."""
    rows = [_minute_row(m, k) for m in range(0, 3 * 1440, 13) for k in range(len(KEYS))]
    db.execute(sa.insert(ExecRollup1m), rows)
    return db


def _assert_same(minute_path: Any, tiered: Any) -> None:
    if isinstance(minute_path, dict):
        assert minute_path.keys() == tiered.keys()
        for key in minute_path:
            _assert_same(minute_path[key], tiered[key])
    elif isinstance(minute_path, list):
        assert len(minute_path) == len(tiered)
        for a, b in zip(minute_path, tiered, strict=True):
            _assert_same(a, b)
    elif isinstance(minute_path, float) and not isinstance(minute_path, bool):
        assert math.isclose(minute_path, tiered, rel_tol=1e-12, abs_tol=1e-12)
    else:
        assert minute_path == tiered


def _direct_attempts(conn: sa.Connection, f: Filter) -> dict[str, int]:
    window = minute_window(f)
    assert window is not None
    sql = (
        "SELECT lp, sum(attempts)::bigint FROM exec_rollup_1m "
        f"WHERE {where(window, time='bucket')} GROUP BY lp"
    )
    return dict(conn.execute(sa.text(sql), window.sql_params()).all())


@pytest.mark.parametrize(
    "window",
    [
        EDGE_WINDOW,
        Filter(start=DAY0, end=DAY0 + dt.timedelta(days=3)),
        Filter(start=DAY0 + dt.timedelta(hours=30), end=DAY0 + dt.timedelta(hours=31, minutes=5)),
        Filter(start=EDGE_WINDOW.start, end=EDGE_WINDOW.end, lps=("LP_ALPHA",), books=("A",)),
        Filter(start=EDGE_WINDOW.start, end=EDGE_WINDOW.end, symbols=("EURUSD",)),
    ],
    ids=["edge-minutes", "whole-days", "one-hour-and-minutes", "lp-and-book", "symbol"],
)
def test_hourly_and_daily_path_equals_minute_path(
    minute_rows: sa.Connection, window: Filter
) -> None:
    conn = minute_rows
    minute_path = lp_scorecard(conn, window)
    reasons, pfof = reject_reasons(conn, window), pfof_monthly(conn, window)
    assert refresh_exec_rollup_1h(conn) == 72  # every hour of the three days, once
    assert conn.execute(sa.text("SELECT count(*) FROM exec_rollup_1h_dirty")).scalar() == 0
    tiered = lp_scorecard(conn, window)

    assert [row["lp"] for row in minute_path] == [row["lp"] for row in tiered]
    _assert_same(minute_path, tiered)
    assert {r["lp"]: r["attempts"] for r in tiered} == _direct_attempts(conn, window)
    assert reject_reasons(conn, window).equals(reasons)
    assert pfof_monthly(conn, window)["pfof_usd"].tolist() == pytest.approx(
        pfof["pfof_usd"].tolist(), rel=1e-12
    )


def test_a_late_change_is_seen_before_and_after_the_next_refresh(
    minute_rows: sa.Connection,
) -> None:
    conn = minute_rows
    refresh_exec_rollup_1h(conn)
    assert refresh_exec_rollup_1h(conn) == 0  # nothing changed since: nothing to redo
    # A late execution lands in a minute of an hour (and day) that is already summed.
    late = DAY0 + dt.timedelta(minutes=13 * 144)  # day 1, 07:12 (a stored minute)
    conn.execute(
        sa.text(
            "UPDATE exec_rollup_1m SET attempts = attempts + 5, rejects = rejects + 5, "
            "reject_price_moved = reject_price_moved + 5 WHERE bucket = :t AND lp = 'LP_ALPHA'"
        ),
        {"t": late},
    )
    dirty = conn.execute(sa.text("SELECT DISTINCT hour FROM exec_rollup_1h_dirty")).scalars()
    assert list(dirty) == [late.replace(minute=0)]

    stale_read = {r["lp"]: r["attempts"] for r in lp_scorecard(conn, EDGE_WINDOW)}
    assert stale_read == _direct_attempts(conn, EDGE_WINDOW)
    assert refresh_exec_rollup_1h(conn) == 1
    fresh_read = {r["lp"]: r["attempts"] for r in lp_scorecard(conn, EDGE_WINDOW)}
    assert fresh_read == stale_read


@pytest.mark.parametrize(
    ("start", "end", "dirty", "days", "hours", "minutes"),
    [
        # 05:18 on day 0 to 13:43 on day 2: day 1 whole, the hours around it, edge minutes.
        (
            dt.timedelta(hours=5, minutes=18),
            dt.timedelta(days=2, hours=13, minutes=43),
            set(),
            [1],
            [*range(6, 24), *range(48, 61)],
            [(dt.timedelta(hours=5, minutes=18), dt.timedelta(hours=6))]
            + [(dt.timedelta(hours=61), dt.timedelta(hours=61, minutes=43))],
        ),
        # A changed hour in day 1: that day is read as hours, the changed one as minutes.
        (
            dt.timedelta(days=1),
            dt.timedelta(days=2),
            {dt.timedelta(hours=30)},
            [],
            [*range(24, 30), *range(31, 48)],
            [(dt.timedelta(hours=30), dt.timedelta(hours=31))],
        ),
        # Less than an hour: minutes only.
        (
            dt.timedelta(minutes=5),
            dt.timedelta(minutes=50),
            set(),
            [],
            [],
            [(dt.timedelta(minutes=5), dt.timedelta(minutes=50))],
        ),
    ],
    ids=["edges", "dirty-hour", "short"],
)
def test_split_window(
    start: dt.timedelta,
    end: dt.timedelta,
    dirty: set[dt.timedelta],
    days: list[int],
    hours: list[int],
    minutes: list[tuple[dt.timedelta, dt.timedelta]],
) -> None:
    got_days, got_hours, got_minutes = split_window(
        DAY0 + start, DAY0 + end, {DAY0 + h for h in dirty}
    )
    assert got_days == [DAY0 + dt.timedelta(days=d) for d in days]
    assert got_hours == [DAY0 + dt.timedelta(hours=h) for h in hours]
    assert got_minutes == [(DAY0 + lo, DAY0 + hi) for lo, hi in minutes]
