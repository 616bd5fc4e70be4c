"""API tokens: list (never the hashes), issue (the secret shown once) and revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from app.auth.api_tokens import TokenError, issue_token, list_tokens, revoke_tokens
from app.auth.permissions import Permission
from app.db.models.auth import ROLES, ApiToken
from callbacks import local_text, transaction
from pages.ids import admin_tokens as ids
from tradedash.auth import current_actor, current_principal, require_permission

MAX_EXPIRY_DAYS = 3650


def token_state(token: ApiToken, now: dt.datetime) -> str:
    """``live``, ``revoked`` or ``expired``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "live"


def token_rows(tokens: list[ApiToken]) -> list[dict[str, Any]]:
    """The grid's rows: names, roles and dates only, never ``token_hash``."""
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "id": token.id,
            "name": token.name,
            "role": token.role,
            "state": token_state(token, now),
            "created": local_text(token.created_at),
            "expires": local_text(token.expires_at) or "never",
            "revoked": local_text(token.revoked_at),
            "last_used": local_text(token.last_used_at) or "never",
        }
        for token in tokens
    ]


def expiry_problem(days: object) -> str | None:
    """Why ``days`` is not a usable lifetime (empty means no expiry), or None."""
    if days in (None, ""):
        return None
    try:
        value = float(str(days))
    except ValueError:
        return "Enter a whole number of days."
    if not value.is_integer() or not 1 <= value <= MAX_EXPIRY_DAYS:
        return f"Enter a whole number of days from 1 to {MAX_EXPIRY_DAYS}, or leave it empty."
    return None


def issued_box(name: str, secret: str) -> dbc.Alert:
    """The new token, with a copy button: the only time anyone sees it."""
    return dbc.Alert(
        [
            html.Strong(f"Token for {name}"),
            html.P("Copy it now: it will not be shown again.", className="mb-2"),
            html.Div(
                [
                    html.Code(secret, id=ids.ISSUED_SECRET, className="token-secret"),
                    dcc.Clipboard(
                        target_id=ids.ISSUED_SECRET,
                        id=ids.ISSUED_COPY,
                        className="token-copy",
                        title="Copy to clipboard",
                    ),
                ],
                className="token-box",
            ),
        ],
        color="success",
        className="mt-3 issued-token",
    )


def issue(name: str, role: str, days: object) -> dict[str, Any]:
    """Issue a token when the form is valid; the form's outputs."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "Enter a name for the token."
    expiry = expiry_problem(days)
    if expiry:
        problems["days"] = expiry
    if role not in ROLES:
        problems["role"] = "Choose a role."
    issued = None
    if not problems:
        principal = current_principal()
        created_by = principal.id if principal and principal.kind == "user" else None
        lifetime = dt.timedelta(days=int(float(str(days)))) if days not in (None, "") else None
        try:
            with transaction() as db:
                issued = issue_token(
                    db,
                    current_actor(),
                    name=name,
                    role=role,
                    expires_in=lifetime,
                    created_by=created_by,
                )
                secret, token_name = issued.secret, issued.token.name
        except TokenError as error:
            problems["name"] = str(error)[0].upper() + str(error)[1:] + "."
    out = {
        "name_invalid": "name" in problems,
        "name_feedback": problems.get("name", ""),
        "days_invalid": "days" in problems,
        "days_feedback": problems.get("days", ""),
    }
    if problems:
        return {
            **out,
            "status": "No token was issued: correct the marked fields.",
            "status_color": "danger",
            "status_open": True,
            "issued": None,
            "changes": no_update,
            "name": no_update,
        }
    return {
        **out,
        "status": "",
        "status_color": "success",
        "status_open": False,
        "issued": issued_box(token_name, secret),
        "changes": 1,
        "name": "",
    }


def register(app: dash.Dash) -> None:
    @app.callback(Output(ids.GRID, "rowData"), Input(ids.CHANGES, "data"))
    @require_permission(Permission.MANAGE_TOKENS)
    def list_all(_changes: int) -> list[dict[str, Any]]:
        with transaction() as db:
            return token_rows(list_tokens(db))

    @app.callback(
        output={
            "name_invalid": Output(ids.NEW_NAME, "invalid"),
            "name_feedback": Output(ids.NEW_NAME_FEEDBACK, "children"),
            "days_invalid": Output(ids.NEW_EXPIRES_DAYS, "invalid"),
            "days_feedback": Output(ids.NEW_EXPIRES_DAYS_FEEDBACK, "children"),
            "status": Output(ids.NEW_STATUS, "children"),
            "status_color": Output(ids.NEW_STATUS, "color"),
            "status_open": Output(ids.NEW_STATUS, "is_open"),
            "issued": Output(ids.ISSUED, "children"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
            "name": Output(ids.NEW_NAME, "value"),
        },
        inputs={
            "_clicks": Input(ids.CREATE, "n_clicks"),
            "name": State(ids.NEW_NAME, "value"),
            "role": State(ids.NEW_ROLE, "value"),
            "days": State(ids.NEW_EXPIRES_DAYS, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_TOKENS)
    def on_issue(
        _clicks: int, name: str | None, role: str | None, days: object, changes: int | None
    ) -> dict[str, Any]:
        out = issue(name or "", role or "", days)
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out

    @app.callback(
        Output(ids.SELECTED, "children"),
        Output(ids.REVOKE, "disabled"),
        Input(ids.GRID, "selectedRows"),
        Input(ids.GRID, "rowData"),
    )
    @require_permission(Permission.MANAGE_TOKENS)
    def on_select(
        selected: list[dict[str, Any]] | None, rows: list[dict[str, Any]] | None
    ) -> tuple[str, bool]:
        wanted = selected[0]["id"] if selected else None
        row = next((row for row in rows or [] if row["id"] == wanted), None)
        if row is None:
            return "Select a live token to revoke it.", True
        if row["state"] != "live":
            return f"{row['name']} is {row['state']}.", True
        return f"{row['name']} ({row['role']}), last used {row['last_used']}", False

    @app.callback(
        Output(ids.REVOKE_STATUS, "children"),
        Output(ids.REVOKE_STATUS, "color"),
        Output(ids.REVOKE_STATUS, "is_open"),
        Output(ids.CHANGES, "data", allow_duplicate=True),
        Input(ids.REVOKE, "n_clicks"),
        State(ids.GRID, "selectedRows"),
        State(ids.CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_TOKENS)
    def on_revoke(
        _clicks: int, selected: list[dict[str, Any]] | None, changes: int | None
    ) -> tuple[Any, ...]:
        if not selected:
            raise dash.exceptions.PreventUpdate
        name = selected[0]["name"]
        with transaction() as db:
            count = revoke_tokens(db, current_actor(), name)
        if not count:
            return f"{name} was not live; nothing revoked.", "warning", True, no_update
        return f"Revoked {name}.", "success", True, (changes or 0) + 1
