"""Each rule type's verdict from hand-computed inputs."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from app.alerts.definitions import RuleDefinition, parse_rule
from app.alerts.rules import (
    InstanceInputs,
    evaluate_rule,
    hour_of_week,
    linear_fit,
    z_score,
)
from app.alerts.state import Verdict

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # a Tuesday


def rule(rule_type: str, spec: dict[str, Any], scope: str = "lp") -> RuleDefinition:
    return parse_rule({"name": "r", "type": rule_type, "scope": scope, "spec": spec})


def verdict(definition: RuleDefinition, **inputs: Any) -> tuple[Verdict, Any]:
    result = evaluate_rule(definition, InstanceInputs(**inputs), NOW)
    return result.verdict, result.value


THRESHOLD = rule(
    "threshold", {"metric": "reject_rate", "operator": ">", "value": 5, "recovery_value": 3}
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5.01, Verdict.BREACH), (5.0, Verdict.HOLD), (3.01, Verdict.HOLD), (3.0, Verdict.CLEAR)],
)
def test_threshold_with_recovery(value: float, expected: Verdict) -> None:
    assert verdict(THRESHOLD, values={("reject_rate", 60): value}) == (expected, value)


def test_threshold_without_data_and_below() -> None:
    assert verdict(THRESHOLD, values={})[0] is Verdict.NODATA
    assert verdict(THRESHOLD, values={("reject_rate", 60): math.nan})[0] is Verdict.NODATA
    margin = rule(
        "threshold", {"metric": "margin_level", "operator": "<", "value": 50}, scope="account"
    )
    assert verdict(margin, values={("margin_level", 60): 49.9})[0] is Verdict.BREACH
    assert verdict(margin, values={("margin_level", 60): 50})[0] is Verdict.CLEAR


def test_z_score_by_hand() -> None:
    # mean 2, population variance ((1)^2 + 0 + (1)^2) / 3 = 2/3
    assert z_score(4.0, [1.0, 2.0, 3.0]) == pytest.approx(2.0 / math.sqrt(2 / 3))
    assert z_score(5.0, [5.0] * 3) == 0.0
    assert z_score(6.0, [5.0] * 3) == math.inf


def test_anomaly_needs_100_past_values() -> None:
    anomaly = rule("anomaly", {"metric": "slippage_pips", "sigma": 3})
    baseline = [0.0, 2.0] * 50  # mean 1, std 1
    assert verdict(anomaly, values={("slippage_pips", 60): 4.01}, baseline=baseline) == (
        Verdict.BREACH,
        pytest.approx(3.01),
    )
    assert verdict(anomaly, values={("slippage_pips", 60): 4.0}, baseline=baseline)[0] is (
        Verdict.CLEAR
    )
    assert verdict(anomaly, values={("slippage_pips", 60): 9.0}, baseline=baseline[:99])[0] is (
        Verdict.NODATA
    )
    below = rule("anomaly", {"metric": "fill_ratio", "sigma": 2, "direction": "below"})
    assert verdict(below, values={("fill_ratio", 60): -1.5}, baseline=baseline)[0] is (
        Verdict.BREACH
    )


def test_hour_of_week() -> None:
    assert hour_of_week(NOW) == 24 + 12
    assert hour_of_week(dt.datetime(2026, 11, 29, 23, 59, tzinfo=dt.UTC)) == 167


def test_pattern_counts_events_in_the_window() -> None:
    pattern = rule("pattern", {"metric": "failed_orders", "count": 5, "window_s": 60})
    assert verdict(pattern, values={("failed_orders", 60): 4.0}) == (Verdict.CLEAR, 4.0)
    assert verdict(pattern, values={("failed_orders", 60): 5.0}) == (Verdict.BREACH, 5.0)
    assert verdict(pattern, values={}) == (Verdict.CLEAR, 0.0)


def test_linear_fit_by_hand() -> None:
    assert linear_fit([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert linear_fit([(5, 1), (5, 3)]) == (0.0, 2.0)


def test_predictive_extrapolates_to_the_horizon() -> None:
    predictive = rule(
        "predictive",
        {"metric": "margin_level", "operator": "<", "value": 50, "horizon_s": 1800},
        scope="account",
    )
    # falling 1 %-point per minute from 90 now: 60 in 30 min -> clear
    falling = [(-600.0, 100.0), (-300.0, 95.0), (0.0, 90.0)]
    assert verdict(predictive, series=falling) == (Verdict.CLEAR, pytest.approx(60.0))
    # falling 2 %-points per minute: 30 in 30 min -> breach before margin is low
    faster = [(-600.0, 110.0), (-300.0, 100.0), (0.0, 90.0)]
    assert verdict(predictive, series=faster) == (Verdict.BREACH, pytest.approx(30.0))
    assert verdict(predictive, series=faster[:2])[0] is Verdict.NODATA


def test_composite_weighted_score() -> None:
    composite = rule(
        "composite",
        {
            "conditions": [
                {"metric": "slippage_pips", "operator": ">", "value": 2, "weight": 0.4},
                {"metric": "latency_ms", "operator": ">", "value": 500, "weight": 0.4},
                {"metric": "reject_rate", "operator": ">", "value": 5, "weight": 0.2},
            ],
            "score_threshold": 0.7,
        },
    )
    values = {("slippage_pips", 60): 2.5, ("latency_ms", 60): 400.0, ("reject_rate", 60): 6.0}
    assert verdict(composite, values=values) == (Verdict.CLEAR, pytest.approx(0.6))
    values[("latency_ms", 60)] = 501.0
    assert verdict(composite, values=values) == (Verdict.BREACH, pytest.approx(1.0))
    del values[("reject_rate", 60)]
    assert verdict(composite, values=values) == (Verdict.BREACH, pytest.approx(0.8))
    assert verdict(composite, values={})[0] is Verdict.NODATA


def test_expression_rule() -> None:
    expression = rule("expression", {"expression": "reject_rate > 5 AND between(hour(), 8, 18)"})
    assert verdict(expression, values={("reject_rate", 60): 6.0}) == (Verdict.BREACH, 1.0)
    assert verdict(expression, values={("reject_rate", 60): 4.0}) == (Verdict.CLEAR, 0.0)
    assert verdict(expression, values={})[0] is Verdict.NODATA
    broken = rule("expression", {"expression": "reject_rate / 0 > 1"})
    assert verdict(broken, values={("reject_rate", 60): 1.0})[0] is Verdict.ERROR
