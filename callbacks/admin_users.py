"""Users & roles: list, add, change role, deactivate/reactivate and reset passwords.

Every write goes through ``app.auth.users`` (which audits it) and every callback is for
admins only: hiding the page is a convenience, the decorator is the protection.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx, no_update
from sqlalchemy import select

from app.auth.passwords import password_problem
from app.auth.permissions import Permission
from app.auth.users import UserError, create_user, find_user, normalise_email, update_user
from app.db.models.auth import ROLES, User
from app.user_settings import display_name_problem
from callbacks import keep_signed_in, local_text, signed_in_user, transaction
from pages.ids import admin_users as ids
from tradedash.auth import current_actor, require_permission

NO_USER_SELECTED = (
    "Select a user in the table to change their role, deactivate them or reset their password."
)


def user_rows(users: list[User]) -> list[dict[str, Any]]:
    """The grid's rows: never the password hash."""
    return [
        {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "status": "Active" if user.active else "Deactivated",
            "last_login": local_text(user.last_login_at) or "never",
            "created": local_text(user.created_at),
        }
        for user in users
    ]


def sentence(message: str) -> str:
    """A message from ``app/`` as the page shows it: capitalised, with a full stop."""
    message = message[0].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def new_user_problems(email: str, name: str, password: str) -> dict[str, str]:
    """Field → message for the "Add a user" form (the e-mail's uniqueness is checked later)."""
    problems: dict[str, str] = {}
    try:
        normalise_email(email)
    except UserError:
        problems["email"] = "Enter an e-mail address, like name@broker.example."
    if name.strip():
        name_problem = display_name_problem(name)
        if name_problem:
            problems["name"] = name_problem
    policy = password_problem(password)
    if policy:
        problems["password"] = sentence(policy)
    return problems


def _alert(message: str, color: str) -> dict[str, Any]:
    return {"status": message, "status_color": color, "status_open": True}


def _field_outputs(problems: dict[str, str]) -> dict[str, Any]:
    return {
        "email_invalid": "email" in problems,
        "email_feedback": problems.get("email", ""),
        "name_invalid": "name" in problems,
        "name_feedback": problems.get("name", ""),
        "password_invalid": "password" in problems,
        "password_feedback": problems.get("password", ""),
    }


def add_user(email: str, name: str, role: str, password: str) -> dict[str, Any]:
    """Create the user if the form is valid; the outputs of the "Add a user" form."""
    problems = new_user_problems(email, name, password)
    if role not in ROLES:
        problems["role"] = "Choose a role."
    if not problems:
        with transaction() as db:
            if find_user(db, email) is not None:
                problems["email"] = "A user with this e-mail address already exists."
            else:
                user = create_user(
                    db,
                    current_actor(),
                    email=email,
                    role=role,
                    password=password,
                    display_name=name.strip() or None,
                )
                added = user.email
    out = _field_outputs(problems)
    if problems:
        return {
            **out,
            **_alert("Nothing was saved: correct the marked fields.", "danger"),
            "changes": no_update,
            "email": no_update,
            "name": no_update,
            "password": no_update,
        }
    return {
        **out,
        **_alert(f"Added {added} as {role}.", "success"),
        "changes": 1,
        "email": "",
        "name": "",
        "password": "",
    }


def change_user(target_email: str, action: str, role: str | None, password: str) -> dict[str, Any]:
    """Apply one of the "Selected user" actions; the form's outputs."""
    out: dict[str, Any] = {"password_invalid": False, "password_feedback": "", "password": ""}
    refresh: User | None = None
    with transaction() as db:
        me = signed_in_user(db)
        user = find_user(db, target_email)
        if user is None:
            return {**out, **_alert(f"No user {target_email}.", "danger"), "changes": no_update}
        if action == ids.SAVE_PASSWORD:
            problem = password_problem(password or "")
            if problem:
                return {
                    **out,
                    "password_invalid": True,
                    "password_feedback": sentence(problem),
                    "password": no_update,
                    "changes": no_update,
                    **_alert("The password was not changed.", "danger"),
                }
            update_user(db, current_actor(), user, password=password)
            refresh = user if user.id == me.id else None
            message = f"Password of {user.email} reset; their other sessions are signed out."
        elif user.id == me.id:
            return {
                **out,
                **_alert(
                    "You cannot change your own role or deactivate yourself; ask another admin.",
                    "warning",
                ),
                "changes": no_update,
            }
        elif action == ids.CHANGE_ROLE:
            if role not in ROLES:
                return {**out, **_alert("Choose a role.", "danger"), "changes": no_update}
            update_user(db, current_actor(), user, role=role)
            message = f"{user.email} is now {role}."
        else:
            update_user(db, current_actor(), user, active=not user.active)
            message = f"{user.email} {'reactivated' if user.active else 'deactivated'}."
    if refresh is not None:  # an admin reset their own password: keep this session
        keep_signed_in(refresh)
    return {**out, **_alert(message, "success"), "changes": 1}


def register(app: dash.Dash) -> None:
    @app.callback(Output(ids.GRID, "rowData"), Input(ids.CHANGES, "data"))
    @require_permission(Permission.MANAGE_USERS)
    def list_users(_changes: int) -> list[dict[str, Any]]:
        with transaction() as db:
            return user_rows(list(db.scalars(select(User).order_by(User.email))))

    @app.callback(
        output={
            "email_invalid": Output(ids.NEW_EMAIL, "invalid"),
            "email_feedback": Output(ids.NEW_EMAIL_FEEDBACK, "children"),
            "name_invalid": Output(ids.NEW_NAME, "invalid"),
            "name_feedback": Output(ids.NEW_NAME_FEEDBACK, "children"),
            "password_invalid": Output(ids.NEW_PASSWORD, "invalid"),
            "password_feedback": Output(ids.NEW_PASSWORD_FEEDBACK, "children"),
            "status": Output(ids.NEW_STATUS, "children"),
            "status_color": Output(ids.NEW_STATUS, "color"),
            "status_open": Output(ids.NEW_STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
            "email": Output(ids.NEW_EMAIL, "value"),
            "name": Output(ids.NEW_NAME, "value"),
            "password": Output(ids.NEW_PASSWORD, "value"),
        },
        inputs={
            "_clicks": Input(ids.CREATE, "n_clicks"),
            "email": State(ids.NEW_EMAIL, "value"),
            "name": State(ids.NEW_NAME, "value"),
            "role": State(ids.NEW_ROLE, "value"),
            "password": State(ids.NEW_PASSWORD, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_USERS)
    def on_create(
        _clicks: int,
        email: str | None,
        name: str | None,
        role: str | None,
        password: str | None,
        changes: int | None,
    ) -> dict[str, Any]:
        out = add_user(email or "", name or "", role or "", password or "")
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out

    @app.callback(
        Output(ids.SELECTED, "children"),
        Output(ids.EDIT_ROLE, "value"),
        Output(ids.TOGGLE_ACTIVE, "children"),
        Output(ids.EDIT_PANEL, "disabled"),
        Input(ids.GRID, "selectedRows"),
        Input(ids.GRID, "rowData"),
    )
    @require_permission(Permission.MANAGE_USERS)
    def on_select(
        selected: list[dict[str, Any]] | None, rows: list[dict[str, Any]] | None
    ) -> tuple[Any, ...]:
        # The selection survives a reload of the grid; show the reloaded row, not the old one.
        email = selected[0]["email"] if selected else None
        row = next((row for row in rows or [] if row["email"] == email), None)
        if row is None:
            return NO_USER_SELECTED, None, "Deactivate", True
        toggle = "Deactivate" if row["status"] == "Active" else "Reactivate"
        who = f"{row['display_name']} · {row['email']} · {row['status'].lower()}"
        return who, row["role"], toggle, False

    @app.callback(
        output={
            "password_invalid": Output(ids.RESET_PASSWORD, "invalid"),
            "password_feedback": Output(ids.RESET_PASSWORD_FEEDBACK, "children"),
            "password": Output(ids.RESET_PASSWORD, "value"),
            "status": Output(ids.EDIT_STATUS, "children"),
            "status_color": Output(ids.EDIT_STATUS, "color"),
            "status_open": Output(ids.EDIT_STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
        },
        inputs={
            "_role_clicks": Input(ids.CHANGE_ROLE, "n_clicks"),
            "_active_clicks": Input(ids.TOGGLE_ACTIVE, "n_clicks"),
            "_password_clicks": Input(ids.SAVE_PASSWORD, "n_clicks"),
            "rows": State(ids.GRID, "selectedRows"),
            "role": State(ids.EDIT_ROLE, "value"),
            "password": State(ids.RESET_PASSWORD, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_USERS)
    def on_edit(
        _role_clicks: int | None,
        _active_clicks: int | None,
        _password_clicks: int | None,
        rows: list[dict[str, Any]] | None,
        role: str | None,
        password: str | None,
        changes: int | None,
    ) -> dict[str, Any]:
        if not rows or not isinstance(ctx.triggered_id, str):
            raise dash.exceptions.PreventUpdate
        out = change_user(rows[0]["email"], ctx.triggered_id, role, password or "")
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out
