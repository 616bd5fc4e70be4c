"""``exposure.mids_at_bucket_ends`` (one index probe per symbol and bucket, plus the seed) and
``rates_from_mids``: exact values for the edges of the bucket intervals (start excluded, end
included, the window's end for the last bucket), the seed's 7-day lookback, carry-forward,
buckets that end on a partition boundary (midnight) and symbols without any quote."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import sqlalchemy as sa

from app.queries.exposure import mids_at_bucket_ends, rates_from_mids
from app.queries.filters import Filter

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 22, 0, tzinfo=dt.UTC)
WINDOW = Filter(start=T0 + dt.timedelta(minutes=10), end=T0 + dt.timedelta(hours=3, minutes=30))
WEEK = dt.timedelta(days=7)
SYMBOLS = ["EURUSD", "USDJPY", "GBPUSD", "AUDUSD", "NOPEXX"]


def _at(**offset: float) -> dt.datetime:
    return T0 + dt.timedelta(**offset)


MIDS = [
    ("EURUSD", _at(days=-2), 1.00),  # the seed, inside the 7-day lookback
    ("EURUSD", _at(), 1.01),  # at the first bucket's start: still the seed
    ("EURUSD", _at(minutes=30), 1.02),
    ("EURUSD", _at(hours=1), 1.03),  # at the first bucket's end: its last mid
    ("EURUSD", _at(hours=2, seconds=-1), 1.04),
    ("EURUSD", _at(hours=2), 1.05),  # midnight, in the next daily partition: bucket 23:00
    ("EURUSD", _at(hours=3, minutes=30), 1.06),  # at the window's end: the last bucket's
    ("EURUSD", _at(hours=3, minutes=30, seconds=1), 1.07),  # after the window: ignored
    ("USDJPY", _at(days=-8), 140.0),  # older than the lookback: no seed
    ("USDJPY", _at(hours=1, minutes=10), 150.0),
    ("GBPUSD", T0 - WEEK, 1.20),  # exactly 7 days before: outside the lookback
    ("AUDUSD", T0 - WEEK + dt.timedelta(seconds=1), 0.65),  # just inside it
]


@pytest.fixture
def mids_data(db: sa.Connection) -> sa.Connection:
    for symbol, ts, mid in MIDS:
        db.execute(
            sa.text(
                "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
                "VALUES (:symbol, :ts, :mid, :mid, :mid, 1)"
            ),
            {"symbol": symbol, "ts": ts, "mid": mid},
        )
    return db


def _cells(frame: pd.DataFrame) -> dict[str, list[float | None]]:
    return {
        str(symbol): [None if math.isnan(v) else float(v) for v in row]
        for symbol, row in zip(frame.index, frame.to_numpy(), strict=True)
    }


def test_last_mid_of_each_bucket_seeded_and_carried_forward(mids_data: sa.Connection) -> None:
    mids = mids_at_bucket_ends(mids_data, SYMBOLS, WINDOW, "1h")
    assert list(mids.columns) == [_at(hours=h) for h in range(4)]
    assert list(mids.index) == SYMBOLS
    assert _cells(mids) == {
        "EURUSD": [1.03, 1.05, 1.05, 1.06],
        "USDJPY": [None, 150.0, 150.0, 150.0],
        "GBPUSD": [None, None, None, None],
        "AUDUSD": [0.65, 0.65, 0.65, 0.65],
        "NOPEXX": [None, None, None, None],
    }


def test_fine_buckets_keep_the_same_edges(mids_data: sa.Connection) -> None:
    window = Filter(start=_at(minutes=55), end=_at(hours=2, minutes=2))
    mids = mids_at_bucket_ends(mids_data, ["EURUSD", "USDJPY"], window, "15m")
    starts = [_at(minutes=45 + 15 * i) for i in range(6)]
    assert list(mids.columns) == starts
    assert _cells(mids) == {
        # seed 1.02 (22:30); 23:00 ends the first bucket; 23:59:59, then midnight in 23:45.
        "EURUSD": [1.03, 1.03, 1.03, 1.03, 1.05, 1.05],
        "USDJPY": [None, 150.0, 150.0, 150.0, 150.0, 150.0],
    }


def test_no_symbols_gives_an_empty_grid(db: sa.Connection) -> None:
    mids = mids_at_bucket_ends(db, [], WINDOW, "1h")
    assert mids.empty and list(mids.columns) == [_at(hours=h) for h in range(4)]


def test_rates_from_mids_direct_inverse_and_unknown() -> None:
    columns = pd.DatetimeIndex([T0, _at(hours=1)])
    mids = pd.DataFrame(
        {T0: [1.1, math.nan, math.nan], _at(hours=1): [math.nan, 150.0, 0.0]},
        index=["EURUSD", "USDJPY", "USDCHF"],
    )
    rates = rates_from_mids(["CHF", "EUR", "JPY", "USD"], mids)
    assert list(rates.columns) == list(columns) and list(rates.index) == [
        "CHF",
        "EUR",
        "JPY",
        "USD",
    ]
    assert _cells(rates) == {
        "CHF": [None, None],  # a zero mid is not usable
        "EUR": [1.1, None],
        "JPY": [None, 1.0 / 150.0],
        "USD": [1.0, 1.0],
    }
    empty = rates_from_mids([], mids)
    assert empty.empty and list(empty.columns) == list(columns)
    assert (empty.dtypes == "float64").all()
