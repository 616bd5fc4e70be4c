"""One HTTP POST for the HTTP-based adapters, with failures classified for the retry policy."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import orjson

from app.config import Settings
from app.notify.channels.base import (
    Delivery,
    FieldSpec,
    PermanentDeliveryError,
    Problems,
    RetryableDeliveryError,
    SentResult,
    url_problem,
)
from app.notify.message import AlertNotification, RenderedMessage

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Besides these, any 5xx is retried; other 4xx answers are permanent."""


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP error status is worth another attempt."""
    return status in RETRYABLE_STATUSES or status >= 500


def basic_auth(user: str, password: str) -> str:
    """The value of an ``Authorization: Basic`` header."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def post(
    url: str,
    body: bytes,
    *,
    content_type: str,
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
) -> SentResult:
    """POST ``body``; return the 2xx status or raise a classified delivery error."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "tradedash-notify/1")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = int(response.status)
            answer = response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        message = f"HTTP {exc.code} from {url}" + (f": {detail}" if detail else "")
        if is_retryable_status(exc.code):
            raise RetryableDeliveryError(message, status=exc.code) from exc
        raise PermanentDeliveryError(message, status=exc.code) from exc
    except TimeoutError as exc:
        raise RetryableDeliveryError(f"no answer from {url} within {timeout_s:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise RetryableDeliveryError(f"no answer from {url} within {timeout_s:g} s") from exc
        raise RetryableDeliveryError(f"cannot reach {url}: {exc.reason}") from exc
    except OSError as exc:
        raise RetryableDeliveryError(f"cannot reach {url}: {exc}") from exc
    return SentResult(status=status, note=answer[:200])


def webhook_url_fields(placeholder: str) -> tuple[FieldSpec, ...]:
    """The one form field of an incoming webhook: its URL, kept as a secret (it carries the
    token or signature that authorises posting)."""
    return (FieldSpec("webhook_url", "Incoming webhook URL", secret=True, placeholder=placeholder),)


class IncomingWebhookAdapter:
    """An adapter that POSTs one JSON body to an incoming-webhook URL (Slack, Teams).

    Subclasses set ``kind``, ``label`` and ``fields`` (``webhook_url_fields(...)``) and
    build the body in ``body``.
    """

    kind: str
    label: str
    fields: tuple[FieldSpec, ...]

    def body(self, notification: AlertNotification, message: RenderedMessage) -> dict[str, Any]:
        """The JSON body of one message."""
        raise NotImplementedError

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """The webhook URL must be https."""
        problems = Problems()
        problems.require(secrets, self.fields)
        if secrets.get("webhook_url") and (problem := url_problem(secrets["webhook_url"])):
            problems.add("webhook_url", problem)
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One POST of the message."""
        return post(
            delivery.secrets["webhook_url"],
            orjson.dumps(self.body(delivery.notification, delivery.message)),
            content_type="application/json",
            timeout_s=settings.notify_http_timeout_s,
        )
