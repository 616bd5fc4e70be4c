"""An admin in Chromium creates a threshold rule through the Alerts page's form, sees it in the
rules table, and sees the bell and a toast when the engine raises an alert; screenshots in
``.local/screenshots/alerts-*.png``."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.alerts.definitions import parse_rule
from app.alerts.engine import evaluate_all
from app.alerts.store import create_rule
from app.audit import Actor
from app.auth.users import create_user
from pages.ids import alert_bell as bell_ids
from pages.ids import alerts as ids

pytestmark = pytest.mark.browser

PASSWORD = "browser-alerts-password"


@pytest.fixture
def admin(committed_db: Engine) -> str:
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email="ola@desk.example", role="admin",
            password=PASSWORD, display_name="Ola Admin",
        )  # fmt: skip
    return "ola@desk.example"


def _type(browser: webdriver.Chrome, element_id: str, text: str) -> None:
    field = browser.find_element(By.ID, element_id)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", field
    )
    field.clear()
    field.send_keys(text)


def _click(browser: webdriver.Chrome, element_id: str) -> None:
    element = browser.find_element(By.ID, element_id)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def test_an_admin_creates_a_threshold_rule_and_the_bell_rings(
    web_url: str,
    browser: webdriver.Chrome,
    admin: str,
    committed_db: Engine,
    screenshots: Path,
) -> None:
    wait = WebDriverWait(browser, 20)
    browser.set_window_size(1400, 1000)
    browser.get(web_url + "/alerts")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(admin)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, ids.FIELD["name"])))
    assert not browser.find_element(By.ID, bell_ids.BELL_COUNT).is_displayed()

    # An invalid threshold first: the messages appear under the fields concerned.
    _type(browser, ids.FIELD["spec.window_s"], "5")
    _click(browser, ids.SAVE)
    name_feedback = wait.until(ec.visibility_of_element_located((By.ID, ids.FEEDBACK["name"])))
    assert name_feedback.text == "is required"
    assert "between 10 and 86400" in browser.find_element(By.ID, ids.FEEDBACK["spec.window_s"]).text
    browser.save_screenshot(str(screenshots / "alerts-form-invalid.png"))

    _type(browser, ids.FIELD["name"], "LP reject rate above 12%")
    Select(browser.find_element(By.ID, ids.FIELD["scope"])).select_by_value("lp")
    Select(browser.find_element(By.ID, ids.FIELD["spec.metric"])).select_by_value("reject_rate")
    _type(browser, ids.FIELD["spec.value"], "12")
    _type(browser, ids.FIELD["spec.recovery_value"], "10")
    _type(browser, ids.FIELD["spec.window_s"], "300")
    _type(browser, ids.FIELD["pending_s"], "30")
    Select(browser.find_element(By.ID, ids.FIELD["severity"])).select_by_value("critical")
    _type(browser, ids.FIELD["labels"], "team=dealing")
    _click(browser, ids.SAVE)
    wait.until(ec.text_to_be_present_in_element((By.ID, ids.FORM_STATUS), "version 1"))
    wait.until(ec.text_to_be_present_in_element((By.ID, ids.RULE_GRID), "LP reject rate above 12%"))
    assert not browser.find_element(By.ID, ids.FEEDBACK["name"]).is_displayed()
    browser.save_screenshot(str(screenshots / "alerts-rule-saved.png"))

    # The engine raises an alert (a rule that always holds, one evaluation pass): the bell
    # shows it and a toast pops up on the open page.
    with Session(committed_db) as db, db.begin():
        create_rule(
            db,
            Actor("test-setup", "system"),
            parse_rule({"name": "Always true", "type": "expression", "severity": "critical",
                        "spec": {"expression": "1 > 0"}}),
        )  # fmt: skip
    with Session(committed_db) as db, db.begin():
        stats = evaluate_all(db, dt.datetime.now(dt.UTC))
    raised = time.monotonic()
    assert [change.to_state for change in stats.changes] == ["firing"]
    watch = WebDriverWait(browser, 10, poll_frequency=0.05)
    toast = watch.until(ec.visibility_of_element_located((By.ID, bell_ids.TOAST)))
    shown_after = time.monotonic() - raised
    assert browser.find_element(By.ID, bell_ids.BELL_COUNT).text == "1"
    assert "Always true" in toast.text
    assert shown_after < 2.5, f"the toast took {shown_after:.2f} s"
    print(f"toast shown {shown_after:.2f} s after the engine's commit")
    wait.until(ec.text_to_be_present_in_element((By.ID, ids.ALERT_GRID), "Always true"))
    browser.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    browser.save_screenshot(str(screenshots / "alerts-bell.png"))


def test_an_admin_creates_a_completeness_rule(
    web_url: str,
    browser: webdriver.Chrome,
    admin: str,
    screenshots: Path,
) -> None:
    wait = WebDriverWait(browser, 20)
    browser.set_window_size(1400, 1000)
    browser.get(web_url + "/alerts")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(admin)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, ids.FIELD["name"])))

    # The type brings its own inputs and scope: one instance per check.
    Select(browser.find_element(By.ID, ids.FIELD["type"])).select_by_value("completeness")
    wait.until(ec.visibility_of_element_located((By.ID, ids.WRAP["spec.checks"])))
    scope = Select(browser.find_element(By.ID, ids.FIELD["scope"]))
    wait.until(lambda _: scope.first_selected_option.get_attribute("value") == "check")
    assert not browser.find_element(By.ID, ids.WRAP["spec.metric"]).is_displayed()

    _type(browser, ids.FIELD["name"], "Orders without executions")
    _type(browser, ids.FIELD["spec.wait_s"], "0")
    _click(browser, ids.SAVE)
    wait_feedback = wait.until(
        ec.visibility_of_element_located((By.ID, ids.FEEDBACK["spec.wait_s"]))
    )
    assert wait_feedback.text == "must be between 1 and 86400"

    _type(browser, ids.FIELD["spec.wait_s"], "30")
    _type(browser, ids.FIELD["spec.min_count"], "2")
    _click(browser, ids.PREVIEW)  # no orders stored: nothing to find
    wait.until(
        ec.text_to_be_present_in_element(
            (By.ID, ids.PREVIEW_RESULT), "Would have fired 0 times in the last 7 days."
        )
    )
    _click(browser, ids.SAVE)
    wait.until(ec.text_to_be_present_in_element((By.ID, ids.FORM_STATUS), "version 1"))
    wait.until(ec.text_to_be_present_in_element((By.ID, ids.RULE_GRID), "completeness"))
    browser.save_screenshot(str(screenshots / "alerts-completeness-rule.png"))
