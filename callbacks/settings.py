"""Settings: load and save the signed-in user's preferences, change their own password."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html

from app.user_settings import (
    Preferences,
    change_own_password,
    password_change_problems,
    preference_problems,
    save_preferences,
    timezone_names,
)
from callbacks import keep_signed_in, signed_in_user, transaction
from pages.ids import settings as ids
from tradedash.auth import current_actor, require_role

_PREFERENCE_FIELDS = ("display_name", "timezone", "reporting_currency")
_PASSWORD_FIELDS = ("current", "new", "confirm")


def _marks(fields: tuple[str, ...], problems: dict[str, str]) -> list[Any]:
    return [*(name in problems for name in fields), *(problems.get(name, "") for name in fields)]


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.DISPLAY_NAME, "value"),
        Output(ids.TIMEZONE, "value"),
        Output(ids.CURRENCY, "value"),
        Output(ids.TIMEZONE_OPTIONS, "children"),
        Input(ids.SAVE_PREFERENCES, "id"),
    )
    @require_role("analyst")
    def load(_page: str) -> tuple[Any, ...]:
        with transaction() as db:
            user = signed_in_user(db)
            values = (user.display_name, user.timezone, user.reporting_currency)
        return *values, [html.Option(value=name) for name in timezone_names()]

    @app.callback(
        Output(ids.DISPLAY_NAME, "invalid"),
        Output(ids.TIMEZONE, "invalid"),
        Output(ids.CURRENCY, "invalid"),
        Output(ids.DISPLAY_NAME_FEEDBACK, "children"),
        Output(ids.TIMEZONE_FEEDBACK, "children"),
        Output(ids.CURRENCY_FEEDBACK, "children"),
        Output(ids.PREFERENCES_STATUS, "children"),
        Output(ids.PREFERENCES_STATUS, "color"),
        Output(ids.PREFERENCES_STATUS, "is_open"),
        Input(ids.SAVE_PREFERENCES, "n_clicks"),
        State(ids.DISPLAY_NAME, "value"),
        State(ids.TIMEZONE, "value"),
        State(ids.CURRENCY, "value"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_save(
        _clicks: int, name: str | None, timezone: str | None, currency: str | None
    ) -> tuple[Any, ...]:
        preferences = Preferences(name or "", (timezone or "").strip(), currency or "")
        problems = preference_problems(preferences)
        if problems:
            return *_marks(_PREFERENCE_FIELDS, problems), "Nothing was saved.", "danger", True
        with transaction() as db:
            save_preferences(db, current_actor(), signed_in_user(db), preferences)
        saved = "Saved. Reload a page to see it in your new timezone and currency."
        return *_marks(_PREFERENCE_FIELDS, {}), saved, "success", True

    @app.callback(
        Output(ids.CURRENT_PASSWORD, "invalid"),
        Output(ids.NEW_PASSWORD, "invalid"),
        Output(ids.CONFIRM_PASSWORD, "invalid"),
        Output(ids.CURRENT_PASSWORD_FEEDBACK, "children"),
        Output(ids.NEW_PASSWORD_FEEDBACK, "children"),
        Output(ids.CONFIRM_PASSWORD_FEEDBACK, "children"),
        Output(ids.PASSWORD_STATUS, "children"),
        Output(ids.PASSWORD_STATUS, "color"),
        Output(ids.PASSWORD_STATUS, "is_open"),
        Output(ids.CURRENT_PASSWORD, "value"),
        Output(ids.NEW_PASSWORD, "value"),
        Output(ids.CONFIRM_PASSWORD, "value"),
        Input(ids.CHANGE_PASSWORD, "n_clicks"),
        State(ids.CURRENT_PASSWORD, "value"),
        State(ids.NEW_PASSWORD, "value"),
        State(ids.CONFIRM_PASSWORD, "value"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_change_password(
        _clicks: int, current: str | None, new: str | None, confirm: str | None
    ) -> tuple[Any, ...]:
        current, new, confirm = current or "", new or "", confirm or ""
        with transaction() as db:
            user = signed_in_user(db)
            problems = password_change_problems(user, current, new, confirm)
            if not problems:
                change_own_password(db, current_actor(), user, current, new, confirm)
        if problems:
            failed = ("Your password was not changed.", "danger", True)
            return *_marks(_PASSWORD_FIELDS, problems), *failed, "", "", ""
        # After the commit: the session must carry the new password's fingerprint.
        keep_signed_in(user)
        changed = ("Password changed; your other sessions are signed out.", "success", True)
        return *_marks(_PASSWORD_FIELDS, {}), *changed, "", "", ""
