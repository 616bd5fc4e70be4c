"""One evaluation pass against PostgreSQL: states, alerts and transitions are recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.engine import Change, evaluate_all
from app.db.models.alerts import AlertEvent, AlertInstance, AlertTransition

from .conftest import ADMIN, committing, insert_rollups, make_rule, rollup

pytestmark = pytest.mark.integration


def _now() -> dt.datetime:
    # the middle of the current minute, so the window covers this minute and the last
    return dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)


def _pass(session: Session, at: dt.datetime) -> list[Change]:
    stats = evaluate_all(session, at)
    session.commit()
    return stats.changes


def test_a_breach_fires_then_resolves_with_history(session: Session) -> None:
    now = _now()
    minute = now.replace(second=0)
    with committing(session):
        rule_id = make_rule(session)
        insert_rollups(
            session.connection(),
            [rollup(minute, lp="LP1", rejects=8), rollup(minute, lp="LP2", rejects=1)],
        )
    changes = _pass(session, now)
    assert [(c.instance_key, c.from_state, c.to_state) for c in changes] == [
        ("LP1", "normal", "firing")
    ]
    event = session.scalars(sa.select(AlertEvent)).one()
    assert (event.state, event.instance_key, event.value) == ("firing", "LP1", 80.0)
    assert event.labels == {"alertname": "LP reject rate", "severity": "warning", "lp": "LP1"}
    assert _pass(session, now + dt.timedelta(seconds=1)) == []  # still firing, no new alert
    with committing(session):
        session.execute(sa.text("UPDATE exec_rollup_1m SET rejects = 0 WHERE lp = 'LP1'"))
        later = now + dt.timedelta(minutes=2)
        insert_rollups(session.connection(), [rollup(later.replace(second=0), rejects=0)])
    changes = _pass(session, later)
    assert [(c.from_state, c.to_state, c.alert_id) for c in changes] == [
        ("firing", "normal", event.id)
    ]
    session.refresh(event)
    assert event.state == "resolved" and event.resolved_at == later
    transitions = session.scalars(sa.select(AlertTransition).order_by(AlertTransition.id)).all()
    assert [(t.from_state, t.to_state) for t in transitions] == [
        ("normal", "firing"),
        ("firing", "normal"),
    ]
    instance = session.get(AlertInstance, (rule_id, "LP1"))
    assert instance is not None and instance.state == "normal" and instance.alert_event_id is None


def test_pending_period_and_nodata(session: Session) -> None:
    now = _now()
    minute = now.replace(second=0)
    with committing(session):
        rule_id = make_rule(session, scope="global", pending_s=30, no_data_s=120)
        insert_rollups(session.connection(), [rollup(minute, rejects=9)])
    assert [c.to_state for c in _pass(session, now)] == ["pending"]
    assert _pass(session, now + dt.timedelta(seconds=29)) == []
    assert [c.to_state for c in _pass(session, now + dt.timedelta(seconds=30))] == ["firing"]
    # no rows in the window any more: NoData 120 s after the last data (seen at now + 30 s)
    assert _pass(session, now + dt.timedelta(minutes=2, seconds=20)) == []
    changes = _pass(session, now + dt.timedelta(minutes=2, seconds=30))
    assert [(c.from_state, c.to_state) for c in changes] == [("firing", "nodata")]
    event = session.scalars(sa.select(AlertEvent)).one()
    assert event.state == "firing"  # NoData does not resolve the alert
    rule = store.get_rule(session, rule_id)
    assert rule.states == {"nodata": 1} and rule.open_alerts == 1


def test_disabled_rules_are_not_evaluated_and_their_alerts_close(session: Session) -> None:
    now = _now()
    with committing(session):
        rule_id = make_rule(session)
        insert_rollups(session.connection(), [rollup(now.replace(second=0), rejects=9)])
    assert len(_pass(session, now)) == 1
    with committing(session):
        store.set_enabled(session, ADMIN, rule_id, False)
    assert _pass(session, now + dt.timedelta(seconds=5)) == []
    assert session.scalars(sa.select(AlertEvent.state)).all() == ["resolved"]
