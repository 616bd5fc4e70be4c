"""Notification channels: list, create/edit per kind with a message next to each field,
enable/disable, "Send test", and the delivery log (``app.notify.store``)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx, no_update
from flask import current_app

from app.auth.permissions import Permission
from app.config import Settings
from app.notify.registry import adapter_for, form_fields
from app.notify.store import (
    ChannelInvalidError,
    ChannelView,
    DeliveryView,
    list_channels,
    recent_deliveries,
    save_channel,
    send_test,
    set_enabled,
)
from callbacks import local_text, signed_in_user, status_outputs, transaction
from pages.ids import admin_channels as ids
from tradedash.auth import current_actor, require_permission

FIELDS = list(form_fields())
SECRET_FIELDS = [name for name, spec in form_fields().items() if spec.secret]
TARGET_FIELDS = ("recipients", "url", "to_numbers", "identities", "events_url")
HIDDEN = {"display": "none"}


def _settings() -> Settings:
    settings: Settings = current_app.extensions["tradedash"].settings
    return settings


def channel_rows(channels: list[ChannelView]) -> list[dict[str, Any]]:
    """The channels table (secrets appear only by name)."""
    return [
        {
            "id": channel.id,
            "name": channel.name,
            "kind": channel.kind,
            "enabled": "yes" if channel.enabled else "no",
            "target": ", ".join(
                str(channel.config[name]) for name in TARGET_FIELDS if channel.config.get(name)
            ),
            "secrets": ", ".join(channel.secrets_set),
            "updated_at": local_text(channel.updated_at),
            "config": dict(channel.config),
            "secrets_set": list(channel.secrets_set),
            "is_enabled": channel.enabled,
        }
        for channel in channels
    ]


def delivery_rows(deliveries: list[DeliveryView]) -> list[dict[str, Any]]:
    """The delivery log table."""
    return [
        {
            "id": row.id,
            "created_at": local_text(row.created_at),
            "channel": f"{row.channel} ({row.kind})",
            "alert": row.alert_event_id or "test",
            "transition": row.transition,
            "level": row.escalation_level,
            "state": row.state,
            "attempts": row.attempts,
            "status": row.response_status,
            "last_error": row.last_error or "",
        }
        for row in deliveries
    ]


def visibility(kind: str | None) -> dict[str, dict[str, str]]:
    """``display`` style of each field's block for ``kind``."""
    shown = {spec.name for spec in adapter_for(kind).fields} if kind else set()
    return {name: {} if name in shown else HIDDEN for name in FIELDS}


def save(
    kind: str, name: str, enabled: bool, selected: int | None, values: dict[str, Any]
) -> dict[str, Any]:
    """Validate and store the form; the outputs of the save callback."""
    problems: dict[str, str] = {}
    saved: ChannelView | None = None
    try:
        with transaction() as db:
            actor = current_actor()
            saved = save_channel(db, _settings(), actor, kind=kind, name=name, values=values,
                                 channel_id=selected, created_by=signed_in_user(db).id)  # fmt: skip
            if saved.enabled != bool(enabled):
                set_enabled(db, actor, saved.id, bool(enabled))
    except ChannelInvalidError as error:
        problems = error.problems
    out: dict[str, Any] = {
        "name_invalid": "name" in problems,
        "name_feedback": problems.get("name", ""),
        "kind_invalid": "kind" in problems,
        "kind_feedback": problems.get("kind", ""),
        "invalid": {n: n in problems for n in FIELDS},
        "feedback": {n: problems.get(n, "") for n in FIELDS},
        "secrets": {n: "" if saved is not None else no_update for n in SECRET_FIELDS},
    }
    if saved is None:
        message, color = "Nothing was saved: correct the marked fields.", "danger"
        return {**out, "status": message, "color": color, "changes": no_update,
                "selected": no_update}  # fmt: skip
    verb = "updated" if selected else "created"
    return {**out, "status": f"Channel {saved.name!r} {verb}.", "color": "success",
            "changes": 1, "selected": saved.id}  # fmt: skip


def test_result(selected: int | None) -> tuple[str, str]:
    """Send a test message through the selected channel now: (message, colour)."""
    if not selected:
        return "Select a saved channel first.", "warning"
    resources = current_app.extensions["tradedash"]
    outcome = send_test(resources.engine, resources.settings, current_actor(), int(selected))
    if outcome.state == "delivered":
        code = f" (response {outcome.status})" if outcome.status else ""
        return f"Test message delivered{code}.", "success"
    return f"Test failed: {outcome.error}", "danger"


def _field_outputs(prop: str, names: list[str]) -> dict[str, Output]:
    return {name: Output(ids.field(name), prop) for name in names}


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.CHANNEL_GRID, "rowData"),
        Output(ids.LOG_GRID, "rowData"),
        Input(ids.CHANGES, "data"),
        Input(ids.LOG_TIMER, "n_intervals"),
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def refresh(_changes: int, _ticks: int | None) -> tuple[list[Any], list[Any]]:
        with transaction() as db:
            channels = channel_rows(list_channels(db, _settings()))
            log = delivery_rows(recent_deliveries(db))
        return channels, log

    @app.callback(
        output={name: Output(ids.wrapper(name), "style") for name in FIELDS},
        inputs={"kind": Input(ids.KIND, "value")},
    )
    def on_kind(kind: str | None) -> dict[str, dict[str, str]]:
        return visibility(kind)

    @app.callback(
        output={
            "selected": Output(ids.SELECTED, "data"),
            "title": Output(ids.FORM_TITLE, "children"),
            "kind": Output(ids.KIND, "value"),
            "name": Output(ids.NAME, "value"),
            "enabled": Output(ids.ENABLED, "value"),
            "values": _field_outputs("value", FIELDS),
            "placeholders": _field_outputs("placeholder", SECRET_FIELDS),
        },
        inputs={
            "rows": Input(ids.CHANNEL_GRID, "selectedRows"),
            "_new": Input(ids.NEW, "n_clicks"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def on_select(rows: list[dict[str, Any]] | None, _new: int | None) -> dict[str, Any]:
        row = rows[0] if rows and ctx.triggered_id == ids.CHANNEL_GRID else None
        config = row["config"] if row else {}
        secrets_set = row["secrets_set"] if row else []
        return {
            "selected": row["id"] if row else None,
            "title": f"Edit {row['name']}" if row else "New channel",
            "kind": row["kind"] if row else "email",
            "name": row["name"] if row else "",
            "enabled": row["is_enabled"] if row else True,
            "values": {
                name: "" if name in SECRET_FIELDS else config.get(name, "") for name in FIELDS
            },
            "placeholders": {
                name: "set: leave empty to keep" if name in secrets_set else ""
                for name in SECRET_FIELDS
            },
        }

    @app.callback(
        output={
            "name_invalid": Output(ids.NAME, "invalid"),
            "name_feedback": Output(ids.NAME_FEEDBACK, "children"),
            "kind_invalid": Output(ids.KIND, "invalid"),
            "kind_feedback": Output(ids.KIND_FEEDBACK, "children"),
            "invalid": _field_outputs("invalid", FIELDS),
            "feedback": {name: Output(ids.feedback(name), "children") for name in FIELDS},
            "secrets": {
                name: Output(ids.field(name), "value", allow_duplicate=True)
                for name in SECRET_FIELDS
            },
            "status": Output(ids.STATUS, "children"),
            "color": Output(ids.STATUS, "color"),
            "open": Output(ids.STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
            "selected": Output(ids.SELECTED, "data", allow_duplicate=True),
        },
        inputs={
            "_clicks": Input(ids.SAVE, "n_clicks"),
            "kind": State(ids.KIND, "value"),
            "name": State(ids.NAME, "value"),
            "enabled": State(ids.ENABLED, "value"),
            "selected": State(ids.SELECTED, "data"),
            "changes": State(ids.CHANGES, "data"),
            "values": {name: State(ids.field(name), "value") for name in FIELDS},
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def on_save(
        _clicks: int, kind: str | None, name: str | None, enabled: bool | None,
        selected: int | None, changes: int | None, values: dict[str, Any],
    ) -> dict[str, Any]:  # fmt: skip
        out = save(kind or "", name or "", enabled is not False, selected, values)
        out["open"] = True
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out

    @app.callback(
        *status_outputs(ids.TEST_STATUS),
        Output(ids.CHANGES, "data", allow_duplicate=True),
        Input(ids.TEST, "n_clicks"),
        State(ids.SELECTED, "data"),
        State(ids.CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def on_test(_clicks: int, selected: int | None, changes: int | None) -> tuple[Any, ...]:
        message, color = test_result(selected)
        return message, color, True, (changes or 0) + 1 if selected else no_update
