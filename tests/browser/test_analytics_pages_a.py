"""An analyst in Chromium on the Overview, LP scorecards and Market pages, with a simulated
stream (timestamped up to the present) stored by the real ingest: every graph renders, no
callback error shows and the console stays clean; screenshots go to ``.local/screenshots``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import PROJECT_ROOT, load_settings
from app.db.derived import refresh_derived
from app.queries.markouts import compute_markouts
from pages.ids import lp_scorecards as lp_ids
from pages.ids import market as market_ids
from pages.ids import overview as overview_ids
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import generate_messages
from workers.simulator.producer import EventProducer

pytestmark = pytest.mark.browser

PASSWORD = "browser-analyst-password"
ANALYST = "ana@desk.example"


@pytest.fixture
def live_stream(database_url: str, committed_db: Engine) -> Engine:
    """An hour of simulated trading up to now, stored by ``tradedash ingest``; an analyst."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run = uuid.uuid4().hex[:8]
    settings = load_settings(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{load_settings().redis_port}/15",
        topic_prefix=f"br{run}.",
        consumer_group=f"browser-{run}",
    )
    options = SimulatorOptions(
        seed=11, duration=5, rate=2000, realtime=False, backfill_days=0.05, now=now
    )
    ensure_topics(settings)
    try:
        producer = EventProducer(settings)
        for message in generate_messages(options, now.timestamp()):
            producer.send(message)
        producer.flush()
        env = {
            "TRADEDASH_DATABASE_URL": settings.database_url,
            "TRADEDASH_REDIS_URL": settings.redis_url,
            "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
            "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
        }
        subprocess.run(
            [sys.executable, "-m", "tradedash.cli", "ingest", "--idle-exit", "6",
             "--loglevel", "WARNING"],
            env={**os.environ, **env}, check=True, timeout=240,
            stdout=subprocess.DEVNULL, cwd=PROJECT_ROOT,
        )  # fmt: skip
    finally:
        delete_topics(settings)
    refresh_derived(committed_db, now - dt.timedelta(hours=2), now + dt.timedelta(minutes=5))
    with committed_db.begin() as conn:
        while compute_markouts(conn, batch_size=1000, now=now) > 0:
            pass
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email=ANALYST, role="analyst",
            password=PASSWORD, display_name="Ana Analyst",
        )  # fmt: skip
    return committed_db


def _sign_in(browser: webdriver.Chrome, web_url: str) -> WebDriverWait:
    wait = WebDriverWait(browser, 30)
    browser.get(web_url + "/")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(ANALYST)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
    return wait


def _rendered(wait: WebDriverWait, browser: webdriver.Chrome, graph_ids: list[str]) -> None:
    """Every graph has drawn its plot, and nothing on the page says a callback failed."""
    for graph_id in graph_ids:
        selector = f"#{graph_id} .main-svg"
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Callback error" not in body
    assert "Error" not in body, body[:2000]


ERROR_RECORDER = """
window.__errors = [];
const record = (text) => window.__errors.push(String(text));
const consoleError = console.error.bind(console);
console.error = (...args) => { record(args.map(String).join(" ")); consoleError(...args); };
window.addEventListener("error", (event) => record(event.message));
window.addEventListener("unhandledrejection", (event) => record(event.reason));
"""
"""Installed in every document before its scripts run: console errors and uncaught ones."""


def _console_errors(browser: webdriver.Chrome) -> list[str]:
    """What the page on screen wrote to the console as errors (or threw) since it loaded."""
    errors: list[str] = browser.execute_script("return window.__errors || []")
    return errors


def _full_page(browser: webdriver.Chrome, path: Path) -> None:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(max(int(height) + 100, 800), 4000))
    time.sleep(1.0)  # AG Grid redraws its rows for the new viewport asynchronously
    browser.save_screenshot(str(path))
    browser.set_window_size(1400, 900)


def test_an_analyst_sees_the_overview_lp_scorecards_and_market_pages(
    web_url: str, browser: webdriver.Chrome, live_stream: Engine, screenshots: Path
) -> None:
    browser.set_window_size(1400, 900)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_RECORDER})
    wait = _sign_in(browser, web_url)

    # Overview ("/", where the sign-in lands)
    fill_ratio = overview_ids.KPI_VALUE["fill_ratio"]
    wait.until(lambda b: "%" in b.find_element(By.ID, fill_ratio).text)
    _rendered(wait, browser, [overview_ids.VOLUME])
    board = browser.find_element(By.ID, overview_ids.LP_BOARD).text
    assert "last update" in board and "up (24 h)" in board
    _full_page(browser, screenshots / "overview.png")
    errors = _console_errors(browser)

    # LP scorecards
    browser.get(web_url + "/lp-scorecards")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#{lp_ids.GRID} .ag-row")))
    graphs = [lp_ids.HEATMAP, lp_ids.MARKOUTS, lp_ids.LATENCY, lp_ids.GAUGES, lp_ids.SLIPPAGE]
    _rendered(wait, browser, graphs)
    assert browser.find_elements(By.CSS_SELECTOR, f"#{lp_ids.GRID} .cell-best")
    assert browser.find_elements(By.CSS_SELECTOR, f"#{lp_ids.GRID} .cell-worst")
    first_lp = browser.find_element(
        By.CSS_SELECTOR, f"#{lp_ids.GRID} .ag-pinned-left-cols-container .ag-row[row-index='1']"
    )
    lp_name = first_lp.text.strip()
    first_lp.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, lp_ids.REJECTS_TITLE), lp_name))
    try:
        wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"#{lp_ids.REJECTS_GRID} .ag-row"))
        )
    except TimeoutException:  # an LP without rejects in the window: the count says so
        assert "No rejected" in browser.find_element(By.ID, lp_ids.REJECTS_COUNT).text
    _full_page(browser, screenshots / "lp-scorecards.png")
    errors += _console_errors(browser)

    # Market
    browser.get(web_url + "/market")
    _rendered(wait, browser, [market_ids.PRICE, market_ids.VOLATILITY, market_ids.PNL])
    wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{market_ids.PRICE} .cartesianlayer"))
    )
    _full_page(browser, screenshots / "market.png")

    errors += _console_errors(browser)
    assert errors == []
