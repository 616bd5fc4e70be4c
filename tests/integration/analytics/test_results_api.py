"""/api/v1/metrics/rules, /metrics/results, /risk/var and a rule's backtest and version
comparison against the migrated PostgreSQL, with a real API token; expected values are worked
out by hand below (and with the standard library, not the code under test)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import issue_token
from app.config import Settings
from app.db.derived import refresh_derived
from app.db.models.events import ClosedPosition, RuleVersion
from tradedash.web import create_server

pytestmark = pytest.mark.integration

DAY0 = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(
    days=5
)
START, END = DAY0, DAY0 + dt.timedelta(days=3)
SQRT252 = math.sqrt(252)


def at(day: int, hour: int) -> dt.datetime:
    return DAY0 + dt.timedelta(days=day, hours=hour)


def rfc3339(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


WINDOW = {"start": rfc3339(START), "end": rfc3339(END)}

# (close time, rule, version, symbol, book, lp, broker_pnl, broker_pnl_usd, currency)
POSITIONS: list[tuple[dt.datetime, str, int, str, str, str | None, float, float | None, str]] = [
    (at(0, 10), "R1", 1, "EURUSD", "B", None, 100.0, 100.0, "USD"),
    (at(0, 12), "R1", 1, "EURUSD", "B", None, -150.0, -150.0, "USD"),
    (at(0, 14), "R1", 2, "EURUSD", "B", None, 20.0, None, "EUR"),  # rate unknown
    (at(1, 9), "R1", 2, "EURUSD", "B", None, 80.0, 80.0, "USD"),
    (at(1, 11), "R1", 2, "XAUUSD", "B", None, -30.0, -30.0, "USD"),
    (at(2, 10), "R1", 2, "EURUSD", "B", None, 120.0, 120.0, "USD"),
    (at(2, 15), "R1", 2, "EURUSD", "B", None, -10.0, -10.0, "USD"),
    (at(0, 11), "R2", 1, "EURUSD", "A", "LPX", 5.0, 5.0, "USD"),
    (at(1, 11), "R2", 1, "EURUSD", "A", "LPX", 7.0, 7.0, "USD"),
]
RULES = [
    ("R1", 1, "Scalpers (old)", "B"),
    ("R1", 2, "Scalpers", "B"),
    ("R2", 1, "Professional STP", "A"),
    ("R3", 1, "Idle rule", "hybrid"),
]


def _position_row(number: int, spec: tuple[Any, ...]) -> dict[str, Any]:
    ts, rule_id, version, symbol, book, lp, pnl, pnl_usd, currency = spec
    gold = symbol == "XAUUSD"
    return {
        "event_id": uuid.uuid4(),
        "ts": ts,
        "position_id": f"P{number}",
        "account_id": f"ACC{number % 3}",
        "client_ref": f"client-{number % 3}",
        "symbol": symbol,
        "side": "buy" if number % 2 else "sell",
        "qty": 10.0 if gold else 100_000.0,
        "open_ts": ts - dt.timedelta(minutes=30),
        "open_price": 2000.0 if gold else 1.1,
        "close_price": 2000.0 if gold else 1.1,
        "book": book,
        "lp": lp,
        "rule_id": rule_id,
        "rule_version": version,
        "client_pnl": -pnl,
        "broker_pnl": pnl,
        "currency": currency,
        "broker_pnl_usd": pnl_usd,
    }


@pytest.fixture
def results_data(committed_db: Engine) -> Engine:
    with committed_db.begin() as conn:
        conn.execute(
            insert(ClosedPosition),
            [_position_row(n, spec) for n, spec in enumerate(POSITIONS)],
        )
        conn.execute(
            insert(RuleVersion),
            [
                {
                    "event_id": uuid.uuid4(),
                    "ts": DAY0 - dt.timedelta(days=10 - version),
                    "rule_id": rule_id,
                    "rule_version": version,
                    "name": name,
                    "book": book,
                    "conditions": {"segment": "any"},
                    "effective_from": DAY0 - dt.timedelta(days=10 - version),
                }
                for rule_id, version, name, book in RULES
            ],
        )
    return committed_db


@pytest.fixture
def results_server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    server = create_server(base_settings.model_copy(update={"database_url": database_url}))
    yield server
    server.extensions["tradedash"].close()


@pytest.fixture
def results_client(results_server: Flask, results_data: Engine) -> FlaskClient:
    with Session(results_data) as db, db.begin():
        secret = issue_token(db, Actor("test-setup", "system"), name="analytics", role="analyst")
    client = results_server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret.secret}"
    return client


def _get(client: FlaskClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def _rows_by(body: dict[str, Any], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in body["rows"]}


# ------------------------------------------------------------------ /metrics/rules


def test_rule_report_matches_hand_computed_values(results_client: FlaskClient) -> None:
    body = _get(results_client, "/api/v1/metrics/rules", **WINDOW, capital="1000")
    assert (body["start"], body["end"]) == (WINDOW["start"], WINDOW["end"])
    rows = _rows_by(body, "rule_id")
    assert list(rows) == ["R1", "R2", "R3"]

    r1 = rows["R1"]
    assert set(r1) >= {
        "rule_id", "name", "trades", "gross_profit", "gross_loss", "profit_factor", "win_rate",
        "sharpe", "sortino", "max_drawdown", "max_drawdown_pct", "drawdown_duration_s",
        "drawdown_recovered", "var95", "es95", "longest_win_streak", "longest_loss_streak",
        "net_pnl",
    }  # fmt: skip
    assert r1["name"] == "Scalpers"  # the latest version's name
    assert (r1["trades"], r1["unconverted"]) == (7, 1)
    assert (r1["gross_profit"], r1["gross_loss"], r1["net_pnl"]) == (300.0, 190.0, 110.0)
    assert r1["profit_factor"] == pytest.approx(300 / 190)
    assert r1["win_rate"] == pytest.approx(4 / 7)  # the unconverted trade is a win
    assert (r1["longest_win_streak"], r1["longest_loss_streak"]) == (2, 1)
    # curve 100, -50, 30, 0, 120, 110: 150 below the peak of 100 (day 0 10:00), back at day 2
    assert r1["max_drawdown"] == 150.0
    assert r1["max_drawdown_pct"] == pytest.approx(150 / 1100)
    assert (r1["drawdown_duration_s"], r1["drawdown_recovered"]) == (2 * 86400.0, True)
    daily = [-50.0, 50.0, 110.0]
    mean = statistics.mean(daily)
    assert r1["sharpe"] == pytest.approx(mean / statistics.stdev(daily) * SQRT252)
    assert r1["sortino"] == pytest.approx(mean / math.sqrt(50.0**2 / 3) * SQRT252)
    # sorted -50, 50, 110; rank 0.1 -> -40
    assert (r1["var95"], r1["es95"]) == (pytest.approx(40.0), pytest.approx(50.0))

    r2 = rows["R2"]
    assert (r2["name"], r2["trades"], r2["profit_factor"], r2["win_rate"]) == (
        "Professional STP",
        2,
        "inf",
        1.0,
    )
    assert r2["max_drawdown"] == 0.0 and r2["drawdown_duration_s"] is None
    assert r2["sortino"] is None  # no losing day

    r3 = rows["R3"]
    assert r3["trades"] == 0
    assert r3["profit_factor"] is None and r3["win_rate"] is None and r3["sharpe"] is None


def test_without_capital_there_is_no_drawdown_fraction(results_client: FlaskClient) -> None:
    rows = _rows_by(_get(results_client, "/api/v1/metrics/rules", **WINDOW), "rule_id")
    assert rows["R1"]["max_drawdown_pct"] is None


def test_filters_narrow_the_report(results_client: FlaskClient) -> None:
    body = _get(results_client, "/api/v1/metrics/rules", **WINDOW, symbol="XAUUSD", rule_id="R1")
    rows = _rows_by(body, "rule_id")
    assert list(rows) == ["R1"]
    assert (rows["R1"]["trades"], rows["R1"]["net_pnl"], rows["R1"]["profit_factor"]) == (
        1,
        -30.0,
        0.0,
    )


def test_the_report_agrees_with_the_daily_rollup(results_client: FlaskClient) -> None:
    engine: Engine = results_client.application.extensions["tradedash"].engine
    refresh_derived(engine, START, END)
    with engine.connect() as conn:
        rollup = {
            rule_id: (int(trades), float(net), int(unconverted))
            for rule_id, trades, net, unconverted in conn.execute(
                text(
                    "SELECT rule_id, sum(trades), sum(net), sum(unconverted) FROM pnl_daily "
                    "WHERE day >= :start AND day < :end GROUP BY rule_id"
                ),
                {"start": START, "end": END},
            )
        }
    rows = _rows_by(_get(results_client, "/api/v1/metrics/rules", **WINDOW), "rule_id")
    for rule_id, (trades, net, unconverted) in rollup.items():
        row = rows[rule_id]
        assert (row["trades"], row["net_pnl"], row["unconverted"]) == (trades, net, unconverted)


# ------------------------------------------------------------------ /metrics/results


def test_results_by_lp_and_by_rule_version(results_client: FlaskClient) -> None:
    by_lp = _rows_by(_get(results_client, "/api/v1/metrics/results", **WINDOW, by="lp"), "lp")
    assert set(by_lp) == {"INTERNAL", "LPX"}
    assert (by_lp["INTERNAL"]["trades"], by_lp["LPX"]["net_pnl"]) == (7, 12.0)
    internal_only = _get(
        results_client, "/api/v1/metrics/results", **WINDOW, by="book", lp="INTERNAL"
    )
    assert [(r["book"], r["net_pnl"]) for r in internal_only["rows"]] == [("B", 110.0)]

    versions = _get(results_client, "/api/v1/metrics/results", **WINDOW, by="rule_version")
    rows = {(r["rule_id"], r["rule_version"]): r for r in versions["rows"]}
    assert rows[("R1", 1)]["name"] == "Scalpers (old)"
    assert (rows[("R1", 1)]["net_pnl"], rows[("R1", 2)]["net_pnl"]) == (-50.0, 160.0)


# ------------------------------------------------------------------ /risk/var


def test_var_per_symbol_and_for_the_book(results_client: FlaskClient) -> None:
    body = _get(results_client, "/api/v1/risk/var", end=WINDOW["end"], days="2")
    assert body["days"] == 2 and body["confidence"] == 0.95
    # book daily: day 0 100-150+5 = -45, day 1 80-30+7 = 57, day 2 110; the last 2 days
    book = body["book"]
    assert book["days_used"] == 2 and book["unconverted"] == 1
    assert book["var95"] == pytest.approx(-(57 + 0.05 * 53))
    assert book["es95"] == pytest.approx(-57.0)
    symbols = {row["symbol"]: row for row in body["symbols"]}
    assert list(symbols) == ["EURUSD", "XAUUSD"]
    assert (symbols["XAUUSD"]["var95"], symbols["XAUUSD"]["days_used"]) == (30.0, 1)
    assert symbols["EURUSD"]["var95"] == pytest.approx(-(87 + 0.05 * 23))


def test_var_of_the_b_book_with_the_default_days(results_client: FlaskClient) -> None:
    body = _get(results_client, "/api/v1/risk/var", **WINDOW, book="B")
    assert body["days"] == 250 and body["start"] == WINDOW["start"]
    # B-book daily: -50, 50, 110 -> rank 0.1 between -50 and 50
    assert body["book"]["days_used"] == 3
    assert body["book"]["var95"] == pytest.approx(40.0)


# ------------------------------------------------------------------ backtest and comparison


def test_flipping_the_scalpers_rule_to_the_a_book(results_client: FlaskClient) -> None:
    body = _get(
        results_client,
        "/api/v1/metrics/rules/R1/backtest",
        **WINDOW,
        policy="flip",
        markup_per_million="30",
        lp_commission_per_million="8",
    )
    assert body["estimate"] is True and body["policy"] == "flip"
    assert (body["moved_to_a"], body["moved_to_b"]) == (7, 0)
    assert body["live"]["net_pnl"] == pytest.approx(110.0)
    # 22 USD per million of both legs: EURUSD 100,000 × 2.2 = 220,000; XAUUSD 10 × 4,000
    assert body["alternative"]["net_pnl"] == pytest.approx(6 * 22 * 0.22 + 22 * 0.04)
    assert body["alternative"]["unconverted"] == 0  # the notional is in USD: no rate needed
    assert body["alternative"]["profit_factor"] == "inf"


def test_comparing_two_versions_of_a_rule(results_client: FlaskClient) -> None:
    body = _get(results_client, "/api/v1/metrics/rules/R1/compare", **WINDOW, a="1", b="2")
    # v1: 100, -150 (mean -25); v2 converted: 80, -30, 120, -10 (mean 40)
    assert (body["mean_a"], body["mean_b"], body["difference"]) == (-25.0, 40.0, 65.0)
    assert body["ci_low"] <= 65.0 <= body["ci_high"]
    assert (body["trades_a"], body["trades_b"]) == (2, 4)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("path", "params", "names"),
    [
        ("/api/v1/metrics/rules", {"start": "yesterday"}, "start"),
        ("/api/v1/metrics/rules", {**WINDOW, "start": WINDOW["end"]}, "start"),
        ("/api/v1/metrics/rules", {**WINDOW, "capital": "-5"}, "capital"),
        ("/api/v1/metrics/rules", {**WINDOW, "capital": "lots"}, "capital"),
        ("/api/v1/metrics/rules", {**WINDOW, "book": "C"}, "book"),
        ("/api/v1/metrics/rules", {**WINDOW, "segment": "retail"}, "segments"),
        ("/api/v1/metrics/results", {**WINDOW, "by": "desk"}, "by"),
        ("/api/v1/risk/var", {"days": "0"}, "days"),
        ("/api/v1/risk/var", {"days": "many"}, "days"),
        ("/api/v1/metrics/rules/R1/backtest", {**WINDOW, "policy": "coin"}, "policy"),
        ("/api/v1/metrics/rules/R1/compare", {**WINDOW, "a": "1"}, "b"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(
    results_client: FlaskClient, path: str, params: dict[str, str], names: str
) -> None:
    response = results_client.get(path, query_string=params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter" and names in error["message"]


@pytest.mark.parametrize("path", ["/api/v1/metrics/rules", "/api/v1/risk/var"])
def test_no_token_no_answer(results_server: Flask, path: str) -> None:
    response = results_server.test_client().get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
