"""The bell and the toast in the top bar: every second, the number of open alerts and any alert
newer than the last one this tab has seen.

The count is the engine's "unacknowledged" (firing, nobody acknowledged it); a toast is a
notification, so none is shown for snoozed alerts or rules, rules muted by false-positive
feedback, or alerts rated false positives. The poll reads a few index-backed queries from
PostgreSQL and answers 204 when nothing changed; Redis is not involved, so a Redis outage does
not touch it, and when the database does not answer the bell keeps its last value.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import dash
from dash import Input, Output, State, html, no_update
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.alerts.store import count_unacknowledged, suppressed_rule_ids
from app.db.models.alerts import SEVERITIES as SEVERITY_ORDER
from app.db.models.alerts import AlertEvent, AlertRule
from callbacks import transaction
from pages.ids import alert_bell as ids
from tradedash.auth import require_role

log = logging.getLogger(__name__)
TOAST_LINES = 3
"""New alerts listed in one toast; more are summarised as "and N more"."""


@dataclass(frozen=True)
class NewAlert:
    id: int
    rule: str
    severity: str
    message: str
    instance_key: str


@dataclass(frozen=True)
class BellState:
    """What the bell and the toast show."""

    open_count: int
    top_severity: str | None
    newest_id: int
    new_alerts: list[NewAlert]
    new_total: int


def _toastable(now: dt.datetime, suppressed: set[int]) -> Any:
    # A toast is a notification: none for snoozed alerts or rules, rules muted by false-positive
    # feedback, or alerts already rated false positives.
    return (
        (AlertEvent.state == "firing")
        & AlertEvent.acknowledged_at.is_(None)
        & or_(AlertEvent.snoozed_until.is_(None), AlertEvent.snoozed_until <= now)
        & or_(AlertRule.snoozed_until.is_(None), AlertRule.snoozed_until <= now)
        & AlertEvent.feedback.is_distinct_from("false_positive")
        & AlertEvent.rule_id.not_in(sorted(suppressed))
    )


def bell_state(db: Session, seen_id: int | None, now: dt.datetime) -> BellState:
    """The unacknowledged alerts' count and top severity (``store.count_unacknowledged``), and
    the alerts raised after ``seen_id`` that may be toasted."""
    count = count_unacknowledged(db)
    severities = db.scalars(
        select(AlertEvent.severity)
        .where(AlertEvent.state == "firing", AlertEvent.acknowledged_at.is_(None))
        .distinct()
    ).all()
    top = max(severities, key=SEVERITY_ORDER.index, default=None)
    newest = db.scalar(select(func.max(AlertEvent.id))) or 0
    if seen_id is None or newest <= seen_id:
        return BellState(count, top, newest, [], 0)
    fresh = _toastable(now, suppressed_rule_ids(db)) & (AlertEvent.id > seen_id)
    joined = select(AlertEvent, AlertRule.name).join(AlertRule, AlertRule.id == AlertEvent.rule_id)
    total = db.scalar(select(func.count()).select_from(joined.where(fresh).subquery())) or 0
    rows = db.execute(joined.where(fresh).order_by(AlertEvent.id.desc()).limit(TOAST_LINES)).all()
    new = [
        NewAlert(event.id, name, event.severity, event.message, event.instance_key)
        for event, name in rows
    ]
    return BellState(count, top, newest, new, total)


def toast_lines(state: BellState) -> list[Any]:
    """The toast's body: one line per new alert, then how many more there are."""
    lines: list[Any] = [
        html.Div(
            [
                html.Span(alert.severity, className=f"severity-badge severity-{alert.severity}"),
                html.A(
                    f"{alert.rule}" + (f" · {alert.instance_key}" if alert.instance_key else ""),
                    href="/alerts",
                    className="fw-semibold",
                ),
                html.Span(alert.message, className="text-muted small"),
            ],
            className="alert-toast-line",
        )
        for alert in state.new_alerts
    ]
    hidden = state.new_total - len(state.new_alerts)
    if hidden > 0:
        lines.append(html.Div(f"and {hidden} more", className="text-muted small"))
    return lines


def toast_header(state: BellState) -> str:
    """``New alert`` or ``3 new alerts``."""
    return "New alert" if state.new_total == 1 else f"{state.new_total} new alerts"


def register(app: dash.Dash) -> None:
    @app.callback(
        output={
            "count": Output(ids.BELL_COUNT, "children"),
            "count_hidden": Output(ids.BELL_COUNT, "hidden"),
            "count_class": Output(ids.BELL_COUNT, "className"),
            "bell_title": Output(ids.BELL, "title"),
            "seen": Output(ids.SEEN, "data"),
            "shown": Output(ids.SHOWN, "data"),
            "toast_body": Output(ids.TOAST_BODY, "children"),
            "toast_header": Output(ids.TOAST, "header"),
            "toast_icon": Output(ids.TOAST, "icon"),
            "toast_open": Output(ids.TOAST, "is_open"),
        },
        inputs={
            "_tick": Input(ids.TICK, "n_intervals"),
            "seen": State(ids.SEEN, "data"),
            "shown": State(ids.SHOWN, "data"),
        },
    )
    @require_role("analyst")
    def poll(_tick: int, seen: int | None, shown: dict[str, Any] | None) -> dict[str, Any]:
        seen_id = seen if isinstance(seen, int) else None
        try:
            with transaction() as db:
                state = bell_state(db, seen_id, dt.datetime.now(dt.UTC))
        except SQLAlchemyError as exc:
            log.debug("alert bell not refreshed: %s", exc)
            raise dash.exceptions.PreventUpdate from exc
        if state.newest_id == seen_id and bell_shown(state) == shown:
            raise dash.exceptions.PreventUpdate  # nothing changed: no re-render
        return bell_outputs(state)


def bell_shown(state: BellState) -> dict[str, Any]:
    """What the bell displays, to tell whether it must be re-rendered."""
    return {"count": state.open_count, "top": state.top_severity}


def bell_outputs(state: BellState) -> dict[str, Any]:
    """The bell's and the toast's properties for ``state`` (the toast only for new alerts)."""
    out: dict[str, Any] = {
        "count": f"{state.open_count:,}" if state.open_count < 100 else "99+",
        "count_hidden": state.open_count == 0,
        "count_class": f"alert-bell-count alert-bell-{state.top_severity or 'info'}",
        "bell_title": f"{state.open_count} open alert(s)",
        "seen": state.newest_id,
        "shown": bell_shown(state),
        "toast_body": no_update,
        "toast_header": no_update,
        "toast_icon": no_update,
        "toast_open": no_update,
    }
    if state.new_alerts:
        top = max((a.severity for a in state.new_alerts), key=SEVERITY_ORDER.index)
        out |= {
            "toast_body": toast_lines(state),
            "toast_header": toast_header(state),
            "toast_icon": {"critical": "danger", "warning": "warning"}.get(top, "primary"),
            "toast_open": True,
        }
    return out
