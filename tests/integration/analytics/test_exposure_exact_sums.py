"""Net positions are sums of the minutes' position changes added up exactly, so a position does
not depend on the order PostgreSQL adds the rows in (a parallel plan changes it between runs):
0.1 + 0.2 + 0.201 is 0.501, not 0.5009999999999999 or 0.5010000000000001."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.queries.exposure import positions_at, positions_grid
from app.queries.filters import Filter

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
DELTAS = [(0, 0.1), (1, 0.2), (2, 0.201), (70, -0.3), (71, 0.7)]
"""(minutes after T0, net quantity change) of EURUSD."""


@pytest.fixture
def deltas(db: sa.Connection) -> sa.Connection:
    for minute, delta in DELTAS:
        db.execute(
            sa.text(
                "INSERT INTO exposure_1m (bucket, symbol, net_qty_delta, fills) "
                "VALUES (:bucket, 'EURUSD', :delta, 1)"
            ),
            {"bucket": T0 + dt.timedelta(minutes=minute), "delta": delta},
        )
    return db


def test_position_before_a_moment_is_the_exact_sum(deltas: sa.Connection) -> None:
    f = Filter(start=T0, end=T0 + dt.timedelta(hours=2))
    assert 0.1 + 0.2 + 0.201 != 0.501  # what a float sum in this order gives
    assert positions_at(deltas, f, T0 + dt.timedelta(minutes=3)) == {"EURUSD": 0.501}
    assert positions_at(deltas, f, T0 + dt.timedelta(hours=2)) == {"EURUSD": 0.901}


def test_hourly_grid_adds_each_hour_exactly(deltas: sa.Connection) -> None:
    grid = positions_grid(deltas, Filter(start=T0, end=T0 + dt.timedelta(hours=2)), "1h")
    assert grid.loc["EURUSD"].tolist() == [0.501, 0.901]
