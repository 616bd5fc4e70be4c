"""Mailbox: list the mail catcher's messages, show one, download it or its attachment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, ctx, no_update
from dash.dcc.express import send_bytes
from flask import current_app

from app.mail.catcher import caught_messages, mail_dir, message_text, parse_eml, read_caught
from callbacks import local_text
from pages.ids import admin_mailbox as ids
from tradedash.auth import require_role


def directory() -> Path:
    """The catcher's directory for this process's settings."""
    return mail_dir(current_app.extensions["tradedash"].settings)


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.GRID, "rowData"),
        Output(ids.NOTICE, "children"),
        Output(ids.NOTICE, "is_open"),
        Input(ids.REFRESH, "n_clicks"),
    )
    @require_role("admin")
    def list_messages(_clicks: int | None) -> tuple[list[dict[str, Any]], str, bool]:
        folder = directory()
        if not folder.is_dir():
            return [], f"No mail catcher directory at {folder}: the catcher has not run.", True
        rows = [
            {
                "name": m.name,
                "received": local_text(m.received_at),
                "to": m.to,
                "subject": m.subject,
                "attachments": ", ".join(m.attachments),
                "size": f"{m.size_bytes / 1024:,.1f} KiB",
            }
            for m in caught_messages(folder)
        ]
        return rows, "", False

    @app.callback(
        Output(ids.HEADERS, "children"),
        Output(ids.BODY, "children"),
        Output(ids.ATTACHMENT, "options"),
        Output(ids.ATTACHMENT, "value"),
        Input(ids.GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def show_message(rows: list[dict[str, Any]] | None) -> tuple[str, str, list[str], Any]:
        if not rows:
            raise dash.exceptions.PreventUpdate
        message = parse_eml(read_caught(directory(), rows[0]["name"]))
        headers = "\n".join(f"{k}: {message.get(k, '')}" for k in ("From", "To", "Date", "Subject"))
        names = [part.get_filename() or "" for part in message.iter_attachments()]
        return headers, message_text(message), names, names[0] if names else None

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.DOWNLOAD_EML, "n_clicks"),
        Input(ids.DOWNLOAD_ATTACHMENT, "n_clicks"),
        State(ids.GRID, "selectedRows"),
        State(ids.ATTACHMENT, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def download(
        _eml: int | None, _attachment: int | None, rows: list[dict[str, Any]] | None, name: Any
    ) -> Any:
        if not rows:
            return no_update
        raw = read_caught(directory(), rows[0]["name"])
        if ctx.triggered_id == ids.DOWNLOAD_EML:
            return send_bytes(raw, rows[0]["name"])
        for part in parse_eml(raw).iter_attachments():
            if part.get_filename() == name:
                payload = part.get_payload(decode=True)
                return send_bytes(payload if isinstance(payload, bytes) else b"", str(name))
        return no_update
