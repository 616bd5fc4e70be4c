"""GET/POST /login and GET/POST /logout: plain server-rendered forms, not Dash."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, make_response, redirect, render_template_string, request
from flask import session as cookie_session
from flask_login import current_user, login_user, logout_user
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from app.audit import Actor, record
from app.auth.redirects import safe_next_path
from app.auth.users import authenticate

from . import templates
from .csrf import csrf_token, csrf_valid, rotate_csrf_token
from .principal import SessionUser, current_actor
from .state import auth_state

log = logging.getLogger(__name__)

LOGIN_CSS = "/assets/login.css"
SEEN_KEY = "_seen"
"""Session key: when the signed-in user last made a request (epoch seconds)."""
REMEMBERED_KEY = "_remembered"
"""Session key: the user asked to stay signed in; the idle timeout does not apply."""

INVALID_CREDENTIALS = "Invalid email or password."
TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes and try again."
FORM_EXPIRED = "The form expired. Please sign in again."
SERVICE_UNAVAILABLE = (
    "Sign-in is unavailable right now: the database cannot be reached. "
    "Try again in a few minutes; if you are already signed in elsewhere, that session still works."
)
DATABASE_DOWN = (OperationalError, InterfaceError)

blueprint = Blueprint("auth", __name__)


def _page(template: str, status: int = 200, **context: object) -> Response:
    html = render_template_string(template, login_css=LOGIN_CSS, **context)
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_form(
    status: int = 200, *, error: str | None = None, email: str = "", remember: bool = False
) -> Response:
    return _page(
        templates.LOGIN,
        status,
        title="Sign in",
        error=error,
        email=email,
        remember=remember,
        next_path=safe_next_path(request.values.get("next")),
        csrf_token=csrf_token(),
    )


@blueprint.get("/login")
def login_form() -> Response:
    if current_user.is_authenticated:
        return redirect(safe_next_path(request.args.get("next")))  # type: ignore[return-value]
    return _login_form()


@blueprint.post("/login")
def login() -> Response:
    if not csrf_valid():
        return _login_form(400, error=FORM_EXPIRED)
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")
    remember = request.form.get("remember") == "1"
    ip = request.remote_addr or "unknown"
    state = auth_state()

    wait = _retry_after(ip, email)
    if wait:
        log.warning("sign-in throttled for %s from %s", email, ip)
        response = _login_form(429, error=TOO_MANY_ATTEMPTS, email=email, remember=remember)
        response.headers["Retry-After"] = str(wait)
        return response

    try:
        with state.sessions.begin() as db:
            outcome = authenticate(db, email, password)
            if outcome.user is None:
                actor = Actor(email.lower() or "(blank)", "anonymous", ip)
                record(db, actor, "auth.login_failed", email.lower(), {"reason": outcome.failure})
            else:
                user = SessionUser.of(outcome.user)
                record(db, Actor(user.email, user.role, ip), "auth.login", user.email)
    except DATABASE_DOWN as error:
        # A session is only ever created from the database, never from a cached snapshot.
        log.error("sign-in of %s refused, the database is unreachable: %s", email, error.orig)
        response = _login_form(503, error=SERVICE_UNAVAILABLE, email=email, remember=remember)
        response.headers["Retry-After"] = "30"
        return response

    if outcome.user is None:
        _count_failure(ip, email)
        return _login_form(error=INVALID_CREDENTIALS, email=email, remember=remember)

    _forget_failures(email)
    cookie_session.clear()  # nothing from the anonymous session survives the sign-in
    login_user(user, remember=remember)
    cookie_session[SEEN_KEY] = int(time.time())
    cookie_session[REMEMBERED_KEY] = remember
    rotate_csrf_token()
    return redirect(safe_next_path(request.form.get("next")))  # type: ignore[return-value]


@blueprint.get("/logout")
def logout_form() -> Response:
    if not current_user.is_authenticated:
        return redirect("/login")  # type: ignore[return-value]
    return _page(
        templates.LOGOUT,
        title="Sign out",
        name=current_user.display_name,
        csrf_token=csrf_token(),
    )


@blueprint.post("/logout")
def logout() -> Response:
    if not csrf_valid():
        return redirect("/logout")  # type: ignore[return-value]
    if current_user.is_authenticated:
        actor = current_actor()
        try:
            with auth_state().sessions.begin() as db:
                record(db, actor, "auth.logout", actor.name)
        except DATABASE_DOWN as error:  # signing out must work during an outage too
            log.error("sign-out of %s not audited, the database is unreachable: %s",
                      actor.name, error.orig)  # fmt: skip
    logout_user()
    cookie_session.clear()
    return redirect("/login")  # type: ignore[return-value]


# Redis being down must not lock everyone out: the throttle then fails open (argon2's cost
# still bounds guessing) and says so in the log.
def _retry_after(ip: str, email: str) -> int:
    try:
        return auth_state().throttle.retry_after(ip, email)
    except RedisError:
        log.exception("login throttle unavailable; not limiting sign-in attempts")
        return 0


def _count_failure(ip: str, email: str) -> None:
    try:
        auth_state().throttle.record_failure(ip, email)
    except RedisError:
        log.exception("login throttle unavailable; failure not counted")


def _forget_failures(email: str) -> None:
    try:
        auth_state().throttle.forget_account(email)
    except RedisError:
        log.exception("login throttle unavailable")
