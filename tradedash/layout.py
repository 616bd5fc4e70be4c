"""The frame around every page: a dark top bar with the pages the user's role may open,
grouped (Analytics, Compliance, Alerts, Reports & exports, Admin), the alert bell
(``pages/alert_bell.py``), the signed-in user with their role, Settings and sign-out, then the
page container.

The navigation is built from ``dash.page_registry`` on every page load, so a page appears only
once it exists and only for roles that may open it. A page chooses its group with
``dash.register_page(..., nav_group="Compliance")``; without one it is placed by its
file name (``pages/admin_*.py`` → Admin, ``pages/alert*.py`` → Alerts, …) or, failing that, by its
``min_role``. ``nav_group="account"`` puts a page in the user's corner instead (Settings).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from app.auth.permissions import can_view_page, page_min_role
from pages.alert_bell import alert_bell

from .auth.csrf import FIELD, csrf_token
from .preferences import THEME_STORE, current_preferences

NAV_GROUPS = ("Analytics", "Compliance", "Alerts", "Reports & exports", "Admin")
"""The groups of the navigation, left to right."""

ACCOUNT_GROUP = "account"
"""The ``nav_group`` of pages linked from the user's corner rather than the bar."""

_GROUP_OF_MODULE = (
    ("admin", "Admin"),
    ("settings", ACCOUNT_GROUP),
    ("compliance", "Compliance"),
    ("audit", "Compliance"),
    ("best_execution", "Compliance"),
    ("alert", "Alerts"),
    ("report", "Reports & exports"),
    ("export", "Reports & exports"),
)
"""Module name prefixes (the file name in ``pages/``) and their group."""
_GROUP_OF_ROLE = {"admin": "Admin", "compliance": "Compliance"}


def nav_group(page: Mapping[str, Any]) -> str:
    """The navigation group of a page registry entry."""
    declared = page.get("nav_group")
    if declared:
        return str(declared)
    # Dash names page modules after their path on disk; the file name is what counts.
    module = str(page.get("module", "")).rsplit(".", 1)[-1]
    for prefix, group in _GROUP_OF_MODULE:
        if module.startswith(prefix):
            return group
    return _GROUP_OF_ROLE.get(page_min_role(page), "Analytics")


def visible_pages(role: str | None) -> dict[str, list[dict[str, Any]]]:
    """Group → the pages ``role`` may open, in each page's ``order`` then by name."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for page in dash.page_registry.values():
        if can_view_page(role, page):
            groups.setdefault(nav_group(page), []).append(page)
    for pages in groups.values():
        pages.sort(key=_page_order)
    return groups


def _page_order(page: Mapping[str, Any]) -> tuple[float, str]:
    order = page.get("order")
    return (order if isinstance(order, int | float) else math.inf, str(page.get("name", "")))


def _group_links(group: str, pages: list[dict[str, Any]]) -> Any:
    # data-paths lets assets/nav.js mark the group of the page on screen.
    marker: dict[str, Any] = {"data-paths": " ".join(page["relative_path"] for page in pages)}
    if len(pages) == 1:
        # A group of one is a plain link: no menu to open for a single choice.
        [page] = pages
        return html.A(page["name"], href=page["relative_path"], className="nav-link", **marker)
    return html.Div(
        dbc.DropdownMenu(
            [dbc.DropdownMenuItem(page["name"], href=page["relative_path"]) for page in pages],
            label=group,
            nav=True,
            in_navbar=True,
            toggleClassName="nav-link",
        ),
        className="nav-group",
        **marker,
    )


def _user_corner(account_pages: list[dict[str, Any]]) -> html.Div:
    if not current_user.is_authenticated:
        return html.Div()
    links = [
        html.A(page["name"], href=page["relative_path"], className="nav-account-link")
        for page in account_pages
    ]
    return html.Div(
        [
            alert_bell(),
            html.Div(
                [
                    html.Span(current_user.display_name, className="nav-user", id="nav-user"),
                    html.Span(current_user.role, className="nav-role", id="nav-role"),
                ],
                className="nav-identity",
                title=current_user.email,
            ),
            *links,
            html.Form(
                [
                    dcc.Input(type="hidden", name=FIELD, value=csrf_token()),
                    html.Button("Sign out", type="submit", className="nav-logout"),
                ],
                action="/logout",
                method="POST",
                className="nav-logout-form",
            ),
        ],
        className="nav-account",
    )


def _nav_toggler() -> html.Button:
    # Shown on a phone only (assets/base.css), where the links fold away; assets/nav.js opens
    # and closes them.
    aria: dict[str, Any] = {
        "aria-label": "Menu",
        "aria-controls": "topnav",
        "aria-expanded": "false",
    }
    return html.Button(
        html.Span(className="nav-toggler-bars"),
        id="nav-toggler",
        className="nav-toggler",
        title="Menu",
        **aria,
    )


def shell() -> html.Div:
    """The top bar built from the page registry (filtered by role), then the current page."""
    role = current_user.role if current_user.is_authenticated else None
    groups = visible_pages(role)
    links = [_group_links(group, groups[group]) for group in NAV_GROUPS if group in groups]
    extra = sorted(set(groups) - {*NAV_GROUPS, ACCOUNT_GROUP})
    links += [_group_links(group, groups[group]) for group in extra]
    brand = dcc.Link(
        [html.Span("TD", className="brand-mark"), html.Span("TradeDash", className="brand-name")],
        href="/",
        className="brand",
    )
    return html.Div(
        [
            html.Nav(
                [brand, _nav_toggler(), *links, _user_corner(groups.get(ACCOUNT_GROUP, []))],
                className="topnav",
                id="topnav",
            ),
            html.Main(dash.page_container, className="page"),
            # The user's light/dark choice; callbacks/settings.py applies it to <html>.
            dcc.Store(id=THEME_STORE, data=current_preferences().theme),
        ],
        className="app-shell",
    )
