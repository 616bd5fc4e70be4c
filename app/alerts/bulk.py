"""Bulk verdicts: which instances of a threshold, pattern, composite or expression rule breach,
judged for every scope key at once with numpy instead of one Python call per instance.

With 1,000 mostly quiet rules over ~10,000 instances, the per-instance loop is the evaluator's
cost; but an instance never stored before whose verdict is Clear, Hold or NoData stays Normal
and writes nothing. So the engine judges in bulk, then runs the per-instance path (verdict,
state machine, message) only for the breaching keys and the keys it already stores. The masks
here give exactly the verdicts of :mod:`app.alerts.rules` (tests compare both on the same
values), including NaN as "no value" and composite rules without data being NoData.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator as op
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.alerts.definitions import (
    MIN_BASELINE,
    AnomalySpec,
    CompositeSpec,
    ExpressionSpec,
    PatternSpec,
    RuleDefinition,
    ThresholdSpec,
)
from app.alerts.expression import names_in, parse_expression
from app.alerts.expression_bulk import needs_judging
from app.alerts.rules import BaselineStats

Baselines = Callable[[str], BaselineStats]
"""An anomaly rule's baseline statistics of a scope key (this hour's)."""

_parsed = functools.lru_cache(maxsize=4096)(parse_expression)

Values = Mapping[tuple[str, str, int], Mapping[str, float]]
"""(metric, scope, window_s) → {scope key: value}, as the engine fetched them."""

_COMPARE: dict[str, Callable[[npt.NDArray[np.float64], float], npt.NDArray[np.bool_]]] = {
    ">": op.gt,
    ">=": op.ge,
    "<": op.lt,
    "<=": op.le,
    "==": op.eq,
    "!=": op.ne,
}


def supports(rule: RuleDefinition) -> bool:
    """Whether :func:`breaching_keys` can judge ``rule`` (threshold, pattern of at least one
    event, composite, expression, anomaly)."""
    spec = rule.spec
    if isinstance(spec, PatternSpec):
        return spec.count >= 1  # a count of 0 would breach for keys without any value
    if isinstance(spec, ExpressionSpec):
        # without a metric a global rule has an instance even in a pass without any values
        return bool(names_in(_parsed(spec.expression)))
    return isinstance(spec, ThresholdSpec | CompositeSpec | AnomalySpec)


@dataclass
class Columns:
    """The fetched values of one pass as aligned arrays: per scope, one sorted array of every
    key seen, and per (metric, scope, window) the values on those keys (NaN where missing).
    Built lazily, once per column, and shared by every rule of the pass."""

    values: Values
    now: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    """The time of the pass (expressions may read ``hour()``, ``minute()``, ``weekday()``)."""
    _keys: dict[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    _columns: dict[tuple[str, str, int], npt.NDArray[np.float64]] = field(default_factory=dict)

    def keys(self, scope: str) -> npt.NDArray[np.str_]:
        """Every key of ``scope`` with a value for any metric, sorted."""
        if scope not in self._keys:
            seen: set[str] = set()
            for (_metric, of_scope, _window), by_key in self.values.items():
                if of_scope == scope:
                    seen.update(by_key)
            self._keys[scope] = np.array(sorted(seen), dtype=np.str_)
        return self._keys[scope]

    def column(self, metric: str, scope: str, window_s: int) -> npt.NDArray[np.float64]:
        """The metric's values aligned on :meth:`keys` (NaN for keys without a value)."""
        ident = (metric, scope, window_s)
        if ident not in self._columns:
            keys = self.keys(scope)
            by_key = self.values.get(ident, {})
            self._columns[ident] = np.array(
                [by_key.get(str(key), np.nan) for key in keys], dtype=np.float64
            )
        return self._columns[ident]


def breaching_keys(
    rule: RuleDefinition, columns: Columns, baselines: Baselines | None = None
) -> set[str]:
    """The scope keys whose verdict for ``rule`` is a breach (a rule :func:`supports`; for an
    expression, also the keys where it may fail with Error; an anomaly rule needs
    ``baselines``)."""
    if isinstance(rule.spec, AnomalySpec):
        if baselines is None:
            raise TypeError("an anomaly rule is judged in bulk with its baselines")
        mask = _anomaly_mask(rule.spec, rule.scope, columns, baselines)
    else:
        mask = _breach_mask(rule, columns)
    keys = columns.keys(rule.scope)
    return {str(key) for key in keys[mask]} if mask.any() else set()


def _breach_mask(rule: RuleDefinition, columns: Columns) -> npt.NDArray[np.bool_]:
    spec = rule.spec
    scope = rule.scope
    if isinstance(spec, ThresholdSpec):
        value = columns.column(spec.metric, scope, spec.window_s)
        present = ~np.isnan(value)
        return present & _COMPARE[spec.operator](value, spec.value)
    if isinstance(spec, PatternSpec):
        count = columns.column(spec.metric, scope, spec.window_s)
        return ~np.isnan(count) & (count >= spec.count)
    if isinstance(spec, CompositeSpec):
        size = len(columns.keys(scope))
        score = np.zeros(size, dtype=np.float64)
        seen = np.zeros(size, dtype=np.bool_)
        for condition in spec.conditions:
            value = columns.column(condition.metric, scope, condition.window_s)
            present = ~np.isnan(value)
            holds = present & _COMPARE[condition.operator](value, condition.value)
            # the same additions in the same order as the per-instance score
            score = np.where(holds, score + condition.weight, score)
            seen |= present
        return seen & (score >= spec.score_threshold - 1e-9)
    if isinstance(spec, ExpressionSpec):
        size = len(columns.keys(scope))

        def column(name: str) -> npt.NDArray[np.float64]:
            return columns.column(name, scope, spec.window_s)

        return needs_judging(_parsed(spec.expression), column, size, columns.now)
    raise TypeError(f"no bulk verdict for {rule.type} rules")


def _anomaly_mask(
    spec: AnomalySpec, scope: str, columns: Columns, baselines: Baselines
) -> npt.NDArray[np.bool_]:
    # the z-score of app.alerts.rules.z_score, on arrays (the same float64 operations)
    value = columns.column(spec.metric, scope, spec.window_s)
    stats = [baselines(str(key)) for key in columns.keys(scope)]
    count = np.array([s.count for s in stats], dtype=np.int64)
    mean = np.array([s.mean for s in stats], dtype=np.float64)
    variance = np.array([s.variance for s in stats], dtype=np.float64)
    with np.errstate(all="ignore"):
        flat = np.where(value == mean, 0.0, np.copysign(np.inf, value - mean))
        z = np.where(variance <= 0, flat, (value - mean) / np.sqrt(variance))
    judged = ~np.isnan(value) & (count >= MIN_BASELINE)
    if spec.direction == "above":
        return judged & (z > spec.sigma)
    if spec.direction == "below":
        return judged & (z < -spec.sigma)
    return judged & (np.abs(z) > spec.sigma)
