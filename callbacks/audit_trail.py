"""Audit trail page: pages of the filtered trail (``app.compliance.audit_trail``), its CSV
export (audited as ``audit.export``) and the chain check (``app.audit.verify_stored_chain``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, State, ctx
from dash.dcc.express import send_bytes

from app.audit import verify_stored_chain
from app.audit.log import record
from app.auth.permissions import Permission
from app.compliance.audit_trail import PAGE_SIZE, TrailQuery, export_frame, page
from app.compliance.render import to_csv
from callbacks import transaction
from pages.ids import audit_trail as ids
from tradedash.auth import current_actor, require_permission


def trail_query(text: str | None, start: str | None, end: str | None) -> TrailQuery:
    """The viewer's filters; an unreadable date is ignored."""

    def day(value: str | None, offset: int) -> dt.datetime | None:
        try:
            parsed = dt.date.fromisoformat(value) if value else None
        except ValueError:
            return None
        if parsed is None:
            return None
        return dt.datetime.combine(parsed + dt.timedelta(days=offset), dt.time(), dt.UTC)

    return TrailQuery(text=(text or "")[:200], start=day(start, 0), end=day(end, 1))


def page_of(query: TrailQuery, number: int) -> tuple[list[dict[str, Any]], str, int]:
    """The rows of page ``number`` (clamped to the last page), its label and the page used."""
    with transaction() as db:
        rows, total = page(db, query, number)
        pages = max(1, -(-total // PAGE_SIZE))
        if number >= pages:
            number = pages - 1
            rows, total = page(db, query, number)
    return rows, f"Page {number + 1} of {pages} ({total:,} records)", number


def verify_message() -> tuple[str, str]:
    """The chain check as a status line and its colour."""
    with transaction() as db:
        broken = verify_stored_chain(db)
    if broken is None:
        return "Audit chain intact.", "success"
    return f"Audit chain broken at record {broken.id}: {broken.reason}.", "danger"


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.GRID, "rowData"),
        Output(ids.PAGE_LABEL, "children"),
        Output(ids.PAGE, "data"),
        Input(ids.SEARCH, "value"),
        Input(ids.START, "value"),
        Input(ids.END, "value"),
        Input(ids.PREVIOUS, "n_clicks"),
        Input(ids.NEXT, "n_clicks"),
        State(ids.PAGE, "data"),
    )
    @require_permission(Permission.VIEW_AUDIT_TRAIL)
    def on_page(
        text: str | None,
        start: str | None,
        end: str | None,
        _previous: int | None,
        _next: int | None,
        current: int | None,
    ) -> tuple[list[dict[str, Any]], str, int]:
        number = current or 0
        if ctx.triggered_id == ids.NEXT:
            number += 1
        elif ctx.triggered_id == ids.PREVIOUS:
            number = max(0, number - 1)
        else:
            number = 0  # a new search starts at the first page
        return page_of(trail_query(text, start, end), number)

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.EXPORT, "n_clicks"),
        State(ids.SEARCH, "value"),
        State(ids.START, "value"),
        State(ids.END, "value"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.VIEW_AUDIT_TRAIL)
    def on_export(
        _clicks: int, text: str | None, start: str | None, end: str | None
    ) -> dict[str, Any]:
        query = trail_query(text, start, end)
        with transaction() as db:
            frame = export_frame(db, query)
            details = {"search": query.text, "rows": len(frame), "format": "csv"}
            record(db, current_actor(), "audit.export", "audit_log", details)
        download: dict[str, Any] = send_bytes(to_csv(frame), "audit_trail.csv")
        return download

    @app.callback(
        Output(ids.VERIFY_STATUS, "children"),
        Output(ids.VERIFY_STATUS, "color"),
        Output(ids.VERIFY_STATUS, "is_open"),
        Input(ids.VERIFY, "n_clicks"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.VIEW_AUDIT_TRAIL)
    def on_verify(_clicks: int) -> tuple[str, str, bool]:
        message, color = verify_message()
        return message, color, True
