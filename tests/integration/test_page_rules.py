"""The Rules page's callbacks, through real ``/_dash-update-component`` requests of a signed-in
analyst, on positions inserted by hand so that every expected number is worked out below.

R1 (B-book) closes +100 (v1, day 0), −50 (v1, day 1) and +30 (v2, day 2, XAUUSD): gross profit
130, gross loss 50, profit factor 2.6 (excellent, blue), win rate 2/3, net 80, max drawdown 50
(peak 100 → 50), streaks 1 / 1. R2 (A-book, LPX) closes +5 and −10: profit factor 0.5 (red).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import statistics
import uuid
from typing import Any

import numpy as np
import orjson
import pytest
from dash._utils import split_callback_id
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, text
from test_admin_pages import _signed_in, _updates, accounts, server  # noqa: F401

from app.db.models.events import ClosedPosition, RuleVersion
from pages.ids import rules as ids

pytestmark = pytest.mark.integration

DAY0 = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(
    days=3
)
SQRT252 = math.sqrt(252)

# (day, hour, rule, version, symbol, book, lp, broker_pnl in USD)
POSITIONS = [
    (0, 10, "R1", 1, "EURUSD", "B", None, 100.0),
    (1, 10, "R1", 1, "EURUSD", "B", None, -50.0),
    (2, 10, "R1", 2, "XAUUSD", "B", None, 30.0),
    (0, 11, "R2", 1, "EURUSD", "A", "LPX", 5.0),
    (1, 11, "R2", 1, "EURUSD", "A", "LPX", -10.0),
]
RULES = [
    ("R1", 1, "Scalpers (old)", "B", {"segment": "scalper"}),
    ("R1", 2, "Scalpers", "B", {"segment": "scalper", "min_qty": 10000}),
    ("R2", 1, "Professional STP", "A", {"segment": "professional"}),
]
FILTERS = {
    f"{ids.FILTERS}-window.value": "7d",
    f"{ids.FILTERS}-symbols.value": None,
    f"{ids.FILTERS}-lps.value": None,
    f"{ids.FILTERS}-books.value": None,
    f"{ids.FILTERS}-rules.value": None,
}


def position_row(number: int, spec: tuple[Any, ...]) -> dict[str, Any]:
    """A closed position in USD: 100,000 EURUSD at 1.1 or 10 XAUUSD at 2,000, flat prices."""
    day, hour, rule_id, version, symbol, book, lp, pnl = spec
    ts = DAY0 + dt.timedelta(days=day, hours=hour)
    gold = symbol == "XAUUSD"
    return {
        "event_id": uuid.uuid4(),
        "ts": ts,
        "position_id": f"P{number}",
        "account_id": f"ACC{number}",
        "client_ref": f"client-{number}",
        "symbol": symbol,
        "side": "buy",
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
        "currency": "USD",
        "broker_pnl_usd": pnl,
    }


def insert_results(engine: Engine) -> None:
    """The positions above and the rule versions, published ten days before day 0."""
    with engine.begin() as conn:
        conn.execute(insert(ClosedPosition), [position_row(n, s) for n, s in enumerate(POSITIONS)])
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
                    "conditions": conditions,
                    "effective_from": DAY0 - dt.timedelta(days=10 - version),
                }
                for rule_id, version, name, book, conditions in RULES
            ],
        )


@pytest.fixture
def analyst(server: Flask, accounts: dict[str, str], committed_db: Engine) -> FlaskClient:  # noqa: F811
    insert_results(committed_db)
    return _signed_in(server, accounts["analyst"])


def call(client: FlaskClient, output: str, values: dict[str, Any], trigger: str = "") -> Any:
    """POST the callback that writes ``output`` (``id.property``), as dash-renderer would."""
    return client.post(
        "/_dash-update-component", json=request_body(client, output, values, trigger)
    )


def request_body(
    client: FlaskClient, output: str, values: dict[str, Any], trigger: str = ""
) -> dict[str, Any]:
    """The body dash-renderer posts for the callback writing ``output``; ``values`` maps
    ``id.property`` of its inputs and states to their values. The callback's shape comes
    from ``/_dash-dependencies``, so the test follows the app's own wiring."""
    dependencies = orjson.loads(client.get("/_dash-dependencies").get_data())
    [callback] = [dep for dep in dependencies if output in split_callback_id_names(dep["output"])]

    def current(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    first_input = callback["inputs"][0]
    return {
        "output": callback["output"],
        "outputs": split_callback_id(callback["output"]),
        "inputs": current(callback["inputs"]),
        "state": current(callback["state"]),
        "changedPropIds": [trigger or f"{first_input['id']}.{first_input['property']}"],
    }


def split_callback_id_names(output: str) -> list[str]:
    """``id.property`` of each output of a callback (without ``@hash`` suffixes)."""
    parts = split_callback_id(output)
    items = parts if isinstance(parts, list) else [parts]
    return [f"{item['id']}.{item['property'].split('@')[0]}" for item in items]


def text_of(component: Any) -> str:
    """Every string inside a serialised component tree, space-joined."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list):
        return " ".join(text_of(child) for child in component)
    return text_of(component.get("props", {}).get("children"))


def plain(values: Any) -> list[Any]:
    """A figure's array as a list: plotly sends numeric arrays base64-encoded (``bdata``)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in rows}


# ------------------------------------------------------------------ report and charts


def test_the_rule_report_shows_each_rule_with_its_band(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.BY_VERSION}.value": False}
    rows = by_key(_updates(call(analyst, f"{ids.REPORT_GRID}.rowData", values))[
        f"{ids.REPORT_GRID}.rowData"
    ])  # fmt: skip
    r1, r2 = rows["R1"], rows["R2"]
    daily = [100.0, -50.0, 30.0]
    assert r1["name"] == "Scalpers"
    assert (r1["trades"], r1["net_pnl"], r1["gross_profit"], r1["gross_loss"]) == (3, 80, 130, 50)
    assert r1["profit_factor"] == pytest.approx(2.6)
    assert (r1["profit_factor_label"], r1["band"], r1["band_colour"]) == (
        "2.60",
        "excellent",
        "blue",
    )
    assert r1["win_rate"] == pytest.approx(2 / 3)
    assert r1["sharpe"] == pytest.approx(statistics.mean(daily) / statistics.stdev(daily) * SQRT252)
    downside = math.sqrt((50.0**2) / 3)
    assert r1["sortino"] == pytest.approx(statistics.mean(daily) / downside * SQRT252)
    assert r1["max_drawdown"] == 50
    assert (r1["longest_win_streak"], r1["longest_loss_streak"]) == (1, 1)
    assert r2["profit_factor"] == pytest.approx(0.5)
    assert (r2["band"], r2["band_colour"]) == ("unprofitable", "red")


def test_the_report_per_version_marks_a_loss_free_version_infinite(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.BY_VERSION}.value": True}
    rows = by_key(_updates(call(analyst, f"{ids.REPORT_GRID}.rowData", values))[
        f"{ids.REPORT_GRID}.rowData"
    ])  # fmt: skip
    assert sorted(rows) == ["R1/v1", "R1/v2", "R2/v1"]
    assert rows["R1/v1"]["profit_factor"] == pytest.approx(2.0)
    assert rows["R1/v1"]["band"] == "good"
    assert rows["R1/v2"]["profit_factor_label"] == "∞"
    assert rows["R1/v2"]["name"] == "Scalpers"


def test_the_charts_show_curves_distribution_and_attribution(analyst: FlaskClient) -> None:
    figures = _updates(call(analyst, f"{ids.CUMULATIVE}.figure", FILTERS))
    assert sorted(figures) == [f"{ids.CUMULATIVE}.figure", f"{ids.DRAWDOWN}.figure"]
    # The distribution and attribution load after the curves are drawn, in a callback of their own.
    figures |= _updates(call(analyst, f"{ids.DISTRIBUTION}.figure", FILTERS))
    cumulative = figures[f"{ids.CUMULATIVE}.figure"]["data"]
    assert [trace["name"] for trace in cumulative] == ["R1 · Scalpers", "R2 · Professional STP"]
    assert plain(cumulative[0]["y"]) == [100.0, 50.0, 80.0]
    assert plain(cumulative[1]["y"]) == [5.0, -5.0]
    drawdown = figures[f"{ids.DRAWDOWN}.figure"]["data"]
    assert plain(drawdown[0]["y"]) == [0.0, -50.0, -20.0]
    [bars] = figures[f"{ids.DISTRIBUTION}.figure"]["data"]
    assert sum(plain(bars["y"])) == 5
    [waterfall] = figures[f"{ids.ATTRIBUTION}.figure"]["data"]
    # EURUSD 100 − 50 + 5 − 10 = 45, XAUUSD 30, total 75.
    assert plain(waterfall["x"]) == ["EURUSD", "XAUUSD", "Total"]
    assert plain(waterfall["y"]) == [45.0, 30.0, 75.0]


def reporting_currency(engine: Engine, email: str, currency: str, eur_usd: float | None) -> None:
    """Give the user ``currency``; store an EURUSD mid a minute ago when ``eur_usd`` is set."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET reporting_currency = :c WHERE email = :e"),
            {"c": currency, "e": email},
        )
        if eur_usd is not None:
            conn.execute(
                text(
                    "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
                    "VALUES ('EURUSD', :ts, :mid, :mid, :mid, 1)"
                ),
                {"ts": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), "mid": eur_usd},
            )


def test_a_euro_user_reads_the_report_and_curves_in_euros(
    analyst: FlaskClient,
    accounts: dict[str, str],  # noqa: F811
    committed_db: Engine,
) -> None:
    # 1 EUR = 1.25 USD: R1's net P/L 80 USD = 64 EUR, max drawdown 50 = 40, its curve
    # 100, 50, 80 USD = 80, 40, 64 EUR and its drawdown 0, 50, 20 = 0, 40, 16.
    reporting_currency(committed_db, accounts["analyst"], "EUR", 1.25)
    columns = [
        {"field": "net_pnl", "headerName": "Net P/L (USD)"},
        {"field": "trades", "headerName": "Trades"},
    ]
    values = {**FILTERS, f"{ids.BY_VERSION}.value": False, f"{ids.REPORT_GRID}.columnDefs": columns}
    answer = _updates(call(analyst, f"{ids.REPORT_GRID}.rowData", values))
    r1 = by_key(answer[f"{ids.REPORT_GRID}.rowData"])["R1"]
    assert (r1["net_pnl"], r1["max_drawdown"], r1["gross_loss"]) == (64, 40, 40)
    assert answer[f"{ids.REPORT_GRID}.columnDefs"] == [
        {"field": "net_pnl", "headerName": "Net P/L (EUR)"},
        {"field": "trades", "headerName": "Trades"},
    ]
    figures = _updates(call(analyst, f"{ids.CUMULATIVE}.figure", FILTERS))
    cumulative = figures[f"{ids.CUMULATIVE}.figure"]
    assert plain(cumulative["data"][0]["y"]) == pytest.approx([80.0, 40.0, 64.0])
    assert cumulative["layout"]["yaxis"]["title"]["text"] == "Cumulative P/L (EUR)"
    drawdown = figures[f"{ids.DRAWDOWN}.figure"]["data"]
    assert plain(drawdown[0]["y"]) == pytest.approx([0.0, -40.0, -16.0])


def test_an_empty_window_explains_itself(analyst: FlaskClient) -> None:
    values = {**FILTERS, f"{ids.FILTERS}-window.value": "15m"}
    figures = _updates(call(analyst, f"{ids.CUMULATIVE}.figure", values))
    figures |= _updates(call(analyst, f"{ids.ATTRIBUTION}.figure", values))
    for output in (ids.CUMULATIVE, ids.DRAWDOWN, ids.ATTRIBUTION):
        figure = figures[f"{output}.figure"]
        assert figure["data"] == []
        assert figure["layout"]["annotations"][0]["text"] == "No closed trades in this window"


def test_the_versions_table_lists_effective_dates_and_conditions(analyst: FlaskClient) -> None:
    values = {f"{ids.FILTERS}-rules.value": ["R1"]}
    rows = _updates(call(analyst, f"{ids.VERSIONS_GRID}.rowData", values))[
        f"{ids.VERSIONS_GRID}.rowData"
    ]
    assert [(row["rule_id"], row["rule_version"], row["name"]) for row in rows] == [
        ("R1", 2, "Scalpers"),
        ("R1", 1, "Scalpers (old)"),
    ]
    expected = (DAY0 - dt.timedelta(days=8)).strftime("%Y-%m-%d %H:%M UTC")
    assert rows[0]["effective_from"] == expected
    assert rows[0]["conditions"] == '{"min_qty":10000,"segment":"scalper"}'


# ------------------------------------------------------------------ backtest


def backtest_values(**fields: str | None) -> dict[str, Any]:
    form = {
        ids.BACKTEST_RULE: "R1",
        ids.BACKTEST_POLICY: "flip",
        ids.THRESHOLD: "0",
        ids.MIN_TRADES: "5",
        ids.MARKUP: "30",
        ids.CLIENT_COMMISSION: "0",
        ids.LP_COMMISSION: "8",
        ids.SPREAD_SHARE: "0",
    }
    form.update({getattr(ids, name.upper()): value for name, value in fields.items()})
    return {**FILTERS, f"{ids.BACKTEST_RUN}.n_clicks": 1} | {
        f"{key}.value": value for key, value in form.items()
    }


def test_the_backtest_shows_live_and_estimated_results_side_by_side(analyst: FlaskClient) -> None:
    answer = _updates(call(analyst, f"{ids.BACKTEST_RESULT}.children", backtest_values()))
    table = text_of(answer[f"{ids.BACKTEST_RESULT}.children"])
    assert "Live" in table and "estimate" in table
    # Every R1 trade flips to the A-book: (30 markup − 8 LP commission) per million of both
    # legs' notional: EURUSD 100,000 × 2.2 = 220,000 → 4.84 each, XAUUSD 10 × 4,000 → 0.88.
    assert "Net P/L (USD) 80.00 10.56" in table
    assert "Profit factor 2.60 ∞" in table
    assert "3 trade(s) moved to the A-book, 0 to the B-book" in table
    assert answer[f"{ids.THRESHOLD}.invalid"] is False
    assert answer[f"{ids.BACKTEST_STATUS}.is_open"] is False


def test_invalid_backtest_inputs_are_explained_next_to_their_fields(
    analyst: FlaskClient,
) -> None:
    values = backtest_values(
        threshold="lots", min_trades="2.5", markup="-1", spread_share="2", backtest_rule=""
    )
    answer = _updates(call(analyst, f"{ids.BACKTEST_RESULT}.children", values))
    assert f"{ids.BACKTEST_RESULT}.children" not in answer  # no_update: nothing was run
    for field, feedback, message in (
        (ids.THRESHOLD, ids.THRESHOLD_FEEDBACK, "Enter a number from -10,000 to 10,000."),
        (ids.MIN_TRADES, ids.MIN_TRADES_FEEDBACK, "Enter a whole number from 1 to 10,000."),
        (ids.MARKUP, ids.MARKUP_FEEDBACK, "Enter a number from 0 to 100,000."),
        (ids.SPREAD_SHARE, ids.SPREAD_SHARE_FEEDBACK, "Enter a number from 0 to 1."),
        (ids.BACKTEST_RULE, ids.BACKTEST_RULE_FEEDBACK, "Choose a rule."),
    ):
        assert answer[f"{field}.invalid"] is True
        assert answer[f"{feedback}.children"] == message
    assert answer[f"{ids.LP_COMMISSION}.invalid"] is False
    assert answer[f"{ids.BACKTEST_STATUS}.is_open"] is True


# ------------------------------------------------------------------ A/B comparison


def test_two_versions_are_compared_with_a_confidence_interval(analyst: FlaskClient) -> None:
    options = _updates(
        call(analyst, f"{ids.VERSION_A}.options", {f"{ids.COMPARE_RULE}.value": "R1"})
    )
    assert [o["value"] for o in options[f"{ids.VERSION_A}.options"]] == ["2", "1"]
    assert (options[f"{ids.VERSION_A}.value"], options[f"{ids.VERSION_B}.value"]) == ("1", "2")

    values = {
        **FILTERS,
        f"{ids.COMPARE_RUN}.n_clicks": 1,
        f"{ids.COMPARE_RULE}.value": "R1",
        f"{ids.VERSION_A}.value": "1",
        f"{ids.VERSION_B}.value": "2",
    }
    answer = _updates(call(analyst, f"{ids.COMPARE_RESULT}.children", values))
    text = text_of(answer[f"{ids.COMPARE_RESULT}.children"])
    # v1: (100 − 50) / 2 = 25 per trade; v2: 30; difference 5. Bootstrap means of v1's two
    # trades can only be −50, 25 or 100, so the interval is [−70, 80] and includes 0.
    assert "v1: 2 trade(s), mean 25.00 USD per trade" in text
    assert "v2: 1 trade(s), mean 30.00 USD per trade" in text
    assert "Difference v2 − v1: 5.00 USD per trade, 95% CI [-70.00, 80.00]" in text
    assert "no clear difference" in text
    [points] = answer[f"{ids.COMPARE_GRAPH}.figure"]["data"]
    assert plain(points["x"]) == [25.0, 30.0, 5.0]


def test_comparing_a_version_with_itself_is_refused_next_to_the_field(
    analyst: FlaskClient,
) -> None:
    values = {
        **FILTERS,
        f"{ids.COMPARE_RUN}.n_clicks": 1,
        f"{ids.COMPARE_RULE}.value": "R1",
        f"{ids.VERSION_A}.value": "2",
        f"{ids.VERSION_B}.value": "2",
    }
    answer = _updates(call(analyst, f"{ids.COMPARE_RESULT}.children", values))
    assert answer[f"{ids.VERSION_B}.invalid"] is True
    assert answer[f"{ids.VERSION_B_FEEDBACK}.children"] == "Choose a version other than A."
    assert f"{ids.COMPARE_RESULT}.children" not in answer


def test_a_signed_out_caller_gets_nothing(analyst: FlaskClient, server: Flask) -> None:  # noqa: F811
    values = {**FILTERS, f"{ids.BY_VERSION}.value": False}
    body = request_body(analyst, f"{ids.REPORT_GRID}.rowData", values)
    answer = server.test_client().post("/_dash-update-component", json=body)
    assert answer.status_code != 200
    assert b"Scalpers" not in answer.get_data()
