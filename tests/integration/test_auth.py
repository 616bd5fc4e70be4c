"""Sign-in, sessions, the route guard, page and callback roles, and API tokens, end to end
through the Flask test client against the real PostgreSQL and Redis."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from dash import Input, Output
from flask import Flask
from flask.testing import FlaskClient
from page_data import (
    PASSWORD,
    add_people,
    csrf_token,
    dash_app,
    forget_login_failures,
    login,
    new_client,
    signed_in,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import issue_token, revoke_tokens
from app.auth.users import find_user, update_user
from app.config import Settings
from app.db.models.audit import AuditEntry
from tradedash.auth import require_role
from tradedash.auth.views import SEEN_KEY

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")

HOME_PAGE = """
import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview", order=0)


def layout(**_query):
    return html.H1("Overview")
"""

VAULT_PAGE = """
import dash
from dash import html

dash.register_page(__name__, path="/vault", name="Vault", order=1, min_role="admin")


def layout(**_query):
    return html.Div(
        [html.H1("Vault"), html.Button("Open", id="probe-in"), html.Div(id="probe-out")]
    )
"""


@pytest.fixture(scope="module")
def server(
    base_settings: Settings, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    pages = tmp_path_factory.mktemp("auth_pages")
    (pages / "home.py").write_text(HOME_PAGE)
    (pages / "vault.py").write_text(VAULT_PAGE)
    settings = base_settings.model_copy(update={"database_url": database_url})
    with dash_app(settings, pages_folder=pages) as app:

        @app.callback(Output("probe-out", "children"), Input("probe-in", "n_clicks"))
        @require_role("admin")
        def open_vault(n_clicks: int | None) -> str:
            return f"opened {n_clicks}"

        yield app.server


@pytest.fixture
def accounts(server: Flask, committed_db: Engine) -> dict[str, str]:
    """One user per role (``<role>@desk.example``) and no login failures on record."""
    forget_login_failures(server)
    return add_people(committed_db, ("analyst", "admin"), suffix=" Person")


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _fire(client: FlaskClient, n_clicks: int = 1) -> Any:
    body = {
        "output": "probe-out.children",
        "outputs": {"id": "probe-out", "property": "children"},
        "inputs": [{"id": "probe-in", "property": "n_clicks", "value": n_clicks}],
        "changedPropIds": ["probe-in.n_clicks"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def _nav_links(client: FlaskClient) -> list[str]:
    """The hrefs of the links in the top navigation of the app's layout."""
    nav = orjson.loads(client.get("/_dash-layout").get_data())["props"]["children"][0]
    return [c["props"]["href"] for c in nav["props"]["children"] if c["type"] == "A"]


def _route(client: FlaskClient, pathname: str) -> Any:
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


# ------------------------------------------------------------------ anonymous requests


@pytest.mark.parametrize(
    ("path", "target"),
    [("/", "/login?next=/"), ("/vault?symbol=EURUSD", "/login?next=/vault?symbol%3DEURUSD")],
)
def test_anonymous_pages_redirect_to_the_login_form(server: Flask, path: str, target: str) -> None:
    response = new_client(server).get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_dash-layout"),
        ("GET", "/_dash-dependencies"),
        ("POST", "/_dash-update-component"),
        ("GET", "/_reload-hash"),
        ("GET", "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"),
        ("GET", "/assets/base.css"),
        ("GET", "/api/v1/me"),
    ],
)
def test_anonymous_machine_requests_get_a_json_401(server: Flask, method: str, path: str) -> None:
    response = new_client(server).open(path, method=method, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_the_login_form_its_stylesheet_and_health_are_public(server: Flask) -> None:
    client = new_client(server)
    form = client.get("/login")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.get_data(as_text=True)
    assert form.headers["X-Frame-Options"] == "DENY"
    with client.get("/assets/login.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert client.get("/api/v1/health").status_code in (200, 503)


def test_the_next_parameter_cannot_leave_the_site(server: Flask, accounts: dict[str, str]) -> None:
    client = new_client(server)
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    assert 'name="next" value="/"' in page
    response = login(client, accounts["analyst"], next="https://evil.example/")
    assert response.headers["Location"] == "/"


# ------------------------------------------------------------------ signing in


def test_a_wrong_password_gets_a_generic_message_and_the_sixth_failure_429(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    client = new_client(server)
    unknown = login(client, "nobody@desk.example", "whatever-password")
    assert "Invalid email or password." in unknown.get_data(as_text=True)
    for _ in range(5):
        response = login(client, accounts["analyst"], "wrong-password-123")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Invalid email or password." in page
        assert "wrong-password-123" not in page
    blocked = login(client, accounts["analyst"], "wrong-password-123")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    # Even the right password waits until the window ends.
    assert login(client, accounts["analyst"]).status_code == 429
    failures = _audit(committed_db, "auth.login_failed")
    assert sorted({row.details["reason"] for row in failures}) == [
        "bad_password",
        "unknown_account",
    ]
    assert len(failures) == 6


def test_signing_in_opens_the_dash_app(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    client = new_client(server)
    response = login(client, accounts["analyst"], next="/?symbol=EURUSD")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?symbol=EURUSD"
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in cookies and "SameSite=Lax" in cookies
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert "Analyst Person" in layout.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200
    [row] = _audit(committed_db, "auth.login")
    assert (row.actor, row.role, row.target) == (
        accounts["analyst"],
        "analyst",
        accounts["analyst"],
    )
    assert str(row.ip).startswith("10.9.")


def test_login_without_a_csrf_token_is_refused(server: Flask, accounts: dict[str, str]) -> None:
    client = new_client(server)
    form = {"email": accounts["analyst"], "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 400
    assert client.post("/login", data={**form, "csrf_token": "forged"}).status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_logout_needs_the_csrf_token_and_ends_the_session(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    client = signed_in(server, accounts["analyst"])
    assert client.post("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 200  # a forged sign-out did nothing
    token = csrf_token(client, "/logout")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401
    assert [row.actor for row in _audit(committed_db, "auth.logout")] == [accounts["analyst"]]


def test_an_idle_session_expires(server: Flask, accounts: dict[str, str]) -> None:
    client = signed_in(server, accounts["analyst"])
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 9 * 3600
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302


def test_timer_polls_do_not_keep_an_idle_session_alive(
    server: Flask, accounts: dict[str, str]
) -> None:
    client = signed_in(server, accounts["analyst"])
    two_minutes_ago = int(time.time()) - 120
    poll = {
        "output": "x.children",
        "outputs": {"id": "x", "property": "children"},
        "inputs": [],
        "changedPropIds": ["alert-bell-interval.n_intervals"],
    }
    click = {**poll, "changedPropIds": ["exposure-apply.n_clicks"]}
    with client.session_transaction() as session:
        session[SEEN_KEY] = two_minutes_ago
    client.post("/_dash-update-component", json=poll)
    with client.session_transaction() as session:
        assert session[SEEN_KEY] == two_minutes_ago  # a timer is not activity
    client.post("/_dash-update-component", json=click)
    with client.session_transaction() as session:
        assert session[SEEN_KEY] > two_minutes_ago  # a click is


def test_remember_me_survives_idleness_and_sets_a_long_cookie(
    server: Flask, accounts: dict[str, str]
) -> None:
    client = new_client(server)
    response = login(client, accounts["analyst"], remember="1")
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 9 * 3600
    assert client.get("/_dash-layout").status_code == 200


def test_a_password_change_signs_out_existing_sessions(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    client = signed_in(server, accounts["analyst"])
    with Session(committed_db) as db, db.begin():
        user = find_user(db, accounts["analyst"])
        assert user is not None
        update_user(db, SETUP, user, password="a-brand-new-password")
    assert client.get("/_dash-layout").status_code == 401


# ------------------------------------------------------------------ pages and callbacks


def test_a_page_above_the_role_is_hidden_and_answers_403(
    server: Flask, accounts: dict[str, str]
) -> None:
    analyst = signed_in(server, accounts["analyst"])
    assert _nav_links(analyst) == ["/"]
    assert analyst.get("/vault").status_code == 403
    routed = _route(analyst, "/vault")
    assert routed.status_code == 200
    assert "403" in routed.get_data(as_text=True) and "opened" not in routed.get_data(as_text=True)

    admin = signed_in(server, accounts["admin"])
    assert _nav_links(admin) == ["/", "/vault"]
    assert admin.get("/vault").status_code == 200
    assert "Vault" in _route(admin, "/vault").get_data(as_text=True)


def test_an_admin_only_callback_refuses_an_analyst(server: Flask, accounts: dict[str, str]) -> None:
    analyst = signed_in(server, accounts["analyst"])
    refused = _fire(analyst)
    assert refused.status_code == 204
    assert refused.get_data() == b""

    admin = signed_in(server, accounts["admin"])
    allowed = _fire(admin, 3)
    assert allowed.status_code == 200
    assert orjson.loads(allowed.get_data())["response"]["probe-out"]["children"] == "opened 3"


# ------------------------------------------------------------------ API tokens


@pytest.fixture
def tokens(accounts: dict[str, str], committed_db: Engine) -> dict[str, str]:
    with Session(committed_db) as db, db.begin():
        issued = {
            "analyst": issue_token(db, SETUP, name="grafana", role="analyst").secret,
            "admin": issue_token(db, SETUP, name="ops", role="admin").secret,
            "revoked": issue_token(db, SETUP, name="old", role="admin").secret,
            "expired": issue_token(
                db, SETUP, name="stale", role="admin", expires_in=dt.timedelta(seconds=-1)
            ).secret,
        }
        revoke_tokens(db, SETUP, "old")
    return issued


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("which", [None, "bad", "revoked", "expired"])
def test_the_api_refuses_missing_bad_revoked_and_expired_tokens(
    server: Flask, tokens: dict[str, str], which: str | None
) -> None:
    headers = {} if which is None else _bearer(tokens.get(which, "not-a-real-token"))
    response = new_client(server).get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_token_sees_its_identity(server: Flask, tokens: dict[str, str]) -> None:
    response = new_client(server).get("/api/v1/me", headers=_bearer(tokens["analyst"]))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["role"], body["kind"]) == ("grafana", "analyst", "token")
    assert "exports.own" in body["permissions"] and "users.manage" not in body["permissions"]


def test_admin_routes_refuse_an_analyst_token_and_never_show_hashes(
    server: Flask, tokens: dict[str, str]
) -> None:
    client = new_client(server)
    refused = client.get("/api/v1/admin/tokens", headers=_bearer(tokens["analyst"]))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    listed = client.get("/api/v1/admin/tokens", headers=_bearer(tokens["admin"]))
    assert listed.status_code == 200
    rows = {row["name"]: row for row in listed.get_json()["tokens"]}
    assert set(rows) == {"grafana", "ops", "old", "stale"}
    assert rows["old"]["active"] is False and rows["old"]["revoked_at"].endswith("Z")
    assert rows["ops"]["active"] is True and rows["ops"]["last_used_at"] is not None
    text = listed.get_data(as_text=True)
    assert "token_hash" not in text and tokens["admin"] not in text


def test_a_session_cookie_does_not_open_the_api(server: Flask, accounts: dict[str, str]) -> None:
    client = signed_in(server, accounts["admin"])
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_paths_stay_json_404s(server: Flask) -> None:
    assert new_client(server).get("/api/v1/no-such-thing").status_code == 404


def test_token_changes_are_audited(tokens: dict[str, str], committed_db: Engine) -> None:
    assert sorted(row.target or "" for row in _audit(committed_db, "token.create")) == [
        "grafana",
        "old",
        "ops",
        "stale",
    ]
    [revoked] = _audit(committed_db, "token.revoke")
    assert (revoked.target, revoked.details) == ("old", {"count": 1})
