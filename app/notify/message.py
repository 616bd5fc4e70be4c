"""The content of a notification: built once per alert transition, rendered per channel.

:class:`AlertNotification` holds the facts (from ``alert_events`` and ``alert_rules``);
:func:`render` turns them into a title, a one-line summary, a plain-text body and an HTML body
that every adapter reuses (e-mail sends text + HTML, chat tools the summary and text, SMS the
summary only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db.models.alerts import AlertEvent, AlertRule

TRANSITION_WORDS = {
    "firing": "FIRING",
    "resolved": "RESOLVED",
    "acknowledged": "ACKNOWLEDGED",
    "escalated": "ESCALATED",
    "test": "TEST",
}


class AlertEventNotFoundError(LookupError):
    """The alert event of a delivery no longer exists."""


@dataclass(frozen=True)
class AlertNotification:
    """Everything a channel needs to tell someone about one alert transition."""

    alert_event_id: int
    rule_id: int
    rule_name: str
    rule_version: int
    transition: str
    state: str
    severity: str
    fired_at: dt.datetime
    resolved_at: dt.datetime | None
    value: float | None
    message: str
    labels: Mapping[str, str] = field(default_factory=dict)
    escalation_level: int = 0
    link: str = ""
    instance_key: str = ""
    """The alert instance's scope value (an LP, a symbol; empty for a global rule)."""

    @property
    def dedup_key(self) -> str:
        """The alert instance's key: the same for its firing, acknowledge and resolve.

        An instance is a rule plus its scope (Grafana's model): ``instance_key`` when the engine
        gives one (or an ``instance_key`` label), else a digest of the sorted label set.
        """
        key = self.instance_key or self.labels.get("instance_key", "")
        if key:
            return f"tradedash-rule{self.rule_id}-{key}"
        canonical = "|".join(f"{name}={self.labels[name]}" for name in sorted(self.labels))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        return f"tradedash-rule{self.rule_id}-{digest}"


@dataclass(frozen=True)
class RenderedMessage:
    """The notification in the forms the channels send."""

    title: str
    summary: str
    text: str
    html: str


def _utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def _value_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.6g}"


def facts(notification: AlertNotification) -> list[tuple[str, str]]:
    """Label → value pairs shown by every rich channel, in a fixed order."""
    rows = [
        ("Rule", f"{notification.rule_name} (v{notification.rule_version})"),
        ("Severity", notification.severity),
        ("State", notification.state),
        ("Value", _value_text(notification.value)),
        ("Fired at", _utc(notification.fired_at)),
    ]
    if notification.resolved_at is not None:
        rows.append(("Resolved at", _utc(notification.resolved_at)))
    if notification.escalation_level:
        rows.append(("Escalation level", str(notification.escalation_level)))
    rows.extend(
        (f"Label {key}", str(notification.labels[key])) for key in sorted(notification.labels)
    )
    return rows


def render(notification: AlertNotification) -> RenderedMessage:
    """The title, summary, text and HTML of ``notification`` (one template for all channels)."""
    word = TRANSITION_WORDS.get(notification.transition, notification.transition.upper())
    title = f"[{word}] {notification.severity.upper()} {notification.rule_name}"
    summary = f"{title}: {notification.message}"
    lines = [title, "", notification.message, ""]
    lines += [f"{label}: {value}" for label, value in facts(notification)]
    if notification.link:
        lines += ["", f"Open in TradeDash: {notification.link}"]
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in facts(notification)
    )
    link = (
        f"<p><a href='{html.escape(notification.link)}'>Open in TradeDash</a></p>"
        if notification.link
        else ""
    )
    body = (
        f"<html><body><h2>{html.escape(title)}</h2><p>{html.escape(notification.message)}</p>"
        f"<table>{rows}</table>{link}</body></html>"
    )
    return RenderedMessage(title=title, summary=summary, text="\n".join(lines) + "\n", html=body)


def _labels(event: AlertEvent) -> dict[str, str]:
    # The engine may keep labels in details["labels"] and/or in a ``labels`` column.
    merged: dict[str, str] = {}
    for source in ((event.details or {}).get("labels"), getattr(event, "labels", None)):
        if isinstance(source, Mapping):
            merged.update({str(key): str(value) for key, value in source.items()})
    return merged


def load_notification(
    session: Session,
    alert_event_id: int,
    transition: str,
    *,
    escalation_level: int = 0,
    dashboard_url: str = "",
) -> AlertNotification:
    """Build the notification of ``alert_event_id`` from its ``alert_events`` row and rule."""
    row = session.execute(
        sa.select(AlertEvent, AlertRule.name)
        .join(AlertRule, AlertRule.id == AlertEvent.rule_id)
        .where(AlertEvent.id == alert_event_id)
    ).one_or_none()
    if row is None:
        raise AlertEventNotFoundError(f"alert event {alert_event_id} does not exist")
    event, rule_name = row
    link = f"{dashboard_url.rstrip('/')}/alerts?event={event.id}" if dashboard_url else ""
    return AlertNotification(
        alert_event_id=event.id,
        rule_id=event.rule_id,
        rule_name=rule_name,
        rule_version=event.rule_version,
        transition=transition,
        state=event.state,
        severity=event.severity,
        fired_at=event.fired_at,
        resolved_at=event.resolved_at,
        value=event.value,
        message=event.message,
        labels=_labels(event),
        escalation_level=escalation_level,
        link=link,
        instance_key=str(getattr(event, "instance_key", "") or ""),
    )


def trial_notification(channel_name: str, now: dt.datetime) -> AlertNotification:
    """The message the admin page's "Send test" button delivers."""
    return AlertNotification(
        alert_event_id=0,
        rule_id=0,
        rule_name="Test notification",
        rule_version=1,
        transition="test",
        state="firing",
        severity="info",
        fired_at=now,
        resolved_at=None,
        value=None,
        message=f"Test message for channel {channel_name!r}: delivery works.",
        instance_key=f"test-{now:%Y%m%d%H%M%S}",
    )
