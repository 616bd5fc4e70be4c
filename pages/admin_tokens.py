"""API tokens: issue tokens for machines (shown once), see when they were used, revoke them."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.db.models.auth import ROLES
from pages.forms import card, field, grid, page_header, role_options, status
from pages.ids import admin_tokens as ids

dash.register_page(__name__, path="/admin/tokens", name="API tokens", order=91, min_role="admin")

_DATE = {"flex": 2, "minWidth": 130}
COLUMNS = [
    {"field": "name", "headerName": "Name", "flex": 2, "minWidth": 130},
    {"field": "role", "headerName": "Role", "flex": 1, "minWidth": 90},
    {
        "field": "state",
        "headerName": "State",
        "flex": 1,
        "minWidth": 90,
        "cellClassRules": {"cell-muted": "params.value !== 'live'"},
    },
    {"field": "created", "headerName": "Created", **_DATE},
    {"field": "expires", "headerName": "Expires", **_DATE},
    {"field": "revoked", "headerName": "Revoked", **_DATE},
    {"field": "last_used", "headerName": "Last used", **_DATE},
]


def _create_form() -> dbc.Card:
    return card(
        "Issue a token",
        [
            field(
                "Name",
                dbc.Input(id=ids.NEW_NAME, type="text", placeholder="e.g. grafana-prod"),
                ids.NEW_NAME_FEEDBACK,
                hint="Says who uses it; live token names are unique.",
            ),
            field(
                "Role", dbc.Select(id=ids.NEW_ROLE, options=role_options(ROLES), value="analyst")
            ),
            field(
                "Expires after (days)",
                dbc.Input(id=ids.NEW_EXPIRES_DAYS, type="number", min=1, max=3650, value=90),
                ids.NEW_EXPIRES_DAYS_FEEDBACK,
                hint="Leave empty for a token that never expires.",
            ),
            dbc.Button("Issue token", id=ids.CREATE, color="primary", className="w-100"),
            status(ids.NEW_STATUS),
            html.Div(id=ids.ISSUED),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "API tokens",
                "Bearer tokens for the REST API. A token is shown once, when it is issued; "
                "only its SHA-256 is stored.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Tokens",
                            [grid(ids.GRID, COLUMNS, "id")],
                            footer=html.Div(
                                [
                                    html.Span(
                                        "Select a live token to revoke it.",
                                        id=ids.SELECTED,
                                        className="selected-user",
                                    ),
                                    dbc.Button(
                                        "Revoke",
                                        id=ids.REVOKE,
                                        color="danger",
                                        outline=True,
                                        disabled=True,
                                    ),
                                ],
                                className="d-flex justify-content-between align-items-center",
                            ),
                        ),
                        lg=8,
                    ),
                    dbc.Col([_create_form(), status(ids.REVOKE_STATUS)], lg=4),
                ],
                className="g-4",
            ),
        ]
    )
