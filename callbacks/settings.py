"""Settings: load and save the signed-in user's preferences and look, list and delete their
saved views, change their own password; apply the theme to every page."""

from __future__ import annotations

import dataclasses
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html
from flask import session

from app.user_settings import (
    Preferences,
    change_own_password,
    delete_view,
    overview_cards_problem,
    password_change_problems,
    preference_problems,
    save_preferences,
    save_ui_preferences,
    saved_views,
    timezone_names,
    ui_preferences,
)
from callbacks import keep_signed_in, signed_in_user, transaction
from pages.ids import settings as ids
from tradedash.auth import current_actor, require_role
from tradedash.preferences import THEME_KEY, THEME_STORE

_PREFERENCE_FIELDS = ("display_name", "timezone", "reporting_currency")
_PASSWORD_FIELDS = ("current", "new", "confirm")


def _marks(fields: tuple[str, ...], problems: dict[str, str]) -> list[Any]:
    return [*(name in problems for name in fields), *(problems.get(name, "") for name in fields)]


def view_list(views: list[tuple[int, str, str]]) -> list[Any]:
    """One line per saved view: its name as a link to it, its URL, a delete button."""
    if not views:
        return [html.P("No saved views yet.", className="text-muted mb-2")]
    return [
        html.Div(
            [
                html.A(name, href=url, className="saved-view-name"),
                html.Code(url, className="saved-view-url"),
                dbc.Button(
                    "Delete",
                    id={"type": ids.DELETE_VIEW, "view": view_id},
                    size="sm",
                    color="danger",
                    outline=True,
                ),
            ],
            className="saved-view",
        )
        for view_id, name, url in views
    ]


def _views_of(db: Any, user_id: int) -> list[tuple[int, str, str]]:
    return [(view.id, view.name, view.url) for view in saved_views(db, user_id)]


def register(app: dash.Dash) -> None:
    _register_look(app)

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


def _register_look(app: dash.Dash) -> None:
    app.clientside_callback(
        """function(theme) {
            document.documentElement.setAttribute("data-bs-theme", theme || "light");
            return window.dash_clientside.no_update;
        }""",
        Output(THEME_STORE, "id"),
        Input(THEME_STORE, "data"),
    )

    @app.callback(
        Output(ids.THEME, "value"),
        Output(ids.CARDS, "value"),
        Output(ids.DEFAULT_FILTERS, "children"),
        Output(ids.VIEWS, "children"),
        Input(ids.SAVE_APPEARANCE, "id"),
    )
    @require_role("analyst")
    def load_look(_page: str) -> tuple[Any, ...]:
        with transaction() as db:
            user = signed_in_user(db)
            look = ui_preferences(user)
            views = _views_of(db, user.id)
        filters = look.default_filters or "none"
        return look.theme, list(look.overview_cards), filters, view_list(views)

    @app.callback(
        Output(ids.CARDS, "invalid"),
        Output(ids.CARDS_FEEDBACK, "children"),
        Output(ids.APPEARANCE_STATUS, "children"),
        Output(ids.APPEARANCE_STATUS, "color"),
        Output(ids.APPEARANCE_STATUS, "is_open"),
        Output(ids.DEFAULT_FILTERS, "children", allow_duplicate=True),
        Output(THEME_STORE, "data"),
        Input(ids.SAVE_APPEARANCE, "n_clicks"),
        Input(ids.CLEAR_DEFAULT_FILTERS, "n_clicks"),
        State(ids.THEME, "value"),
        State(ids.CARDS, "value"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_save_look(
        _save: int | None, _clear: int | None, theme: str | None, cards: list[str] | None
    ) -> tuple[Any, ...]:
        problem = overview_cards_problem(list(cards or []))
        clearing = ctx.triggered_id == ids.CLEAR_DEFAULT_FILTERS
        if problem and not clearing:
            no = dash.no_update
            return True, problem, "Nothing was saved.", "danger", True, no, no
        with transaction() as db:
            user = signed_in_user(db)
            look = ui_preferences(user)
            if clearing:
                look = dataclasses.replace(look, default_filters="")
            else:
                look = dataclasses.replace(
                    look, theme=theme or "light", overview_cards=tuple(cards or ())
                )
            save_ui_preferences(db, current_actor(), user, look)
        session[THEME_KEY] = look.theme
        message = "Default filters cleared." if clearing else "Saved."
        filters = look.default_filters or "none"
        return False, "", message, "success", True, filters, look.theme

    @app.callback(
        Output(ids.VIEWS, "children", allow_duplicate=True),
        Output(ids.VIEWS_STATUS, "children"),
        Output(ids.VIEWS_STATUS, "is_open"),
        Input({"type": ids.DELETE_VIEW, "view": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_delete_view(clicks: list[int | None]) -> tuple[Any, ...]:
        target = ctx.triggered_id
        if not isinstance(target, dict) or not any(clicks):
            raise dash.exceptions.PreventUpdate
        with transaction() as db:
            user = signed_in_user(db)
            deleted = delete_view(db, current_actor(), user, int(target["view"]))
            views = _views_of(db, user.id)
        message = "View deleted." if deleted else "That view no longer exists."
        return view_list(views), message, True
