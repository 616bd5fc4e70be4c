"""The Risk page's callbacks, through real ``/_dash-update-component`` requests of a signed-in
analyst, on the positions of ``test_page_rules`` plus account snapshots and execution rollups
inserted by hand.

B-book daily P/L (R1): +100, −50, +30. VaR 95 % = −(5th percentile) with numpy's linear
interpolation: sorted −50, 30, 100, rank 0.05 × 2 = 0.1 → −50 + 0.1 × 80 = −42, so VaR 42 and
ES = −mean(days ≤ −42) = 50. EURUSD alone (+100, −50): rank 0.05 → −42.5, VaR 42.5, ES 50;
XAUUSD alone (+30): VaR −30 (a profitable worst day), ES −30.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert
from test_admin_pages import _signed_in, _updates, accounts, server  # noqa: F401
from test_page_rules import DAY0, call, insert_results, plain, reporting_currency, text_of

from app.db.models.events import AccountSnapshot
from app.db.models.rollups import ExecRollup1m
from pages.ids import risk as ids

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC)
FILTERS = {
    f"{ids.FILTERS}-window.value": "7d",
    f"{ids.FILTERS}-symbols.value": None,
    f"{ids.FILTERS}-lps.value": None,
    f"{ids.FILTERS}-books.value": ["B"],
    f"{ids.FILTERS}-rules.value": None,
}


def snapshot(account: str, minutes_ago: float, level: float) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4(),
        "ts": NOW - dt.timedelta(minutes=minutes_ago),
        "account_id": account,
        "client_ref": f"ref-{account}",
        "balance": 1_000,
        "equity": 10 * level,
        "margin_used": 1_000,
        "margin_level": level,
        "currency": "EUR",
    }


def rollup(lp: str, book: str, rule_id: str, fill_qty: float, slippage_pips: float) -> dict:
    """One minute of fills at ``lp`` with a fill-weighted mean slippage of ``slippage_pips``."""
    zero = {
        name: 0
        for name in (
            "partial_fills", "rejects", "cancels", "reject_price_moved", "reject_last_look",
            "reject_no_liquidity", "reject_timeout", "reject_credit_limit",
            "reject_market_closed", "reject_other", "price_improvement_pips_sum",
            "best_execution_count", "slippage_zero", "slippage_negative", "slippage_positive",
            "commission_usd", "pfof_usd", "usd_unconverted",
        )
    }  # fmt: skip
    return zero | {
        "bucket": DAY0 + dt.timedelta(days=1, hours=10),
        "lp": lp,
        "symbol": "EURUSD",
        "book": book,
        "rule_id": rule_id,
        "rule_version": 1,
        "attempts": 2,
        "fills": 2,
        "requested_qty": fill_qty,
        "fill_qty": fill_qty,
        "notional_usd": fill_qty * 1.1,
        "slippage_pips_qty_sum": slippage_pips * fill_qty,
        "latency_buckets": [],
        "latency_counts": [],
        "latency_ms_sum": 40.0,
        "latency_ms_max": 30.0,
    }


@pytest.fixture
def analyst(server: Flask, accounts: dict[str, str], committed_db: Engine) -> FlaskClient:  # noqa: F811
    insert_results(committed_db)
    with committed_db.begin() as conn:
        conn.execute(
            insert(AccountSnapshot),
            [
                snapshot("ACC1", 30, 400.0),
                snapshot("ACC1", 2, 85.0),
                snapshot("ACC2", 2, 130.0),
                snapshot("ACC3", 2, 900.0),
            ],
        )
        conn.execute(
            insert(ExecRollup1m),
            [
                rollup("LPX", "A", "R2", 200_000.0, 0.25),
                rollup("INTERNAL", "B", "R1", 100_000.0, -0.1),
            ],
        )
    return _signed_in(server, accounts["analyst"])


def test_var_and_es_per_symbol_and_for_the_book(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.VAR_DAYS}.value": "250"}
    answer = _updates(call(analyst, f"{ids.VAR_GRAPH}.figure", values))
    var, es = answer[f"{ids.VAR_GRAPH}.figure"]["data"]
    assert plain(var["x"]) == ["EURUSD", "XAUUSD", "Book"]
    assert plain(var["y"]) == pytest.approx([42.5, -30.0, 42.0])
    assert plain(es["y"]) == pytest.approx([50.0, -30.0, 50.0])
    table = text_of(answer[f"{ids.VAR_TABLE}.children"])
    # scope, VaR, ES, days used, trades
    assert "EURUSD 42.50 50.00 2 2" in table
    assert "XAUUSD -30.00 -30.00 1 1" in table
    assert "Book 42.00 50.00 3 3" in table
    assert answer[f"{ids.VAR_DAYS}.invalid"] is False


def test_var_in_a_euro_users_currency(
    analyst: FlaskClient,
    accounts: dict[str, str],  # noqa: F811
    committed_db: Engine,
) -> None:
    # 1 EUR = 1.25 USD: VaR 42 USD = 33.60 EUR, ES 50 = 40.00, EURUSD 42.50 = 34.00.
    reporting_currency(committed_db, accounts["analyst"], "EUR", 1.25)
    values = {**FILTERS, f"{ids.VAR_DAYS}.value": "250"}
    answer = _updates(call(analyst, f"{ids.VAR_GRAPH}.figure", values))
    var, es = answer[f"{ids.VAR_GRAPH}.figure"]["data"]
    assert plain(var["y"]) == pytest.approx([34.0, -24.0, 33.6])
    assert plain(es["y"]) == pytest.approx([40.0, -24.0, 40.0])
    figure = answer[f"{ids.VAR_GRAPH}.figure"]
    assert figure["layout"]["yaxis"]["title"]["text"] == "1-day loss (EUR)"
    table = text_of(answer[f"{ids.VAR_TABLE}.children"])
    assert "VaR 95 % (EUR) ES 95 % (EUR)" in table
    assert "EURUSD 34.00 40.00 2 2" in table
    assert "Book 33.60 40.00 3 3" in table


def test_var_without_a_rate_stays_in_usd_and_says_so(
    analyst: FlaskClient,
    accounts: dict[str, str],  # noqa: F811
    committed_db: Engine,
) -> None:
    reporting_currency(committed_db, accounts["analyst"], "CHF", None)  # no USDCHF mid stored
    values = {**FILTERS, f"{ids.VAR_DAYS}.value": "250"}
    answer = _updates(call(analyst, f"{ids.VAR_GRAPH}.figure", values))
    table = text_of(answer[f"{ids.VAR_TABLE}.children"])
    assert "VaR 95 % (USD, no CHF rate)" in table
    assert "Book 42.00 50.00 3 3" in table


def test_var_over_the_last_two_days_only(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.VAR_DAYS}.value": "2"}
    table = text_of(
        _updates(call(analyst, f"{ids.VAR_GRAPH}.figure", values))[f"{ids.VAR_TABLE}.children"]
    )
    # Days 1 and 2 of the book: −50, +30 → −50 + 0.05 × 80 = −46.
    assert "Book 46.00 50.00 2 3" in table


@pytest.mark.parametrize("days", ["0", "1001", "ten", ""])
def test_bad_var_days_are_explained_next_to_the_field(analyst: FlaskClient, days: str) -> None:
    values = {**FILTERS, f"{ids.VAR_DAYS}.value": days}
    answer = _updates(call(analyst, f"{ids.VAR_GRAPH}.figure", values))
    assert answer[f"{ids.VAR_DAYS}.invalid"] is True
    assert answer[f"{ids.VAR_DAYS_FEEDBACK}.children"] == (
        "Enter a whole number of days from 1 to 1,000."
    )
    assert f"{ids.VAR_GRAPH}.figure" not in answer


def test_the_book_drawdown_curve(analyst: FlaskClient) -> None:
    figure = _updates(call(analyst, f"{ids.DRAWDOWN}.figure", FILTERS))[f"{ids.DRAWDOWN}.figure"]
    pnl, drawdown = figure["data"]
    assert plain(pnl["y"]) == [100.0, 50.0, 80.0]
    assert plain(drawdown["y"]) == [0.0, -50.0, -20.0]


def test_the_margin_watchlist_lists_accounts_below_the_threshold(analyst: FlaskClient) -> None:
    values = {f"{ids.MARGIN_THRESHOLD}.value": "150", f"{ids.REFRESH}.n_intervals": None}
    answer = _updates(call(analyst, f"{ids.MARGIN_GRID}.rowData", values))
    rows = answer[f"{ids.MARGIN_GRID}.rowData"]
    assert [(r["client_ref"], r["margin_level"], r["equity"]) for r in rows] == [
        ("ref-ACC1", 85.0, 850.0),
        ("ref-ACC2", 130.0, 1_300.0),
    ]
    # Pseudonyms only: no account number anywhere in the rows.
    assert not any(value in ("ACC1", "ACC2") for row in rows for value in row.values())
    summary = " ".join(text_of(answer[f"{ids.MARGIN_SUMMARY}.children"]).split())
    assert summary == "2 account(s) below 150 %, 1 below 100 %."

    values[f"{ids.MARGIN_THRESHOLD}.value"] = "50"
    answer = _updates(call(analyst, f"{ids.MARGIN_GRID}.rowData", values))
    assert answer[f"{ids.MARGIN_GRID}.rowData"] == []
    assert text_of(answer[f"{ids.MARGIN_SUMMARY}.children"]) == "No account is below 50 %."


@pytest.mark.parametrize("threshold", ["-5", "0", "lots", "20000"])
def test_a_bad_threshold_is_explained_next_to_the_field(
    analyst: FlaskClient, threshold: str
) -> None:
    values = {f"{ids.MARGIN_THRESHOLD}.value": threshold}
    answer = _updates(call(analyst, f"{ids.MARGIN_GRID}.rowData", values))
    assert answer[f"{ids.MARGIN_THRESHOLD}.invalid"] is True
    assert answer[f"{ids.MARGIN_THRESHOLD_FEEDBACK}.children"] == (
        "Enter a margin level above 0 and at most 10,000 %."
    )


def test_sharpe_against_slippage_per_lp_in_both_books(analyst: FlaskClient) -> None:
    # The page's B-book filter does not hide the A-book LPs here.
    figure = _updates(call(analyst, f"{ids.LP_SCATTER}.figure", FILTERS))[
        f"{ids.LP_SCATTER}.figure"
    ]
    [points] = figure["data"]
    assert plain(points["text"]) == ["INTERNAL", "LPX"]
    assert plain(points["x"]) == pytest.approx([-0.1, 0.25])
    sqrt252 = math.sqrt(252)
    internal = statistics.mean([100, -50, 30]) / statistics.stdev([100, -50, 30]) * sqrt252
    lpx = statistics.mean([5, -10]) / statistics.stdev([5, -10]) * sqrt252
    assert plain(points["y"]) == pytest.approx([internal, lpx])


def test_an_empty_window_explains_itself(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.FILTERS}-window.value": "15m"}
    figure = _updates(call(analyst, f"{ids.DRAWDOWN}.figure", values))[f"{ids.DRAWDOWN}.figure"]
    assert figure["data"] == []
    assert figure["layout"]["annotations"][0]["text"] == "No closed trades in this window"
