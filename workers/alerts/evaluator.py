"""The alert evaluator: runs a pass of :func:`app.alerts.engine.evaluate_all` right after each
batch the ingest consumers store (their Redis pub/sub channel ``td:{group}:live``), and at least
every ``alerts_idle_interval_s`` when nothing arrives. State changes are committed, then
published on ``td:{group}:alerts`` for the page's toast; the pass's timings go to the hash
``td:{group}:alerts:status``. The deliveries a pass queues are handed to the workers once its
changes are published (:class:`app.notify.dispatch.DeferredDispatcher`), so the toast does
not wait for the broker.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable

import orjson
import redis
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from app.alerts.engine import (
    Change,
    Fetcher,
    PassStats,
    escalate,
    evaluate_all,
    lock_evaluation,
)
from app.alerts.notifications import parse_business_hours
from app.config import Settings
from app.notify import dispatch
from workers.ingest.live import keys as live_keys

log = logging.getLogger(__name__)


def alert_keys(group: str) -> dict[str, str]:
    """Redis keys of the alert engine for one consumer group (``evaluator``: set while an
    evaluator process runs passes, expiring soon after it stops)."""
    return {
        "channel": f"td:{group}:alerts",
        "status": f"td:{group}:alerts:status",
        "evaluator": f"td:{group}:alerts:evaluator",
    }


def evaluator_alive(client: redis.Redis, group: str) -> bool:
    """Whether an evaluator process has run a pass recently (its heartbeat has not expired)."""
    try:
        return bool(client.exists(alert_keys(group)["evaluator"]))
    except redis.RedisError:
        return False


def _heartbeat(client: redis.Redis, group: str, idle_interval_s: float) -> None:
    # outlives one idle interval and a slow pass, not a dead process
    try:
        client.set(alert_keys(group)["evaluator"], time.time(), ex=int(idle_interval_s * 3) + 5)
    except redis.RedisError as exc:
        log.warning("evaluator heartbeat failed (%s)", exc)


def publish_changes(client: redis.Redis, group: str, changes: Iterable[Change]) -> None:
    """Publish committed state changes (best effort: the database is the record)."""
    channel = alert_keys(group)["channel"]
    try:
        pipe = client.pipeline(transaction=False)
        for change in changes:
            pipe.publish(channel, orjson.dumps(change.as_json()))
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("publishing alert changes failed (%s); dropped", exc)


def run_pass(
    engine: Engine,
    settings: Settings,
    fetcher: Fetcher,
    client: redis.Redis | None = None,
    now: dt.datetime | None = None,
    *,
    escalations: bool = False,
) -> PassStats:
    """One committed evaluation pass (and escalation check), with its changes published."""
    hours = parse_business_hours(settings.alerts_business_hours)
    now = now or dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        stats = evaluate_all(session, now, hours=hours, fetcher=fetcher)
        if escalations:
            escalate(session, now, hours)
    stats.committed_at = time.time()
    if client is not None:
        if stats.changes:
            publish_changes(client, settings.consumer_group, stats.changes)
        _status(client, settings.consumer_group, stats)
    deferred = dispatch.installed_dispatcher()
    if isinstance(deferred, dispatch.DeferredDispatcher):
        deferred.flush()  # the run_evaluator process: the toast went first
    return stats


def _forget_heartbeat(client: redis.Redis, group: str) -> None:
    # stopped: the beat tick takes over the time-based rules at once
    try:
        client.delete(alert_keys(group)["evaluator"])
    except redis.RedisError as exc:
        log.warning("could not remove the evaluator heartbeat (%s)", exc)


def run_escalations(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> int:
    """The escalation check alone (under the evaluation lock, which it holds for milliseconds);
    returns how many levels were notified."""
    hours = parse_business_hours(settings.alerts_business_hours)
    with Session(engine) as session, session.begin():
        lock_evaluation(session)
        return escalate(session, now or dt.datetime.now(dt.UTC), hours)


def _status(client: redis.Redis, group: str, stats: PassStats) -> None:
    try:
        client.hset(
            alert_keys(group)["status"],
            mapping={
                "t": time.time(),
                "rules": stats.rules,
                "instances": stats.instances,
                "fetch_ms": round(stats.fetch_ms, 2),
                "evaluate_ms": round(stats.evaluate_ms, 2),
                "write_ms": round(stats.write_ms, 2),
            },
        )
    except redis.RedisError as exc:
        log.warning("alert status update failed (%s)", exc)


def run_evaluator(
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    on_pass: Callable[[PassStats, float | None], None] | None = None,
) -> None:
    """Evaluate after every ingest batch until ``stop`` is set (or forever).

    ``on_pass(stats, batch_time)`` is called after each committed pass with the publish time
    of the newest batch message it answered (None for an idle pass).
    """
    stop = stop or threading.Event()
    engine = create_engine(settings.database_url, pool_pre_ping=True, pool_size=2)
    client = redis.Redis.from_url(settings.redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live_keys(settings.consumer_group)["channel"])
    fetcher = Fetcher()
    installed = dispatch.installed_dispatcher()
    sender = dispatch.DeferredDispatcher(installed or dispatch.celery_dispatcher(settings))
    dispatch.set_dispatcher(sender)
    try:
        while not stop.is_set():
            # The consumers publish at most 10x/s, and announce a batch the throttle held back
            # as soon as they go idle, so every stored batch is followed by a message.
            batch_time = _wait_for_batch(pubsub, settings.alerts_idle_interval_s)
            try:
                stats = run_pass(engine, settings, fetcher, client)
            except Exception:  # noqa: BLE001 - one bad pass must not stop the evaluator
                log.exception("alert evaluation pass failed")
                time.sleep(1.0)
                continue
            _heartbeat(client, settings.consumer_group, settings.alerts_idle_interval_s)
            if on_pass is not None:
                on_pass(stats, batch_time)
            for change in stats.changes:
                log.info(
                    "%s [%s] %s -> %s",
                    change.rule_name,
                    change.instance_key,
                    change.from_state,
                    change.to_state,
                )
    finally:
        sender.flush()
        dispatch.set_dispatcher(installed)
        _forget_heartbeat(client, settings.consumer_group)
        pubsub.close()
        client.close()
        engine.dispose()


def _wait_for_batch(pubsub: redis.client.PubSub, timeout_s: float) -> float | None:
    """Wait for the next batch message, then drain the ones queued behind it (one pass answers
    them all); the newest message's publish time, or None after ``timeout_s`` of silence."""
    message = pubsub.get_message(timeout=timeout_s)
    newest: float | None = None
    while message is not None:
        if message.get("type") == "message":
            try:
                newest = float(orjson.loads(message["data"]).get("t", time.time()))
            except (orjson.JSONDecodeError, TypeError, ValueError):
                newest = time.time()
        message = pubsub.get_message(timeout=0)
    return newest
