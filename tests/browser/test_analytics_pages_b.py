"""The Routing and Exposure pages in Chromium, on a database filled by a short simulated stream
ending now (through Kafka and the ingest process): the charts draw without errors, a routing
decision explains itself and a heatmap click lists the fills of that cell. Screenshots go to
``.local/screenshots`` (``routing.png``, ``exposure.png``)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import Settings, load_settings
from app.limits import set_limit
from pages.ids import exposure as exposure_ids
from pages.ids import routing as routing_ids
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import generate_messages
from workers.simulator.producer import EventProducer

pytestmark = pytest.mark.browser

PASSWORD = "browser-admin-password"
SETUP = Actor("test-setup", "system")
# Console errors and uncaught exceptions, kept from the first script of every page on.
CATCH_ERRORS = """
window.__pageErrors = [];
const original = console.error;
console.error = function (...args) {
  window.__pageErrors.push(args.map(String).join(' '));
  original.apply(console, args);
};
window.addEventListener('error', (event) => window.__pageErrors.push(String(event.message)));
"""


# Where a heatmap cell lies in the viewport, from the plot area and Plotly's axes.
CELL_POSITION = """
const gd = document.getElementById(arguments[0]).querySelector('.js-plotly-plot');
const heat = gd.data[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
return [Math.round(area.left + xa.d2p(heat.x[heat.x.length - 2])),
        Math.round(area.top + ya.c2p(heat.y.indexOf(arguments[1])))];
"""


def _ingest(settings: Settings, now: dt.datetime) -> None:
    """A simulated stream ending ``now``, produced to Kafka and stored by the ingest process."""
    options = SimulatorOptions(
        seed=5, duration=5, rate=1000, realtime=False, backfill_days=0.05, now=now
    )
    producer = EventProducer(settings)
    for message in generate_messages(options, now.timestamp()):
        producer.send(message)
    producer.flush()
    env = {
        **os.environ,
        "TRADEDASH_DATABASE_URL": settings.database_url,
        "TRADEDASH_REDIS_URL": settings.redis_url,
        "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
        "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
    }
    argv = [sys.executable, "-m", "tradedash.cli", "ingest", "--idle-exit", "6",
            "--loglevel", "WARNING"]  # fmt: skip
    subprocess.run(argv, env=env, check=True, timeout=240, stdout=subprocess.DEVNULL)


@pytest.fixture
def admin(committed_db: Engine, database_url: str) -> Iterator[str]:
    """An admin, a limit on EURUSD and the last hour of simulated trading."""
    run = uuid.uuid4().hex[:8]
    defaults = load_settings()
    settings = load_settings(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{defaults.redis_port}/15",
        topic_prefix=f"pages{run}.",
        consumer_group=f"pages-{run}",
    )
    ensure_topics(settings)
    try:
        _ingest(settings, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10))
    finally:
        delete_topics(settings)
    with Session(committed_db) as db, db.begin():
        create_user(
            db, SETUP, email="ada@desk.example", role="admin", password=PASSWORD,
            display_name="Ada Admin",
        )  # fmt: skip
        set_limit(db, SETUP, "EURUSD", 2_000_000)
        set_limit(db, SETUP, "XAUUSD", 1_000_000)
    yield "ada@desk.example"


def _sign_in(browser: webdriver.Chrome, web_url: str, email: str) -> WebDriverWait:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_ERRORS})
    wait = WebDriverWait(browser, 30)
    browser.get(web_url + "/")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
    return wait


def _drawn(wait: WebDriverWait, graph_id: str, selector: str) -> None:
    """Wait until the graph ``graph_id`` has drawn an element matching ``selector``."""
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#{graph_id} {selector}")))


def _no_errors(browser: webdriver.Chrome) -> None:
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Callback error" not in text and "Error" not in text.split(), text[:2000]
    errors = browser.execute_script("return window.__pageErrors || []")
    assert errors == [], errors


def _clicked(browser: webdriver.Chrome, selector: str) -> bool:
    """Click the element once it holds still (charts above it may still be growing)."""
    element = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    try:
        element.click()
    except (ElementClickInterceptedException, StaleElementReferenceException):
        return False
    return True


def _full_page(browser: webdriver.Chrome, path: Path) -> None:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, min(max(800, height + 40), 4000))
    browser.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 800)


def test_routing_and_exposure_pages(
    web_url: str, browser: webdriver.Chrome, admin: str, screenshots: Path
) -> None:
    wait = _sign_in(browser, web_url, admin)

    browser.get(web_url + "/routing")
    _drawn(wait, routing_ids.FLOW, ".sankey .sankey-node")
    _drawn(wait, routing_ids.SHARES, ".scatterlayer .trace")
    _drawn(wait, routing_ids.REJECTS, ".scatterlayer .trace")
    first_order = f"#{routing_ids.DECISIONS_GRID} .ag-row [col-id='order_id']"
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, first_order)))
    wait.until(lambda b: _clicked(b, first_order))
    wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{routing_ids.DECISION_DETAIL} pre"))
    )
    assert "{" in browser.find_element(By.CSS_SELECTOR, f"#{routing_ids.DECISION_DETAIL} pre").text
    _no_errors(browser)
    _full_page(browser, screenshots / "routing.png")

    browser.get(web_url + "/exposure")
    _drawn(wait, exposure_ids.HEATMAP, ".heatmaplayer image, .heatmaplayer .hm")
    _drawn(wait, exposure_ids.UTILISATION, ".barlayer .point")
    _drawn(wait, exposure_ids.OVER_TIME, ".scatterlayer .trace")
    assert browser.find_element(By.ID, exposure_ids.LIMIT_SAVE).is_displayed()
    wait.until(ec.text_to_be_present_in_element((By.ID, exposure_ids.TOTAL), "of notional"))
    heatmap = browser.find_element(By.ID, exposure_ids.HEATMAP)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", heatmap
    )
    # EURUSD's row, the bucket before the last: the busiest part of the stream.
    x, y = browser.execute_script(CELL_POSITION, exposure_ids.HEATMAP, "EURUSD")
    clicker = ActionBuilder(browser)
    clicker.pointer_action.move_to_location(x, y).click()
    clicker.perform()
    title = browser.find_element(By.ID, exposure_ids.CELL_TITLE)
    try:
        wait.until(lambda _: "UTC" in title.text)
    except TimeoutException:
        pytest.fail(f"the heatmap click did not reach the drill-down: {title.text!r}")
    assert title.text.startswith("EURUSD, ")
    assert "B-book fill" in title.text or "carried over" in title.text
    _no_errors(browser)
    _full_page(browser, screenshots / "exposure.png")
