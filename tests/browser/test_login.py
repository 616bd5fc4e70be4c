"""Signing in through the real form in Chromium lands on the Overview with the user's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-password"


@pytest.fixture
def analyst(committed_db: Engine) -> str:
    with Session(committed_db) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email="dana@desk.example", role="analyst",
            password=PASSWORD, display_name="Dana Trader",
        )  # fmt: skip
    return "dana@desk.example"


def test_signing_in_shows_the_overview_and_the_user(
    web_url: str, browser: webdriver.Chrome, analyst: str, screenshots: Path
) -> None:
    wait = WebDriverWait(browser, 20)
    browser.get(web_url + "/")
    wait.until(ec.url_contains("/login?next="))
    email = wait.until(ec.visibility_of_element_located((By.ID, "email")))
    browser.save_screenshot(str(screenshots / "login-form.png"))

    email.send_keys(analyst)
    browser.find_element(By.ID, "password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(ec.visibility_of_element_located((By.CLASS_NAME, "login-error")))
    assert error.text == "Invalid email or password."

    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    user = wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
    assert user.text == "Dana Trader"
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Overview"))
    # The filter bar writes its state into the query string (?window=24h): the path is "/".
    assert browser.current_url.split("?")[0] == web_url + "/"
    browser.save_screenshot(str(screenshots / "login.png"))

    browser.find_element(By.CLASS_NAME, "nav-logout").click()
    wait.until(ec.url_contains("/login"))
    browser.get(web_url + "/")
    wait.until(ec.url_contains("/login?next="))
