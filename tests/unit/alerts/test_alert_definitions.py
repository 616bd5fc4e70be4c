"""Parsing rule definitions: every bad field reported, templates valid, JSON round trip."""

from __future__ import annotations

from typing import Any

import pytest

from app.alerts.definitions import (
    TEMPLATES,
    RuleDefinitionError,
    parse_rule,
    rule_metrics,
    to_json,
)

pytestmark = pytest.mark.unit


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(RuleDefinitionError) as caught:
        parse_rule(data)
    return caught.value.errors


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_templates_parse_and_round_trip(key: str) -> None:
    definition = parse_rule(TEMPLATES[key])
    assert parse_rule(to_json(definition)) == definition


def test_every_invalid_field_is_named() -> None:
    errors = errors_of(
        {
            "name": " ",
            "type": "threshold",
            "scope": "account",
            "severity": "loud",
            "pending_s": -1,
            "channel_ids": [1, "two"],
            "runbook_url": "wiki/page",
            "labels": {"team": 1},
            "spec": {"metric": "reject_rate", "operator": "=>", "value": None},
        }
    )
    assert errors == {
        "name": "is required",
        "spec.operator": "must be one of >, >=, <, <=, ==, !=",
        "spec.value": "is required",
        "spec.metric": "reject_rate cannot be split by account (only global, lp, symbol, book, "
        "rule)",
        "severity": "must be one of info, warning, critical",
        "labels": "must map label names to text values",
        "runbook_url": "must be an http(s) link",
        "channel_ids": "must be a list of channel ids (positive whole numbers)",
        "pending_s": "must be between 0 and 86400",
    }


def test_unknown_type_and_metric() -> None:
    assert errors_of({"name": "x", "type": "magic"}) == {
        "type": "must be one of threshold, anomaly, pattern, predictive, composite, expression, "
        "completeness"
    }
    assert errors_of({"name": "x", "type": "pattern", "spec": {"metric": "latency_ms"}}) == {
        "spec.metric": "a pattern counts events: choose a count metric"
    }


def test_recovery_threshold_must_be_on_the_safe_side() -> None:
    spec = {"metric": "reject_rate", "operator": ">", "value": 5, "recovery_value": 6}
    assert errors_of({"name": "x", "type": "threshold", "spec": spec}) == {
        "spec.recovery_value": "must not be above the threshold for '>' rules"
    }


def test_escalation_levels() -> None:
    levels = [{"after_minutes": m, "channel_ids": [1]} for m in (5, 10, 15, 20, 25)]
    assert errors_of(
        {"name": "x", "type": "expression", "spec": {"expression": "1"}, "escalation": levels}
    ) == {"escalation": "at most 4 levels"}
    backwards = [{"after_minutes": 10, "channel_ids": [1]}, {"after_minutes": 5}]
    assert errors_of(
        {"name": "x", "type": "expression", "spec": {"expression": "1"}, "escalation": backwards}
    ) == {"escalation": "levels must come in increasing after_minutes"}
    ok = parse_rule(
        {"name": "x", "type": "expression", "spec": {"expression": "1"}, "escalation": levels[:4]}
    )
    assert [level.after_minutes for level in ok.escalation] == [5, 10, 15, 20]


def test_composite_and_expression_errors() -> None:
    assert errors_of(
        {
            "name": "x",
            "type": "composite",
            "spec": {
                "conditions": [{"metric": "latency_ms", "value": 500, "weight": 0.5}],
                "score_threshold": 0.7,
            },
        }
    ) == {"spec.score_threshold": "can never be reached: the weights add up to 0.5"}
    assert errors_of(
        {"name": "x", "type": "expression", "spec": {"expression": "latency_ms >"}}
    ) == {"spec.expression": "expected a value, found end of expression at column 13"}


def test_metrics_read_by_a_rule() -> None:
    definition = parse_rule(
        {
            "name": "x",
            "type": "expression",
            "spec": {"expression": "reject_rate > 5 AND latency_ms > 400", "window_s": 120},
        }
    )
    assert rule_metrics(definition) == {("reject_rate", 120), ("latency_ms", 120)}
