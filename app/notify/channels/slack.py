"""Slack incoming webhook: ``text`` for notifications plus Block Kit blocks for the message.

The webhook URL carries Slack's secret token, so it is stored as a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from app.config import Settings
from app.notify.channels import http
from app.notify.channels.base import Delivery, FieldSpec, Problems, SentResult, url_problem
from app.notify.message import AlertNotification, RenderedMessage, facts
from app.notify.registry import register

MAX_FIELDS = 10
"""Slack refuses a section with more than ten fields."""


def payload(notification: AlertNotification, message: RenderedMessage) -> dict[str, Any]:
    """The incoming-webhook body."""
    fields = [
        {"type": "mrkdwn", "text": f"*{label}*\n{value}"}
        for label, value in facts(notification)[:MAX_FIELDS]
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": notification.message}},
        {"type": "section", "fields": fields},
    ]
    if notification.link:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"<{notification.link}|Open in TradeDash>"}
                ],
            }
        )
    return {"text": message.summary, "blocks": blocks}


class SlackAdapter:
    """Posts to a Slack channel through an incoming webhook."""

    kind = "slack"
    label = "Slack"
    fields: tuple[FieldSpec, ...] = (
        FieldSpec(
            "webhook_url",
            "Incoming webhook URL",
            secret=True,
            placeholder="https://hooks.slack.com/services/T000/B000/XXXX",
        ),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """The webhook URL must be https."""
        problems = Problems()
        problems.require(secrets, self.fields)
        if secrets.get("webhook_url") and (problem := url_problem(secrets["webhook_url"])):
            problems.add("webhook_url", problem)
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One POST of the message."""
        return http.post(
            delivery.secrets["webhook_url"],
            orjson.dumps(payload(delivery.notification, delivery.message)),
            content_type="application/json",
            timeout_s=settings.notify_http_timeout_s,
        )


register(SlackAdapter())
