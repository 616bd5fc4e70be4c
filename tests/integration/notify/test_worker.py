"""The deliver task on a real Celery worker: alert commit → task → signed webhook, retries
through Celery, and the firing → delivered latency (p50/p99 over 50 alerts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest
import sqlalchemy as sa
from celery import Celery
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.notifications import NotificationDelivery
from app.notify import dispatch
from app.notify.outbox import enqueue_alert_notification
from workers.celery_app import create_celery

from .conftest import ChannelFactory, store_alert_event
from .receivers import HttpReceiver
from .test_delivery import signature_ok, webhook_channel

pytestmark = pytest.mark.integration

LATENCY_SAMPLES = 50
WARM_UP = 3
"""Deliveries not measured: the first ones open the broker and database connections."""


@pytest.fixture(scope="module")
def worker(notify_settings: Settings) -> Iterator[Celery]:
    # A queue of our own: other test sessions may run workers on the same Redis database.
    queue = f"alerts-{os.getpid()}-{time.monotonic_ns()}"
    env = {key: value for key, value in os.environ.items() if key != "TRADEDASH_SECRET_KEY"}
    env |= {
        "TRADEDASH_REDIS_URL": notify_settings.redis_url,
        "TRADEDASH_DATABASE_URL": notify_settings.database_url,
        "TRADEDASH_NOTIFY_BACKOFF_BASE_S": "0.2",
        "TRADEDASH_NOTIFY_HTTP_TIMEOUT_S": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradedash.cli", "worker", "--queues", queue,
         "--concurrency", "2", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    celery = create_celery(notify_settings)
    celery.send_task("tradedash.maintenance.ping", queue=queue).get(timeout=60)
    dispatch.set_dispatcher(dispatch.celery_dispatcher(notify_settings, queue=queue))
    yield celery
    dispatch.set_dispatcher(None)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    celery.close()


def states(engine: sa.Engine) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.execute(
            sa.select(NotificationDelivery.state, NotificationDelivery.attempts).order_by(
                NotificationDelivery.id
            )
        )
        return [(state, attempts) for state, attempts in rows]


def wait_until_settled(engine: sa.Engine, count: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = states(engine)
        if len(rows) == count and all(state in ("delivered", "failed") for state, _ in rows):
            return
        time.sleep(0.05)


def test_a_failing_receiver_is_retried_by_the_worker_until_delivered(
    worker: Celery, committed_db: sa.Engine, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int,
) -> None:  # fmt: skip
    receiver.fail_next, receiver.check = 2, signature_ok
    channel = webhook_channel(make_channel, receiver)
    with Session(committed_db) as session, session.begin():
        enqueue_alert_notification(session, alert_event, [channel], "firing")

    assert len(receiver.wait_for(1)) == 1
    wait_until_settled(committed_db, 1)
    assert states(committed_db) == [("delivered", 3)]
    assert len(receiver.failures) == 2
    arrivals = [got.at for got in receiver.failures + receiver.requests]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    # Backoff base 0.2 s with equal jitter: ≥ 0.1 s before attempt 2, ≥ 0.2 s before attempt 3.
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2


def test_firing_to_delivered_latency_through_the_worker(
    worker: Celery, committed_db: sa.Engine, receiver: HttpReceiver,
    make_channel: ChannelFactory,
) -> None:  # fmt: skip
    receiver.check = signature_ok
    channel = webhook_channel(make_channel, receiver)
    events = [store_alert_event(committed_db) for _ in range(WARM_UP + LATENCY_SAMPLES)]
    latencies = []
    for n, event in enumerate(events, start=1):
        started = time.time()
        with Session(committed_db) as session, session.begin():
            enqueue_alert_notification(session, event, [channel], "firing")
        arrived = receiver.wait_for(n, timeout_s=10)[n - 1].at
        latencies.append(arrived - started)

    wait_until_settled(committed_db, WARM_UP + LATENCY_SAMPLES)
    assert states(committed_db) == [("delivered", 1)] * (WARM_UP + LATENCY_SAMPLES)
    latencies = latencies[WARM_UP:]
    p50, p99 = np.percentile(latencies, [50, 99])
    worst = max(latencies)
    print(
        f"\nfiring → delivered (webhook, real worker, n={LATENCY_SAMPLES}): "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms"
    )
    assert p99 < 1.0
