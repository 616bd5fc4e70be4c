"""Pure evaluation of one rule for one alert instance: the verdict of each rule type from the
metric values the evaluator fetched (no database here).

- threshold: ``value op threshold`` breaches; with a recovery threshold, it clears only once
  ``value op recovery`` no longer holds (in between: HOLD);
- anomaly: z-score of the value against a baseline of at least 100 past values (the same hour of
  the week when seasonal);
- pattern: the count of events in the sliding window reaches ``count``;
- predictive: the least-squares line through the recent values crosses the threshold within the
  horizon (or already has);
- composite: Σ weight × (condition holds) ≥ score threshold; conditions without data count 0;
- expression: the expression's value is true (non-zero);
- completeness: at least ``min_count`` findings of the instance's check in the look-back
  window (:mod:`app.alerts.completeness` counts them).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import operator as op
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.alerts.definitions import (
    MIN_BASELINE,
    AnomalySpec,
    CompletenessSpec,
    CompositeSpec,
    ExpressionSpec,
    PatternSpec,
    PredictiveSpec,
    RuleDefinition,
    ThresholdSpec,
)
from app.alerts.expression import ExpressionError, MissingValue, evaluate, parse_expression
from app.alerts.state import Verdict

_parsed = functools.lru_cache(maxsize=4096)(parse_expression)

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": op.gt,
    ">=": op.ge,
    "<": op.lt,
    "<=": op.le,
    "==": op.eq,
    "!=": op.ne,
}


@dataclass(frozen=True)
class InstanceInputs:
    """What the evaluator fetched for one instance of one rule."""

    values: Mapping[tuple[str, int], float] = field(default_factory=dict)
    """(metric, window_s) → the metric's value over the window ending now."""
    baseline: Sequence[float] | BaselineStats = ()
    """Anomaly rules: past values of the metric (same hour of week when seasonal), or their
    :class:`BaselineStats` (the evaluator keeps those per hour instead of the values)."""
    series: Sequence[tuple[float, float]] = ()
    """Predictive rules: (seconds before now, negative or zero; value) over the lookback."""
    check: str = ""
    """Completeness rules: the instance's check; its count is ``values[("findings", window)]``."""
    examples: Sequence[str] = ()
    """Completeness rules: order ids of a few of the check's findings."""


@dataclass(frozen=True)
class Evaluation:
    """A rule's verdict for one instance, the value it judged and a one-line explanation."""

    verdict: Verdict
    value: float | None
    message: str


def evaluate_rule(rule: RuleDefinition, inputs: InstanceInputs, now: dt.datetime) -> Evaluation:
    """The verdict of ``rule`` for one instance at ``now`` (UTC)."""
    spec = rule.spec
    if isinstance(spec, ThresholdSpec):
        return threshold(spec, inputs.values.get((spec.metric, spec.window_s)))
    if isinstance(spec, AnomalySpec):
        return anomaly(spec, inputs.values.get((spec.metric, spec.window_s)), inputs.baseline)
    if isinstance(spec, PatternSpec):
        return pattern(spec, inputs.values.get((spec.metric, spec.window_s)))
    if isinstance(spec, PredictiveSpec):
        return predictive(spec, inputs.series)
    if isinstance(spec, CompositeSpec):
        return composite(spec, inputs.values)
    if isinstance(spec, CompletenessSpec):
        count = inputs.values.get(("findings", spec.window_s))
        return completeness(spec, inputs.check, count, inputs.examples)
    return expression(spec, inputs.values, now)


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def threshold(spec: ThresholdSpec, value: float | None) -> Evaluation:
    """Threshold with optional hysteresis."""
    if value is None or _missing(value):
        return Evaluation(Verdict.NODATA, None, f"no data for {spec.metric}")
    compare = COMPARE[spec.operator]
    text = f"{spec.metric} = {value:g} ({spec.operator} {spec.value:g})"
    if compare(value, spec.value):
        return Evaluation(Verdict.BREACH, value, text)
    if spec.recovery_value is not None and compare(value, spec.recovery_value):
        return Evaluation(Verdict.HOLD, value, f"{text}, not yet past {spec.recovery_value:g}")
    return Evaluation(Verdict.CLEAR, value, text)


@dataclass(frozen=True)
class BaselineStats:
    """What a z-score needs of a baseline: how many values, their mean and population
    variance."""

    count: int
    mean: float
    variance: float


def baseline_stats(baseline: Sequence[float]) -> BaselineStats:
    """The count, mean and population variance of ``baseline`` (NaN when it is empty)."""
    if not baseline:
        return BaselineStats(0, math.nan, math.nan)
    mean = math.fsum(baseline) / len(baseline)
    variance = math.fsum((x - mean) ** 2 for x in baseline) / len(baseline)
    return BaselineStats(len(baseline), mean, variance)


def z_score(value: float, baseline: Sequence[float] | BaselineStats) -> float:
    """(value − mean) / population standard deviation of ``baseline`` (±inf if it is flat)."""
    stats = baseline if isinstance(baseline, BaselineStats) else baseline_stats(baseline)
    if stats.variance <= 0:
        return 0.0 if value == stats.mean else math.copysign(math.inf, value - stats.mean)
    return (value - stats.mean) / math.sqrt(stats.variance)


def hour_of_week(ts: dt.datetime) -> int:
    """0 (Monday 00:00–01:00 UTC) to 167 (Sunday 23:00–24:00 UTC)."""
    utc = ts.astimezone(dt.UTC)
    return utc.weekday() * 24 + utc.hour


def anomaly(
    spec: AnomalySpec, value: float | None, baseline: Sequence[float] | BaselineStats
) -> Evaluation:
    """z-score against the baseline; fewer than 100 past values is NoData (nothing to judge)."""
    if value is None or _missing(value):
        return Evaluation(Verdict.NODATA, None, f"no data for {spec.metric}")
    count = baseline.count if isinstance(baseline, BaselineStats) else len(baseline)
    if count < MIN_BASELINE:
        return Evaluation(Verdict.NODATA, None, f"baseline has {count} of {MIN_BASELINE} values")
    z = z_score(value, baseline)
    breach = {"above": z > spec.sigma, "below": z < -spec.sigma, "both": abs(z) > spec.sigma}
    text = f"{spec.metric} = {value:g}, z = {z:.2f} (limit {spec.sigma:g}σ {spec.direction})"
    return Evaluation(Verdict.BREACH if breach[spec.direction] else Verdict.CLEAR, z, text)


def pattern(spec: PatternSpec, count: float | None) -> Evaluation:
    """At least ``spec.count`` events in the window (no events is a count of 0, not NoData)."""
    events = 0.0 if count is None or _missing(count) else count
    text = f"{events:g} {spec.metric} in {spec.window_s} s (limit {spec.count})"
    return Evaluation(Verdict.BREACH if events >= spec.count else Verdict.CLEAR, events, text)


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (slope, intercept) of y = slope·x + intercept."""
    n = len(points)
    mean_x = math.fsum(x for x, _ in points) / n
    mean_y = math.fsum(y for _, y in points) / n
    sxx = math.fsum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0, mean_y
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def predictive(spec: PredictiveSpec, series: Sequence[tuple[float, float]]) -> Evaluation:
    """Breach when the fitted line is past the threshold now or within ``horizon_s``."""
    points = [(x, y) for x, y in series if not math.isnan(y)]
    if len(points) < 3:
        return Evaluation(Verdict.NODATA, None, f"{len(points)} recent values, need 3")
    slope, intercept = linear_fit(points)
    projected = slope * spec.horizon_s + intercept
    compare = COMPARE[spec.operator]
    latest = max(points)[1]
    breach = compare(latest, spec.value) or compare(projected, spec.value)
    text = (
        f"{spec.metric} = {latest:g}, projected {projected:g} in {spec.horizon_s // 60} min "
        f"({spec.operator} {spec.value:g})"
    )
    return Evaluation(Verdict.BREACH if breach else Verdict.CLEAR, projected, text)


def composite(spec: CompositeSpec, values: Mapping[tuple[str, int], float]) -> Evaluation:
    """Weighted score of the conditions that hold; all conditions without data is NoData."""
    score = 0.0
    seen = 0
    for condition in spec.conditions:
        value = values.get((condition.metric, condition.window_s))
        if value is None or _missing(value):
            continue
        seen += 1
        if COMPARE[condition.operator](value, condition.value):
            score += condition.weight
    if not seen:
        return Evaluation(Verdict.NODATA, None, "no data for any condition")
    text = f"score {score:g} (limit {spec.score_threshold:g})"
    verdict = Verdict.BREACH if score >= spec.score_threshold - 1e-9 else Verdict.CLEAR
    return Evaluation(verdict, round(score, 9), text)


def expression(
    spec: ExpressionSpec, values: Mapping[tuple[str, int], float], now: dt.datetime
) -> Evaluation:
    """The custom expression; a metric without a value is NoData, a runtime error is Error."""
    named = {metric: value for (metric, window), value in values.items() if window == spec.window_s}
    try:
        result = evaluate(_parsed(spec.expression), named, now)
    except MissingValue as missing:
        return Evaluation(Verdict.NODATA, None, f"no data for {missing}")
    except ExpressionError as exc:
        return Evaluation(Verdict.ERROR, None, str(exc))
    verdict = Verdict.BREACH if result else Verdict.CLEAR
    return Evaluation(verdict, result, f"{spec.expression} = {result:g}")


def _check_words(spec: CompletenessSpec, check: str) -> str:
    return {
        "missing_field": "records with a missing field",
        "order_without_execution": f"orders without an execution after {spec.wait_s} s",
        "execution_without_order": f"executions without their order after {spec.wait_s} s",
        "clock_skew": f"executions with sent_ts off by more than {spec.skew_s:g} s",
    }.get(check, f"{check} findings")


def _duration(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def completeness(
    spec: CompletenessSpec, check: str, count: float | None, examples: Sequence[str] = ()
) -> Evaluation:
    """At least ``min_count`` findings of ``check`` in the window (none found is a count of 0);
    the message names the count and a few of the orders."""
    found = 0.0 if count is None or _missing(count) else count
    text = (
        f"{found:g} {_check_words(spec, check)} in the last {_duration(spec.window_s)} "
        f"(limit {spec.min_count})"
    )
    if examples:
        more = ", …" if found > len(examples) else ""
        text += f": {', '.join(examples)}{more}"
    verdict = Verdict.BREACH if found >= spec.min_count else Verdict.CLEAR
    return Evaluation(verdict, found, text)
