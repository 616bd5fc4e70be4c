"""Markout-based client toxicity from the stored tables: fill_markouts joined through the
execution to its order for the client and segment, and the backtest routing by it.

Rows are written with plain INSERTs in a rolled-back transaction; the expected scores are worked
out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import pytest
import sqlalchemy as sa

from app.queries.filters import Filter
from app.queries.rules import rule_backtest
from app.queries.toxicity import markout_toxicity_scores

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
WINDOW = Filter(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(hours=2))

# (client, segment, symbol, pip, fill price, qty, markout_60 pips, book, lp)
FILLS = [
    ("c-sharp", "professional", "EURUSD", 0.0001, 1.25, 3.0, 4.0, "B", "INTERNAL"),  # +3.2 bps
    ("c-sharp", "professional", "USDJPY", 0.01, 125.0, 1.0, 25.0, "B", "INTERNAL"),  # +20 bps
    ("c-slow", "retail", "EURUSD", 0.0001, 1.25, 2.0, -2.5, "B", "INTERNAL"),  # −2 bps
    ("c-slow", "retail", "EURUSD", 0.0001, 1.25, 2.0, None, "A", "LP_ALPHA"),  # unknown
]


def _insert_fill(db: sa.Connection, n: int, fill: tuple[object, ...]) -> None:
    client, segment, symbol, pip, price, qty, markout, book, lp = fill
    ts = T0 + dt.timedelta(minutes=n)
    order_id, event_id = f"tx-order-{n}", uuid.uuid4()
    db.execute(
        sa.text(
            "INSERT INTO orders (event_id, ts, order_id, client_ref, account_id, symbol, "
            "asset_class, pip_size, side, qty, order_type, arrival_bid, arrival_ask, book, lp, "
            "rule_id, rule_version, client_segment) VALUES (:id, :ts, :oid, :client, 'acct', "
            ":symbol, 'fx', :pip, 'buy', :qty, 'market', :price, :price, :book, :lp, 'R-TX', 1, "
            ":segment)"
        ),
        {"id": uuid.uuid4(), "ts": ts - dt.timedelta(seconds=1), "oid": order_id,
         "client": client, "symbol": symbol, "pip": pip, "qty": qty, "price": price,
         "book": book, "lp": lp, "segment": segment},
    )  # fmt: skip
    db.execute(
        sa.text(
            "INSERT INTO executions (event_id, ts, exec_id, order_id, lp, status, requested_qty, "
            "fill_qty, requested_price, fill_price, sent_ts, market_bid, market_ask, "
            "commission, pfof, currency) VALUES (:id, :ts, :eid, :oid, :lp, 'filled', :qty, "
            ":qty, :price, :price, :ts, :price, :price, 0, 0, 'USD')"
        ),
        {"id": event_id, "ts": ts, "eid": f"tx-exec-{n}", "oid": order_id, "lp": lp,
         "qty": qty, "price": price},
    )  # fmt: skip
    db.execute(
        sa.text(
            "INSERT INTO fill_markouts (event_id, ts, lp, symbol, book, rule_id, rule_version, "
            "side, fill_qty, fill_price, pip_size, markout_60) VALUES (:id, :ts, :lp, :symbol, "
            ":book, 'R-TX', 1, 1, :qty, :price, :pip, :markout)"
        ),
        {"id": event_id, "ts": ts, "lp": lp, "symbol": symbol, "book": book, "qty": qty,
         "price": price, "pip": pip, "markout": markout},
    )  # fmt: skip


@pytest.fixture
def fills(db: sa.Connection) -> sa.Connection:
    for n, fill in enumerate(FILLS):
        _insert_fill(db, n, fill)
    return db


def test_scores_per_client_join_the_order_for_the_client(fills: sa.Connection) -> None:
    scores = markout_toxicity_scores(fills, WINDOW, "client_ref", min_fills=1)
    assert list(scores.index) == ["c-sharp", "c-slow"]
    # c-sharp: (3 × 3.2 + 1 × 20) / 4 = 7.4 bps over 2 fills; c-slow: one known fill, −2 bps.
    assert scores.loc["c-sharp", "fills"] == 2
    assert scores.loc["c-sharp", "score"] == pytest.approx(7.4)
    assert scores.loc["c-slow", "score"] == pytest.approx(-2.0)
    assert scores.loc["c-slow", "win_share"] == 0.0


def test_scores_per_segment_and_the_filter(fills: sa.Connection) -> None:
    scores = markout_toxicity_scores(fills, WINDOW, "client_segment", min_fills=2)
    assert scores.loc["professional", "score"] == pytest.approx(7.4)
    assert math.isnan(scores.loc["retail", "score"])  # 1 known fill < min_fills
    only_eurusd = Filter(start=WINDOW.start, end=WINDOW.end, symbols=("EURUSD",))
    scores = markout_toxicity_scores(fills, only_eurusd, "client_ref", min_fills=1)
    assert scores.loc["c-sharp", "score"] == pytest.approx(3.2)
    retail = Filter(start=WINDOW.start, end=WINDOW.end, segments=("retail",))
    assert list(markout_toxicity_scores(fills, retail, min_fills=1).index) == ["c-slow"]


def test_the_backtest_routes_by_the_markout_score(fills: sa.Connection) -> None:
    for n, client in enumerate(("c-sharp", "c-slow")):
        fills.execute(
            sa.text(
                "INSERT INTO positions (event_id, ts, position_id, account_id, client_ref, "
                "symbol, side, qty, open_ts, open_price, close_price, book, lp, rule_id, "
                "rule_version, client_pnl, broker_pnl, currency, broker_pnl_usd) VALUES "
                "(:id, :ts, :pid, 'acct', :client, 'EURUSD', 'buy', 1000, :ts, 1.25, 1.25, "
                "'B', 'INTERNAL', 'R-TX', 1, 0, 0, 'USD', 0)"
            ),
            {"id": uuid.uuid4(), "ts": T0 + dt.timedelta(minutes=30 + n), "pid": f"tx-pos-{n}",
             "client": client},
        )  # fmt: skip
    rule = Filter(start=WINDOW.start, end=WINDOW.end, rule_ids=("R-TX",))
    result = rule_backtest(fills, rule, "toxicity", threshold_bps=5.0, min_trades=2)
    assert (result["moved_to_a"], result["moved_to_b"]) == (1, 0)  # c-sharp 7.4 bps > 5
    result = rule_backtest(fills, rule, "toxicity", threshold_bps=10.0, min_trades=2)
    assert (result["moved_to_a"], result["moved_to_b"]) == (0, 0)
