"""Settings: the signed-in user's own name, timezone, reporting currency, look (theme, overview
cards, default filters), saved views and password."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.user_settings import OVERVIEW_CARD_TITLES, REPORTING_CURRENCIES
from pages.forms import card, field, page_header, status
from pages.ids import settings as ids

dash.register_page(__name__, path="/settings", name="Settings", order=100, nav_group="account")


def _preferences() -> dbc.Card:
    return card(
        "Profile",
        [
            field(
                "Display name",
                dbc.Input(id=ids.DISPLAY_NAME, type="text", maxlength=80),
                ids.DISPLAY_NAME_FEEDBACK,
            ),
            field(
                "Timezone",
                dbc.Input(
                    id=ids.TIMEZONE,
                    type="text",
                    list=ids.TIMEZONE_OPTIONS,
                    autocomplete="off",
                    placeholder="Europe/London",
                ),
                ids.TIMEZONE_FEEDBACK,
                hint="An IANA name; times on every page are shown in it.",
            ),
            html.Datalist(id=ids.TIMEZONE_OPTIONS),
            field(
                "Reporting currency",
                dbc.Select(
                    id=ids.CURRENCY,
                    options=[{"label": code, "value": code} for code in REPORTING_CURRENCIES],
                ),
                ids.CURRENCY_FEEDBACK,
                hint="Money on the analytics pages and in reports is converted to it.",
            ),
            dbc.Button("Save profile", id=ids.SAVE_PREFERENCES, color="primary"),
            status(ids.PREFERENCES_STATUS),
        ],
    )


def _password() -> dbc.Card:
    def secret(control_id: str, autocomplete: str) -> dbc.Input:
        return dbc.Input(id=control_id, type="password", autocomplete=autocomplete)

    return card(
        "Password",
        [
            field(
                "Current password",
                secret(ids.CURRENT_PASSWORD, "current-password"),
                ids.CURRENT_PASSWORD_FEEDBACK,
            ),
            field(
                "New password",
                secret(ids.NEW_PASSWORD, "new-password"),
                ids.NEW_PASSWORD_FEEDBACK,
                hint=f"At least {MIN_PASSWORD_LENGTH} characters. Your other sessions are "
                "signed out.",
            ),
            field(
                "New password again",
                secret(ids.CONFIRM_PASSWORD, "new-password"),
                ids.CONFIRM_PASSWORD_FEEDBACK,
            ),
            dbc.Button("Change password", id=ids.CHANGE_PASSWORD, color="secondary"),
            status(ids.PASSWORD_STATUS),
        ],
    )


def _appearance() -> dbc.Card:
    return card(
        "Look",
        [
            field(
                "Theme",
                dbc.RadioItems(
                    id=ids.THEME,
                    options=[
                        {"label": "Light", "value": "light"},
                        {"label": "Dark", "value": "dark"},
                    ],
                    inline=True,
                ),
                hint="Pages and charts follow it.",
            ),
            field(
                "Overview cards",
                dcc.Dropdown(
                    id=ids.CARDS,
                    options=[
                        {"label": title, "value": name}
                        for name, title in OVERVIEW_CARD_TITLES.items()
                    ],
                    multi=True,
                ),
                ids.CARDS_FEEDBACK,
                hint="The overview shows these cards in the order you pick them.",
            ),
            html.Div(
                [
                    dbc.Label("Default filters"),
                    html.Div(
                        [
                            html.Code(id=ids.DEFAULT_FILTERS, className="me-2"),
                            dbc.Button(
                                "Clear",
                                id=ids.CLEAR_DEFAULT_FILTERS,
                                size="sm",
                                color="secondary",
                                outline=True,
                            ),
                        ],
                        className="d-flex align-items-center",
                    ),
                    dbc.FormText(
                        "Set with “Make default” in a page's filter bar; used when a link "
                        "sets no filter."
                    ),
                ],
                className="mb-3",
            ),
            dbc.Button("Save look", id=ids.SAVE_APPEARANCE, color="primary"),
            status(ids.APPEARANCE_STATUS),
        ],
    )


def _views() -> dbc.Card:
    return card(
        "Saved views",
        [
            html.Div(id=ids.VIEWS),
            dbc.FormText(
                "Save a view from a page's filter bar. Its link opens the same page and "
                "filters for anyone signed in: copy it to share the view."
            ),
            status(ids.VIEWS_STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header("Settings", "How the app shows things to you, and your password."),
            dbc.Row(
                [dbc.Col(_preferences(), lg=6), dbc.Col(_password(), lg=6)],
                className="g-4",
            ),
            dbc.Row(
                [dbc.Col(_appearance(), lg=6), dbc.Col(_views(), lg=6)],
                className="g-4",
            ),
        ],
        className="settings-page",
    )
