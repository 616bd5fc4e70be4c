"""Generic webhook: a JSON POST signed with HMAC-SHA256 under the channel's secret.

Headers: ``X-Tradedash-Timestamp`` (Unix seconds), ``X-Tradedash-Signature``
(``sha256=<hex of HMAC(secret, "<timestamp>." + raw body)>``) and ``X-Tradedash-Delivery`` (the
delivery id, the same on every retry, so a receiver can drop duplicates). A receiver recomputes
the signature over the raw body and refuses timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import orjson

from app.config import Settings
from app.notify.channels import http
from app.notify.channels.base import (
    Delivery,
    FieldSpec,
    Problems,
    SentResult,
    url_problem,
)
from app.notify.message import AlertNotification, RenderedMessage
from app.notify.registry import register

SIGNATURE_HEADER = "X-Tradedash-Signature"
TIMESTAMP_HEADER = "X-Tradedash-Timestamp"
DELIVERY_HEADER = "X-Tradedash-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str, *, now: float,
           tolerance_s: int = 300) -> bool:  # fmt: skip
    """Whether a received webhook is authentic and recent (what a receiver should check)."""
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def payload(delivery_id: int, notification: AlertNotification, message: RenderedMessage) -> bytes:
    """The JSON body (see docs/notifications.md for the schema)."""
    return orjson.dumps(
        {
            "version": 1,
            "delivery_id": delivery_id,
            "transition": notification.transition,
            "escalation_level": notification.escalation_level,
            "dedup_key": notification.dedup_key,
            "title": message.title,
            "summary": message.summary,
            "text": message.text,
            "alert": {
                "event_id": notification.alert_event_id,
                "rule_id": notification.rule_id,
                "rule_name": notification.rule_name,
                "rule_version": notification.rule_version,
                "state": notification.state,
                "severity": notification.severity,
                "fired_at": _iso(notification.fired_at),
                "resolved_at": _iso(notification.resolved_at),
                "value": notification.value,
                "message": notification.message,
                "instance_key": notification.instance_key or None,
                "labels": dict(notification.labels),
                "link": notification.link or None,
            },
        }
    )


class WebhookAdapter:
    """POSTs the alert as signed JSON to any HTTPS endpoint."""

    kind = "webhook"
    label = "Webhook (signed JSON)"
    fields: tuple[FieldSpec, ...] = (
        FieldSpec("url", "URL", placeholder="https://ops.broker.example/hooks/tradedash"),
        FieldSpec(
            "signing_secret",
            "Signing secret",
            secret=True,
            hint="At least 16 characters; the receiver checks X-Tradedash-Signature with it.",
        ),
        FieldSpec(
            "timeout_s",
            "Timeout (s)",
            required=False,
            hint="Per attempt, 1–60 s; empty: the server default.",
            placeholder="10",
        ),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """URL, a long enough secret and an optional timeout between 1 and 60 s."""
        problems = Problems()
        problems.require({**config, **secrets}, self.fields)
        if config.get("url") and (problem := url_problem(str(config["url"]))):
            problems.add("url", problem)
        secret = secrets.get("signing_secret") or ""
        if secret and len(secret) < 16:
            problems.add("signing_secret", "Use at least 16 characters.")
        timeout = config.get("timeout_s")
        if timeout not in (None, ""):
            try:
                if not 1 <= float(timeout) <= 60:
                    raise ValueError
            except (TypeError, ValueError):
                problems.add("timeout_s", "Enter a number of seconds between 1 and 60.")
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One signed POST."""
        body = payload(delivery.delivery_id, delivery.notification, delivery.message)
        timestamp = int(time.time())
        timeout = delivery.config.get("timeout_s")
        return http.post(
            str(delivery.config["url"]),
            body,
            content_type="application/json",
            timeout_s=float(timeout)
            if timeout not in (None, "")
            else settings.notify_http_timeout_s,
            headers={
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(delivery.secrets["signing_secret"], timestamp, body),
                DELIVERY_HEADER: str(delivery.delivery_id),
            },
        )


register(WebhookAdapter())
