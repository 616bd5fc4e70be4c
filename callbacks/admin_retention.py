"""Retention policies page: list (``app.compliance.retention.policies``) and change one
(``set_policy``, which validates and audits)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, no_update

from app.compliance.retention import (
    DATA_CLASSES,
    RetentionError,
    parse_keep_days,
    policies,
    set_policy,
)
from app.db.models.auth import User
from callbacks import local_text, signed_in_user, transaction
from pages.ids import admin_retention as ids
from tradedash.auth import current_actor, require_role


def policy_rows() -> list[dict[str, Any]]:
    """The grid's rows, in the order of the data classes."""
    with transaction() as db:
        rows = []
        for policy in policies(db):
            user = db.get(User, policy.updated_by) if policy.updated_by else None
            data_class = DATA_CLASSES[policy.data_class]
            rows.append(
                {
                    "data_class": policy.data_class,
                    "label": data_class.label,
                    "keep_days": policy.keep_days,
                    "minimum_days": data_class.minimum_days,
                    "updated_at": local_text(policy.updated_at),
                    "updated_by": user.email if user else "",
                }
            )
    return rows


def save(data_class: str, keep_days: object) -> dict[str, Any]:
    """Store the policy when the form is valid; the form's outputs."""
    problems: dict[str, str] = {}
    if data_class not in DATA_CLASSES:
        problems["class"] = "choose a data class"
    else:
        try:
            parse_keep_days(data_class, keep_days)
        except RetentionError as error:
            problems["days"] = str(error)
    out = {
        "class_invalid": "class" in problems,
        "class_feedback": problems.get("class", ""),
        "days_invalid": "days" in problems,
        "days_feedback": problems.get("days", ""),
    }
    if problems:
        return {**out, "status": "Nothing was saved: correct the marked fields.",
                "color": "danger", "open": True, "changes": no_update}  # fmt: skip
    with transaction() as db:
        saved = set_policy(
            db, current_actor(), data_class, keep_days, updated_by=signed_in_user(db).id
        )
        message = f"{DATA_CLASSES[data_class].label}: kept {saved.keep_days:,} days."
    return {**out, "status": message, "color": "success", "open": True, "changes": 1}


def register(app: dash.Dash) -> None:
    @app.callback(Output(ids.GRID, "rowData"), Input(ids.CHANGES, "data"))
    @require_role("admin")
    def list_policies(_changes: int) -> list[dict[str, Any]]:
        return policy_rows()

    @app.callback(
        Output(ids.DATA_CLASS, "value"),
        Output(ids.KEEP_DAYS, "value"),
        Input(ids.GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def on_select(selected: list[dict[str, Any]] | None) -> tuple[str, str]:
        if not selected:
            raise dash.exceptions.PreventUpdate
        return selected[0]["data_class"], str(selected[0]["keep_days"])

    @app.callback(
        output={
            "class_invalid": Output(ids.DATA_CLASS, "invalid"),
            "class_feedback": Output(ids.DATA_CLASS_FEEDBACK, "children"),
            "days_invalid": Output(ids.KEEP_DAYS, "invalid"),
            "days_feedback": Output(ids.KEEP_DAYS_FEEDBACK, "children"),
            "status": Output(ids.STATUS, "children"),
            "color": Output(ids.STATUS, "color"),
            "open": Output(ids.STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
        },
        inputs={
            "_clicks": Input(ids.SAVE, "n_clicks"),
            "data_class": State(ids.DATA_CLASS, "value"),
            "keep_days": State(ids.KEEP_DAYS, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_role("admin")
    def on_save(
        _clicks: int, data_class: str | None, keep_days: object, changes: int | None
    ) -> dict[str, Any]:
        out = save(data_class or "", keep_days)
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out
