"""The admin pages (users, API tokens, exposure limits), the settings page and the navigation,
driven through the Flask test client with the same ``/_dash-update-component`` requests the
browser sends, against the real PostgreSQL and Redis."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import page_data
import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import verify_token
from app.auth.users import find_user
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.auth import ApiToken, User
from app.db.models.limits import ExposureLimit
from pages.ids import admin_limits as limit_ids
from pages.ids import admin_tokens as token_ids
from pages.ids import admin_users as user_ids
from pages.ids import settings as settings_ids

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")
# Other page tests import these names from here.
PASSWORD = page_data.PASSWORD
_clear_pages = page_data.clear_pages
_signed_in = page_data.signed_in
_fire = page_data.fire_input
_updates = page_data.updates
_client = page_data.new_client
_login = page_data.login


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    """The real app: the project's pages folder and callbacks."""
    with page_data.dash_app(base_settings.model_copy(update={"database_url": database_url})) as app:
        yield app.server


@pytest.fixture
def accounts(server: Flask, committed_db: Engine) -> dict[str, str]:
    """One user per role (``<role>@desk.example``) and no login failures on record."""
    page_data.forget_login_failures(server)
    return page_data.add_people(committed_db, ("analyst", "admin"), suffix=" Person")


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _user_count(engine: Engine) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(User)) or 0


# ------------------------------------------------------------------ navigation and pages


def test_the_navigation_shows_admin_pages_to_admins_only(
    server: Flask, accounts: dict[str, str]
) -> None:
    def layout(email: str) -> str:
        # Dash escapes "/" in its JSON; read it back to search the plain text.
        raw = _signed_in(server, email).get("/_dash-layout").get_data()
        return orjson.dumps(orjson.loads(raw)).decode()

    analyst, admin = layout(accounts["analyst"]), layout(accounts["admin"])
    for path in ("/admin/users", "/admin/tokens", "/admin/limits"):
        assert path not in analyst
        assert path in admin
    assert '"/settings"' in analyst and "Analyst Person" in analyst
    assert "cdn" not in admin.lower()


def test_an_analyst_gets_403_for_the_admin_pages_and_their_css_is_local(
    server: Flask, accounts: dict[str, str]
) -> None:
    analyst = _signed_in(server, accounts["analyst"])
    page_data.assert_forbidden(analyst, "/admin/users")
    assert analyst.get("/settings").status_code == 200
    index = analyst.get("/").get_data(as_text=True)
    assert "/assets/vendor/bootstrap.min.css" in index
    with analyst.get("/assets/vendor/bootstrap.min.css") as css:
        assert css.status_code == 200
        assert b"Bootstrap" in css.get_data()[:200]
    assert not re.search(r"https?://[^\"']*(cdn|jsdelivr|unpkg)", index)


# ------------------------------------------------------------------ users


def _new_user(email: str, password: str = "a-long-enough-password") -> dict[str, Any]:
    return {
        f"{user_ids.CREATE}.n_clicks": 1,
        f"{user_ids.NEW_EMAIL}.value": email,
        f"{user_ids.NEW_NAME}.value": "Nora Newhire",
        f"{user_ids.NEW_ROLE}.value": "manager",
        f"{user_ids.NEW_PASSWORD}.value": password,
        f"{user_ids.CHANGES}.data": 0,
    }


def test_an_admin_creates_a_user_who_can_then_sign_in(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = _signed_in(server, accounts["admin"])
    created = _updates(_fire(admin, f"{user_ids.CREATE}.n_clicks", _new_user("Nora@Desk.example")))
    assert created[f"{user_ids.NEW_STATUS}.color"] == "success"
    assert created[f"{user_ids.NEW_EMAIL}.invalid"] is False
    assert created[f"{user_ids.CHANGES}.data"] == 1

    rows = _updates(_fire(admin, f"{user_ids.CHANGES}.data", {f"{user_ids.CHANGES}.data": 1}))
    grid = rows[f"{user_ids.GRID}.rowData"]
    nora = next(row for row in grid if row["email"] == "nora@desk.example")
    assert (nora["role"], nora["status"], nora["last_login"]) == ("manager", "Active", "never")
    assert "argon2" not in orjson.dumps(grid).decode()

    assert _login(_client(server), "nora@desk.example", "a-long-enough-password").status_code == 302
    [audit] = [row for row in _audit(committed_db, "user.create") if row.actor != SETUP.name]
    assert (audit.actor, audit.target) == (accounts["admin"], "nora@desk.example")


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("not-an-address", "a-long-enough-password", user_ids.NEW_EMAIL, "e-mail address"),
        ("admin@desk.example", "a-long-enough-password", user_ids.NEW_EMAIL, "already exists"),
        ("ok@desk.example", "short", user_ids.NEW_PASSWORD, "at least 12 characters"),
    ],
)
def test_an_invalid_new_user_is_explained_next_to_the_field_and_not_created(
    server: Flask,
    accounts: dict[str, str],
    committed_db: Engine,
    email: str,
    password: str,
    field: str,
    message: str,
) -> None:
    before = _user_count(committed_db)
    admin = _signed_in(server, accounts["admin"])
    answer = _updates(_fire(admin, f"{user_ids.CREATE}.n_clicks", _new_user(email, password)))
    assert answer[f"{field}.invalid"] is True
    assert message in answer[f"{field}-feedback.children"]
    assert answer[f"{user_ids.NEW_STATUS}.color"] == "danger"
    assert f"{user_ids.CHANGES}.data" not in answer
    assert _user_count(committed_db) == before


def test_an_analyst_posting_the_create_user_callback_gets_nothing(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    before = _user_count(committed_db)
    analyst = _signed_in(server, accounts["analyst"])
    refused = _fire(analyst, f"{user_ids.CREATE}.n_clicks", _new_user("sneaky@desk.example"))
    assert refused.status_code == 204 and refused.get_data() == b""
    listed = _fire(analyst, f"{user_ids.CHANGES}.data", {f"{user_ids.CHANGES}.data": 0})
    assert listed.status_code == 204
    assert _user_count(committed_db) == before


def _edit(email: str, trigger: str, **values: Any) -> dict[str, Any]:
    return {
        f"{trigger}.n_clicks": 1,
        f"{user_ids.GRID}.selectedRows": [{"email": email}],
        f"{user_ids.EDIT_ROLE}.value": values.get("role"),
        f"{user_ids.RESET_PASSWORD}.value": values.get("password"),
        f"{user_ids.CHANGES}.data": 3,
    }


def test_an_admin_changes_roles_deactivates_and_resets_but_not_for_themselves(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = _signed_in(server, accounts["admin"])
    analyst_session = _signed_in(server, accounts["analyst"])
    target = accounts["analyst"]

    def act(email: str, trigger: str, **values: Any) -> dict[str, Any]:
        return _updates(_fire(admin, f"{trigger}.n_clicks", _edit(email, trigger, **values)))

    promoted = act(target, user_ids.CHANGE_ROLE, role="compliance")
    assert promoted[f"{user_ids.EDIT_STATUS}.color"] == "success"
    assert promoted[f"{user_ids.CHANGES}.data"] == 4
    short = act(target, user_ids.SAVE_PASSWORD, password="short")
    assert short[f"{user_ids.RESET_PASSWORD}.invalid"] is True
    reset = act(target, user_ids.SAVE_PASSWORD, password="another-long-password")
    assert reset[f"{user_ids.EDIT_STATUS}.color"] == "success"
    assert analyst_session.get("/_dash-layout").status_code == 401  # signed out by the reset
    act(target, user_ids.TOGGLE_ACTIVE)

    refused = act(accounts["admin"], user_ids.TOGGLE_ACTIVE)
    assert refused[f"{user_ids.EDIT_STATUS}.color"] == "warning"
    assert "yourself" in refused[f"{user_ids.EDIT_STATUS}.children"]
    with Session(committed_db) as db:
        me, them = find_user(db, accounts["admin"]), find_user(db, target)
        assert me is not None and them is not None
        assert (me.active, me.role) == (True, "admin")
        assert (them.active, them.role) == (False, "compliance")
    changes = [row.details for row in _audit(committed_db, "user.update")]
    assert changes == [{"role": "compliance"}, {"password": "changed"}, {"active": False}]
    assert (
        _login(_client(server), target, "another-long-password").status_code == 200
    )  # deactivated


# ------------------------------------------------------------------ API tokens


def test_a_new_token_is_shown_once_and_never_listed(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = _signed_in(server, accounts["admin"])
    values = {
        f"{token_ids.CREATE}.n_clicks": 1,
        f"{token_ids.NEW_NAME}.value": "grafana-prod",
        f"{token_ids.NEW_ROLE}.value": "analyst",
        f"{token_ids.NEW_EXPIRES_DAYS}.value": 30,
        f"{token_ids.CHANGES}.data": 0,
    }
    issued = _updates(_fire(admin, f"{token_ids.CREATE}.n_clicks", values))
    box = orjson.dumps(issued[f"{token_ids.ISSUED}.children"]).decode()
    secret = re.search(r'"children":"([A-Za-z0-9_-]{43})"', box)
    assert secret, box
    with Session(committed_db) as db:
        token = verify_token(db, secret.group(1))
        assert token is not None and token.role == "analyst" and token.expires_at is not None
        stored_hash = token.token_hash
        creator = find_user(db, accounts["admin"])
        assert creator is not None and token.created_by == creator.id

    listed = _fire(admin, f"{token_ids.CHANGES}.data", {f"{token_ids.CHANGES}.data": 1})
    text = listed.get_data(as_text=True)
    assert "grafana-prod" in text
    assert secret.group(1) not in text and stored_hash not in text

    again = _updates(_fire(admin, f"{token_ids.CREATE}.n_clicks", values))
    assert again[f"{token_ids.NEW_NAME}.invalid"] is True
    assert "already exists" in again[f"{token_ids.NEW_NAME_FEEDBACK}.children"]
    assert again[f"{token_ids.ISSUED}.children"] is None

    revoke = {
        f"{token_ids.REVOKE}.n_clicks": 1,
        f"{token_ids.GRID}.selectedRows": [{"name": "grafana-prod"}],
        f"{token_ids.CHANGES}.data": 1,
    }
    revoked = _updates(_fire(admin, f"{token_ids.REVOKE}.n_clicks", revoke))
    assert revoked[f"{token_ids.REVOKE_STATUS}.color"] == "success"
    with Session(committed_db) as db:
        assert db.scalar(select(ApiToken.revoked_at)) is not None


@pytest.mark.parametrize("days", ["0", "4000", "1.5", "soon"])
def test_a_token_expiry_must_be_whole_days(
    server: Flask, accounts: dict[str, str], committed_db: Engine, days: str
) -> None:
    admin = _signed_in(server, accounts["admin"])
    values = {
        f"{token_ids.NEW_NAME}.value": "ci",
        f"{token_ids.NEW_ROLE}.value": "analyst",
        f"{token_ids.NEW_EXPIRES_DAYS}.value": days,
    }
    answer = _updates(_fire(admin, f"{token_ids.CREATE}.n_clicks", values))
    assert answer[f"{token_ids.NEW_EXPIRES_DAYS}.invalid"] is True
    assert "whole number of days" in answer[f"{token_ids.NEW_EXPIRES_DAYS_FEEDBACK}.children"]
    with Session(committed_db) as db:
        assert db.scalar(select(func.count()).select_from(ApiToken)) == 0


# ------------------------------------------------------------------ exposure limits


def _limit(symbol: str, limit: object) -> dict[str, Any]:
    return {
        f"{limit_ids.SAVE}.n_clicks": 1,
        f"{limit_ids.SYMBOL}.value": symbol,
        f"{limit_ids.LIMIT}.value": limit,
        f"{limit_ids.CHANGES}.data": 0,
    }


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("", "Enter the limit"),
        ("lots", "Enter a number"),
        ("-5", "greater than zero"),
        ("0", "greater than zero"),
        ("2e12", "at most 1,000,000,000,000"),
        ("NaN", "Enter a number"),
    ],
)
def test_an_invalid_limit_is_explained_next_to_the_field(
    server: Flask, accounts: dict[str, str], committed_db: Engine, limit: str, message: str
) -> None:
    admin = _signed_in(server, accounts["admin"])
    answer = _updates(_fire(admin, f"{limit_ids.SAVE}.n_clicks", _limit("EURUSD", limit)))
    assert answer[f"{limit_ids.LIMIT}.invalid"] is True
    assert message in answer[f"{limit_ids.LIMIT_FEEDBACK}.children"]
    assert answer[f"{limit_ids.SYMBOL}.invalid"] is False
    with Session(committed_db) as db:
        assert db.scalar(select(func.count()).select_from(ExposureLimit)) == 0


def test_an_admin_sets_a_limit_which_is_listed_and_audited(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = _signed_in(server, accounts["admin"])
    saved = _updates(_fire(admin, f"{limit_ids.SAVE}.n_clicks", _limit(" eurusd ", "2,500,000")))
    assert saved[f"{limit_ids.STATUS}.color"] == "success"
    raised = _updates(_fire(admin, f"{limit_ids.SAVE}.n_clicks", _limit("EURUSD", 3e6)))
    assert "3,000,000.00" in raised[f"{limit_ids.STATUS}.children"]

    rows = _updates(_fire(admin, f"{limit_ids.CHANGES}.data", {f"{limit_ids.CHANGES}.data": 2}))
    [row] = rows[f"{limit_ids.GRID}.rowData"]
    assert (row["symbol"], row["limit_usd"], row["updated_by"]) == (
        "EURUSD",
        3e6,
        accounts["admin"],
    )
    with Session(committed_db) as db:
        limit = db.get(ExposureLimit, "EURUSD")
        assert limit is not None and limit.limit_usd == Decimal("3000000")
    audits = [(row.target, row.details) for row in _audit(committed_db, "limit.set")]
    assert audits == [
        ("EURUSD", {"limit_usd": "2500000.00", "previous_usd": None}),
        ("EURUSD", {"limit_usd": "3000000.00", "previous_usd": "2500000.00000000"}),
    ]

    analyst = _signed_in(server, accounts["analyst"])
    assert _fire(analyst, f"{limit_ids.SAVE}.n_clicks", _limit("GBPUSD", "1")).status_code == 204


# ------------------------------------------------------------------ settings


def test_settings_validate_and_save_the_users_own_preferences(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    analyst = _signed_in(server, accounts["analyst"])
    values = {
        f"{settings_ids.DISPLAY_NAME}.value": "  ",
        f"{settings_ids.TIMEZONE}.value": "Mars/Olympus_Mons",
        f"{settings_ids.CURRENCY}.value": "XAU",
    }
    trigger = f"{settings_ids.SAVE_PREFERENCES}.n_clicks"
    refused = _updates(_fire(analyst, trigger, values))
    for control in (settings_ids.DISPLAY_NAME, settings_ids.TIMEZONE, settings_ids.CURRENCY):
        assert refused[f"{control}.invalid"] is True
        assert refused[f"{control}-feedback.children"]

    values |= {
        f"{settings_ids.DISPLAY_NAME}.value": "Dana Desk",
        f"{settings_ids.TIMEZONE}.value": "Asia/Tokyo",
        f"{settings_ids.CURRENCY}.value": "JPY",
    }
    saved = _updates(_fire(analyst, trigger, values))
    assert saved[f"{settings_ids.PREFERENCES_STATUS}.color"] == "success"
    with Session(committed_db) as db:
        user = find_user(db, accounts["analyst"])
        assert user is not None
        assert (user.display_name, user.timezone, user.reporting_currency) == (
            "Dana Desk",
            "Asia/Tokyo",
            "JPY",
        )
    [audit] = _audit(committed_db, "user.settings")
    assert audit.details == {"timezone": "Asia/Tokyo", "reporting_currency": "JPY"}
    loaded = _updates(_fire(analyst, f"{settings_ids.SAVE_PREFERENCES}.id", {}))
    assert loaded[f"{settings_ids.TIMEZONE}.value"] == "Asia/Tokyo"


def test_changing_ones_own_password_needs_the_current_one_and_keeps_the_session(
    server: Flask, accounts: dict[str, str]
) -> None:
    analyst = _signed_in(server, accounts["analyst"])
    other_session = _signed_in(server, accounts["analyst"])
    trigger = f"{settings_ids.CHANGE_PASSWORD}.n_clicks"

    def change(current: str, new: str, confirm: str) -> dict[str, Any]:
        values = {
            f"{settings_ids.CURRENT_PASSWORD}.value": current,
            f"{settings_ids.NEW_PASSWORD}.value": new,
            f"{settings_ids.CONFIRM_PASSWORD}.value": confirm,
        }
        return _updates(_fire(analyst, trigger, values))

    wrong = change("not-my-password", "a-new-long-password", "a-new-long-passwor")
    assert wrong[f"{settings_ids.CURRENT_PASSWORD}.invalid"] is True
    assert wrong[f"{settings_ids.CONFIRM_PASSWORD}.invalid"] is True
    assert wrong[f"{settings_ids.NEW_PASSWORD}.invalid"] is False

    done = change(PASSWORD, "a-new-long-password", "a-new-long-password")
    assert done[f"{settings_ids.PASSWORD_STATUS}.color"] == "success"
    assert analyst.get("/_dash-layout").status_code == 200
    assert other_session.get("/_dash-layout").status_code == 401
    assert _login(_client(server), accounts["analyst"], "a-new-long-password").status_code == 302
