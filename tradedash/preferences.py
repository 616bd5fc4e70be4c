"""The signed-in user's display preferences for the current request (read once per request).

The theme is also kept in the session cookie (``THEME_KEY``) so that the figure restyling hook
(``tradedash.web``) needs no database read per callback.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.db.models.auth import User
from app.user_settings import UiPreferences, saved_views, ui_preferences

from .auth.state import auth_state

THEME_KEY = "td_theme"
THEME_STORE = "td-theme"
"""Id of the shell's store holding the user's theme (applied to ``<html data-bs-theme>``)."""


@dataclass(frozen=True)
class Viewer:
    """How the person making this request wants things shown."""

    preferences: UiPreferences
    timezone: str = "UTC"
    currency: str = "USD"
    user_id: int | None = None


def current_viewer() -> Viewer:
    """The signed-in user's preferences (defaults when anonymous or the database is down)."""
    if not has_request_context():
        return Viewer(UiPreferences())
    cached: Viewer | None = g.get("td_viewer")
    if cached is not None:
        return cached
    viewer = Viewer(UiPreferences())
    if current_user.is_authenticated:
        try:
            with auth_state().sessions() as db:
                user = db.get(User, current_user.user_id)
                if user is not None:
                    viewer = Viewer(
                        ui_preferences(user), user.timezone, user.reporting_currency, user.id
                    )
        except SQLAlchemyError:
            pass  # the pages still render, in the default look
    if session.get(THEME_KEY) != viewer.preferences.theme:
        session[THEME_KEY] = viewer.preferences.theme
    g.td_viewer = viewer
    return viewer


def current_preferences() -> UiPreferences:
    """The signed-in user's theme, default filters and overview cards."""
    return current_viewer().preferences


def current_timezone() -> str:
    """The signed-in user's IANA timezone (UTC by default)."""
    return current_viewer().timezone


def current_saved_views() -> list[tuple[str, str]]:
    """(name, url) of the signed-in user's saved views; empty when none or unavailable."""
    viewer = current_viewer()
    if viewer.user_id is None:
        return []
    try:
        with auth_state().sessions() as db:
            return [(view.name, view.url) for view in saved_views(db, viewer.user_id)]
    except SQLAlchemyError:
        return []


def session_theme() -> str:
    """The theme remembered in the session cookie (light until a page was loaded)."""
    theme = session.get(THEME_KEY)
    return theme if theme in ("light", "dark") else "light"
