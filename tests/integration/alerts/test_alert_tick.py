"""The beat tick task evaluates the rules and escalates, in a worker-like context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.alerts import AlertInstance
from workers.alerts.evaluator import alert_keys
from workers.celery_app import create_celery
from workers.tasks import alerts, context

from .conftest import committing, insert_rollups, make_rule, rollup

pytestmark = pytest.mark.integration


@pytest.fixture
def worker_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    settings = base_settings.model_copy(update={"database_url": database_url})
    create_celery(settings)  # the current app, as in a worker process
    context.reset()
    yield settings
    context.engine().dispose()  # closes the pool's connections (reset() only forgets them)
    context.reset()


def test_the_tick_fires_and_publishes(
    worker_settings: Settings, session: Session, committed_db: sa.Engine
) -> None:
    now = dt.datetime.now(dt.UTC)
    with committing(session):
        make_rule(session, scope="global")
        insert_rollups(session.connection(), [rollup(now.replace(second=0), rejects=9)])
    client = redis.Redis.from_url(worker_settings.redis_url)
    channel = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    channel.subscribe(alert_keys(worker_settings.consumer_group)["channel"])
    channel.get_message(timeout=0.5)  # the subscription is in place
    assert alerts.tick() == 1
    assert alerts.tick() == 0  # still firing: no change
    message = channel.get_message(timeout=2)
    assert message is not None and b'"to":"firing"' in message["data"]
    status = client.hgetall(alert_keys(worker_settings.consumer_group)["status"])
    assert int(status[b"rules"]) == 1
    channel.close()
    client.close()


def test_the_tick_leaves_the_passes_to_a_running_evaluator(
    worker_settings: Settings, session: Session, committed_db: sa.Engine
) -> None:
    now = dt.datetime.now(dt.UTC)
    with committing(session):
        make_rule(session, scope="global")
        insert_rollups(session.connection(), [rollup(now.replace(second=0), rejects=9)])
    client = redis.Redis.from_url(worker_settings.redis_url)
    heartbeat = alert_keys(worker_settings.consumer_group)["evaluator"]
    client.set(heartbeat, 1, ex=30)  # an evaluator process is running passes
    try:
        assert alerts.tick() == 0  # escalations only: the breach is the evaluator's to see
        assert session.scalar(sa.select(sa.func.count()).select_from(AlertInstance)) == 0
    finally:
        client.delete(heartbeat)
    assert alerts.tick() == 1  # no evaluator: the tick evaluates itself
    client.close()
