"""Microsoft Teams incoming webhook (Workflows): a message with one Adaptive Card.

The webhook URL carries the signature that authorises posting, so it is stored as a secret.
"""

from __future__ import annotations

from typing import Any

from app.notify.channels import http
from app.notify.message import AlertNotification, RenderedMessage, facts
from app.notify.registry import register

COLOURS = {"critical": "Attention", "warning": "Warning", "info": "Accent"}


def payload(notification: AlertNotification, message: RenderedMessage) -> dict[str, Any]:
    """The webhook body: ``type: message`` with an Adaptive Card 1.4 attachment."""
    colour = (
        "Good"
        if notification.transition == "resolved"
        else COLOURS.get(notification.severity, "Default")
    )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.title,
                "size": "Large",
                "weight": "Bolder",
                "color": colour,
                "wrap": True,
            },
            {"type": "TextBlock", "text": notification.message, "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in facts(notification)],
            },
        ],
    }
    if notification.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in TradeDash", "url": notification.link}
        ]
    return {
        "type": "message",
        "summary": message.summary,
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class TeamsAdapter(http.IncomingWebhookAdapter):
    """Posts an Adaptive Card to a Teams channel."""

    kind = "teams"
    label = "Microsoft Teams"
    fields = http.webhook_url_fields("https://prod-00.westeurope.logic.azure.com/workflows/...")

    def body(self, notification: AlertNotification, message: RenderedMessage) -> dict[str, Any]:
        """The webhook body (``payload``)."""
        return payload(notification, message)


register(TeamsAdapter())
