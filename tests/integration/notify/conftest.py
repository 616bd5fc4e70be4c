"""Fixtures of the notification tests: settings on the session's database, an alert event
stored through the models, channels created through ``app.notify.store``, local receivers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import Actor
from app.config import Settings
from app.db.models.alerts import AlertEvent, AlertRule, AlertRuleVersion
from app.notify.store import save_channel

from .receivers import HttpReceiver, MailBox, smtp_server

ADMIN = Actor("notify-tests@desk.example", "admin")
SIGNING_SECRET = "whsec-0123456789abcdef"
FIRED = dt.datetime(2026, 11, 24, 10, 30, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def notify_settings(base_settings: Settings, database_url: str) -> Settings:
    return base_settings.model_copy(
        update={
            "database_url": database_url,
            "secret_key": None,
            "notify_http_timeout_s": 2.0,
            "notify_backoff_base_s": 0.2,
            "notify_max_attempts": 4,
        }
    )


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[tuple[MailBox, int]]:
    box = MailBox()
    controller = smtp_server(box)
    yield box, controller.port
    controller.stop()


def store_alert_event(engine: sa.Engine, **overrides: Any) -> int:
    """A rule, its version and one firing alert event; returns the event id."""
    with Session(engine) as session, session.begin():
        rule = session.scalar(sa.select(AlertRule).where(AlertRule.name == "LP reject rate"))
        if rule is None:
            rule = AlertRule(name="LP reject rate")
            session.add(rule)
            session.flush()
            session.add(AlertRuleVersion(rule_id=rule.id, version=1, definition={}))
            session.flush()
        values: dict[str, Any] = {
            "rule_id": rule.id,
            "rule_version": 1,
            "state": "firing",
            "severity": "critical",
            "fired_at": FIRED,
            "value": 0.125,
            "message": "Reject rate 12.5% > 5% on LP-A",
            "details": {"labels": {"lp": "LP-A", "instance_key": "r1-LPA"}},
        }
        event = AlertEvent(**{**values, **overrides})
        session.add(event)
        session.flush()
        return event.id


@pytest.fixture
def alert_event(committed_db: sa.Engine) -> int:
    return store_alert_event(committed_db)


ChannelFactory = Callable[..., int]


@pytest.fixture
def make_channel(committed_db: sa.Engine, notify_settings: Settings) -> ChannelFactory:
    def make(kind: str, name: str | None = None, **values: str) -> int:
        with Session(committed_db) as session, session.begin():
            view = save_channel(
                session, notify_settings, ADMIN, kind=kind, name=name or f"{kind} channel",
                values=values,
            )  # fmt: skip
        return view.id

    return make
