"""Report schedules: e-mailed PDF, Excel or CSV reports on a preset or cron timetable in a
chosen timezone, optionally also uploaded to an S3-compatible bucket, with a test send and the
run log. Managers manage their own schedules, admins anyone's (enforced in the callbacks)."""

from __future__ import annotations

from zoneinfo import available_timezones

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.reports.kinds import KINDS
from app.reports.schedules import FORMATS, WEEKDAYS
from pages.forms import card, field, grid, page_header, status, table_and_form
from pages.ids import reports_schedules as ids

dash.register_page(
    __name__, path="/reports/schedules", name="Report schedules", order=70, min_role="manager"
)

SCHEDULE_COLUMNS = [
    {"field": "id", "headerName": "#", "maxWidth": 70},
    {"field": "name", "headerName": "Name", "flex": 2},
    {"field": "owner", "headerName": "Owner", "flex": 2},
    {"field": "kind", "headerName": "Report", "flex": 2},
    {"field": "format", "headerName": "Format", "maxWidth": 90},
    {"field": "when", "headerName": "When", "flex": 2},
    {"field": "next_run", "headerName": "Next run (your time)", "flex": 2},
    {"field": "enabled", "headerName": "On", "maxWidth": 70},
    {"field": "failures", "headerName": "Failures in a row", "maxWidth": 140},
]
RUN_COLUMNS = [
    {"field": "id", "headerName": "Run", "maxWidth": 80},
    {"field": "schedule", "headerName": "Schedule", "flex": 2},
    {"field": "trigger", "headerName": "Trigger", "maxWidth": 100},
    {"field": "scheduled_for", "headerName": "Scheduled for", "flex": 2},
    {"field": "started_at", "headerName": "Started", "flex": 2},
    {"field": "finished_at", "headerName": "Finished", "flex": 2},
    {"field": "status", "headerName": "State", "maxWidth": 110},
    {"field": "attempt", "headerName": "Attempt", "maxWidth": 90},
    {"field": "recipients", "headerName": "Recipients", "flex": 3},
    {"field": "attachment", "headerName": "Attachment", "flex": 2},
    {"field": "sha256", "headerName": "SHA-256", "flex": 2},
    {"field": "delivered", "headerName": "Delivered", "flex": 2},
    {"field": "s3_object", "headerName": "S3 object", "flex": 3},
    {"field": "error", "headerName": "Error", "flex": 3},
]
PREFIX_HINT = (
    "Object key = prefix + file name. Placeholders: {schedule}, {schedule_id}, {run_id}, "
    "{kind}, {format}, {trigger}, {date} and {period_start} (optionally with a format such as "
    "{date:%Y/%m/%d}; %Y %m %d %H %M %S %j %V %G %u only)."
)
POPULAR_ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin")


def _select(control_id: str, options: list[dict[str, str]], value: str) -> dbc.Select:
    return dbc.Select(id=control_id, options=options, value=value)


def _timing() -> list[object]:
    presets = [{"label": p.title(), "value": p} for p in ("daily", "weekly", "monthly", "cron")]
    return [
        field("Repeat", _select(ids.PRESET, presets, "daily"), ids.feedback("preset")),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        "At (HH:MM)",
                        dbc.Input(id=ids.TIME, value="07:00", placeholder="07:00"),
                        ids.feedback("time"),
                    )
                ),
                dbc.Col(
                    field(
                        "Weekday (weekly)",
                        _select(
                            ids.WEEKDAY, [{"label": d.title(), "value": d} for d in WEEKDAYS], "mon"
                        ),
                    )
                ),
                dbc.Col(
                    field(
                        "Day (monthly)",
                        dbc.Input(id=ids.DAY, type="number", min=1, max=28, value=1),
                    )
                ),
            ]
        ),
        field(
            "Cron expression",
            dbc.Input(id=ids.CRON, placeholder="0 7 * * 1-5"),
            ids.feedback("cron"),
            hint="Used with Repeat = Cron: minute hour day month weekday.",
        ),
        field(
            "Timezone",
            dbc.Input(id=ids.TIMEZONE, value="UTC", list="schedules-zones", autocomplete="off"),
            ids.feedback("timezone"),
            hint="IANA name; the schedule keeps its wall-clock time across DST changes.",
        ),
        html.Datalist(
            id="schedules-zones",
            children=[
                html.Option(value=z) for z in (*POPULAR_ZONES, *sorted(available_timezones()))
            ],
        ),
    ]


def _s3_target() -> list[object]:
    return [
        html.H6("S3 delivery (optional)", className="text-muted mt-2"),
        dbc.Switch(id=ids.S3_ENABLED, label="Also upload to an S3 bucket", value=False),
        field(
            "Endpoint URL",
            dbc.Input(id=ids.S3_ENDPOINT, placeholder="empty = AWS; https://minio.example:9000"),
            ids.feedback("s3_endpoint_url"),
        ),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        "Region",
                        dbc.Input(id=ids.S3_REGION, placeholder="us-east-1"),
                        ids.feedback("s3_region"),
                    )
                ),
                dbc.Col(
                    field(
                        "Bucket",
                        dbc.Input(id=ids.S3_BUCKET, placeholder="desk-reports"),
                        ids.feedback("s3_bucket"),
                    )
                ),
            ]
        ),
        field(
            "Key prefix",
            dbc.Input(id=ids.S3_PREFIX, placeholder="reports/{schedule}/{date:%Y/%m/%d}/"),
            ids.feedback("s3_prefix"),
            hint=PREFIX_HINT,
        ),
        field(
            "Access key id",
            dbc.Input(id=ids.S3_ACCESS_KEY, autocomplete="off"),
            ids.feedback("s3_access_key_id"),
        ),
        field(
            "Secret access key",
            dbc.Input(id=ids.S3_SECRET, type="password", autocomplete="new-password"),
            ids.feedback("s3_secret_access_key"),
            hint="Stored encrypted and never shown again.",
        ),
        html.Div(id=ids.S3_SECRET_STATE, className="small text-muted mb-3"),
    ]


def _form() -> dbc.Card:
    kinds = [
        {"label": f"{k.title} (compliance)" if k.regulatory else k.title, "value": k.name}
        for k in KINDS.values()
    ]
    formats = [{"label": f.upper(), "value": f} for f in FORMATS]
    return card(
        "Schedule",
        [
            html.H6("New schedule", id=ids.FORM_TITLE, className="text-muted"),
            field(
                "Name",
                dbc.Input(id=ids.NAME, placeholder="Desk morning pack"),
                ids.feedback("name"),
            ),
            field("Report", _select(ids.KIND, kinds, "daily_desk"), ids.feedback("kind")),
            field("Format", _select(ids.FORMAT, formats, "pdf"), ids.feedback("format")),
            *_timing(),
            field(
                "Recipients",
                dbc.Textarea(id=ids.RECIPIENTS, placeholder="head.of.desk@broker.example, ..."),
                ids.feedback("recipients"),
                hint="E-mail addresses separated by commas.",
            ),
            field(
                "Symbols",
                dbc.Input(id=ids.SYMBOLS, placeholder="all"),
                ids.feedback("filters"),
                hint="Filters, comma-separated; empty = all.",
            ),
            field("LPs", dbc.Input(id=ids.LPS, placeholder="all")),
            field(
                "Books",
                dbc.Checklist(id=ids.BOOKS, options=["A", "B"], value=[], inline=True),
            ),
            field("Rules", dbc.Input(id=ids.RULES, placeholder="all")),
            dbc.Row(
                [
                    dbc.Col(
                        field(
                            "Currency",
                            dbc.Input(id=ids.CURRENCY, value="USD"),
                            ids.feedback("currency"),
                        )
                    ),
                    dbc.Col(
                        field(
                            "Working timeout (s)",
                            dbc.Input(id=ids.TIMEOUT, value="900", inputmode="numeric"),
                            ids.feedback("working_timeout_s"),
                        )
                    ),
                ]
            ),
            field(
                "Completion webhook (optional)",
                dbc.Input(id=ids.WEBHOOK, placeholder="https://ops.example/hooks/reports"),
                ids.feedback("webhook_url"),
                hint="Gets a JSON POST signed with HMAC-SHA256 after each run.",
            ),
            *_s3_target(),
            dbc.Switch(id=ids.ENABLED, label="Enabled", value=True, className="mb-3"),
            html.Div(id=ids.NEXT_RUNS, className="small text-muted mb-3"),
            dbc.ButtonGroup(
                [
                    dbc.Button("Save", id=ids.SAVE, color="primary"),
                    dbc.Button("Send test now", id=ids.TEST, color="secondary"),
                    dbc.Button("New", id=ids.NEW, color="light"),
                    dbc.Button("Delete", id=ids.DELETE, color="danger", outline=True),
                ],
                className="w-100",
            ),
            status(ids.STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Report schedules",
                "E-mailed reports on a timetable in your timezone, optionally uploaded to S3. "
                "A test send goes to you only.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            dcc.Store(id=ids.SELECTED, data=None),
            table_and_form("Schedules", grid(ids.GRID, SCHEDULE_COLUMNS, "id"), _form()),
            html.Div(
                card("Run log", [grid(ids.RUNS, RUN_COLUMNS, "id")]),
                className="mt-4",
            ),
        ]
    )
