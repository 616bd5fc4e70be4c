"""Alert rule definitions: the seven rule types, the common fields, the metric catalogue and the
built-in templates, with one parser that reports every invalid field at once.

A definition is plain data (frozen dataclasses) stored as JSON in ``alert_rule_versions``;
:func:`parse_rule` turns a mapping (a form, an API body, a stored version) into one, and
:func:`to_json` turns it back. Both the page and the API show :class:`RuleDefinitionError`'s
``errors`` (field name → message) next to the fields; nested fields are dotted
(``conditions.1.weight``, ``escalation.0.after_minutes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
RULE_TYPES = (
    "threshold", "anomaly", "pattern", "predictive", "composite", "expression", "completeness",
)  # fmt: skip
SCOPES = ("global", "lp", "symbol", "account", "book", "rule", "check")
"""What a rule is evaluated per: one alert instance per LP, symbol, ... (``global``: one;
``check``: one per data-completeness check, for completeness rules only)."""
CHECKS = ("missing_field", "order_without_execution", "execution_without_order", "clock_skew")
"""The data-completeness checks (the kinds of :mod:`app.compliance.completeness`)."""
OPERATORS = (">", ">=", "<", "<=", "==", "!=")
ACTIVE_HOURS = ("always", "business_hours", "outside_business_hours")
"""When a rule notifies; outside its hours it is still evaluated and shown, but stays quiet."""
MAX_ESCALATION_LEVELS = 4
SNOOZE_MINUTES = (5, 60)
"""Inclusive bounds of a snooze."""
MIN_BASELINE = 100
"""An anomaly rule needs at least this many past values to judge a z-score."""


@dataclass(frozen=True)
class Metric:
    """One metric an alert can watch: its unit, the scopes it can be split by, its meaning."""

    name: str
    unit: str
    scopes: tuple[str, ...]
    description: str


_EXEC_SCOPES = ("global", "lp", "symbol", "book", "rule")
METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("attempts", "count", _EXEC_SCOPES, "Execution attempts in the window"),
        Metric("rejects", "count", _EXEC_SCOPES, "Rejected attempts in the window"),
        Metric("reject_rate", "%", _EXEC_SCOPES, "Rejects / attempts × 100 in the window"),
        Metric("fill_ratio", "%", _EXEC_SCOPES, "Fills / attempts × 100 in the window"),
        Metric("slippage_pips", "pips", _EXEC_SCOPES, "Fill-weighted mean slippage (+ = worse)"),
        Metric("latency_ms", "ms", _EXEC_SCOPES, "Mean LP latency per attempt in the window"),
        Metric("latency_max_ms", "ms", _EXEC_SCOPES, "Largest LP latency in the window"),
        Metric("volume_usd", "USD", _EXEC_SCOPES, "Notional traded in the window (USD)"),
        Metric("volume_share", "%", ("symbol", "lp"), "Share of the window's notional × 100"),
        Metric("failed_orders", "count", ("global", "lp", "account"), "Rejected attempts (raw)"),
        Metric("orders", "count", ("global", "symbol", "account", "book"), "Orders received"),
        Metric("buy_sell_imbalance", "%", ("global", "symbol", "account"), "(buy−sell)/all × 100"),
        Metric("exposure", "base units", ("symbol",), "Net B-book position"),
        Metric("exposure_pct_of_limit", "%", ("symbol",), "|Net position USD| / limit × 100"),
        Metric("margin_level", "%", ("account",), "Latest equity / margin used × 100"),
        Metric("daily_pnl_usd", "USD", ("global", "symbol", "book"), "Broker P/L since 00:00 UTC"),
        Metric("daily_loss_usd", "USD", ("global", "symbol", "book"), "−P/L since 00:00 UTC, ≥ 0"),
        Metric("drawdown_usd", "USD", ("global", "book"), "Peak-to-now fall of today's P/L"),
        Metric("lp_uptime", "%", ("lp",), "Share of the window the LP reported 'up'"),
    )
}


@dataclass(frozen=True)
class EscalationLevel:
    """Notify ``channel_ids`` when the alert is still unacknowledged ``after_minutes``."""

    after_minutes: int
    channel_ids: tuple[int, ...]


@dataclass(frozen=True)
class Condition:
    """``metric operator value`` over ``window_s`` (one term of a composite, or a threshold)."""

    metric: str
    operator: str
    value: float
    window_s: int = 60
    weight: float = 1.0


@dataclass(frozen=True)
class ThresholdSpec:
    """Fire when ``metric operator value``; clear only past ``recovery_value`` (hysteresis)."""

    metric: str
    operator: str
    value: float
    recovery_value: float | None = None
    window_s: int = 60


@dataclass(frozen=True)
class AnomalySpec:
    """Fire when the metric's z-score against its hour-of-week baseline exceeds ``sigma``."""

    metric: str
    sigma: float = 3.0
    direction: Literal["above", "below", "both"] = "above"
    window_s: int = 60
    baseline_days: int = 28
    seasonal: bool = True


@dataclass(frozen=True)
class PatternSpec:
    """Fire when at least ``count`` events of ``metric`` happen within ``window_s``."""

    metric: str
    count: int
    window_s: int = 60


@dataclass(frozen=True)
class PredictiveSpec:
    """Fire when a linear fit of the last ``lookback_s`` crosses ``value`` within ``horizon_s``."""

    metric: str
    operator: str
    value: float
    horizon_s: int = 1800
    lookback_s: int = 1800
    window_s: int = 60


@dataclass(frozen=True)
class CompositeSpec:
    """Fire when Σ weight × (condition true) ≥ ``score_threshold``."""

    conditions: tuple[Condition, ...]
    score_threshold: float


@dataclass(frozen=True)
class ExpressionSpec:
    """Fire when the expression (see :mod:`app.alerts.expression`) is true."""

    expression: str
    window_s: int = 60


@dataclass(frozen=True)
class CompletenessSpec:
    """Fire, per check, when at least ``min_count`` records of the last ``window_s`` fail it:
    a missing field, an order without an execution ``wait_s`` after routing (or an execution
    without its order), ``sent_ts`` off by more than ``skew_s``."""

    checks: tuple[str, ...] = CHECKS
    window_s: int = 900
    wait_s: int = 60
    skew_s: float = 1.0
    min_count: int = 1


Spec = (
    ThresholdSpec
    | AnomalySpec
    | PatternSpec
    | PredictiveSpec
    | CompositeSpec
    | ExpressionSpec
    | CompletenessSpec
)


@dataclass(frozen=True)
class RuleDefinition:
    """A complete alert rule: the type-specific ``spec`` plus the fields every rule has."""

    name: str
    type: str
    spec: Spec
    scope: str = "global"
    enabled: bool = True
    severity: Severity = "warning"
    labels: Mapping[str, str] = field(default_factory=dict)
    owner: str = ""
    description: str = ""
    runbook_url: str = ""
    channel_ids: tuple[int, ...] = ()
    escalation: tuple[EscalationLevel, ...] = ()
    pending_s: int = 0
    keep_firing_s: int = 0
    cooldown_s: int = 300
    no_data_s: int = 0
    """Report NoData after this long without data (0: never; the instance stays as it is)."""
    active_hours: str = "always"
    group_by: tuple[str, ...] = ()
    """Label names whose values group notifications (default: the rule and its instance)."""


class RuleDefinitionError(ValueError):
    """A definition with invalid fields; ``errors`` maps each field name to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


class _Reader:
    """Reads typed fields from a mapping, collecting one message per invalid field."""

    def __init__(
        self, data: Mapping[str, Any], prefix: str = "", errors: dict[str, str] | None = None
    ):
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, str] = {} if errors is None else errors

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(self.prefix + name, message)

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.data.get(name, default)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required")
            return default or ""
        if not isinstance(value, str):
            self.fail(name, "must be text")
            return default or ""
        return value.strip()

    def number(self, name: str, default: float | None = None, *, low: float | None = None) -> float:
        value = self.data.get(name, default)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(name, "is required")
            return 0.0
        if isinstance(value, bool):
            self.fail(name, "must be a number")
            return 0.0
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(name, "must be a number")
            return 0.0
        if number != number or number in (float("inf"), float("-inf")):
            self.fail(name, "must be a finite number")
        elif low is not None and number < low:
            self.fail(name, f"must be at least {low:g}")
        return number

    def integer(self, name: str, default: int, *, low: int = 0, high: int | None = None) -> int:
        value = self.data.get(name, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(name, "must be a whole number")
            return default
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.fail(name, f"must be {bound}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
            return default
        return value

    def choice(self, name: str, options: Sequence[str], default: str | None = None) -> str:
        value = self.data.get(name, default)
        if value is None:
            self.fail(name, "is required")
            return options[0]
        if value not in options:
            self.fail(name, f"must be one of {', '.join(options)}")
            return options[0]
        return str(value)

    def ids(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value
        ):
            self.fail(name, "must be a list of channel ids (positive whole numbers)")
            return ()
        return tuple(dict.fromkeys(value))

    def mapping_list(self, name: str) -> list[Mapping[str, Any]]:
        value = self.data.get(name, [])
        if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
            self.fail(name, "must be a list of objects")
            return []
        return list(value)

    def nested(self, name: str, index: int) -> _Reader:
        items = self.data.get(name) or []
        return _Reader(items[index], f"{self.prefix}{name}.{index}.", self.errors)


def _metric(reader: _Reader, scope: str, name: str = "metric") -> str:
    metric = reader.text(name, required=True)
    if not metric:
        return metric
    known = METRICS.get(metric)
    if known is None:
        reader.fail(name, f"unknown metric {metric!r}")
    elif scope not in known.scopes:
        reader.fail(name, f"{metric} cannot be split by {scope} (only {', '.join(known.scopes)})")
    return metric


def _window(reader: _Reader, name: str = "window_s", default: int = 60) -> int:
    return reader.integer(name, default, low=10, high=86_400)


def _threshold(r: _Reader, scope: str) -> ThresholdSpec:
    operator = r.choice("operator", OPERATORS, ">")
    value = r.number("value")
    recovery = r.data.get("recovery_value")
    recovery_value = None if recovery in (None, "") else r.number("recovery_value")
    if recovery_value is not None and "value" not in r.errors:
        if operator in (">", ">=") and recovery_value > value:
            r.fail("recovery_value", "must not be above the threshold for '>' rules")
        if operator in ("<", "<=") and recovery_value < value:
            r.fail("recovery_value", "must not be below the threshold for '<' rules")
        if operator in ("==", "!="):
            r.fail("recovery_value", "only applies to <, <=, > and >= rules")
    return ThresholdSpec(_metric(r, scope), operator, value, recovery_value, _window(r))


def _anomaly(r: _Reader, scope: str) -> AnomalySpec:
    direction = r.choice("direction", ("above", "below", "both"), "above")
    return AnomalySpec(
        metric=_metric(r, scope),
        sigma=r.number("sigma", 3.0, low=0.5),
        direction=direction,  # type: ignore[arg-type]
        window_s=_window(r),
        baseline_days=r.integer("baseline_days", 28, low=1, high=90),
        seasonal=r.boolean("seasonal", True),
    )


def _pattern(r: _Reader, scope: str) -> PatternSpec:
    metric = _metric(r, scope)
    if metric in METRICS and METRICS[metric].unit != "count":
        r.fail("metric", "a pattern counts events: choose a count metric")
    return PatternSpec(metric, r.integer("count", 5, low=1), _window(r))


def _predictive(r: _Reader, scope: str) -> PredictiveSpec:
    operator = r.choice("operator", (">", ">=", "<", "<="), ">")
    return PredictiveSpec(
        metric=_metric(r, scope),
        operator=operator,
        value=r.number("value"),
        horizon_s=r.integer("horizon_s", 1800, low=60, high=86_400),
        lookback_s=r.integer("lookback_s", 1800, low=300, high=7 * 86_400),
        window_s=_window(r),
    )


def _composite(r: _Reader, scope: str) -> CompositeSpec:
    items = r.mapping_list("conditions")
    if not items and "conditions" not in r.errors:
        r.fail("conditions", "needs at least one condition")
    conditions = []
    for index in range(len(items)):
        c = r.nested("conditions", index)
        conditions.append(
            Condition(
                metric=_metric(c, scope),
                operator=c.choice("operator", OPERATORS, ">"),
                value=c.number("value"),
                window_s=_window(c),
                weight=c.number("weight", 1.0, low=0.0),
            )
        )
    threshold = r.number("score_threshold", low=0.0)
    total = sum(condition.weight for condition in conditions)
    if conditions and threshold > total + 1e-9 and "score_threshold" not in r.errors:
        r.fail("score_threshold", f"can never be reached: the weights add up to {total:g}")
    return CompositeSpec(tuple(conditions), threshold)


def _expression(r: _Reader, scope: str) -> ExpressionSpec:
    from app.alerts.expression import ExpressionError, parse_expression

    text = r.text("expression", required=True)
    if text:
        try:
            parse_expression(text, allowed_names=frozenset(METRICS))
        except ExpressionError as exc:
            r.fail("expression", str(exc))
    return ExpressionSpec(text, _window(r))


def _completeness(r: _Reader, scope: str) -> CompletenessSpec:
    checks = r.data.get("checks", list(CHECKS))
    if not isinstance(checks, list | tuple) or not all(isinstance(c, str) for c in checks):
        r.fail("checks", "must be a list of checks")
        checks = []
    elif not checks:
        r.fail("checks", "choose at least one check")
    elif unknown := [c for c in checks if c not in CHECKS]:
        r.fail("checks", f"unknown check {unknown[0]!r} (one of {', '.join(CHECKS)})")
    skew_s = r.number("skew_s", 1.0, low=0.0)
    if skew_s > 3600:
        r.fail("skew_s", "must be at most 3600")
    return CompletenessSpec(
        checks=tuple(c for c in CHECKS if c in checks),
        window_s=_window(r, default=900),
        wait_s=r.integer("wait_s", 60, low=1, high=86_400),
        skew_s=skew_s,
        min_count=r.integer("min_count", 1, low=1, high=1_000_000),
    )


_SPEC_PARSERS: dict[str, Callable[[_Reader, str], Spec]] = {
    "threshold": _threshold,
    "anomaly": _anomaly,
    "pattern": _pattern,
    "predictive": _predictive,
    "composite": _composite,
    "expression": _expression,
    "completeness": _completeness,
}


def _labels(r: _Reader) -> dict[str, str]:
    value = r.data.get("labels", {})
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        r.fail("labels", "must map label names to text values")
        return {}
    return dict(value)


def _escalation(r: _Reader) -> tuple[EscalationLevel, ...]:
    items = r.mapping_list("escalation")
    if len(items) > MAX_ESCALATION_LEVELS:
        r.fail("escalation", f"at most {MAX_ESCALATION_LEVELS} levels")
    levels = []
    for index in range(min(len(items), MAX_ESCALATION_LEVELS)):
        level = r.nested("escalation", index)
        levels.append(
            EscalationLevel(level.integer("after_minutes", 15, low=1), level.ids("channel_ids"))
        )
    delays = [level.after_minutes for level in levels]
    if delays != sorted(delays) or len(set(delays)) != len(delays):
        r.fail("escalation", "levels must come in increasing after_minutes")
    return tuple(levels)


def _url(r: _Reader) -> str:
    url = r.text("runbook_url", "")
    if url and not url.startswith(("https://", "http://")):
        r.fail("runbook_url", "must be an http(s) link")
    return url


def parse_rule(data: Mapping[str, Any]) -> RuleDefinition:
    """The definition in ``data``; raises :class:`RuleDefinitionError` naming every bad field."""
    r = _Reader(data)
    name = r.text("name", required=True)
    if len(name) > 200:
        r.fail("name", "must be at most 200 characters")
    rule_type = r.choice("type", RULE_TYPES)
    scope = r.choice("scope", SCOPES, "check" if rule_type == "completeness" else "global")
    if rule_type == "completeness" and scope != "check" and "scope" not in r.errors:
        r.fail("scope", "a completeness rule is evaluated per check")
    elif rule_type != "completeness" and scope == "check":
        r.fail("scope", "only completeness rules are evaluated per check")
    spec_data = data.get("spec", {})
    spec: Spec | None = None
    if not isinstance(spec_data, Mapping):
        r.fail("spec", "must be an object")
    elif "type" not in r.errors:
        spec = _SPEC_PARSERS[rule_type](_Reader(spec_data, "spec.", r.errors), scope)
    group_by = data.get("group_by", [])
    if not isinstance(group_by, list | tuple) or not all(isinstance(g, str) for g in group_by):
        r.fail("group_by", "must be a list of label names")
        group_by = []
    definition = RuleDefinition(
        name=name,
        type=rule_type,
        spec=spec or ExpressionSpec("false"),
        scope=scope,
        enabled=r.boolean("enabled", True),
        severity=r.choice("severity", SEVERITIES, "warning"),  # type: ignore[arg-type]
        labels=_labels(r),
        owner=r.text("owner", ""),
        description=r.text("description", ""),
        runbook_url=_url(r),
        channel_ids=r.ids("channel_ids"),
        escalation=_escalation(r),
        pending_s=r.integer("pending_s", 0, low=0, high=86_400),
        keep_firing_s=r.integer("keep_firing_s", 0, low=0, high=86_400),
        cooldown_s=r.integer("cooldown_s", 300, low=0, high=86_400),
        no_data_s=r.integer("no_data_s", 0, low=0, high=86_400),
        active_hours=r.choice("active_hours", ACTIVE_HOURS, "always"),
        group_by=tuple(group_by),
    )
    if r.errors:
        raise RuleDefinitionError(r.errors)
    return definition


def to_json(definition: RuleDefinition) -> dict[str, Any]:
    """The JSON form of ``definition`` (what :func:`parse_rule` reads back to an equal value)."""
    data = dataclasses.asdict(definition)
    data["labels"] = dict(definition.labels)
    return _lists(data)  # type: ignore[no-any-return]


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value


def rule_metrics(definition: RuleDefinition) -> set[tuple[str, int]]:
    """The (metric, window_s) pairs a rule reads, so the evaluator fetches each once per batch
    (none for a completeness rule: it reads the raw orders and executions)."""
    spec = definition.spec
    if isinstance(spec, CompletenessSpec):
        return set()
    if isinstance(spec, CompositeSpec):
        return {(c.metric, c.window_s) for c in spec.conditions}
    if isinstance(spec, ExpressionSpec):
        from app.alerts.expression import names_in, parse_expression

        return {(name, spec.window_s) for name in names_in(parse_expression(spec.expression))}
    return {(spec.metric, spec.window_s)}


TEMPLATES: dict[str, dict[str, Any]] = {
    "exposure_over_limit": {
        "name": "Exposure above 80% of limit",
        "type": "threshold",
        "scope": "symbol",
        "severity": "critical",
        "pending_s": 30,
        "spec": {
            "metric": "exposure_pct_of_limit",
            "operator": ">",
            "value": 80,
            "recovery_value": 75,
        },
        "description": "The B-book position in a symbol uses more than 80% of its limit.",
    },
    "margin_level_low": {
        "name": "Margin level below 50%",
        "type": "threshold",
        "scope": "account",
        "severity": "critical",
        "spec": {"metric": "margin_level", "operator": "<", "value": 50, "recovery_value": 60},
        "description": "An account's equity covers less than half of its used margin.",
    },
    "daily_loss_limit": {
        "name": "Daily loss above limit",
        "type": "threshold",
        "scope": "global",
        "severity": "critical",
        "spec": {"metric": "daily_loss_usd", "operator": ">", "value": 100_000},
        "description": "The broker's loss since 00:00 UTC exceeds the daily limit.",
    },
    "drawdown_limit": {
        "name": "Drawdown above limit",
        "type": "threshold",
        "scope": "global",
        "severity": "warning",
        "spec": {"metric": "drawdown_usd", "operator": ">", "value": 50_000},
        "description": "Today's P/L fell more than the limit from its peak.",
    },
    "lp_uptime_low": {
        "name": "LP uptime below 95%",
        "type": "threshold",
        "scope": "lp",
        "severity": "warning",
        "spec": {"metric": "lp_uptime", "operator": "<", "value": 95, "window_s": 3600},
        "description": "An LP reported 'up' less than 95% of the last hour.",
    },
    "data_completeness": {
        "name": "Data completeness",
        "type": "completeness",
        "scope": "check",
        "severity": "warning",
        "spec": {
            "checks": list(CHECKS),
            "window_s": 900,
            "wait_s": 60,
            "skew_s": 1,
            "min_count": 1,
        },
        "description": "Missing fields, orders without executions (or executions without "
        "orders) after 60 s, sent_ts more than 1 s off: one alert per check.",
    },
}
"""Built-in templates: partial definitions the page offers as starting points (fill, then parse)."""
