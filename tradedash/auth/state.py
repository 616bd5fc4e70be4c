"""What the sign-in machinery needs per server, kept in ``server.extensions``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from app.auth.login_throttle import LoginThrottle
from app.auth.session_snapshots import UserSnapshots

EXTENSION_KEY = "tradedash_auth"


@dataclass(frozen=True)
class AuthOptions:
    """Session and throttling policy (defaults suit a trading desk's working day)."""

    idle_timeout: dt.timedelta = dt.timedelta(hours=8)
    remember_for: dt.timedelta = dt.timedelta(days=14)
    failures_per_account: int = 5
    failures_per_ip: int = 20
    failure_window: dt.timedelta = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class AuthState:
    options: AuthOptions
    sessions: sessionmaker[Session]
    throttle: LoginThrottle
    snapshots: UserSnapshots
    """Short-lived copies of signed-in users, used only while the database is unreachable."""


def auth_state(app: Flask | None = None) -> AuthState:
    """The state ``install_auth`` stored on ``app`` (default: the current app)."""
    target = app or current_app
    state: AuthState = target.extensions[EXTENSION_KEY]
    return state
