"""One HTTP POST for the HTTP-based adapters, with failures classified for the retry policy."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Mapping

from app.notify.channels.base import PermanentDeliveryError, RetryableDeliveryError, SentResult

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
