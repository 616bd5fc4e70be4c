"""An admin in Chromium: the navigation, adding a user through the form, the token page, the
limits page's validation and the settings page; screenshots go to ``.local/screenshots``."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from pages.ids import admin_limits as limit_ids
from pages.ids import admin_tokens as token_ids
from pages.ids import admin_users as user_ids

pytestmark = pytest.mark.browser

PASSWORD = "browser-admin-password"


@pytest.fixture
def admin(committed_db: Engine) -> str:
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email="ada@desk.example", role="admin",
            password=PASSWORD, display_name="Ada Admin",
        )  # fmt: skip
    return "ada@desk.example"


def _sign_in(browser: webdriver.Chrome, web_url: str, email: str) -> WebDriverWait:
    wait = WebDriverWait(browser, 20)
    browser.get(web_url + "/")
    wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
    return wait


def _type(browser: webdriver.Chrome, element_id: str, text: str) -> WebElement:
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)
    return field


def _click(browser: webdriver.Chrome, target: str | WebElement) -> None:
    """Click an element (or the one with this id) after scrolling it to mid-screen, clear of
    the sticky navigation bar."""
    element = browser.find_element(By.ID, target) if isinstance(target, str) else target
    script = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    browser.execute_script(script, element)
    element.click()


def test_an_admin_adds_a_user_through_the_form(
    web_url: str, browser: webdriver.Chrome, admin: str, screenshots: Path
) -> None:
    wait = _sign_in(browser, web_url, admin)
    browser.find_element(By.XPATH, "//a[contains(@class,'dropdown-toggle')][.='Admin']").click()
    wait.until(ec.element_to_be_clickable((By.LINK_TEXT, "Users & roles"))).click()
    wait.until(ec.url_to_be(web_url + "/admin/users"))
    wait.until(ec.text_to_be_present_in_element((By.ID, user_ids.GRID), admin))
    assert browser.find_element(By.ID, "nav-role").text.lower() == "admin"

    _type(browser, user_ids.NEW_EMAIL, "not-an-address")
    _type(browser, user_ids.NEW_PASSWORD, "short")
    _click(browser, user_ids.CREATE)
    feedback = wait.until(ec.visibility_of_element_located((By.ID, user_ids.NEW_EMAIL_FEEDBACK)))
    assert "e-mail address" in feedback.text
    assert "12 characters" in browser.find_element(By.ID, user_ids.NEW_PASSWORD_FEEDBACK).text
    browser.save_screenshot(str(screenshots / "admin-users-invalid.png"))

    _type(browser, user_ids.NEW_EMAIL, "nora@desk.example")
    _type(browser, user_ids.NEW_NAME, "Nora Newhire")
    Select(browser.find_element(By.ID, user_ids.NEW_ROLE)).select_by_value("compliance")
    _type(browser, user_ids.NEW_PASSWORD, "a-long-enough-password")
    _click(browser, user_ids.CREATE)
    wait.until(ec.text_to_be_present_in_element((By.ID, user_ids.NEW_STATUS), "Added nora@"))
    wait.until(ec.text_to_be_present_in_element((By.ID, user_ids.GRID), "nora@desk.example"))
    assert not browser.find_element(By.ID, user_ids.NEW_EMAIL_FEEDBACK).is_displayed()

    row = browser.find_element(By.XPATH, "//div[@role='row'][.//div[.='nora@desk.example']]")
    _click(browser, row.find_element(By.CSS_SELECTOR, "[col-id='email']"))
    wait.until(ec.text_to_be_present_in_element((By.ID, user_ids.SELECTED), "Nora Newhire"))
    assert "compliance" in row.text
    browser.save_screenshot(str(screenshots / "admin-users.png"))


def test_the_token_and_limit_pages_and_settings(
    web_url: str, browser: webdriver.Chrome, admin: str, screenshots: Path
) -> None:
    wait = _sign_in(browser, web_url, admin)
    browser.get(web_url + "/admin/tokens")
    _type(wait.until(lambda b: b.find_element(By.ID, token_ids.NEW_NAME)) and browser,
          token_ids.NEW_NAME, "grafana-prod")  # fmt: skip
    _click(browser, token_ids.CREATE)
    secret = wait.until(ec.visibility_of_element_located((By.ID, token_ids.ISSUED_SECRET)))
    assert len(secret.text) == 43
    wait.until(ec.text_to_be_present_in_element((By.ID, token_ids.GRID), "grafana-prod"))
    assert secret.text not in browser.find_element(By.ID, token_ids.GRID).text
    browser.save_screenshot(str(screenshots / "admin-tokens.png"))

    browser.get(web_url + "/admin/limits")
    wait.until(ec.visibility_of_element_located((By.ID, limit_ids.SYMBOL)))
    _type(browser, limit_ids.SYMBOL, "EURUSD")
    _type(browser, limit_ids.LIMIT, "-10")
    _click(browser, limit_ids.SAVE)
    feedback = wait.until(ec.visibility_of_element_located((By.ID, limit_ids.LIMIT_FEEDBACK)))
    assert "greater than zero" in feedback.text
    browser.save_screenshot(str(screenshots / "admin-limits-invalid.png"))
    _type(browser, limit_ids.LIMIT, "25,000,000")
    _click(browser, limit_ids.SAVE)
    wait.until(ec.text_to_be_present_in_element((By.ID, limit_ids.GRID), "25,000,000"))
    browser.save_screenshot(str(screenshots / "admin-limits.png"))

    browser.find_element(By.LINK_TEXT, "Settings").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Settings"))
    wait.until(lambda b: b.find_element(By.ID, "settings-timezone").get_attribute("value"))
    browser.save_screenshot(str(screenshots / "settings.png"))
