"""The completion webhook: a schedule may name a URL that gets a signed JSON POST after each run.

The body is the run's outcome (ids, state, times, attachment name and SHA-256, error); the
header ``X-Tradedash-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes with
``settings.report_webhook_key``, so the receiver can check both origin and integrity. A webhook
that fails is logged and not retried: it must never hold up or fail the report itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tradedash-Signature"


def check_url(url: str) -> str:
    """An ``http(s)://host/...`` URL, stripped; ValueError for anything else."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http:// or https:// URL")
    return text


def signature(key: bytes, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(key: bytes, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time comparison)."""
    return hmac.compare_digest(signature(key, body), header)


def post_completion(url: str, key: bytes, payload: Mapping[str, Any], timeout_s: float) -> bool:
    """POST the signed payload; whether the receiver answered 2xx."""
    body = orjson.dumps(dict(payload))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by check_url
        check_url(url),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(key, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("report webhook %s failed: %s", url, error)
        return False
