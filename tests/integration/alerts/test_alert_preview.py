"""Preview against stored history: exact firing counts from hand-built rollups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import parse_rule

from .conftest import insert_rollups, rollup

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 24, 12, 0, 30, tzinfo=dt.UTC)
EPISODES = (  # (minutes before NOW's minute, breaching minutes)
    (6000, 1),
    (3000, 2),
    (600, 3),
)


def _history() -> list[dict[str, Any]]:
    rows = []
    base = NOW.replace(second=0)
    for ago, length in EPISODES:
        start = base - dt.timedelta(minutes=ago)
        for minute in range(length):
            rows.append(rollup(start + dt.timedelta(minutes=minute), rejects=8))
        rows.append(rollup(start + dt.timedelta(minutes=length), rejects=1))  # clears
    # older than 7 days: not counted
    rows.append(rollup(base - dt.timedelta(days=8), rejects=9))
    rows.append(rollup(base - dt.timedelta(days=8) + dt.timedelta(minutes=1), rejects=0))
    # another LP that breaches once
    rows.append(rollup(base - dt.timedelta(minutes=100), lp="LP2", rejects=10))
    rows.append(rollup(base - dt.timedelta(minutes=99), lp="LP2", rejects=0))
    return rows


@pytest.mark.parametrize(("pending_s", "expected"), [(0, 4), (60, 2), (120, 1)])
def test_preview_counts_firings_over_the_last_seven_days(
    session: Session, pending_s: int, expected: int
) -> None:
    insert_rollups(session.connection(), _history())
    session.commit()
    definition = parse_rule(
        {
            "name": "reject rate",
            "type": "threshold",
            "scope": "lp",
            "pending_s": pending_s,
            "spec": {"metric": "reject_rate", "operator": ">", "value": 50},
        }
    )
    result = store.preview(session, definition, NOW)
    assert result.fired_count == expected
    assert result.evaluations == 7 * 1440 * 2


def test_preview_reports_first_and_last_firing_and_instances(session: Session) -> None:
    insert_rollups(session.connection(), _history())
    session.commit()
    definition = parse_rule(
        {
            "name": "reject rate",
            "type": "threshold",
            "scope": "lp",
            "spec": {"metric": "reject_rate", "operator": ">", "value": 50},
        }
    )
    result = store.preview(session, definition, NOW)
    base = NOW.replace(second=0)
    # a breach in bucket b is seen at the end of that minute
    assert result.first_fired_at == base - dt.timedelta(minutes=6000 - 1)
    assert result.last_fired_at == base - dt.timedelta(minutes=100 - 1)  # LP2
    assert result.by_instance == {"LP1": 3, "LP2": 1}


@pytest.mark.parametrize(
    ("rule_type", "spec", "expected"),
    [
        ("expression", {"expression": "reject_rate > 50 AND attempts >= 10"}, 4),
        (
            "composite",
            {
                "conditions": [
                    {"metric": "reject_rate", "operator": ">", "value": 50, "weight": 0.6},
                    {"metric": "latency_ms", "operator": ">", "value": 500, "weight": 0.4},
                ],
                "score_threshold": 0.6,
            },
            4,
        ),
        ("anomaly", {"metric": "reject_rate", "sigma": 3}, 0),  # under 100 past values
        ("pattern", {"metric": "failed_orders", "count": 8}, 4),  # 8 rejects in a minute
    ],
)
def test_preview_of_every_rule_type(
    session: Session, rule_type: str, spec: dict[str, Any], expected: int
) -> None:
    insert_rollups(session.connection(), _history())
    session.commit()
    definition = parse_rule({"name": "r", "type": rule_type, "scope": "lp", "spec": spec})
    assert store.preview(session, definition, NOW).fired_count == expected


def test_preview_of_a_prediction_runs_over_the_week(session: Session) -> None:
    insert_rollups(session.connection(), _history())
    session.commit()
    definition = parse_rule(
        {
            "name": "r",
            "type": "predictive",
            "scope": "lp",
            "spec": {"metric": "reject_rate", "operator": ">", "value": 50, "horizon_s": 600},
        }
    )
    result = store.preview(session, definition, NOW)
    assert result.evaluations == 7 * 1440 * 2
    # a fit needs 3 minutes of data: only the 3-minute episode has them (at its third minute)
    assert result.fired_count == 1
    assert result.first_fired_at == NOW.replace(second=0) - dt.timedelta(minutes=600 - 3)
