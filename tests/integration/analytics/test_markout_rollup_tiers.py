"""Markouts read through ``markout_rollup_1d``/``markout_rollup_1h`` plus edge rows of
``fill_markouts`` give the fill-weighted means of the per-fill rows: checked against the same
means computed here in Python from the inserted rows, before a refresh (every hour listed as
changed, so everything is read from ``fill_markouts``) and after
:func:`refresh_markout_rollup_1h`, and after a late change with and without the next refresh."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from app.db.derived import refresh_markout_rollup_1h
from app.db.models.markouts import FillMarkout
from app.queries.filters import Filter
from app.queries.markouts import markouts_by

pytestmark = pytest.mark.integration

DAY0 = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
HORIZONS = (0, 1, 5, 30, 60)
KEYS = [
    ("LP_ALPHA", "EURUSD", "A", "rule-1"),
    ("LP_ALPHA", "USDJPY", "A", "rule-2"),
    ("LP_BRAVO", "EURUSD", "A", "rule-1"),
    ("INTERNAL", "EURUSD", "B", "rule-3"),
]
EDGE_WINDOW = Filter(
    start=DAY0 + dt.timedelta(hours=5, minutes=17, seconds=30),
    end=DAY0 + dt.timedelta(days=2, hours=13, minutes=43),
)
WINDOWS = [
    EDGE_WINDOW,
    Filter(start=DAY0, end=DAY0 + dt.timedelta(days=3)),
    Filter(start=DAY0 + dt.timedelta(hours=30), end=DAY0 + dt.timedelta(hours=31, minutes=5)),
    Filter(
        start=DAY0 + dt.timedelta(hours=30, minutes=7),
        end=DAY0 + dt.timedelta(hours=30, minutes=50),
    ),
    Filter(start=EDGE_WINDOW.start, end=EDGE_WINDOW.end, lps=("LP_ALPHA",), books=("A",)),
    Filter(start=EDGE_WINDOW.start, end=EDGE_WINDOW.end, symbols=("EURUSD",), rule_ids=("rule-1",)),
]
WINDOW_IDS = [
    "edge-minutes",
    "whole-days",
    "hour-and-minutes",
    "minutes",
    "lp-and-book",
    "symbol-rule",
]


def _fill(i: int) -> dict[str, Any]:
    """Fill number ``i``: every 611 s over three days; some horizons unknown (NULL)."""
    lp, symbol, book, rule_id = KEYS[i % len(KEYS)]
    markouts = {
        f"markout_{h}": None if (i + h) % 7 == 0 else ((i * 37 + h * 11) % 41 - 20) / 10.0
        for h in HORIZONS
    }
    return {
        "event_id": uuid.UUID(int=i + 1),
        "ts": DAY0 + dt.timedelta(seconds=611 * i + (i % 5) * 0.25),
        "lp": lp,
        "symbol": symbol,
        "book": book,
        "rule_id": rule_id,
        "rule_version": 1,
        "side": 1 if i % 2 else -1,
        "fill_qty": 1000.0 * (1 + i % 9),
        "fill_price": 1.08,
        "pip_size": 0.0001,
        **markouts,
    }


FILLS = [_fill(i) for i in range(3 * 86_400 // 611)]


def _expected(fills: list[dict[str, Any]], f: Filter, by: str) -> dict[str, dict[str, Any]]:
    """The fill-weighted mean markouts of ``fills`` in ``f``, computed here."""
    dims = {"symbol": f.symbols, "lp": f.lps, "book": f.books, "rule_id": f.rule_ids}
    sums: dict[str, dict[int, list[float]]] = {}
    for row in fills:
        if not f.start <= row["ts"] < f.end:
            continue
        if any(values and row[column] not in values for column, values in dims.items()):
            continue
        per_h = sums.setdefault(row[by], {h: [0.0, 0.0] for h in HORIZONS})
        for h in HORIZONS:
            if row[f"markout_{h}"] is not None:
                per_h[h][0] += row[f"markout_{h}"] * row["fill_qty"]
                per_h[h][1] += row["fill_qty"]
    return {
        key: {str(h): (m / q if q else None) for h, (m, q) in per_h.items()}
        for key, per_h in sums.items()
    }


def _assert_same(got: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    assert got.keys() == expected.keys()
    for key, means in expected.items():
        assert got[key].keys() == means.keys()
        for h, mean in means.items():
            if mean is None:
                assert got[key][h] is None, (key, h)
            else:
                assert math.isclose(got[key][h], mean, rel_tol=1e-12, abs_tol=1e-12), (key, h)


@pytest.fixture
def fills(db: sa.Connection) -> sa.Connection:
    db.execute(sa.insert(FillMarkout), FILLS)
    return db


def test_the_fixture_has_unknown_horizons_and_a_key_without_any_known_markout() -> None:
    assert any(row["markout_0"] is None for row in FILLS)
    # One LP has all its markouts at some horizon unknown in the short window (a None mean).
    expected = _expected(FILLS, WINDOWS[3], "lp")
    assert any(mean is None for means in expected.values() for mean in means.values())


@pytest.mark.parametrize("window", WINDOWS, ids=WINDOW_IDS)
@pytest.mark.parametrize("by", ["lp", "symbol", "book", "rule_id"])
def test_tiered_markouts_equal_the_per_fill_means(
    fills: sa.Connection, window: Filter, by: str
) -> None:
    conn = fills
    expected = _expected(FILLS, window, by)
    assert expected
    _assert_same(markouts_by(conn, window, by), expected)  # every hour listed: per-fill rows
    assert refresh_markout_rollup_1h(conn) == 72  # the three days' hours, once each
    assert conn.execute(sa.text("SELECT count(*) FROM markout_rollup_1h_dirty")).scalar() == 0
    assert conn.execute(sa.text("SELECT count(*) FROM markout_rollup_1d")).scalar_one() > 0
    _assert_same(markouts_by(conn, window, by), expected)  # tiers


def test_the_tiers_hold_the_sums_of_their_fills(fills: sa.Connection) -> None:
    conn = fills
    refresh_markout_rollup_1h(conn)
    day1 = DAY0 + dt.timedelta(days=1)
    in_day = [r for r in FILLS if day1 <= r["ts"] < day1 + dt.timedelta(days=1)]
    row = conn.execute(
        sa.text(
            "SELECT sum(fills), sum(markout_60_qty_sum), sum(markout_60_qty) "
            "FROM markout_rollup_1d WHERE bucket = :day"
        ),
        {"day": day1},
    ).one()
    known = [r for r in in_day if r["markout_60"] is not None]
    assert row[0] == len(in_day) == 141
    assert math.isclose(row[1], sum(r["markout_60"] * r["fill_qty"] for r in known), rel_tol=1e-12)
    assert row[2] == sum(r["fill_qty"] for r in known)
    hours = conn.execute(
        sa.text("SELECT sum(fills) FROM markout_rollup_1h WHERE bucket >= :d AND bucket < :e"),
        {"d": day1, "e": day1 + dt.timedelta(days=1)},
    ).scalar()
    assert hours == len(in_day)


def test_a_late_change_is_seen_before_and_after_the_next_refresh(fills: sa.Connection) -> None:
    conn = fills
    refresh_markout_rollup_1h(conn)
    assert refresh_markout_rollup_1h(conn) == 0  # nothing changed since: nothing to redo
    late = FILLS[200]  # day 1, 09:56:40
    conn.execute(
        sa.text("UPDATE fill_markouts SET markout_60 = 9.5 WHERE event_id = :e AND ts = :ts"),
        {"e": late["event_id"], "ts": late["ts"]},
    )
    deleted = FILLS[201]
    conn.execute(
        sa.text("DELETE FROM fill_markouts WHERE event_id = :e AND ts = :ts"),
        {"e": deleted["event_id"], "ts": deleted["ts"]},
    )
    dirty = conn.execute(sa.text("SELECT DISTINCT hour FROM markout_rollup_1h_dirty")).scalars()
    assert sorted(dirty) == sorted(
        {
            late["ts"].replace(minute=0, second=0, microsecond=0),
            deleted["ts"].replace(minute=0, second=0, microsecond=0),
        }
    )
    changed = [
        {**row, "markout_60": 9.5} if row is late else row for row in FILLS if row is not deleted
    ]
    expected = _expected(changed, EDGE_WINDOW, "lp")
    assert expected != _expected(FILLS, EDGE_WINDOW, "lp")
    _assert_same(markouts_by(conn, EDGE_WINDOW, "lp"), expected)  # the changed hour from fills
    assert refresh_markout_rollup_1h(conn) == 2
    _assert_same(markouts_by(conn, EDGE_WINDOW, "lp"), expected)
