"""Notification channels: where alerts are delivered (e-mail, webhook, Slack, Teams, PagerDuty,
SMS, voice, push), a test button per channel and the delivery log."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.notify.channels.base import FieldSpec
from app.notify.registry import adapters, form_fields
from pages.forms import card, field, grid, page_header, status, table_and_form
from pages.ids import admin_channels as ids

dash.register_page(
    __name__, path="/admin/channels", name="Notification channels", order=93, min_role="admin"
)


CHANNEL_COLUMNS = [
    {"field": "name", "headerName": "Name", "flex": 2},
    {"field": "kind", "headerName": "Type", "flex": 1},
    {"field": "enabled", "headerName": "Enabled", "flex": 1},
    {"field": "target", "headerName": "Sends to", "flex": 3},
    {"field": "secrets", "headerName": "Secrets set", "flex": 2},
    {"field": "updated_at", "headerName": "Updated", "flex": 2},
]
LOG_COLUMNS = [
    {"field": "created_at", "headerName": "Queued", "flex": 2},
    {"field": "channel", "headerName": "Channel", "flex": 2},
    {"field": "alert", "headerName": "Alert event", "flex": 1},
    {"field": "transition", "headerName": "Transition", "flex": 1},
    {"field": "level", "headerName": "Level", "flex": 1},
    {"field": "state", "headerName": "State", "flex": 1},
    {"field": "attempts", "headerName": "Attempts", "flex": 1},
    {"field": "status", "headerName": "Response", "flex": 1},
    {"field": "last_error", "headerName": "Last error", "flex": 4, "tooltipField": "last_error"},
]


def _control(spec: FieldSpec) -> html.Div:
    control = dbc.Input(
        id=ids.field(spec.name),
        type="password" if spec.secret else "text",
        placeholder=spec.placeholder,
        autocomplete="new-password" if spec.secret else "off",
    )
    hint = spec.hint + (" Stored encrypted; never shown again." if spec.secret else "")
    block = field(spec.label, control, ids.feedback(spec.name), hint=hint.strip())
    return html.Div(block, id=ids.wrapper(spec.name), style={"display": "none"})


def _edit_form() -> dbc.Card:
    kinds = [{"label": adapter.label, "value": adapter.kind} for adapter in adapters()]
    return card(
        "Channel",
        [
            html.H6("New channel", id=ids.FORM_TITLE, className="mb-3"),
            field("Type", dbc.Select(id=ids.KIND, options=kinds, value="email"), ids.KIND_FEEDBACK),
            field(
                "Name",
                dbc.Input(id=ids.NAME, type="text", placeholder="Desk e-mail"),
                ids.NAME_FEEDBACK,
            ),  # fmt: skip
            *[_control(spec) for spec in form_fields().values()],
            dbc.Switch(id=ids.ENABLED, label="Enabled", value=True, className="mb-3"),
            dbc.ButtonGroup(
                [
                    dbc.Button("Save channel", id=ids.SAVE, color="primary"),
                    dbc.Button("Send test", id=ids.TEST, color="secondary", outline=True),
                    dbc.Button("New", id=ids.NEW, color="link"),
                ],
                className="w-100 mb-2",
            ),
            status(ids.STATUS),
            status(ids.TEST_STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Notification channels",
                "Where alert rules send their notifications. Select a channel to edit it, "
                "test it, or switch it off; the log shows every delivery and its attempts.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            dcc.Store(id=ids.SELECTED, data=None),
            dcc.Interval(id=ids.LOG_TIMER, interval=10_000),
            table_and_form("Channels", grid(ids.CHANNEL_GRID, CHANNEL_COLUMNS, "id"), _edit_form()),
            dbc.Row(
                dbc.Col(
                    card("Delivery log (newest first)", [grid(ids.LOG_GRID, LOG_COLUMNS, "id")])
                ),
                className="g-4 mt-1",
            ),
        ]
    )
