"""Per-token rate limit of the REST API: a fixed one-minute window counted in Redis.

Redis being down does not lock integrations out: the request is let through and the failure
logged (the database and the token check still protect the data).
"""

from __future__ import annotations

import hashlib
import logging
import time

import redis
from flask import Response, current_app

from tradedash.api.errors import error_response

from .api import bearer_secret
from .principal import Principal

log = logging.getLogger(__name__)
WINDOW_S = 60


def over_limit(principal: Principal) -> tuple[Response, int] | None:
    """The 429 answer when this token used up its requests of the current minute, else None."""
    resources = current_app.extensions["tradedash"]
    limit = resources.settings.api_rate_limit_per_minute
    window = int(time.time()) // WINDOW_S
    # Keyed by a digest of the token itself: ids and names are reused (per database, after a
    # token is revoked), a token's digest is not.
    digest = hashlib.sha256((bearer_secret() or principal.name).encode()).hexdigest()[:24]
    key = f"td:ratelimit:api:{digest}:{window}"
    try:
        pipe = resources.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_S * 2)
        count = int(pipe.execute()[0])
    except redis.RedisError as exc:
        log.warning("API rate limit not checked, Redis failed: %s", exc)
        return None
    if count <= limit:
        return None
    retry_after = WINDOW_S - int(time.time()) % WINDOW_S
    response, status = error_response(
        429,
        "rate_limited",
        f"more than {limit} requests in a minute for this token; retry in {retry_after} s",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response, status
