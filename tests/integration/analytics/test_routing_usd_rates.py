"""The routing read models' set-based USD rates (``app.queries.routing._RATED``) are exactly
``usd_rate(quote_currency(symbol), ts)`` per order -- the per-row SQL function they replace --
including the cases the whole-second hash join must leave to usd_rate(): no mid in the order's
second, a direct pair that is older than the window but still preferred over an inverse mid in
the same second, a direct and an inverse pair both quoted, expired mids and unknown symbols."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app.queries.filters import Filter
from app.queries.routing import _RATED, rate_params, routing_groups, routing_shares_over_time

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
WINDOW = Filter(start=T0, end=T0 + dt.timedelta(hours=2))


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


# (symbol, time, mid): conversion-pair mids, one row per whole second as the ingest writes them.
MIDS = [
    *[("EURUSD", _at(s), 1.10 + s / 1000) for s in range(10)],
    ("EURUSD", _at(3600), 1.2),
    ("GBPUSD", _at(-3600), 1.3),  # before the window, still preferred by usd_rate()
    *[("USDGBP", _at(s), 0.75 + s / 1000) for s in range(10)],
    *[("USDJPY", _at(s), 150.0 + s) for s in range(10)],
    ("USDCHF", _at(-8 * 86400), 0.9),  # expired: CHF stays unconverted
    ("CADUSD", _at(4), 0.73),
    *[("USDCAD", _at(s), 1.36 + s / 1000) for s in range(10)],
]

# (symbol, seconds after T0, book): each a case of the rate lookup.
ORDERS = [
    ("EURUSD", 3.25, "A"),  # USD quote currency
    ("EURGBP", 5.5, "A"),  # GBPUSD an hour old beats USDGBP in the same second
    ("UK100", 7.0, "B"),  # GBP again, on a whole second
    ("USDJPY", 2.1, "A"),  # inverse pair in the same second
    ("USDJPY", 2.0, "B"),  # inverse pair at exactly the order's time
    ("JP225", 30.5, "B"),  # no mid in its second: the last one, 21 s before
    ("EURCHF", 1.0, "A"),  # only an expired mid: unconverted
    ("EURCAD", 4.7, "A"),  # direct and inverse in the same second: direct
    ("EURCAD", 6.2, "B"),  # inverse in its second, direct 2 s before: direct
    ("XAUCAD", 5400.0, "A"),  # an hour after the last mids of both pairs
    ("NOCCY1", 8.0, "B"),  # no quote currency at all
    ("EURJPY", 7200.0, "A"),  # at the window's end: not selected
]


@pytest.fixture
def rate_data(db: sa.Connection) -> sa.Connection:
    for symbol, ts, mid in MIDS:
        db.execute(
            sa.text(
                "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
                "VALUES (:symbol, :ts, :mid, :mid, :mid, 1)"
            ),
            {"symbol": symbol, "ts": ts, "mid": mid},
        )
    for n, (symbol, seconds, book) in enumerate(ORDERS):
        db.execute(
            sa.text(
                "INSERT INTO orders (event_id, ts, order_id, client_ref, account_id, symbol, "
                "asset_class, pip_size, side, qty, order_type, arrival_bid, arrival_ask, book, "
                "lp, rule_id, rule_version, client_segment) VALUES (:id, :ts, :oid, 'c', 'acct', "
                ":symbol, 'fx', 0.0001, 'buy', :qty, 'market', :bid, :ask, :book, 'LP_ALPHA', "
                "'R-1', 1, 'retail')"
            ),
            {"id": uuid.uuid4(), "ts": _at(seconds), "oid": f"rate-{n}", "symbol": symbol,
             "qty": 1000.0 + n, "bid": 2.0 + n, "ask": 2.5 + n, "book": book},
        )  # fmt: skip
    return db


def _rates(db: sa.Connection, rate_sql: str) -> dict[str, float | None]:
    rows = db.execute(sa.text(rate_sql), rate_params(WINDOW)).all()
    return {order_id: rate for order_id, rate in rows}


ORDERS_IN_WINDOW = """
WITH o AS (
    SELECT order_id, ts, qty * (arrival_bid + arrival_ask) / 2 AS notional_quote, symbol
    FROM orders WHERE ts >= :start AND ts < :end
)"""
PER_ROW_RATES = ORDERS_IN_WINDOW + " SELECT order_id, usd_rate(quote_currency(symbol), ts) FROM o"


def test_set_based_rates_equal_usd_rate_per_order(rate_data: sa.Connection) -> None:
    per_row = _rates(rate_data, PER_ROW_RATES)
    set_based = _rates(
        rate_data, ORDERS_IN_WINDOW + ", " + _RATED + " SELECT order_id, rate FROM rated"
    )
    assert set_based == per_row  # exact: the same stored mids, the same arithmetic
    currencies = rate_data.execute(
        sa.text(
            ORDERS_IN_WINDOW + ", " + _RATED + " SELECT order_id, currency, "
            "currency IS NOT DISTINCT FROM quote_currency(symbol) FROM rated"
        ),
        rate_params(WINDOW),
    ).all()
    assert all(same for _, _, same in currencies)  # the inlined quote_currency(), per symbol
    assert {order_id: ccy for order_id, ccy, _ in currencies}["rate-10"] is None
    # The reference itself, by hand, so the cases above really are the cases they claim.
    assert per_row == {
        "rate-0": 1.0,
        "rate-1": 1.3,
        "rate-2": 1.3,
        "rate-3": 1.0 / 152.0,
        "rate-4": 1.0 / 152.0,
        "rate-5": 1.0 / 159.0,
        "rate-6": None,
        "rate-7": 0.73,
        "rate-8": 0.73,
        "rate-9": 0.73,
        "rate-10": None,
    }


def test_routing_notional_uses_those_rates(rate_data: sa.Connection) -> None:
    rates = _rates(rate_data, PER_ROW_RATES)
    by_book: dict[str, float] = {"A": 0.0, "B": 0.0}
    unconverted = 0
    for n, (_, _, book) in enumerate(ORDERS[:-1]):
        rate = rates[f"rate-{n}"]
        if rate is None:
            unconverted += 1
        else:
            by_book[book] += (1000.0 + n) * (2.0 + n + 2.5 + n) / 2 * rate
    groups = routing_groups(rate_data, WINDOW)
    assert int(groups["unconverted"].sum()) == unconverted == 2
    notional = groups.groupby("book")["notional_usd"].sum().to_dict()
    assert notional == pytest.approx(by_book, rel=1e-12)
    shares = routing_shares_over_time(rate_data, WINDOW, "1h")
    assert shares["notional_usd_a"].sum() == pytest.approx(by_book["A"], rel=1e-12)
    assert shares["notional_usd_b"].sum() == pytest.approx(by_book["B"], rel=1e-12)
