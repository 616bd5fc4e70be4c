"""Notifications handed to delivery: firing and resolved, cooldown, snooze, acknowledgement,
escalation levels and suppression by false-positive feedback (real outbox rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import RuleDefinitionError
from app.alerts.engine import Change, escalate, evaluate_all
from app.db.models.alerts import AlertEvent
from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.notify.dispatch import set_dispatcher

from .conftest import ADMIN, committing, insert_rollups, make_rule, rollup

pytestmark = pytest.mark.integration


@pytest.fixture
def dispatched() -> Iterator[list[int]]:
    """Delivery ids handed to the workers after commit (instead of Celery)."""
    sent: list[int] = []
    set_dispatcher(sent.extend)
    yield sent
    set_dispatcher(None)


def _channel(session: Session, name: str) -> int:
    channel = NotificationChannel(name=name, kind="webhook", config={"url": "http://127.0.0.1:9"})
    session.add(channel)
    session.flush()
    return channel.id


def _deliveries(session: Session) -> list[tuple[str, int, int]]:
    rows = session.execute(
        sa.select(
            NotificationDelivery.transition,
            NotificationDelivery.channel_id,
            NotificationDelivery.escalation_level,
        ).order_by(NotificationDelivery.id)
    ).all()
    return [(str(t), int(c), int(level)) for t, c, level in rows]


def _pass(session: Session, at: dt.datetime) -> list[Change]:
    changes = evaluate_all(session, at).changes
    session.commit()
    return changes


def _set_rejects(session: Session, at: dt.datetime, rejects: int) -> None:
    with committing(session):
        session.execute(sa.text("DELETE FROM exec_rollup_1m"))
        insert_rollups(session.connection(), [rollup(at.replace(second=0), rejects=rejects)])


NOW = dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)


def test_firing_resolved_and_cooldown(session: Session, dispatched: list[int]) -> None:
    with committing(session):
        desk = _channel(session, "desk")
        make_rule(session, channel_ids=[desk], cooldown_s=600)
    _set_rejects(session, NOW, 9)
    assert [c.notified for c in _pass(session, NOW)] == [True]
    _set_rejects(session, NOW, 0)
    _pass(session, NOW + dt.timedelta(seconds=10))
    assert _deliveries(session) == [("firing", desk, 0), ("resolved", desk, 0)]
    assert len(dispatched) == 2  # sent only after each commit
    # fires again 20 s later: inside the cooldown, recorded but not notified
    _set_rejects(session, NOW, 9)
    (change,) = _pass(session, NOW + dt.timedelta(seconds=20))
    assert (change.to_state, change.notified, change.quiet) == ("firing", False, "cooldown")
    assert len(_deliveries(session)) == 2
    quiet = session.scalars(sa.select(AlertEvent).order_by(AlertEvent.id.desc())).first()
    assert quiet is not None and quiet.details["quiet"] == "cooldown"


def test_a_snoozed_rule_stays_quiet(session: Session, dispatched: list[int]) -> None:
    with committing(session):
        desk = _channel(session, "desk")
        rule_id = make_rule(session, channel_ids=[desk])
        store.snooze(session, ADMIN, minutes=5, rule_id=rule_id)
    _set_rejects(session, NOW, 9)
    (change,) = _pass(session, NOW)
    assert (change.notified, change.quiet) == (False, "rule snoozed")
    assert _deliveries(session) == []
    with pytest.raises(RuleDefinitionError):
        store.snooze(session, ADMIN, minutes=61, rule_id=rule_id)


def test_escalation_levels_until_acknowledged(session: Session, dispatched: list[int]) -> None:
    with committing(session):
        desk, lead, head = (_channel(session, n) for n in ("desk", "lead", "head"))
        make_rule(
            session,
            channel_ids=[desk],
            escalation=[
                {"after_minutes": 5, "channel_ids": [lead]},
                {"after_minutes": 10, "channel_ids": [head]},
            ],
        )
    _set_rejects(session, NOW, 9)
    _pass(session, NOW)
    fired = session.scalars(sa.select(AlertEvent.fired_at)).one()
    assert escalate(session, fired + dt.timedelta(minutes=4, seconds=59)) == 0
    assert escalate(session, fired + dt.timedelta(minutes=5)) == 1
    assert escalate(session, fired + dt.timedelta(minutes=6)) == 0  # level 1 already sent
    session.commit()
    alert_id = session.scalars(sa.select(AlertEvent.id)).one()
    with committing(session):
        store.acknowledge(session, ADMIN, alert_id)
    assert escalate(session, fired + dt.timedelta(minutes=11)) == 0
    session.commit()
    assert _deliveries(session) == [
        ("firing", desk, 0),
        ("escalated", lead, 1),
        ("acknowledged", desk, 0),
    ]


def test_mostly_false_positives_suppress_a_rule_visibly(
    session: Session, dispatched: list[int]
) -> None:
    with committing(session):
        desk = _channel(session, "desk")
        rule_id = make_rule(session, channel_ids=[desk], cooldown_s=0)
    for index in range(5):
        at = NOW + dt.timedelta(seconds=2 * index)
        _set_rejects(session, NOW, 9)
        _pass(session, at)
        _set_rejects(session, NOW, 0)
        _pass(session, at + dt.timedelta(seconds=1))
    ids = session.scalars(sa.select(AlertEvent.id).order_by(AlertEvent.id)).all()
    with committing(session):
        for alert_id in ids[:4]:
            store.mark_false_positive(session, ADMIN, alert_id)
        store.mark_false_positive(session, ADMIN, ids[4], false_positive=False)
    rule = store.get_rule(session, rule_id)
    assert (rule.rated_alerts, rule.false_positive_share, rule.suppressed) == (5, 0.8, True)
    _set_rejects(session, NOW, 9)
    (change,) = _pass(session, NOW + dt.timedelta(seconds=30))
    assert (change.notified, change.quiet) == (False, "suppressed: mostly false positives")
    firing = [d for d in _deliveries(session) if d[0] == "firing"]
    assert len(firing) == 5
