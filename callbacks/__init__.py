"""Dash callbacks, one module per page: they turn inputs into calls to ``app/`` and results
into component properties.

A module defines ``register(app)`` and adds its callbacks with ``@app.callback`` there, so
that every Dash app the factory builds gets them (tests build several in one process; Dash's
global ``@callback`` list is handed to the first app only). Each callback that reveals or
changes something role-restricted carries ``@require_role`` / ``@require_permission`` under
the callback decorator.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager

import dash
from dash import Output
from flask import session as cookie_session
from flask_login import current_user, login_user
from sqlalchemy.orm import Session

from app.db.models.auth import User
from app.formatting import local_time
from tradedash.auth.principal import SessionUser
from tradedash.auth.state import auth_state
from tradedash.auth.views import REMEMBERED_KEY
from tradedash.preferences import current_timezone


def register_callbacks(app: dash.Dash) -> None:
    """Add every callback module's callbacks to ``app``."""
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


def status_outputs(status_id: str, *, allow_duplicate: bool = False) -> tuple[Output, ...]:
    """The ``children``, ``color`` and ``is_open`` outputs of a status alert
    (``pages.forms.status``), in that order."""
    return tuple(
        Output(status_id, prop, allow_duplicate=allow_duplicate)
        for prop in ("children", "color", "is_open")
    )


@contextmanager
def transaction() -> Iterator[Session]:
    """A database session in a transaction, committed when the block ends without error."""
    with auth_state().sessions.begin() as session:
        yield session


def signed_in_user(session: Session) -> User:
    """The ``users`` row of the person making this request."""
    user = session.get(User, current_user.user_id)
    if user is None:  # deleted under a live session: nothing sensible to do
        raise dash.exceptions.PreventUpdate
    return user


def keep_signed_in(user: User) -> None:
    """Re-issue this session after ``user`` changed their own password.

    The session carries a fingerprint of the password hash, so without this the change would
    sign out the person who made it along with every other session of theirs.
    """
    login_user(SessionUser.of(user), remember=bool(cookie_session.get(REMEMBERED_KEY)))


def local_text(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp as the tables show it: in the signed-in user's timezone with the zone's
    abbreviation (``2026-11-24 19:30 JST``), or an empty cell."""
    return local_time(value, current_timezone(), fmt) if value else ""


def utc_text(value: dt.datetime | None) -> str:
    """A timestamp as the tables show it: ``2026-11-24 10:30`` in UTC, or an empty cell."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if value else ""
