"""Server-Sent Events: the ingest's live deltas (Redis pub/sub ``td:{group}:live``, published by
``workers/ingest/live.py``) pushed to signed-in browsers, batched.

``GET /_live/stream`` sits behind the same sign-in as the pages (an anonymous request gets the
guard's 401). Each stream ends after :data:`MAX_STREAM_S` (the browser's EventSource reconnects
by itself), so a gthread worker's thread is never held for good; at most
:data:`MAX_STREAMS_PER_PROCESS` streams run per process, the others get a 503 and the page
falls back to polling. ``assets/live.js`` is the browser side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import redis
from flask import Blueprint, Flask, Response, current_app, stream_with_context

BATCH_S = 0.05
"""Deltas arriving within this long of the first one are sent as one event."""
MIN_GAP_S = 0.5
"""At most two events a second: each one refreshes the page's figures (the ingest publishes
up to ten deltas a second)."""
HEARTBEAT_S = 5.0
"""Also how soon a stream notices its browser left (the write fails) and frees its thread."""
MAX_STREAM_S = 300.0
MAX_STREAMS_PER_PROCESS = 8
RETRY_MS = 1000
"""How soon the browser reconnects after a stream ends or breaks."""

_open = threading.BoundedSemaphore(MAX_STREAMS_PER_PROCESS)


def channel_of(group: str) -> str:
    """The pub/sub channel of a consumer group's live deltas."""
    return f"td:{group}:live"


def merge(deltas: list[dict[str, Any]]) -> dict[str, Any]:
    """One event out of several deltas: rows stored summed per topic, the latest time and rate."""
    stored: dict[str, int] = {}
    for delta in deltas:
        for topic, count in (delta.get("stored") or {}).items():
            stored[topic] = stored.get(topic, 0) + int(count)
    last = deltas[-1]
    return {"t": last.get("t"), "rate": last.get("rate"), "stored": stored, "deltas": len(deltas)}


def event(name: str, data: dict[str, Any]) -> str:
    """One SSE event."""
    return f"event: {name}\ndata: {orjson.dumps(data).decode()}\n\n"


def deltas(
    client: redis.Redis,
    channel: str,
    *,
    batch_s: float = BATCH_S,
    min_gap_s: float = MIN_GAP_S,
    heartbeat_s: float = HEARTBEAT_S,
    max_s: float = MAX_STREAM_S,
) -> Iterator[str]:
    """The SSE text of ``channel``'s deltas, batched (``batch_s`` after the first, at least
    ``min_gap_s`` apart), with keep-alive comments, for ``max_s``."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    try:
        yield f"retry: {RETRY_MS}\n" + event("hello", {"channel": channel})
        started = last_sent = time.monotonic()
        last_event = float("-inf")
        batch: list[dict[str, Any]] = []
        due: float | None = None
        while time.monotonic() - started < max_s:
            wait = 0.25 if due is None else max(0.0, due - time.monotonic())
            message = pubsub.get_message(timeout=wait)
            now = time.monotonic()
            if message is not None and message.get("type") == "message":
                batch.append(orjson.loads(message["data"]))
                due = due or max(now + batch_s, last_event + min_gap_s)
            if batch and due is not None and now >= due:
                yield event("delta", merge(batch))
                batch, due, last_sent, last_event = [], None, now, now
            elif now - last_sent >= heartbeat_s:
                yield ": keep-alive\n\n"
                last_sent = now
    finally:
        pubsub.close()


def build_live_stream() -> Blueprint:
    """The blueprint of ``/_live/stream``."""
    blueprint = Blueprint("live", __name__)

    @blueprint.get("/_live/stream")
    def stream() -> Response:
        resources = current_app.extensions["tradedash"]
        client: redis.Redis = resources.redis
        channel = channel_of(resources.settings.consumer_group)
        if not _open.acquire(blocking=False):
            return Response("too many live streams", status=503, mimetype="text/plain")
        try:
            client.ping()
        except redis.RedisError:
            _open.release()
            return Response("live updates unavailable", status=503, mimetype="text/plain")

        def body() -> Iterator[str]:
            try:
                yield from deltas(client, channel)
            except redis.RedisError:
                yield event("bye", {"reason": "redis"})
            finally:
                _open.release()

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(stream_with_context(body()), mimetype="text/event-stream", headers=headers)

    return blueprint


def install_live_stream(server: Flask) -> None:
    """Add ``/_live/stream`` to ``server``."""
    server.register_blueprint(build_live_stream())
