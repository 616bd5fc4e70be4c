"""Bulk verdicts (numpy over every scope key at once) against the per-instance verdicts."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest

from app.alerts.bulk import Columns, breaching_keys, supports
from app.alerts.definitions import RuleDefinition, parse_rule
from app.alerts.rules import InstanceInputs, evaluate_rule
from app.alerts.state import Verdict

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 24, 12, 0, 30, tzinfo=dt.UTC)
NAN = math.nan


def rule(rule_type: str, spec: dict[str, Any], scope: str = "lp") -> RuleDefinition:
    return parse_rule({"name": "r", "type": rule_type, "scope": scope, "spec": spec})


def test_a_threshold_breaches_only_where_the_value_is_past_it() -> None:
    values = {("reject_rate", "lp", 60): {"LP1": 80.0, "LP2": 50.0, "LP3": 10.0}}
    over = rule("threshold", {"metric": "reject_rate", "operator": ">", "value": 50})
    at_least = rule("threshold", {"metric": "reject_rate", "operator": ">=", "value": 50})
    assert breaching_keys(over, Columns(values)) == {"LP1"}
    assert breaching_keys(at_least, Columns(values)) == {"LP1", "LP2"}


def test_a_key_without_a_value_never_breaches_even_with_not_equal() -> None:
    # LP2 has a latency but no reject rate: NaN in the aligned column, NoData per instance
    values = {
        ("reject_rate", "lp", 60): {"LP1": 5.0},
        ("latency_ms", "lp", 60): {"LP1": 20.0, "LP2": 30.0},
    }
    differs = rule("threshold", {"metric": "reject_rate", "operator": "!=", "value": 0})
    assert breaching_keys(differs, Columns(values)) == {"LP1"}


def test_the_hold_band_of_a_recovery_threshold_is_not_a_breach() -> None:
    values = {("reject_rate", "lp", 60): {"LP1": 55.0, "LP2": 45.0}}
    hysteresis = rule(
        "threshold",
        {"metric": "reject_rate", "operator": ">", "value": 50, "recovery_value": 40},
    )
    assert breaching_keys(hysteresis, Columns(values)) == {"LP1"}  # LP2 holds


def test_a_pattern_counts_events_in_the_window() -> None:
    values = {("failed_orders", "lp", 60): {"LP1": 5.0, "LP2": 4.0}}
    five = rule("pattern", {"metric": "failed_orders", "count": 5})
    assert breaching_keys(five, Columns(values)) == {"LP1"}


def test_a_composite_adds_the_weights_of_the_conditions_that_hold() -> None:
    values = {
        ("reject_rate", "lp", 60): {"LP1": 8.0, "LP2": 8.0, "LP3": 1.0},
        ("latency_ms", "lp", 60): {"LP1": 500.0, "LP2": 100.0},
    }
    both = rule(
        "composite",
        {
            "conditions": [
                {"metric": "reject_rate", "operator": ">", "value": 5, "weight": 0.6},
                {"metric": "latency_ms", "operator": ">", "value": 400, "weight": 0.4},
            ],
            "score_threshold": 1.0,
        },
    )
    either = rule(
        "composite",
        {
            "conditions": [
                {"metric": "reject_rate", "operator": ">", "value": 5, "weight": 0.6},
                {"metric": "latency_ms", "operator": ">", "value": 400, "weight": 0.4},
            ],
            "score_threshold": 0.4,
        },
    )
    assert breaching_keys(both, Columns(values)) == {"LP1"}  # 0.6 + 0.4 reaches 1.0
    assert breaching_keys(either, Columns(values)) == {"LP1", "LP2"}


def test_predictions_and_expressions_without_metrics_are_judged_one_by_one() -> None:
    assert supports(rule("expression", {"expression": "reject_rate > 5"}))
    assert not supports(rule("expression", {"expression": "hour() >= 0"}, scope="global"))
    assert supports(rule("anomaly", {"metric": "reject_rate"}))
    assert not supports(rule("predictive", {"metric": "reject_rate", "operator": ">", "value": 1}))
    assert supports(rule("pattern", {"metric": "failed_orders", "count": 1}))


def test_an_empty_pass_breaches_nothing() -> None:
    threshold = rule("threshold", {"metric": "reject_rate", "operator": ">", "value": 0})
    assert breaching_keys(threshold, Columns({})) == set()


# -- the same verdicts as the per-instance path, on random values and rules -------------------

OPERATORS = (">", ">=", "<", "<=", "==", "!=")
METRICS = ("reject_rate", "latency_ms", "attempts")


def _random_values(rng: random.Random) -> dict[tuple[str, str, int], dict[str, float]]:
    keys = [f"LP{n}" for n in range(rng.randint(0, 12))]
    values: dict[tuple[str, str, int], dict[str, float]] = {}
    for metric in METRICS:
        for window in (60, 300):
            # some keys missing, some NaN, values on a coarse grid so equality happens
            values[(metric, "lp", window)] = {
                key: rng.choice((NAN, float(rng.randint(0, 10)), rng.randint(0, 100) / 10))
                for key in keys
                if rng.random() < 0.8
            }
    values[("failed_orders", "lp", 60)] = {k: float(rng.randint(0, 6)) for k in keys[::2]}
    return values


def _random_expression(rng: random.Random, depth: int = 0) -> str:
    if depth >= 3 or rng.random() < 0.3:
        if rng.random() < 0.6:
            return rng.choice(METRICS)
        return rng.choice(("0", "1", "2", "5", "10", "hour()", "weekday()"))
    form = rng.randrange(6)
    left = _random_expression(rng, depth + 1)
    right = _random_expression(rng, depth + 1)
    if form == 0:
        return f"NOT ({left})"
    if form == 1:
        return f"-({left})"
    if form == 2:
        return (
            f"abs({left})"
            if rng.random() < 0.3
            else f"{rng.choice(('min', 'max'))}({left}, {right})"
        )
    if form == 3:
        return f"between({left}, {right}, {rng.randint(0, 10)})"
    operator = rng.choice(("+", "-", "*", "/", "%", "AND", "OR", *OPERATORS))
    return f"({left}) {operator} ({right})"


def _random_rule(rng: random.Random) -> RuleDefinition:
    kind = rng.choice(("threshold", "pattern", "composite", "expression"))
    if kind == "expression":
        # at least one metric: an expression without any is judged one by one
        text = f"({_random_expression(rng)}) {rng.choice(OPERATORS)} ({rng.choice(METRICS)})"
        return rule("expression", {"expression": text, "window_s": rng.choice((60, 300))})
    if kind == "pattern":
        return rule("pattern", {"metric": "failed_orders", "count": rng.randint(1, 6)})
    if kind == "threshold":
        operator = rng.choice(OPERATORS)
        spec: dict[str, Any] = {
            "metric": rng.choice(METRICS),
            "operator": operator,
            "value": float(rng.randint(0, 10)),
            "window_s": rng.choice((60, 300)),
        }
        if operator in (">", ">=") and rng.random() < 0.5:
            spec["recovery_value"] = spec["value"] - rng.randint(0, 3)
        return rule("threshold", spec)
    conditions: list[dict[str, Any]] = [
        {
            "metric": rng.choice(METRICS),
            "operator": rng.choice(OPERATORS),
            "value": float(rng.randint(0, 10)),
            "window_s": rng.choice((60, 300)),
            "weight": rng.choice((0.1, 0.2, 0.3, 0.5, 1.0)),
        }
        for _ in range(rng.randint(1, 4))
    ]
    total = float(sum(c["weight"] for c in conditions))
    threshold = rng.choice((0.1, 0.3, 0.6, 1.0, total))
    return rule("composite", {"conditions": conditions, "score_threshold": min(threshold, total)})


def _per_instance(
    definition: RuleDefinition, values: dict[tuple[str, str, int], dict[str, float]]
) -> dict[str, Verdict]:
    from app.alerts.definitions import rule_metrics

    metrics = rule_metrics(definition)
    keys = set().union(*(values.get((m, "lp", w), {}) for m, w in metrics))
    return {
        key: evaluate_rule(
            definition,
            InstanceInputs(
                {(m, w): values.get((m, "lp", w), {}).get(key, NAN) for m, w in metrics}
            ),
            NOW,
        ).verdict
        for key in keys
    }


@pytest.mark.parametrize("seed", range(40))
def test_bulk_breaches_are_exactly_the_per_instance_breaches(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        values = _random_values(rng)
        definition = _random_rule(rng)
        verdicts = _per_instance(definition, values)
        expected = {key for key, verdict in verdicts.items() if verdict is Verdict.BREACH}
        got = breaching_keys(definition, Columns(values, NOW))
        if definition.type == "expression":
            # the keys where it may divide by zero are judged one by one too (Error)
            errors = {key for key, verdict in verdicts.items() if verdict is Verdict.ERROR}
            assert expected | errors <= got, definition
            if "/" not in str(definition.spec) and "%" not in str(definition.spec):
                assert got == expected, definition
            expected = got
        else:
            assert got == expected, definition
        # every other instance of these types is Clear, Hold or NoData: it stays Normal
        assert {v for k, v in verdicts.items() if k not in expected} <= {
            Verdict.CLEAR,
            Verdict.HOLD,
            Verdict.NODATA,
        }


@pytest.mark.parametrize("seed", range(20))
def test_bulk_anomaly_breaches_are_exactly_the_per_instance_ones(seed: int) -> None:
    from app.alerts.rules import baseline_stats

    rng = random.Random(seed)
    for _ in range(10):
        values = _random_values(rng)
        keys = sorted({k for by_key in values.values() for k in by_key})
        baselines: dict[str, list[float]] = {
            key: rng.choice(
                (
                    [float(rng.randint(0, 10)) for _ in range(rng.choice((99, 100, 240)))],
                    [5.0] * 120,  # flat: z is 0 or ±inf
                    [],
                )
            )
            for key in keys
        }
        definition = rule(
            "anomaly",
            {
                "metric": rng.choice(METRICS),
                "sigma": rng.choice((0.5, 1.0, 2.0, 3.0)),
                "direction": rng.choice(("above", "below", "both")),
                "window_s": rng.choice((60, 300)),
            },
        )
        spec = definition.spec
        column = values.get((spec.metric, "lp", spec.window_s), {})  # type: ignore[union-attr]
        verdicts = {
            key: evaluate_rule(
                definition,
                InstanceInputs(
                    {(spec.metric, spec.window_s): column.get(key, NAN)},  # type: ignore[union-attr]
                    baseline=baselines.get(key, []),
                ),
                NOW,
            ).verdict
            for key in keys
        }
        expected = {key for key, verdict in verdicts.items() if verdict is Verdict.BREACH}
        stats = {key: baseline_stats(b) for key, b in baselines.items()}
        got = breaching_keys(definition, Columns(values, NOW), stats.__getitem__)
        assert got == expected, (definition, values, baselines)
