"""When notifications stay quiet, business hours, correlation and grouping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.alerts.correlation import alert_labels, correlated_groups, group_key
from app.alerts.notifications import (
    BusinessHours,
    in_active_hours,
    parse_business_hours,
    quiet_reason,
)

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # Tuesday noon
NIGHT = dt.datetime(2026, 11, 24, 22, 0, tzinfo=dt.UTC)
SATURDAY = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def quiet(**changes: object) -> str | None:
    fields: dict[str, Any] = {
        "now": NOW,
        "channel_ids": [1],
        "rule_snoozed_until": None,
        "alert_snoozed_until": None,
        "suppressed": False,
        "active": True,
        "last_notified_at": None,
        "cooldown_s": 300,
    }
    fields.update(changes)
    return quiet_reason(**fields)


def test_a_plain_firing_is_sent() -> None:
    assert quiet() is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"channel_ids": []}, "no channels"),
        ({"rule_snoozed_until": NOW + dt.timedelta(minutes=5)}, "rule snoozed"),
        ({"alert_snoozed_until": NOW + dt.timedelta(seconds=1)}, "alert snoozed"),
        ({"suppressed": True}, "suppressed: mostly false positives"),
        ({"active": False}, "outside the rule's hours"),
        ({"last_notified_at": NOW - dt.timedelta(seconds=299)}, "cooldown"),
    ],
)
def test_reasons_to_stay_quiet(changes: dict[str, Any], reason: str) -> None:
    assert quiet(**changes) == reason


def test_expired_snooze_and_cooldown_let_it_through() -> None:
    assert quiet(rule_snoozed_until=NOW, last_notified_at=NOW - dt.timedelta(seconds=300)) is None


def test_business_hours() -> None:
    hours = parse_business_hours("0-4 08-18")
    assert hours == BusinessHours(frozenset(range(5)), 8, 18)
    assert hours.contains(NOW) and not hours.contains(NIGHT) and not hours.contains(SATURDAY)
    assert in_active_hours("business_hours", NOW, hours)
    assert not in_active_hours("business_hours", NIGHT, hours)
    assert in_active_hours("outside_business_hours", SATURDAY, hours)
    assert in_active_hours("always", NIGHT, hours)
    assert parse_business_hours("0,2,5-6 0-24").weekdays == frozenset({0, 2, 5, 6})
    with pytest.raises(ValueError, match="start < end"):
        parse_business_hours("0-4 18-08")


def test_correlated_alerts_fired_within_a_minute_of_each_other() -> None:
    t = NOW
    alerts = [
        (1, 10, t),
        (2, 11, t + dt.timedelta(seconds=30)),
        (3, 10, t + dt.timedelta(seconds=45)),  # same rule as 1: not correlated with it
        (4, 12, t + dt.timedelta(seconds=100)),
        (5, 13, t + dt.timedelta(minutes=10)),
    ]
    assert correlated_groups(alerts) == {1: (2,), 2: (1, 3), 3: (2, 4), 4: (3,)}


def test_labels_and_group_key() -> None:
    labels = alert_labels("LP rejects", "critical", "lp", "LP1", {"team": "dealing"})
    assert labels == {
        "alertname": "LP rejects",
        "severity": "critical",
        "team": "dealing",
        "lp": "LP1",
    }
    assert group_key(labels, ["team"]) == "team=dealing"
    assert group_key({"b": "2", "a": "1"}, []) == "a=1|b=2"
