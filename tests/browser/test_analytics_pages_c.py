"""An analyst in Chromium on the Rules and Risk pages: every chart and table renders without a
callback error, the backtest runs and explains a bad input next to its field; full-page
screenshots go to ``.local/screenshots`` (``rules*.png``, ``risk.png``)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.db.models.events import AccountSnapshot, ClosedPosition, RuleVersion
from app.db.models.rollups import ExecRollup1m
from pages.ids import risk as risk_ids
from pages.ids import rules as rule_ids

pytestmark = pytest.mark.browser

PASSWORD = "browser-analyst-password"
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
RULES = [("R1", 1, "Scalpers (old)", "B"), ("R1", 2, "Scalpers", "B"), ("R2", 1, "STP", "A")]
LPS = {"A": "LPX", "B": None}


def _positions() -> list[dict[str, Any]]:
    """Six days of trades of two rules (R1 in two versions) on two symbols, wins and losses."""
    rows = []
    for number in range(60):
        rule_id, version, book = ("R1", 1 + number % 2, "B") if number % 3 else ("R2", 1, "A")
        ts = NOW - dt.timedelta(hours=2.5 * number + 1)
        pnl = [120.0, -80.0, 45.0, -20.0, 60.0][number % 5] * (1.5 if book == "B" else 0.2)
        rows.append(
            {
                "event_id": uuid.uuid4(), "ts": ts, "position_id": f"P{number}",
                "account_id": f"ACC{number % 7}", "client_ref": f"client-{number % 7}",
                "symbol": "EURUSD" if number % 4 else "GBPUSD", "side": "buy",
                "qty": 100_000.0, "open_ts": ts - dt.timedelta(minutes=20), "open_price": 1.1,
                "close_price": 1.1, "book": book, "lp": LPS[book], "rule_id": rule_id,
                "rule_version": version, "client_pnl": -pnl, "broker_pnl": pnl,
                "currency": "USD", "broker_pnl_usd": pnl,
            }
        )  # fmt: skip
    return rows


def _rollup(lp: str, book: str, rule_id: str, slippage: float) -> dict[str, Any]:
    zero = dict.fromkeys(
        (
            "partial_fills", "rejects", "cancels", "reject_price_moved", "reject_last_look",
            "reject_no_liquidity", "reject_timeout", "reject_credit_limit",
            "reject_market_closed", "reject_other", "price_improvement_pips_sum",
            "best_execution_count", "slippage_zero", "slippage_negative", "slippage_positive",
            "commission_usd", "pfof_usd", "usd_unconverted",
        ),
        0,
    )  # fmt: skip
    return zero | {
        "bucket": NOW - dt.timedelta(days=1), "lp": lp, "symbol": "EURUSD", "book": book,
        "rule_id": rule_id, "rule_version": 1, "attempts": 5, "fills": 5,
        "requested_qty": 500_000.0, "fill_qty": 500_000.0, "notional_usd": 550_000.0,
        "slippage_pips_qty_sum": slippage * 500_000.0, "latency_buckets": [],
        "latency_counts": [], "latency_ms_sum": 100.0, "latency_ms_max": 40.0,
    }  # fmt: skip


@pytest.fixture
def analyst(committed_db: Engine) -> str:
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email="ana@desk.example", role="analyst",
            password=PASSWORD, display_name="Ana Analyst",
        )  # fmt: skip
    with committed_db.begin() as conn:
        conn.execute(insert(ClosedPosition), _positions())
        conn.execute(
            insert(RuleVersion),
            [
                {
                    "event_id": uuid.uuid4(), "ts": NOW - dt.timedelta(days=40 - 10 * version),
                    "rule_id": rule_id, "rule_version": version, "name": name, "book": book,
                    "conditions": {"segment": "retail", "version": version},
                    "effective_from": NOW - dt.timedelta(days=40 - 10 * version),
                }
                for rule_id, version, name, book in RULES
            ],
        )  # fmt: skip
        conn.execute(
            insert(AccountSnapshot),
            [
                {
                    "event_id": uuid.uuid4(), "ts": NOW - dt.timedelta(minutes=3),
                    "account_id": f"ACC{n}", "client_ref": f"client-{n}", "balance": 1_000,
                    "equity": level * 10, "margin_used": 1_000, "margin_level": level,
                    "currency": "USD",
                }
                for n, level in enumerate([45.0, 88.0, 120.0, 310.0])
            ],
        )  # fmt: skip
        conn.execute(
            insert(ExecRollup1m),
            [_rollup("LPX", "A", "R2", 0.15), _rollup("INTERNAL", "B", "R1", -0.05)],
        )
    return "ana@desk.example"


def _sign_in(browser: webdriver.Chrome, web_url: str, email: str) -> WebDriverWait:
    wait = WebDriverWait(browser, 30)
    browser.get(web_url + "/")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
    return wait


def _wait_for_graphs(wait: WebDriverWait, graph_ids: list[str]) -> None:
    for graph_id in graph_ids:
        wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"#{graph_id} .main-svg")),
            message=f"graph {graph_id} never drew",
        )
    wait.until_not(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-dash-is-loading='true']"))
    )


def _assert_no_errors(browser: webdriver.Chrome) -> None:
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Callback error" not in body
    assert "Error" not in body, body
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe


def _full_page_screenshot(browser: webdriver.Chrome, path: Path) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, max(800, int(height) + 40))
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 800)


def _click(browser: webdriver.Chrome, element_id: str) -> None:
    element = browser.find_element(By.ID, element_id)
    script = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    browser.execute_script(script, element)
    element.click()


def test_an_analyst_reads_the_rules_page_and_runs_a_backtest(
    web_url: str, browser: webdriver.Chrome, analyst: str, screenshots: Path
) -> None:
    wait = _sign_in(browser, web_url, analyst)
    browser.get(web_url + "/rules")
    _wait_for_graphs(
        wait, [rule_ids.CUMULATIVE, rule_ids.DRAWDOWN, rule_ids.DISTRIBUTION, rule_ids.ATTRIBUTION]
    )
    wait.until(ec.text_to_be_present_in_element((By.ID, rule_ids.REPORT_GRID), "Scalpers"))
    wait.until(ec.text_to_be_present_in_element((By.ID, rule_ids.VERSIONS_GRID), "segment"))
    _assert_no_errors(browser)

    threshold = browser.find_element(By.ID, rule_ids.THRESHOLD)
    threshold.clear()
    threshold.send_keys("lots")
    _click(browser, rule_ids.BACKTEST_RUN)
    feedback = wait.until(ec.visibility_of_element_located((By.ID, rule_ids.THRESHOLD_FEEDBACK)))
    assert feedback.text == "Enter a number from -10,000 to 10,000."
    threshold.clear()
    threshold.send_keys("0")
    _click(browser, rule_ids.BACKTEST_RUN)
    wait.until(ec.text_to_be_present_in_element((By.ID, rule_ids.BACKTEST_RESULT), "estimate"))
    assert "moved to the A-book" in browser.find_element(By.ID, rule_ids.BACKTEST_RESULT).text

    Select(browser.find_element(By.ID, rule_ids.COMPARE_RULE)).select_by_value("R1")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#{rule_ids.VERSION_B} option")))
    _click(browser, rule_ids.COMPARE_RUN)
    wait.until(ec.text_to_be_present_in_element((By.ID, rule_ids.COMPARE_RESULT), "CI"))
    _wait_for_graphs(wait, [rule_ids.COMPARE_GRAPH])
    _assert_no_errors(browser)
    _full_page_screenshot(browser, screenshots / "rules.png")


def test_an_analyst_reads_the_risk_page(
    web_url: str, browser: webdriver.Chrome, analyst: str, screenshots: Path
) -> None:
    wait = _sign_in(browser, web_url, analyst)
    browser.get(web_url + "/risk")
    _wait_for_graphs(wait, [risk_ids.VAR_GRAPH, risk_ids.DRAWDOWN, risk_ids.LP_SCATTER])
    wait.until(ec.text_to_be_present_in_element((By.ID, risk_ids.VAR_TABLE), "Book"))
    wait.until(ec.text_to_be_present_in_element((By.ID, risk_ids.MARGIN_GRID), "client-0"))
    grid_text = browser.find_element(By.ID, risk_ids.MARGIN_GRID).text
    assert grid_text.index("client-0") < grid_text.index("client-1")  # lowest level first
    assert "client-3" not in grid_text  # 310 % is above the 150 % threshold
    _assert_no_errors(browser)
    _full_page_screenshot(browser, screenshots / "risk.png")
