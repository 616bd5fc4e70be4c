"""A pass with bulk verdicts records exactly the states, alerts and changes of a pass that judges
every instance one by one (same rollups, same rules, same times)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.alerts.engine import evaluate_all
from app.db.models.alerts import AlertEvent, AlertInstance

from .conftest import committing, insert_rollups, make_rule, rollup

pytestmark = pytest.mark.integration


def _rules(session: Session) -> None:
    make_rule(session, name="reject rate")
    make_rule(
        session,
        name="reject rate with hysteresis",
        spec={"metric": "reject_rate", "operator": ">", "value": 40, "recovery_value": 20},
    )
    make_rule(session, name="pending", pending_s=30)
    make_rule(
        session,
        name="failed orders",
        type="pattern",
        spec={"metric": "failed_orders", "count": 3},
    )
    make_rule(
        session,
        name="composite",
        type="composite",
        spec={
            "conditions": [
                {"metric": "reject_rate", "operator": ">", "value": 30, "weight": 0.5},
                {"metric": "attempts", "operator": ">=", "value": 10, "weight": 0.5},
            ],
            "score_threshold": 1.0,
        },
    )
    make_rule(
        session,
        name="global attempts",
        scope="global",
        spec={"metric": "attempts", "operator": ">", "value": 25},
    )
    make_rule(session, name="with no data", no_data_s=60)  # judged one by one
    make_rule(
        session, name="expression", type="expression", spec={"expression": "reject_rate > 45"}
    )
    make_rule(  # divides by zero where an LP has exactly 10 attempts: Error, judged one by one
        session,
        name="expression dividing",
        type="expression",
        spec={"expression": "reject_rate > 70 OR latency_ms / (attempts - 10) > 1"},
    )
    make_rule(session, name="anomaly", type="anomaly", spec={"metric": "reject_rate"})


def _snapshot(session: Session, stats: Any) -> dict[str, Any]:
    instances = session.execute(
        sa.select(
            AlertInstance.rule_id,
            AlertInstance.instance_key,
            AlertInstance.state,
            AlertInstance.state_since,
            AlertInstance.pending_since,
            AlertInstance.recovering_since,
            AlertInstance.last_value,
            AlertInstance.last_data_at,
            AlertInstance.alert_event_id.is_not(None),
        ).order_by(AlertInstance.rule_id, AlertInstance.instance_key)
    ).all()
    events = session.execute(
        sa.select(
            AlertEvent.rule_id,
            AlertEvent.instance_key,
            AlertEvent.state,
            AlertEvent.value,
            AlertEvent.message,
        ).order_by(AlertEvent.rule_id, AlertEvent.instance_key, AlertEvent.fired_at)
    ).all()
    changes = sorted(
        (c.rule_name, c.instance_key, c.from_state, c.to_state, c.value, c.message)
        for c in stats.changes
    )
    return {"instances": instances, "events": events, "changes": changes}


def _both_ways(session: Session, at: dt.datetime) -> dict[str, Any]:
    one_by_one = _snapshot(session, evaluate_all(session, at, bulk=False))
    session.rollback()
    stats = evaluate_all(session, at, bulk=True)
    in_bulk = _snapshot(session, stats)
    session.commit()
    assert in_bulk == one_by_one
    return in_bulk


def test_bulk_and_per_instance_passes_record_the_same_states(session: Session) -> None:
    now = dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)
    minute = now.replace(second=0)
    with committing(session):
        _rules(session)
        insert_rollups(
            session.connection(),
            [
                rollup(minute, lp="LP1", rejects=8),
                rollup(minute, lp="LP2", rejects=1),
                rollup(minute, lp="LP3", rejects=5),
                rollup(minute, lp="LP4", attempts=4, rejects=3),
            ],
        )
    first = _both_ways(session, now)
    # reject rates LP1 80 %, LP2 10 %, LP3 50 %, LP4 75 %; attempts 10, 10, 10, 4 (34 in all)
    assert {(name, key, to) for name, key, _from, to, *_ in first["changes"]} == {
        ("reject rate", "LP1", "firing"),
        ("reject rate", "LP4", "firing"),
        ("reject rate with hysteresis", "LP1", "firing"),
        ("reject rate with hysteresis", "LP3", "firing"),
        ("reject rate with hysteresis", "LP4", "firing"),
        ("pending", "LP1", "pending"),
        ("pending", "LP4", "pending"),
        ("failed orders", "LP1", "firing"),
        ("failed orders", "LP3", "firing"),
        ("failed orders", "LP4", "firing"),
        ("composite", "LP1", "firing"),
        ("composite", "LP3", "firing"),
        ("global attempts", "", "firing"),
        ("with no data", "LP1", "firing"),
        ("with no data", "LP4", "firing"),
        ("expression", "LP1", "firing"),
        ("expression", "LP3", "firing"),
        ("expression", "LP4", "firing"),
        # 80 % and 75 % decide the OR; LP2 and LP3 reach latency / (10 − 10)
        ("expression dividing", "LP1", "firing"),
        ("expression dividing", "LP2", "error"),
        ("expression dividing", "LP3", "error"),
        ("expression dividing", "LP4", "firing"),
    }

    # 40 s later: LP1 drops into the hysteresis band, LP2 breaches, the pending ones fire
    later = now + dt.timedelta(seconds=40)
    with committing(session):
        session.execute(sa.text("UPDATE exec_rollup_1m SET rejects = 3 WHERE lp = 'LP1'"))
        session.execute(sa.text("UPDATE exec_rollup_1m SET rejects = 9 WHERE lp = 'LP2'"))
    second = _both_ways(session, later)
    # LP1 30 % (inside the 20–40 band of the hysteresis rule: still firing), LP2 90 %
    assert {(name, key, was, to) for name, key, was, to, *_ in second["changes"]} == {
        ("reject rate", "LP1", "firing", "normal"),
        ("reject rate", "LP2", "normal", "firing"),
        ("reject rate with hysteresis", "LP2", "normal", "firing"),
        ("pending", "LP1", "pending", "normal"),
        ("pending", "LP2", "normal", "pending"),
        ("pending", "LP4", "pending", "firing"),
        ("failed orders", "LP2", "normal", "firing"),
        ("composite", "LP1", "firing", "normal"),
        ("composite", "LP2", "normal", "firing"),
        ("with no data", "LP1", "firing", "normal"),
        ("with no data", "LP2", "normal", "firing"),
        ("expression", "LP1", "firing", "normal"),
        ("expression", "LP2", "normal", "firing"),
        # LP1 falls to the division by zero, LP2's 90 % decides the OR
        ("expression dividing", "LP1", "firing", "error"),
        ("expression dividing", "LP2", "error", "firing"),
    }

    # the data stops: counts fall to zero, ratios have no value
    gone = now + dt.timedelta(minutes=5)
    with committing(session):
        session.execute(sa.text("DELETE FROM exec_rollup_1m"))
    _both_ways(session, gone)
