"""Completeness rules against PostgreSQL: orders without executions go Pending, then Firing
with a notification naming them, and resolve once their executions are stored; each check is
an instance of its own; the 7-day preview counts the episodes of the stored records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import parse_rule
from app.alerts.engine import Change, evaluate_all
from app.db.models.alerts import AlertEvent, AlertInstance
from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.notify.dispatch import set_dispatcher
from app.notify.message import load_notification, render

from .conftest import committing, execution_row, insert_events, make_rule, order_row

pytestmark = pytest.mark.integration

T = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)


def ago(seconds: float) -> dt.datetime:
    return T - dt.timedelta(seconds=seconds)


@pytest.fixture
def dispatched() -> Iterator[list[int]]:
    """Delivery ids handed to the workers after commit (instead of Celery)."""
    sent: list[int] = []
    set_dispatcher(sent.extend)
    yield sent
    set_dispatcher(None)


def _pass(session: Session, at: dt.datetime) -> list[tuple[str, str, str]]:
    changes: list[Change] = evaluate_all(session, at).changes
    session.commit()
    return [(c.instance_key, c.from_state, c.to_state) for c in changes]


def test_orders_without_executions_fire_then_resolve(
    session: Session, dispatched: list[int]
) -> None:
    with committing(session):
        channel = NotificationChannel(
            name="desk", kind="webhook", config={"url": "http://127.0.0.1:9"}
        )
        session.add(channel)
        session.flush()
        rule_id = make_rule(
            session,
            name="Orders without executions",
            type="completeness",
            scope="check",
            pending_s=20,
            channel_ids=[channel.id],
            spec={"checks": ["order_without_execution"], "wait_s": 30, "window_s": 600,
                  "min_count": 2},
        )  # fmt: skip
        insert_events(
            session.connection(),
            [
                order_row("O-1", ago(100)),
                order_row("O-ok", ago(90)),
                order_row("O-2", ago(50)),
                order_row("O-3", ago(10)),  # only 10 s old at T
                order_row("O-old", ago(700)),  # before the 10-minute look-back
            ],
            [execution_row("O-ok", ago(89))],
        )
    # at T: O-1 and O-2 are overdue (O-3 not yet): 2 findings reach the limit, pending 20 s
    assert _pass(session, T) == [("order_without_execution", "normal", "pending")]
    instance = session.get(AlertInstance, (rule_id, "order_without_execution"))
    assert instance is not None and instance.last_value == 2.0
    assert _pass(session, T + dt.timedelta(seconds=19)) == []
    assert _pass(session, T + dt.timedelta(seconds=20)) == [
        ("order_without_execution", "pending", "firing")
    ]
    event = session.scalars(sa.select(AlertEvent)).one()
    assert event.value == 3.0  # O-3 overdue too by now
    assert event.message == (
        "3 orders without an execution after 30 s in the last 10 min (limit 2): O-1, O-2, O-3"
    )
    assert event.labels == {
        "alertname": "Orders without executions",
        "severity": "warning",
        "check": "order_without_execution",
    }
    [delivery] = session.scalars(sa.select(NotificationDelivery)).all()
    assert (delivery.transition, dispatched) == ("firing", [delivery.id])
    text = render(load_notification(session, event.id, "firing")).text
    assert "(limit 2): O-1, O-2, O-3" in text.splitlines()[2]
    # the executions arrive: nothing left to report, the alert resolves and says so
    with committing(session):
        insert_events(
            session.connection(),
            executions=[
                execution_row(o, T + dt.timedelta(seconds=25)) for o in ("O-1", "O-2", "O-3")
            ],
        )
    assert _pass(session, T + dt.timedelta(seconds=26)) == [
        ("order_without_execution", "firing", "normal")
    ]
    session.refresh(event)
    assert (event.state, event.resolved_at) == ("resolved", T + dt.timedelta(seconds=26))
    transitions = session.scalars(
        sa.select(NotificationDelivery.transition).order_by(NotificationDelivery.id)
    ).all()
    assert transitions == ["firing", "resolved"]


def test_each_check_is_an_instance_of_its_own(session: Session) -> None:
    with committing(session):
        rule_id = make_rule(
            session,
            name="Completeness",
            type="completeness",
            scope="check",
            spec={"checks": ["missing_field", "execution_without_order", "clock_skew"],
                  "wait_s": 60, "skew_s": 1},
        )  # fmt: skip
        insert_events(
            session.connection(),
            [order_row("L-1", ago(200), order_type="limit", book="B", lp=None)],
            [
                execution_row("L-1", ago(199)),
                execution_row("GHOST", ago(120)),  # its order never arrived
                execution_row("GHOST-2", ago(30)),  # may still arrive: not yet a finding
            ],
        )
    assert sorted(_pass(session, T)) == [
        ("execution_without_order", "normal", "firing"),
        ("missing_field", "normal", "firing"),
    ]
    messages = {
        key: message
        for key, message in session.execute(
            sa.select(AlertEvent.instance_key, AlertEvent.message)
        ).all()
    }
    assert messages == {
        "missing_field": "1 records with a missing field in the last 15 min (limit 1): L-1",
        "execution_without_order": (
            "1 executions without their order after 60 s in the last 15 min (limit 1): GHOST"
        ),
    }
    states = {
        key: state
        for key, state in session.execute(
            sa.select(AlertInstance.instance_key, AlertInstance.state).where(
                AlertInstance.rule_id == rule_id
            )
        ).all()
    }
    assert states == {"missing_field": "firing", "execution_without_order": "firing"}


@pytest.mark.parametrize(("pending_s", "fired"), [(0, 2), (480, 2), (540, 0)])
def test_preview_counts_the_episodes_of_the_stored_records(
    session: Session, pending_s: int, fired: int
) -> None:
    now = T.replace(second=0)
    with committing(session):
        insert_events(
            session.connection(),
            [
                order_row("LATE", now - dt.timedelta(minutes=120)),  # executed 30 min later
                order_row("NEVER", now - dt.timedelta(minutes=60)),  # leaves the window
                order_row("FAST", now - dt.timedelta(minutes=30)),
            ],
            [
                execution_row("LATE", now - dt.timedelta(minutes=90)),
                execution_row("FAST", now - dt.timedelta(minutes=30) + dt.timedelta(seconds=10)),
            ],
        )
    definition = parse_rule(
        {
            "name": "orphans",
            "type": "completeness",
            "pending_s": pending_s,
            "spec": {"checks": ["order_without_execution"], "wait_s": 60, "window_s": 600},
        }
    )
    # each overdue order counts from 60 s after routing until it leaves the 10-minute window
    # (LATE's execution comes after that): 9 minutes of breach each
    result = store.preview(session, definition, now + dt.timedelta(seconds=30))
    assert result.fired_count == fired
    assert result.evaluations == 7 * 1440
    if fired:
        assert result.by_instance == {"order_without_execution": 2}
        expected_last = now - dt.timedelta(minutes=59) + dt.timedelta(seconds=pending_s)
        assert result.last_fired_at == expected_last
