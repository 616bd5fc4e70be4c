"""The margin watchlist read model on account snapshots inserted by hand: each account's
latest snapshot decides, lowest margin level first, pseudonyms only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import Connection, insert

from app.db.models.events import AccountSnapshot
from app.queries.margin import margin_watchlist

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def snapshot(account: str, minutes_ago: float, level: float | None) -> dict[str, object]:
    """A snapshot of ``account`` (client ``ref-<account>``) with 1,000 of margin in use."""
    return {
        "event_id": uuid.uuid4(),
        "ts": NOW - dt.timedelta(minutes=minutes_ago),
        "account_id": account,
        "client_ref": f"ref-{account}",
        "balance": 1_200,
        "equity": 10 * level if level is not None else 1_200,
        "margin_used": 1_000 if level is not None else 0,
        "margin_level": level,
        "currency": "USD",
    }


SNAPSHOTS = [
    snapshot("ACC1", 30, 300.0),
    snapshot("ACC1", 5, 80.0),  # fell: listed at 80
    snapshot("ACC2", 30, 90.0),
    snapshot("ACC2", 5, 140.0),  # recovered above 100 but still below 150
    snapshot("ACC3", 5, 500.0),  # healthy
    snapshot("ACC4", 5, None),  # no margin in use: nothing to call
    snapshot("ACC5", 10 * 24 * 60, 40.0),  # ten days old: stale
    snapshot("ACC6", 1, 150.0),  # exactly at the threshold: not below it
]


@pytest.fixture
def snapshots(db: Connection) -> Connection:
    db.execute(insert(AccountSnapshot), SNAPSHOTS)
    return db


def test_the_latest_snapshot_of_each_account_decides(snapshots: Connection) -> None:
    watchlist = margin_watchlist(snapshots, 150.0, as_of=NOW)
    assert list(watchlist["client_ref"]) == ["ref-ACC1", "ref-ACC2"]
    assert list(watchlist["margin_level"]) == [80.0, 140.0]
    assert list(watchlist["equity"]) == [800.0, 1_400.0]
    assert list(watchlist["margin_used"]) == [1_000.0, 1_000.0]
    assert watchlist["ts"].iloc[0] == NOW - dt.timedelta(minutes=5)
    assert "account_id" not in watchlist.columns


def test_the_threshold_and_the_time_of_the_list(snapshots: Connection) -> None:
    assert list(margin_watchlist(snapshots, 100.0, as_of=NOW)["client_ref"]) == ["ref-ACC1"]
    # Twenty minutes ago ACC1 was still at 300 and ACC2 at 90.
    earlier = margin_watchlist(snapshots, 150.0, as_of=NOW - dt.timedelta(minutes=20))
    assert list(earlier["client_ref"]) == ["ref-ACC2"]
    stale_too = margin_watchlist(snapshots, 150.0, as_of=NOW, lookback=dt.timedelta(days=30))
    assert list(stale_too["client_ref"]) == ["ref-ACC5", "ref-ACC1", "ref-ACC2"]
    assert len(margin_watchlist(snapshots, 1_000.0, as_of=NOW, limit=2)) == 2


def test_no_snapshots_give_an_empty_frame_with_the_columns(db: Connection) -> None:
    watchlist = margin_watchlist(db, 150.0)
    assert watchlist.empty
    assert list(watchlist.columns) == [
        "client_ref", "ts", "margin_level", "equity", "balance", "margin_used", "currency",
    ]  # fmt: skip
