"""In Chromium under gunicorn: the overview updates itself within a second of a live delta
pushed over SSE; a link's filters open the page and stay in the URL across a reload, with a
notice for what the link held that was wrong; a view is saved by name and listed in Settings;
the dark theme applies to the page and its charts."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
import redis
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import load_settings
from pages.filter_bar import view_id
from pages.ids import exposure as exposure_ids
from pages.ids import overview as overview_ids
from pages.ids import settings as settings_ids
from tradedash.live_stream import channel_of

pytestmark = pytest.mark.browser

PASSWORD = "browser-views-password"
ANALYST = "views@desk.example"

CHANGES = """
window.__changes = [];
new MutationObserver(() => window.__changes.push(Date.now()))
  .observe(document.getElementById(arguments[0]), {childList: true, subtree: true,
                                                  characterData: true});
"""


def _css_id(component: dict[str, str]) -> str:
    """A CSS selector for a pattern-matching id (Dash renders it as sorted, compact JSON)."""
    raw = orjson.dumps(dict(sorted(component.items()))).decode()
    return '[id="' + raw.replace('"', '\\"') + '"]'


def test_live_push_url_filters_saved_views_and_dark_theme(
    web_url: str, browser: webdriver.Chrome, committed_db: Engine, screenshots: Path
) -> None:
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email=ANALYST, role="analyst",
            password=PASSWORD, display_name="Vera Views",
        )  # fmt: skip
    browser.set_window_size(1366, 768)
    wait = WebDriverWait(browser, 30)
    browser.get(web_url + "/")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(ANALYST)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # Overview: the push channel connects, and a delta refreshes the page within a second.
    badge = (By.ID, overview_ids.LIVE_BADGE)
    wait.until(ec.text_to_be_present_in_element_attribute(badge, "class", "live-up"))
    wait.until(lambda b: b.find_element(By.ID, overview_ids.UPDATED).text.startswith("Updated"))
    client = redis.Redis.from_url(f"redis://127.0.0.1:{load_settings().redis_port}/15")
    channel = channel_of(load_settings().consumer_group)
    delays = []
    for _ in range(3):
        time.sleep(1.1)  # the "Updated hh:mm:ss" line changes only with the second
        browser.execute_script(CHANGES, overview_ids.UPDATED)
        sent_ms = time.time() * 1000
        delta = {"t": time.time(), "stored": {"orders": 1}, "rate": 1.0}
        assert client.publish(channel, orjson.dumps(delta)) >= 1
        wait.until(lambda b: b.execute_script("return window.__changes.length") > 0)
        delays.append(browser.execute_script("return window.__changes[0]") - sent_ms)
    # The best of three: the shared 2-core test machine's load only ever adds to the time.
    assert min(delays) < 1000, delays
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1366

    # A link with filters: applied, the bad part reported, the rest kept in the URL on reload.
    browser.get(web_url + "/exposure?window=1h&books=A&symbols=EU%3CR")
    notice = wait.until(
        ec.visibility_of_element_located((By.ID, f"{exposure_ids.FILTERS}-url-notice"))
    )
    assert "Ignored symbols from the link: 'EU<R'." in notice.text
    wait.until(lambda b: b.execute_script("return location.search") == "?window=1h&bucket=15m")
    browser.refresh()
    window = wait.until(ec.visibility_of_element_located((By.ID, exposure_ids.WINDOW)))
    assert "Last hour" in window.text

    # Save the view by name; it is listed in Settings, where the theme turns dark.
    name = browser.find_element(By.CSS_SELECTOR, _css_id(view_id("name", exposure_ids.FILTERS)))
    name.send_keys("Last hour")
    browser.find_element(By.CSS_SELECTOR, _css_id(view_id("save", exposure_ids.FILTERS))).click()
    status = _css_id(view_id("status", exposure_ids.FILTERS))
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, status), "Saved"))
    browser.save_screenshot(str(screenshots / "exposure-url-filters.png"))

    browser.get(web_url + "/settings")
    views = wait.until(ec.visibility_of_element_located((By.ID, settings_ids.VIEWS)))
    wait.until(lambda b: "Last hour" in views.text)
    assert "/exposure?window=1h&bucket=15m" in views.text
    dark = browser.find_element(By.XPATH, f"//*[@id='{settings_ids.THEME}']//label[text()='Dark']")
    for control in (dark, browser.find_element(By.ID, settings_ids.SAVE_APPEARANCE)):
        # Below the fold of a 768 px screen; the page may still shift as its fields load.
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
        browser.execute_script("arguments[0].click()", control)
    wait.until(
        lambda b: b.execute_script("return document.documentElement.dataset.bsTheme") == "dark"
    )
    browser.get(web_url + "/")
    wait.until(
        lambda b: b.execute_script("return document.documentElement.dataset.bsTheme") == "dark"
    )
    wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{overview_ids.VOLUME} .main-svg"))
    )
    paper = f"return document.querySelector('#{overview_ids.VOLUME} .main-svg').style.background"
    wait.until(lambda b: b.execute_script(paper) == "rgb(33, 37, 41)")  # the dark template's
    browser.save_screenshot(str(screenshots / "overview-dark.png"))
    errors = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert [e for e in errors if e.get("level") == "SEVERE" and "favicon" not in e["message"]] == []
