"""The frame around every page: navigation (only the pages the user's role may open), the
signed-in user with a sign-out button, then the page container."""

from __future__ import annotations

import dash
from dash import dcc, html
from flask_login import current_user

from app.auth.permissions import can_view_page

from .auth.csrf import FIELD, csrf_token


def _user_menu() -> html.Div:
    if not current_user.is_authenticated:
        return html.Div()
    return html.Div(
        [
            html.Span(current_user.display_name, className="nav-user", id="nav-user"),
            html.Span(current_user.role, className="nav-role"),
            html.Form(
                [
                    dcc.Input(type="hidden", name=FIELD, value=csrf_token()),
                    html.Button(
                        "Sign out",
                        type="submit",
                        className="nav-logout",
                        style={
                            "background": "none",
                            "border": "1px solid #5b6476",
                            "borderRadius": "4px",
                            "color": "#cfd6e4",
                            "cursor": "pointer",
                            "padding": ".15rem .6rem",
                        },
                    ),
                ],
                action="/logout",
                method="POST",
                className="nav-logout-form",
                style={"margin": 0},
            ),
        ],
        className="nav-account",
        # base.css predates the account menu; these few rules keep it on the right.
        style={
            "marginLeft": "auto",
            "display": "flex",
            "gap": ".8rem",
            "alignItems": "center",
            "color": "#cfd6e4",
        },
    )


def shell() -> html.Div:
    """Top navigation built from the page registry, then the current page."""
    role = current_user.role if current_user.is_authenticated else None
    links = [
        html.A(page["name"], href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
        if can_view_page(role, page)
    ]
    return html.Div(
        [
            html.Nav(
                [html.Span("TradeDash", className="brand"), *links, _user_menu()],
                className="topnav",
            ),
            html.Main(dash.page_container, className="page"),
        ]
    )
