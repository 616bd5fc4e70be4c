"""Users & roles: who may sign in, with which role; add, change, deactivate, reset passwords."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.db.models.auth import ROLES
from pages.forms import card, field, grid, page_header, role_options, status
from pages.ids import admin_users as ids

dash.register_page(__name__, path="/admin/users", name="Users & roles", order=90, min_role="admin")

COLUMNS = [
    {"field": "email", "headerName": "E-mail", "flex": 2, "minWidth": 170},
    {"field": "display_name", "headerName": "Name", "flex": 2, "minWidth": 120},
    {"field": "role", "headerName": "Role", "flex": 1, "minWidth": 90},
    {
        "field": "status",
        "headerName": "Status",
        "flex": 1,
        "minWidth": 95,
        "cellClassRules": {"cell-muted": "params.value !== 'Active'"},
    },
    {"field": "last_login", "headerName": "Last sign-in", "flex": 2, "minWidth": 135},
    {"field": "created", "headerName": "Created", "flex": 2, "minWidth": 135},
]


def _create_form() -> dbc.Card:
    return card(
        "Add a user",
        [
            field(
                "E-mail",
                dbc.Input(id=ids.NEW_EMAIL, type="text", placeholder="name@broker.example"),
                ids.NEW_EMAIL_FEEDBACK,
            ),
            field(
                "Name",
                dbc.Input(id=ids.NEW_NAME, type="text", placeholder="As shown in the app"),
                ids.NEW_NAME_FEEDBACK,
            ),
            field(
                "Role",
                dbc.Select(id=ids.NEW_ROLE, options=role_options(ROLES), value="analyst"),
            ),
            field(
                "Initial password",
                dbc.Input(id=ids.NEW_PASSWORD, type="password", autocomplete="new-password"),
                ids.NEW_PASSWORD_FEEDBACK,
                hint=f"At least {MIN_PASSWORD_LENGTH} characters; give it to them in person.",
            ),
            dbc.Button("Add user", id=ids.CREATE, color="primary", className="w-100"),
            status(ids.NEW_STATUS),
        ],
    )


def _edit_form() -> dbc.Card:
    return card(
        "Selected user",
        [
            html.P(
                "Select a user in the table to change their role, deactivate them or "
                "reset their password.",
                id=ids.SELECTED,
                className="selected-user",
            ),
            html.Fieldset(
                [
                    dbc.Label("Role", html_for=ids.EDIT_ROLE),
                    dbc.InputGroup(
                        [
                            dbc.Select(id=ids.EDIT_ROLE, options=role_options(ROLES)),
                            dbc.Button("Change role", id=ids.CHANGE_ROLE, color="secondary"),
                        ],
                        className="mb-3",
                    ),
                    dbc.Label("New password", html_for=ids.RESET_PASSWORD),
                    dbc.InputGroup(
                        [
                            dbc.Input(
                                id=ids.RESET_PASSWORD, type="password", autocomplete="new-password"
                            ),
                            dbc.Button("Reset password", id=ids.SAVE_PASSWORD, color="secondary"),
                            dbc.FormFeedback(id=ids.RESET_PASSWORD_FEEDBACK, type="invalid"),
                        ],
                        className="mb-3 has-validation",
                    ),
                    dbc.Button("Deactivate", id=ids.TOGGLE_ACTIVE, color="danger", outline=True),
                ],
                id=ids.EDIT_PANEL,
                disabled=True,
            ),
            status(ids.EDIT_STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Users & roles",
                "Who may sign in and what they may do. Every change is in the audit trail.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            card("Users", [grid(ids.GRID, COLUMNS, "email")]),
                            _edit_form(),
                        ],
                        lg=8,
                    ),
                    dbc.Col(_create_form(), lg=4),
                ],
                className="g-4",
            ),
        ]
    )
