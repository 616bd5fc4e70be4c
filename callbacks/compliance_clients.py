"""Client data page: subject access JSON (``app.compliance.subject_access``) and erasure with
a confirmation (``app.compliance.erasure``); both audited by the functions they call."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx, no_update
from dash.dcc.express import send_bytes

from app.auth.permissions import Permission
from app.compliance.erasure import erase
from app.compliance.identities import ClientNotFoundError, find_identity
from app.compliance.subject_access import export
from callbacks import transaction
from pages.ids import compliance_clients as ids
from tradedash.auth import current_actor, require_permission


def subject_access(client: str) -> dict[str, Any]:
    """The download, or the reason there is none."""
    try:
        with transaction() as db:
            content = export(db, current_actor(), client)
            pseudonym = find_identity(db, client).pseudonym
    except ClientNotFoundError as error:
        return {"download": no_update, "invalid": True, "feedback": str(error)}
    return {
        "download": send_bytes(content, f"subject_access_{pseudonym}.json"),
        "invalid": False,
        "feedback": "",
    }


def erase_client(client: str) -> tuple[str, str]:
    """Erase and say what happened (message, colour)."""
    try:
        with transaction() as db:
            done = erase(db, current_actor(), client)
    except ClientNotFoundError as error:
        return str(error), "danger"
    return (
        f"Identity erased: pseudonym {done.pseudonym} is no longer linked to a client id.",
        "success",
    )


def register(app: dash.Dash) -> None:
    @app.callback(
        output={
            "download": Output(ids.DOWNLOAD, "data"),
            "invalid": Output(ids.CLIENT, "invalid"),
            "feedback": Output(ids.CLIENT_FEEDBACK, "children"),
        },
        inputs={"_clicks": Input(ids.ACCESS, "n_clicks"), "client": State(ids.CLIENT, "value")},
        prevent_initial_call=True,
    )
    @require_permission(Permission.VIEW_COMPLIANCE)
    def on_access(_clicks: int, client: str | None) -> dict[str, Any]:
        return subject_access(client or "")

    @app.callback(
        Output(ids.CONFIRM, "is_open"),
        Output(ids.CONFIRM_TEXT, "children"),
        Output(ids.STATUS, "children"),
        Output(ids.STATUS, "color"),
        Output(ids.STATUS, "is_open"),
        Input(ids.ERASE, "n_clicks"),
        Input(ids.CONFIRM_YES, "n_clicks"),
        Input(ids.CONFIRM_NO, "n_clicks"),
        State(ids.CLIENT, "value"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.VIEW_COMPLIANCE)
    def on_erase(
        _erase: int | None, _yes: int | None, _no: int | None, client: str | None
    ) -> tuple[bool, Any, Any, Any, Any]:
        if ctx.triggered_id == ids.ERASE:
            question = (
                f"The link between {client or '(nothing entered)'} and its pseudonym will be "
                "deleted for good. Stored trades stay under the pseudonym."
            )
            return True, question, no_update, no_update, no_update
        if ctx.triggered_id == ids.CONFIRM_YES:
            message, color = erase_client(client or "")
            return False, no_update, message, color, True
        return False, no_update, no_update, no_update, no_update
