"""Slack incoming webhook: ``text`` for notifications plus Block Kit blocks for the message.

The webhook URL carries Slack's secret token, so it is stored as a secret.
"""

from __future__ import annotations

from typing import Any

from app.notify.channels import http
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


class SlackAdapter(http.IncomingWebhookAdapter):
    """Posts to a Slack channel through an incoming webhook."""

    kind = "slack"
    label = "Slack"
    fields = http.webhook_url_fields("https://hooks.slack.com/services/T000/B000/XXXX")

    def body(self, notification: AlertNotification, message: RenderedMessage) -> dict[str, Any]:
        """The webhook body (``payload``)."""
        return payload(notification, message)


register(SlackAdapter())
