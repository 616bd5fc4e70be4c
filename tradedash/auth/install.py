"""``install_auth(server, settings)``: sign-in, sessions and the route guard on a Flask server."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from typing import Any

from flask import Flask, session
from flask_login import LoginManager, user_loaded_from_cookie
from sqlalchemy.exc import InterfaceError, OperationalError

from app.auth.login_throttle import LoginThrottle, ThrottlePolicy
from app.auth.session_snapshots import UserSnapshot, UserSnapshots
from app.config import Settings
from app.db.engine import make_session_factory
from app.db.models.auth import User

from .api_routes import build_auth_api
from .guard import mark_forbidden_page, require_sign_in, security_headers
from .principal import SessionUser, fingerprint
from .state import EXTENSION_KEY, AuthOptions, AuthState, auth_state
from .views import REMEMBERED_KEY, SEEN_KEY, blueprint

log = logging.getLogger(__name__)


def options_from(settings: Settings) -> AuthOptions:
    """The default policy, with ``session_idle_timeout`` and ``session_remember_for`` taken
    from ``settings`` once it defines them (``TRADEDASH_SESSION_IDLE_TIMEOUT=PT8H``)."""
    options = AuthOptions()
    idle = getattr(settings, "session_idle_timeout", None)
    if isinstance(idle, dt.timedelta):
        options = replace(options, idle_timeout=idle)
    remember = getattr(settings, "session_remember_for", None)
    if isinstance(remember, dt.timedelta):
        options = replace(options, remember_for=remember)
    return options


def install_auth(server: Flask, settings: Settings, options: AuthOptions | None = None) -> None:
    """Add the login/logout pages, flask-login, the auth API routes and the guard to ``server``.

    Call after the resources (``server.extensions["tradedash"]``) exist and before Dash is
    attached, so that the guard runs ahead of Dash's own ``before_request`` hooks.
    """
    options = options or options_from(settings)
    production = settings.env == "production"
    server.config.update(
        REMEMBER_COOKIE_DURATION=options.remember_for,
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    resources = server.extensions["tradedash"]
    policy = ThrottlePolicy(
        per_account=options.failures_per_account,
        per_ip=options.failures_per_ip,
        window_s=int(options.failure_window.total_seconds()),
    )
    state = AuthState(
        options=options,
        sessions=make_session_factory(resources.engine),
        throttle=LoginThrottle(resources.redis, policy),
        snapshots=UserSnapshots(resources.redis),
    )
    server.extensions[EXTENSION_KEY] = state

    manager = LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(lambda user_id: _load_user(auth_state(), user_id))
    manager.init_app(server)
    user_loaded_from_cookie.connect(_restored_from_cookie, server)

    server.register_blueprint(blueprint)
    server.register_blueprint(build_auth_api())
    server.before_request(require_sign_in)
    server.after_request(mark_forbidden_page)
    server.after_request(security_headers)


def _load_user(state: AuthState, session_id: str) -> SessionUser | None:
    """The session's user from the database; from the user's Redis snapshot only while the
    database cannot be reached, and only for a session signed in before (never to restore one
    from the "remember me" cookie, which has no ``SEEN_KEY`` yet)."""
    user_id, _, expected = session_id.partition(":")
    if not user_id.isdigit():
        return None
    try:
        with state.sessions() as db:
            user = db.get(User, int(user_id))
            if user is None or not user.active or fingerprint(user) != expected:
                state.snapshots.forget(int(user_id), expected)
                return None
            loaded = SessionUser.of(user)
    except (OperationalError, InterfaceError) as error:
        if not isinstance(session.get(SEEN_KEY), int):
            return None
        log.warning("database unreachable, session of user %s from its snapshot: %s",
                    user_id, error.orig)  # fmt: skip
        return _from_snapshot(state, int(user_id), expected)
    state.snapshots.keep(_snapshot_of(loaded))
    return loaded


def _snapshot_of(user: SessionUser) -> UserSnapshot:
    return UserSnapshot(
        user.user_id, user.email, user.display_name, user.role, True, user.fingerprint, time.time()
    )


def _from_snapshot(state: AuthState, user_id: int, expected: str) -> SessionUser | None:
    snapshot = state.snapshots.trusted(user_id, expected, time.time())
    if snapshot is None:
        return None
    return SessionUser(
        snapshot.user_id, snapshot.email, snapshot.display_name, snapshot.role,
        snapshot.fingerprint,
    )  # fmt: skip


def _restored_from_cookie(_sender: Any, **_extra: Any) -> None:
    # Signed back in by the "remember me" cookie: that choice exempts from the idle timeout.
    session[REMEMBERED_KEY] = True
    session[SEEN_KEY] = int(time.time())
