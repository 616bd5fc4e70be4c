"""Alerts: the alerts raised (acknowledge, snooze, mark false positive; correlated ones grouped)
and the rules that raise them. Every role reads; admins also get the rule form (one form, the
fields of the chosen type, templates, a 7-day preview) and the enable/disable toggles."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.alerts.definitions import (
    ACTIVE_HOURS,
    CHECKS,
    METRICS,
    OPERATORS,
    SCOPES,
    SEVERITIES,
    SNOOZE_MINUTES,
    TEMPLATES,
)
from app.auth.permissions import Permission, has_permission
from pages.forms import card, grid, page_header, status
from pages.ids import alerts as ids
from tradedash.auth import current_role

dash.register_page(__name__, path="/alerts", name="Alerts", order=50)

ALERT_REFRESH_MS = 5_000
TYPE_LABELS = {
    "threshold": "Threshold",
    "anomaly": "Anomaly (z-score vs baseline)",
    "pattern": "Pattern (count in a sliding window)",
    "predictive": "Predictive (extrapolation)",
    "composite": "Composite (weighted conditions)",
    "expression": "Custom expression",
    "completeness": "Data completeness (missing fields, orphans, clock skew)",
}
SCOPE_LABELS = {
    "global": "Whole desk (one instance)",
    "lp": "Per LP",
    "symbol": "Per symbol",
    "account": "Per account",
    "book": "Per book",
    "rule": "Per routing rule",
    "check": "Per completeness check",
}
CHECK_LABELS = {
    "missing_field": "Missing fields",
    "order_without_execution": "Orders without executions after the wait",
    "execution_without_order": "Executions without orders after the wait",
    "clock_skew": "Clock skew between sent_ts and ts",
}
ACTIVE_HOURS_LABELS = {
    "always": "Always",
    "business_hours": "Business hours only",
    "outside_business_hours": "Outside business hours only",
}

SEVERITY_CELL = {
    f"severity-cell severity-cell-{level}": f"params.value === '{level}'" for level in SEVERITIES
}
ALERT_COLUMNS: list[dict[str, Any]] = [
    {"field": "id", "headerName": "#", "width": 80, "maxWidth": 90},
    {
        "field": "group",
        "headerName": "Correlated",
        "minWidth": 110,
        "headerTooltip": "Alerts of different rules that fired together share a group",
    },
    {"field": "state", "headerName": "State", "minWidth": 100},
    {
        "field": "severity",
        "headerName": "Severity",
        "minWidth": 105,
        "cellClassRules": SEVERITY_CELL,
    },
    {"field": "rule", "headerName": "Rule", "flex": 2, "minWidth": 180},
    {"field": "labels", "headerName": "Labels", "flex": 2, "minWidth": 140},
    {"field": "started", "headerName": "Started (UTC)", "minWidth": 150},
    {"field": "value", "headerName": "Value", "minWidth": 100, "type": "rightAligned"},
    {"field": "acknowledged_by", "headerName": "Acknowledged by", "flex": 1, "minWidth": 150},
    {"field": "snoozed_until", "headerName": "Snoozed until (UTC)", "minWidth": 150},
    {"field": "message", "headerName": "Message", "flex": 3, "minWidth": 220},
]


def rule_columns(can_write: bool) -> list[dict[str, Any]]:
    """The rules table; the enabled column is a toggle for admins and read-only otherwise."""
    return [
        {"field": "name", "headerName": "Rule", "flex": 2, "minWidth": 180},
        {
            "field": "enabled",
            "headerName": "Enabled",
            "width": 105,
            "cellDataType": "boolean",
            "cellRenderer": "agCheckboxCellRenderer",
            "cellEditor": "agCheckboxCellEditor",
            "editable": can_write,
        },
        {"field": "type", "headerName": "Type", "minWidth": 110},
        {
            "field": "severity",
            "headerName": "Severity",
            "minWidth": 105,
            "cellClassRules": SEVERITY_CELL,
        },
        {"field": "owner", "headerName": "Owner", "flex": 1, "minWidth": 120},
        {"field": "labels", "headerName": "Labels", "flex": 2, "minWidth": 140},
        {"field": "version", "headerName": "Version", "width": 100, "type": "rightAligned"},
        {
            "field": "false_positive_rate",
            "headerName": "False positives",
            "minWidth": 130,
            "type": "rightAligned",
            "headerTooltip": "Share of the rule's firings marked as false positives",
        },
        {
            "field": "status",
            "headerName": "Status",
            "minWidth": 120,
            "cellClassRules": {"badge-suppressed": "params.value === 'suppressed'"},
            "tooltipField": "status_note",
        },
    ]


def _options(
    values: tuple[str, ...] | list[str], labels: dict[str, str] | None = None
) -> list[dict[str, str]]:
    return [{"label": (labels or {}).get(value, value), "value": value} for value in values]


METRIC_OPTIONS = [
    {"label": f"{metric.name} ({metric.unit}) — {metric.description}", "value": metric.name}
    for metric in METRICS.values()
]
TEMPLATE_OPTIONS = [{"label": spec["name"], "value": key} for key, spec in TEMPLATES.items()]


def labelled(name: str, label: str, control: Any, hint: str = "", **kwargs: Any) -> html.Div:
    """A label, the input of the definition field ``name`` and its message underneath (in one
    wrapper: Bootstrap shows ``.invalid-feedback`` after a sibling marked invalid)."""
    parts: list[Any] = [dbc.Label(label, html_for=ids.FIELD[name]), control, feedback(name)]
    if hint:
        parts.append(dbc.FormText(hint))
    return html.Div(parts, className="mb-3", **kwargs)


def feedback(name: str) -> Any:
    """The message under the input of ``name``. Inputs without an ``invalid`` state (switches,
    the channel dropdown, the conditions block) get one that shows whenever it has text."""
    if name in ids.NO_INVALID:
        return html.Div(id=ids.FEEDBACK[name], className="invalid-feedback d-block")
    return dbc.FormFeedback(id=ids.FEEDBACK[name], type="invalid")


def _number(name: str, placeholder: str = "", step: str = "any") -> dbc.Input:
    return dbc.Input(
        id=ids.FIELD[name], type="number", step=step, placeholder=placeholder, debounce=True
    )


def _select(name: str, options: list[Any], value: str | None = None) -> dbc.Select:
    return dbc.Select(id=ids.FIELD[name], options=options, value=value)


def _spec(name: str, label: str, control: Any, hint: str = "") -> html.Div:
    # Shown or hidden by the type selector (callbacks/alerts.py), threshold first.
    shown = name in ids.TYPE_FIELDS["threshold"]
    return labelled(name, label, control, hint, id=ids.WRAP[name], hidden=not shown)


def _spec_inputs() -> list[html.Div]:
    """Every spec input once, in reading order; each type shows the ones it uses."""
    return [
        _spec("spec.metric", "Metric", _select("spec.metric", METRIC_OPTIONS, "reject_rate")),
        _spec("spec.operator", "Operator", _select("spec.operator", _options(OPERATORS), ">")),
        _spec("spec.value", "Threshold", _number("spec.value", "80")),
        _spec(
            "spec.recovery_value",
            "Recovery threshold",
            _number("spec.recovery_value", "optional"),
            "Resolves only once past this value (hysteresis); empty: the threshold itself.",
        ),
        _spec("spec.sigma", "z-score above (σ)", _number("spec.sigma", "3"), "At least 0.5."),
        _spec(
            "spec.direction",
            "Direction",
            _select("spec.direction", _options(("above", "below", "both")), "above"),
        ),
        _spec(
            "spec.baseline_days",
            "Learned baseline (days)",
            _number("spec.baseline_days", "28", "1"),
            "1 – 90 days of stored history.",
        ),
        html.Div(
            [
                dbc.Switch(
                    id=ids.FIELD["spec.seasonal"], label="Hour-of-week seasonality", value=True
                ),
                feedback("spec.seasonal"),
            ],
            id=ids.WRAP["spec.seasonal"],
            className="mb-3",
            hidden=True,
        ),
        _spec("spec.count", "At least (events)", _number("spec.count", "5", "1"), "Count metrics."),
        _spec(
            "spec.horizon_s",
            "Crosses within (s)",
            _number("spec.horizon_s", "1800", "1"),
            "60 – 86,400 s ahead.",
        ),
        _spec(
            "spec.lookback_s",
            "Linear fit over the last (s)",
            _number("spec.lookback_s", "1800", "1"),
            "300 s – 7 days.",
        ),
        _conditions(),
        _spec(
            "spec.score_threshold",
            "Score threshold",
            _number("spec.score_threshold", "2"),
            "Fires when the weights of the true conditions add up to it.",
        ),
        _spec(
            "spec.expression",
            "Expression",
            dbc.Textarea(
                id=ids.FIELD["spec.expression"],
                placeholder="reject_rate > 10 and latency_ms > 250",
                rows=3,
            ),
            "Metric names, numbers, arithmetic, comparisons, and / or / not.",
        ),
        html.Div(
            [
                dbc.Label("Checks", html_for=ids.FIELD["spec.checks"]),
                dbc.Checklist(
                    id=ids.FIELD["spec.checks"],
                    options=_options(CHECKS, CHECK_LABELS),
                    value=list(CHECKS),
                ),
                feedback("spec.checks"),
                dbc.FormText("Each check is an alert instance of its own."),
            ],
            id=ids.WRAP["spec.checks"],
            className="mb-3",
            hidden=True,
        ),
        _spec(
            "spec.wait_s",
            "Orphan after (s)",
            _number("spec.wait_s", "60", "1"),
            "An order without an execution (or the reverse) this long is a finding.",
        ),
        _spec(
            "spec.skew_s",
            "Clock skew above (s)",
            _number("spec.skew_s", "1"),
            "sent_ts after ts, or before the order's routing, by more than this: 0 – 3,600 s.",
        ),
        _spec(
            "spec.min_count",
            "Fire at (findings)",
            _number("spec.min_count", "1", "1"),
            "Fires when a check has at least this many findings in the window.",
        ),
        _spec(
            "spec.window_s",
            "Window (s)",
            _number("spec.window_s", "60", "1"),
            "The metric is computed over this trailing window: 10 – 86,400 s.",
        ),
    ]


def _conditions() -> html.Div:
    blank = [{"label": "—", "value": ""}]
    rows = []
    for row in range(ids.COMPOSITE_ROWS):
        prefix = f"spec.conditions.{row}."
        controls = {
            "metric": (_select(prefix + "metric", blank + METRIC_OPTIONS, ""), 4),
            "operator": (_select(prefix + "operator", _options(OPERATORS), ">"), 2),
            "value": (_number(prefix + "value", "value"), 2),
            "window_s": (_number(prefix + "window_s", "60 s", "1"), 2),
            "weight": (_number(prefix + "weight", "weight 1"), 2),
        }
        rows.append(
            dbc.Row(
                [
                    dbc.Col(
                        [control, dbc.FormFeedback(id=ids.FEEDBACK[prefix + key], type="invalid")],
                        md=width,
                    )
                    for key, (control, width) in controls.items()
                ],
                className="g-2 mb-2",
            )
        )
    return html.Div(
        [
            dbc.Label("Conditions: metric, operator, value, window (s), weight"),
            *rows,
            feedback("spec.conditions"),
            dbc.FormText("Rows without a metric are left out."),
        ],
        id=ids.WRAP["spec.conditions"],
        className="mb-3",
        hidden=True,
    )


def _text(name: str, placeholder: str = "") -> dbc.Input:
    return dbc.Input(id=ids.FIELD[name], type="text", placeholder=placeholder, debounce=True)


def _rule_form() -> dbc.Card:
    return card(
        "Rule",
        [
            html.Div(
                [
                    html.Span("New rule", id=ids.EDITING_NOTE, className="fw-semibold"),
                    dbc.Button("New", id=ids.NEW_RULE, color="link", size="sm"),
                ],
                className="d-flex justify-content-between align-items-center mb-2",
            ),
            dcc.Store(id=ids.EDITING, data=None),
            html.Div(
                [
                    dbc.Label("Use template", html_for=ids.TEMPLATE),
                    dbc.Select(id=ids.TEMPLATE, options=TEMPLATE_OPTIONS, placeholder="—"),
                ],
                className="mb-3",
            ),
            labelled("name", "Name", _text("name", "Reject rate above 10%")),
            dbc.Row(
                [
                    dbc.Col(
                        labelled(
                            "type",
                            "Type",
                            _select("type", _options(tuple(TYPE_LABELS), TYPE_LABELS), "threshold"),
                        ),
                        md=6,
                    ),
                    dbc.Col(
                        labelled(
                            "scope",
                            "Evaluated",
                            _select("scope", _options(SCOPES, SCOPE_LABELS), "global"),
                        ),
                        md=6,
                    ),
                ],
                className="g-2",
            ),
            html.Div(_spec_inputs(), className="alerts-type-fields mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        labelled(
                            "pending_s",
                            "Pending for (s)",
                            _number("pending_s", "30", "1"),
                            "True this long before it fires.",
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        labelled(
                            "keep_firing_s",
                            "Keep firing (s)",
                            _number("keep_firing_s", "0", "1"),
                            "After it turns false.",
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        labelled(
                            "cooldown_s",
                            "Cool-down (s)",
                            _number("cooldown_s", "300", "1"),
                            "Between notifications.",
                        ),
                        md=4,
                    ),
                ],
                className="g-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        labelled(
                            "severity",
                            "Severity",
                            _select("severity", _options(SEVERITIES), "warning"),
                        ),
                        md=6,
                    ),
                    dbc.Col(
                        labelled(
                            "active_hours",
                            "Notify",
                            _select(
                                "active_hours",
                                _options(ACTIVE_HOURS, ACTIVE_HOURS_LABELS),
                                "always",
                            ),
                        ),
                        md=6,
                    ),
                ],
                className="g-2",
            ),
            labelled("owner", "Owner", _text("owner", "risk-desk@broker.example")),
            labelled(
                "labels",
                "Labels",
                _text("labels", "team=risk, desk=fx"),
                "name=value pairs separated by commas.",
            ),
            labelled(
                "channel_ids",
                "Notify channels",
                dcc.Dropdown(id=ids.FIELD["channel_ids"], options=[], multi=True),
            ),
            labelled(
                "description",
                "Description",
                dbc.Textarea(id=ids.FIELD["description"], rows=2),
            ),
            labelled(
                "runbook_url", "Runbook link", _text("runbook_url", "https://wiki/runbooks/…")
            ),
            html.Div(
                [
                    dbc.Switch(id=ids.FIELD["enabled"], label="Enabled", value=True),
                    feedback("enabled"),
                ],
                className="mb-3",
            ),
            html.Div(
                [
                    dbc.Button("Preview", id=ids.PREVIEW, color="secondary", outline=True),
                    dbc.Button("Save", id=ids.SAVE, color="primary"),
                ],
                className="d-flex gap-2",
            ),
            html.Div(id=ids.PREVIEW_RESULT, className="alerts-preview"),
            status(ids.FORM_STATUS),
        ],
        id=ids.FORM,
    )


def _alert_grid() -> Any:
    alerts = grid(ids.ALERT_GRID, ALERT_COLUMNS, "id")
    # Several alerts can be acknowledged, snoozed or rated at once.
    alerts.dashGridOptions = {
        **alerts.dashGridOptions,
        "rowSelection": {"mode": "multiRow", "enableClickSelection": True},
        "tooltipShowDelay": 300,
    }
    return alerts


def _alert_panel() -> dbc.Card:
    minutes = [5, 10, 15, 30, 45, 60]
    low, high = SNOOZE_MINUTES
    return card(
        "Alerts",
        [
            dbc.RadioItems(
                id=ids.ALERT_FILTER,
                options=[
                    {"label": "Open", "value": "open"},
                    {"label": "Last 7 days", "value": "recent"},
                ],
                value="open",
                inline=True,
                className="mb-2",
            ),
            _alert_grid(),
            html.Div(
                [
                    dbc.Button("Acknowledge", id=ids.ACKNOWLEDGE, color="primary", size="sm"),
                    dbc.Select(
                        id=ids.SNOOZE_MINUTES,
                        options=[
                            {"label": f"{m} min", "value": str(m)}
                            for m in minutes
                            if low <= m <= high
                        ],
                        value="15",
                        size="sm",
                    ),
                    dbc.Button("Snooze", id=ids.SNOOZE, color="secondary", size="sm"),
                    dbc.Button(
                        "Mark false positive", id=ids.FALSE_POSITIVE, color="warning", size="sm"
                    ),
                    html.Span("Select one or more alerts.", className="text-muted small"),
                ],
                className="alerts-actions",
            ),
            status(ids.ALERT_STATUS),
        ],
    )


def can_write_rules() -> bool:
    """Whether the person opening the page may create and change rules (admins)."""
    return has_permission(current_role(), Permission.MANAGE_ALERT_RULES)


def layout(**_query: str) -> html.Div:
    can_write = can_write_rules()
    rules = card(
        "Rules",
        [
            grid(ids.RULE_GRID, rule_columns(can_write), "id"),
            status(ids.RULE_STATUS),
            html.Div(id=ids.RULE_DETAIL, className="alerts-rule-detail"),
            html.P(
                "Rules are changed by administrators; select one to see its definition."
                if not can_write
                else "Select a rule to edit it; saving creates a new version.",
                id=ids.READ_ONLY_NOTE,
                className="alerts-readonly-note small mt-2 mb-0",
            ),
        ],
    )
    return html.Div(
        [
            page_header(
                "Alerts",
                "What is firing now, and the rules behind it. "
                "Rules marked false positive most of the time are shown as suppressed.",
            ),
            dcc.Interval(id=ids.ALERT_TICK, interval=ALERT_REFRESH_MS, n_intervals=0),
            dcc.Store(id=ids.ALERT_CHANGES, data=0),
            dcc.Store(id=ids.RULE_CHANGES, data=0),
            _alert_panel(),
            dbc.Row(
                [
                    dbc.Col(rules, lg=7 if can_write else 12),
                    *([dbc.Col(_rule_form(), lg=5)] if can_write else []),
                ],
                className="g-4 mt-1",
            ),
        ]
    )
