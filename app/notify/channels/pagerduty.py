"""PagerDuty Events API v2: trigger, acknowledge and resolve one incident per alert instance.

Every event of an alert instance carries the same ``dedup_key``
(:attr:`AlertNotification.dedup_key`), so PagerDuty folds a firing, its escalations, its
acknowledgement and its resolution into one incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from app.config import Settings
from app.notify.channels import http
from app.notify.channels.base import Delivery, FieldSpec, Problems, SentResult, url_problem
from app.notify.message import AlertNotification, RenderedMessage
from app.notify.registry import register

ACTIONS = {
    "firing": "trigger",
    "escalated": "trigger",
    "test": "trigger",
    "acknowledged": "acknowledge",
    "resolved": "resolve",
}
SEVERITIES = {"critical": "critical", "warning": "warning", "info": "info"}


def payload(
    routing_key: str, notification: AlertNotification, message: RenderedMessage
) -> dict[str, Any]:
    """The Events API v2 body; only a trigger carries the ``payload`` object."""
    action = ACTIONS[notification.transition]
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": notification.dedup_key,
    }
    if action == "trigger":
        body["payload"] = {
            "summary": message.summary[:1024],
            "source": "tradedash",
            "severity": SEVERITIES.get(notification.severity, "error"),
            "timestamp": notification.fired_at.astimezone(dt.UTC).isoformat(),
            "component": notification.rule_name,
            "class": "alert_rule",
            "custom_details": {
                "rule_id": notification.rule_id,
                "rule_version": notification.rule_version,
                "alert_event_id": notification.alert_event_id,
                "value": notification.value,
                "escalation_level": notification.escalation_level,
                "labels": dict(notification.labels),
            },
        }
        if notification.link:
            body["links"] = [{"href": notification.link, "text": "Open in TradeDash"}]
    return body


class PagerDutyAdapter:
    """Sends Events API v2 events with the service's integration (routing) key."""

    kind = "pagerduty"
    label = "PagerDuty"
    fields: tuple[FieldSpec, ...] = (
        FieldSpec(
            "routing_key",
            "Integration key",
            secret=True,
            hint="The 32-character Events API v2 integration key of the service.",
        ),
        FieldSpec(
            "events_url",
            "Events API URL",
            required=False,
            hint="Empty: https://events.pagerduty.com/v2/enqueue (or the server setting).",
        ),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """An integration key of 32 characters and an optional https URL."""
        problems = Problems()
        problems.require(secrets, self.fields)
        key = secrets.get("routing_key") or ""
        if key and len(key) != 32:
            problems.add("routing_key", "An integration key has 32 characters.")
        if config.get("events_url") and (problem := url_problem(str(config["events_url"]))):
            problems.add("events_url", problem)
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One event (PagerDuty answers 202 Accepted)."""
        body = payload(delivery.secrets["routing_key"], delivery.notification, delivery.message)
        return http.post(
            str(delivery.config.get("events_url") or settings.notify_pagerduty_url),
            orjson.dumps(body),
            content_type="application/json",
            timeout_s=settings.notify_http_timeout_s,
        )


register(PagerDutyAdapter())
