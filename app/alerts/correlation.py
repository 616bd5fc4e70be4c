"""Alerts that fire together: grouping by labels and correlation by firing time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

CORRELATION_WINDOW = dt.timedelta(seconds=60)
"""Alerts of different rules that fire within this of each other are shown as correlated."""


def correlated_groups(
    alerts: Sequence[tuple[int, int, dt.datetime]], window: dt.timedelta = CORRELATION_WINDOW
) -> dict[int, tuple[int, ...]]:
    """For each alert id (``(id, rule_id, fired_at)``), the ids of the alerts of *other* rules
    that fired within ``window`` of it, in firing order; alerts without any are left out."""
    ordered = sorted(alerts, key=lambda alert: (alert[2], alert[0]))
    result: dict[int, tuple[int, ...]] = {}
    start = 0
    for alert_id, rule_id, fired in ordered:
        while ordered[start][2] < fired - window:
            start += 1
        related = []
        for other_id, other_rule, other_fired in ordered[start:]:
            if other_fired > fired + window:
                break
            if other_rule != rule_id:
                related.append(other_id)
        if related:
            result[alert_id] = tuple(related)
    return result


def alert_labels(
    rule_name: str, severity: str, scope: str, instance_key: str, labels: Mapping[str, str]
) -> dict[str, str]:
    """The labels of one alert: the rule's own, plus ``alertname``, ``severity`` and the scope."""
    merged = {"alertname": rule_name, "severity": severity, **labels}
    if scope != "global":
        merged[scope] = instance_key
    return merged


def group_key(labels: Mapping[str, str], group_by: Sequence[str]) -> str:
    """The notification group of an alert: the values of ``group_by`` (default: alertname and
    every scope label), so one burst of the same problem is one notification group."""
    names = list(group_by) or sorted(labels)
    return "|".join(f"{name}={labels.get(name, '')}" for name in names)
