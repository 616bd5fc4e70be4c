"""The Alerts page's rule form as data (callbacks/alert_form.py) against the real parser."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.alerts.definitions import TEMPLATES, RuleDefinitionError, parse_rule, to_json
from app.alerts.store import RuleView
from callbacks.alert_form import (
    LabelsError,
    condition_rows,
    definition_data,
    field_errors,
    form_values,
    labels_text,
    parse_labels,
    scope_for,
    shown_spec_fields,
    to_form_rows,
)
from pages.ids import alerts as ids

pytestmark = pytest.mark.unit


def _errors(values: dict[str, object]) -> dict[str, str]:
    data, problems = definition_data(values)
    assert not problems
    with pytest.raises(RuleDefinitionError) as raised:
        parse_rule(data)
    return to_form_rows(raised.value.errors, condition_rows(values))


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("", {}),
        ("team=risk", {"team": "risk"}),
        (" team = risk , desk=fx, ", {"team": "risk", "desk": "fx"}),
        ("url=https://x/?a=b", {"url": "https://x/?a=b"}),
    ],
)
def test_labels_are_name_value_pairs(text: str, labels: dict[str, str]) -> None:
    assert parse_labels(text) == labels
    assert parse_labels(labels_text(labels)) == labels


@pytest.mark.parametrize("text", ["team", "=risk", "team=", "team=risk, fx"])
def test_labels_without_a_name_or_value_are_refused(text: str) -> None:
    with pytest.raises(LabelsError, match="name=value"):
        parse_labels(text)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_fills_the_form_and_parses_back_to_itself(key: str) -> None:
    template = TEMPLATES[key]
    data, problems = definition_data(form_values(template))
    assert problems == {}
    definition = parse_rule(data)
    assert definition.name == template["name"]
    assert to_json(definition)["spec"] | template["spec"] == to_json(definition)["spec"]
    assert definition.pending_s == template.get("pending_s", 0)


def test_a_stored_definition_round_trips_through_the_form() -> None:
    stored = to_json(
        parse_rule(
            {
                "name": "Toxic LP",
                "type": "composite",
                "scope": "lp",
                "severity": "critical",
                "labels": {"team": "dealing"},
                "channel_ids": [3, 7],
                "cooldown_s": 120,
                "spec": {
                    "conditions": [
                        {"metric": "reject_rate", "operator": ">", "value": 10, "weight": 2},
                        {"metric": "latency_ms", "operator": ">=", "value": 250, "window_s": 300},
                    ],
                    "score_threshold": 2.5,
                },
            }
        )
    )
    values = form_values(stored)
    assert values["labels"] == "team=dealing"
    assert values["spec.conditions.1.window_s"] == 300
    assert values["spec.conditions.2.metric"] == ""
    data, _ = definition_data(values)
    assert to_json(parse_rule(data)) == stored


def test_an_invalid_threshold_reports_each_field() -> None:
    values = form_values({})
    values |= {"name": " ", "spec.value": "", "spec.window_s": 5, "pending_s": -1}
    errors = _errors(values)
    assert errors == {
        "name": "is required",
        "spec.value": "is required",
        "spec.window_s": "must be between 10 and 86400",
        "pending_s": "must be between 0 and 86400",
    }
    shown, rest = field_errors(errors)
    assert shown == errors and rest == {}


def test_composite_errors_point_at_the_form_row_not_the_nth_filled_one() -> None:
    values = form_values({"type": "composite"}) | {
        "name": "Two of three",
        "type": "composite",
        "spec.conditions.2.metric": "reject_rate",
        "spec.conditions.2.value": 5,
        "spec.conditions.2.weight": -1,
        "spec.score_threshold": 1,
    }
    assert _errors(values) == {
        "spec.conditions.2.weight": "must be at least 0",
        "spec.score_threshold": "can never be reached: the weights add up to -1",
    }


def test_only_the_chosen_type_is_sent_and_shown() -> None:
    values = form_values({}) | {"type": "pattern", "spec.metric": "rejects", "spec.count": 12}
    data, _ = definition_data(values)
    assert data["spec"] == {"metric": "rejects", "count": 12}
    hidden = shown_spec_fields("pattern")
    assert {name for name, off in hidden.items() if not off} == {
        "spec.metric",
        "spec.count",
        "spec.window_s",
    }
    assert set(hidden) == set(ids.WRAP)


def test_bad_labels_are_reported_before_parsing() -> None:
    values = form_values({}) | {"name": "x", "spec.value": 1, "labels": "team"}
    _, problems = definition_data(values)
    assert problems == {"labels": "'team': write labels as name=value pairs separated by commas"}


def test_a_rule_muted_by_feedback_shows_as_suppressed_with_its_share() -> None:
    from callbacks.alerts import rule_rows

    t0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    view = RuleView(
        id=7, name="Noisy", enabled=True, version=3,
        definition=parse_rule({"name": "Noisy", "type": "threshold", "labels": {"b": "2", "a": "1"},
                               "spec": {"metric": "rejects", "operator": ">", "value": 1}}),
        created_at=t0, updated_at=t0, snoozed_until=None, rated_alerts=8,
        false_positive_share=0.75, suppressed=True, open_alerts=1, states={"firing": 1},
    )  # fmt: skip
    [row] = rule_rows([view], t0)
    assert row["labels"] == "a=1, b=2"
    assert row["false_positive_rate"] == "75% of 8"
    assert row["status"] == "suppressed"
    assert row["status_note"] == "75% of 8 rated alerts were false positives"
    [quiet] = rule_rows([dataclasses.replace(view, suppressed=False, open_alerts=0)], t0)
    assert quiet["status"] == "ok"


def test_a_completeness_rule_through_the_form() -> None:
    values = form_values({}) | {
        "name": "Orphans",
        "type": "completeness",
        "scope": scope_for("completeness", "global"),
        "spec.checks": ["order_without_execution", "missing_field"],
        "spec.wait_s": 30,
        "spec.min_count": 3,
        "spec.window_s": None,
    }
    data, problems = definition_data(values)
    assert not problems
    assert data["scope"] == "check"
    assert data["spec"] == {
        "checks": ["order_without_execution", "missing_field"],
        "wait_s": 30,
        "min_count": 3,
    }
    definition = parse_rule(data)
    assert form_values(to_json(definition))["spec.checks"] == [
        "missing_field",
        "order_without_execution",
    ]
    hidden = shown_spec_fields("completeness")
    assert {name for name, off in hidden.items() if not off} == {
        "spec.checks",
        "spec.wait_s",
        "spec.skew_s",
        "spec.min_count",
        "spec.window_s",
    }


def test_completeness_errors_sit_under_their_inputs() -> None:
    values = form_values({}) | {
        "name": "Orphans",
        "type": "completeness",
        "scope": "check",
        "spec.checks": [],
        "spec.wait_s": 0,
        "spec.skew_s": 4000,
        "spec.min_count": 0,
    }
    errors = _errors(values)
    assert errors == {
        "spec.checks": "choose at least one check",
        "spec.wait_s": "must be between 1 and 86400",
        "spec.skew_s": "must be at most 3600",
        "spec.min_count": "must be between 1 and 1000000",
    }
    shown, rest = field_errors(errors)
    assert shown == errors and rest == {}


@pytest.mark.parametrize(
    ("rule_type", "scope", "expected"),
    [
        ("completeness", "lp", "check"),
        ("threshold", "check", "global"),
        ("threshold", "lp", "lp"),
        ("anomaly", None, "global"),
    ],
)
def test_the_scope_follows_the_type(rule_type: str, scope: str | None, expected: str) -> None:
    assert scope_for(rule_type, scope) == expected
