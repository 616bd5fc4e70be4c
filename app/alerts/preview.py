"""Preview: replay a rule over stored history ("would have fired N times in the last 7 days").

The rule is evaluated at every minute boundary of the period with the same metric windows,
state machine, pending and keep-firing periods as the live evaluator; NoData never fires.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from app.alerts.completeness import counts_at, spans, window_needed
from app.alerts.definitions import (
    AnomalySpec,
    CompletenessSpec,
    PredictiveSpec,
    RuleDefinition,
    rule_metrics,
)
from app.alerts.rules import InstanceInputs, evaluate_rule, hour_of_week
from app.alerts.sources import series
from app.alerts.state import InstanceState, Timings, advance
from app.compliance.completeness import load as load_orders_and_executions

PREVIEW_DAYS = 7


@dataclass(frozen=True)
class PreviewResult:
    """How often the rule would have fired, when first and last, and for which instances."""

    fired_count: int
    first_fired_at: dt.datetime | None
    last_fired_at: dt.datetime | None
    evaluations: int
    by_instance: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The API form of the preview."""
        return {
            "fired_count": self.fired_count,
            "first_fired_at": _rfc3339(self.first_fired_at),
            "last_fired_at": _rfc3339(self.last_fired_at),
            "evaluations": self.evaluations,
            "by_instance": self.by_instance,
        }


def _rfc3339(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def preview_times(now: dt.datetime, days: int = PREVIEW_DAYS) -> pd.DatetimeIndex:
    """The minute boundaries of the ``days`` before ``now`` at which the rule is replayed."""
    end = pd.Timestamp(now).floor("min")
    return pd.date_range(end - pd.Timedelta(days=days) + pd.Timedelta(minutes=1), end, freq="min")


def run_preview(
    conn: Connection, rule: RuleDefinition, now: dt.datetime, days: int = PREVIEW_DAYS
) -> PreviewResult:
    """Replay ``rule`` at every minute of the ``days`` before ``now``."""
    times = preview_times(now, days)
    start, end = times[0].to_pydatetime(), times[-1].to_pydatetime()
    spec = rule.spec
    if isinstance(spec, CompletenessSpec):
        return _preview_completeness(conn, rule, spec, times)
    grids: dict[tuple[str, int], pd.DataFrame] = {}
    for metric, window_s in rule_metrics(rule):
        lead = dt.timedelta(days=spec.baseline_days) if isinstance(spec, AnomalySpec) else None
        if isinstance(spec, PredictiveSpec):
            lead = dt.timedelta(seconds=spec.lookback_s)
        grid = series(conn, metric, rule.scope, window_s, start - (lead or dt.timedelta()), end)
        grids[(metric, window_s)] = grid
    keys = sorted({str(key) for grid in grids.values() for key in grid.columns})
    if rule.scope == "global":
        keys = [""]
    timings = Timings(rule.pending_s, rule.keep_firing_s, rule.no_data_s)

    def instance(key: str) -> Iterator[tuple[dt.datetime, InstanceInputs]]:
        columns = {need: _column(grid, key, times, spec) for need, grid in grids.items()}
        for index, at in enumerate(times.to_pydatetime()):
            yield at, _inputs(rule, columns, index, at)

    return _replay(rule, timings, {key: instance(key) for key in keys}, len(times))


def _replay(
    rule: RuleDefinition,
    timings: Timings,
    instances: dict[str, Iterator[tuple[dt.datetime, InstanceInputs]]],
    steps: int,
) -> PreviewResult:
    """Each instance's inputs in time order through the state machine, counting firings."""
    fired: Counter[str] = Counter()
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    for key, inputs_over_time in instances.items():
        state = InstanceState()
        for at, inputs in inputs_over_time:
            step = advance(state, evaluate_rule(rule, inputs, at).verdict, at, timings)
            state = step.state
            if step.fired:
                fired[key] += 1
                first = at if first is None or at < first else first
                last = at if last is None or at > last else last
    return PreviewResult(
        fired_count=sum(fired.values()),
        first_fired_at=first,
        last_fired_at=last,
        evaluations=steps * len(instances),
        by_instance=dict(fired),
    )


def _preview_completeness(
    conn: Connection, rule: RuleDefinition, spec: CompletenessSpec, times: pd.DatetimeIndex
) -> PreviewResult:
    # the stored records of the period (and its first window): each check's count per minute
    start = times[0].to_pydatetime() - window_needed(spec)
    end = times[-1].to_pydatetime() + dt.timedelta(microseconds=1)
    orders, executions = load_orders_and_executions(conn, start, end)
    found = spans(orders, executions, wait_s=spec.wait_s, skew_s=spec.skew_s)
    grid = counts_at(found, spec.checks, times, spec.window_s)
    timings = Timings(rule.pending_s, rule.keep_firing_s, rule.no_data_s)

    def instance(check: str) -> Iterator[tuple[dt.datetime, InstanceInputs]]:
        for at, count in zip(times.to_pydatetime(), grid[check].to_numpy(), strict=True):
            yield at, InstanceInputs({("findings", spec.window_s): float(count)}, check=check)

    return _replay(rule, timings, {check: instance(check) for check in spec.checks}, len(times))


@dataclass
class _Column:
    values: np.ndarray
    history: pd.Series
    baselines: dict[pd.Timestamp, list[float]] = field(default_factory=dict)
    """Anomaly baselines by hour (they only change with the hour)."""
    seconds: np.ndarray | None = None
    """The history's times in epoch seconds, for fast lookback cuts."""
    history_values: np.ndarray = field(default_factory=lambda: np.array([]))


def _column(grid: pd.DataFrame, key: str, times: pd.DatetimeIndex, spec: object) -> _Column:
    if key in grid.columns:
        full = grid[key].astype("float64")
    else:
        full = pd.Series(np.nan, index=grid.index if len(grid.index) else times, dtype="float64")
    values = full.reindex(times).to_numpy(dtype="float64")
    return _Column(values, full)


def _inputs(
    rule: RuleDefinition,
    columns: dict[tuple[str, int], _Column],
    index: int,
    at: dt.datetime,
) -> InstanceInputs:
    values = {need: float(column.values[index]) for need, column in columns.items()}
    spec = rule.spec
    if isinstance(spec, AnomalySpec):
        column = columns[(spec.metric, spec.window_s)]
        hour = pd.Timestamp(at).floor("h")
        if hour not in column.baselines:
            column.baselines[hour] = baseline_values(column.history, at, spec)
        return InstanceInputs(values, baseline=column.baselines[hour])
    if isinstance(spec, PredictiveSpec):
        return InstanceInputs(values, series=_lookback(columns[(spec.metric, spec.window_s)], at,
                                                       spec.lookback_s))  # fmt: skip
    return InstanceInputs(values)


def _lookback(column: _Column, at: dt.datetime, lookback_s: int) -> list[tuple[float, float]]:
    # the same cut as recent_points, on arrays (the preview asks for it 10,080 times)
    if column.seconds is None:
        index = pd.DatetimeIndex(column.history.index)
        epoch = pd.Timestamp(0, tz="UTC")
        column.seconds = ((index - epoch) / pd.Timedelta(seconds=1)).to_numpy(dtype="float64")
        column.history_values = column.history.to_numpy(dtype="float64")
    end = at.timestamp()
    low = int(np.searchsorted(column.seconds, end - lookback_s, side="right"))
    high = int(np.searchsorted(column.seconds, end, side="right"))
    values = column.history_values[low:high]
    offsets = column.seconds[low:high] - end
    keep = ~np.isnan(values)
    return list(zip(offsets[keep].tolist(), values[keep].tolist(), strict=True))


def baseline_values(history: pd.Series, at: dt.datetime, spec: AnomalySpec) -> list[float]:
    """Past values for an anomaly rule's baseline: the ``baseline_days`` before the current
    hour, only the same hour of the week when seasonal (4 weeks → 240 minute values)."""
    if history.empty:
        return []
    hour_start = pd.Timestamp(at).floor("h")
    past = history[
        (history.index >= hour_start - pd.Timedelta(days=spec.baseline_days))
        & (history.index < hour_start)
    ].dropna()
    if spec.seasonal:
        target = hour_of_week(hour_start.to_pydatetime())
        how = past.index.day_of_week * 24 + past.index.hour
        past = past[how == target]
    return [float(v) for v in past.to_numpy()]


def recent_points(
    history: pd.Series, at: dt.datetime, lookback_s: int
) -> list[tuple[float, float]]:
    """(seconds relative to ``at``, value) over the lookback, for the predictive fit."""
    if history.empty:
        return []
    stamp = pd.Timestamp(at)
    recent = history[
        (history.index > stamp - pd.Timedelta(seconds=lookback_s)) & (history.index <= stamp)
    ].dropna()
    offsets = (recent.index - stamp).total_seconds()
    return [
        (float(x), float(y))
        for x, y in zip(offsets, recent.to_numpy(), strict=True)
        if not math.isnan(y)
    ]
