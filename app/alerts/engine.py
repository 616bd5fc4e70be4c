"""One evaluation pass over every enabled rule: fetch the metrics once, judge each instance,
advance its state machine, record the changes and hand notifications to delivery.

Called by the alert evaluator after each stored ingest batch and by the Celery beat tick (for
time-based rules: NoData, predictive, schedules). A transaction-scoped advisory lock makes the
two take turns; the database holds the state, so either may run after a restart.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.alerts.bulk import Columns, breaching_keys, supports
from app.alerts.completeness import CheckCount, counts_now, spans, window_needed
from app.alerts.correlation import alert_labels, group_key
from app.alerts.definitions import (
    AnomalySpec,
    CompletenessSpec,
    PredictiveSpec,
    RuleDefinition,
    parse_rule,
)
from app.alerts.definitions import rule_metrics as metrics_of
from app.alerts.notifications import (
    DEFAULT_HOURS,
    BusinessHours,
    NotificationBatch,
    in_active_hours,
    notify,
    quiet_reason,
)
from app.alerts.preview import baseline_values, recent_points
from app.alerts.rules import BaselineStats, InstanceInputs, baseline_stats, evaluate_rule
from app.alerts.sources import Family, family_of, minute_frame, series, shares_frames, values_now
from app.alerts.state import InstanceState, Step, Timings, Verdict, advance
from app.alerts.store import suppressed_rule_ids
from app.compliance.completeness import load as load_orders_and_executions
from app.db.models.alerts import (
    AlertEvent,
    AlertInstance,
    AlertRule,
    AlertRuleVersion,
    AlertTransition,
)

_EVALUATION_LOCK = 0x7464_616C_6572_74  # "tdalert"
HEARTBEAT = dt.timedelta(seconds=10)
"""How stale a stored ``last_data_at`` may get before it is refreshed (NoData precision)."""
COMPLETENESS_REFRESH = dt.timedelta(seconds=5)
"""How long the raw orders and executions read for completeness rules are reused: reading a
window of raw records every batch would cost more than every other rule together."""


@dataclass(frozen=True)
class ActiveRule:
    """An enabled rule's current version, with what decides whether it may notify."""

    id: int
    version: int
    definition: RuleDefinition
    snoozed_until: dt.datetime | None
    suppressed: bool
    metrics: frozenset[tuple[str, int]] = frozenset()
    """The (metric, window_s) pairs the rule reads."""


@dataclass(frozen=True)
class Change:
    """One state change of one alert instance (published for the page's toast)."""

    rule_id: int
    rule_name: str
    instance_key: str
    from_state: str
    to_state: str
    severity: str
    at: dt.datetime
    value: float | None
    message: str
    alert_id: int | None
    notified: bool
    quiet: str | None

    def as_json(self) -> dict[str, Any]:
        """The pub/sub message of this change."""
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "instance": self.instance_key,
            "from": self.from_state,
            "to": self.to_state,
            "severity": self.severity,
            "at": self.at.isoformat(),
            "value": self.value,
            "message": self.message,
            "alert_id": self.alert_id,
            "notified": self.notified,
            "quiet": self.quiet,
        }


@dataclass
class PassStats:
    """What one pass did and how long its parts took (milliseconds)."""

    rules: int = 0
    instances: int = 0
    fetch_ms: float = 0.0
    evaluate_ms: float = 0.0
    write_ms: float = 0.0
    fetch_cpu_ms: float = 0.0
    """CPU time of this thread while fetching (the wall times above include waiting for the
    database and for the CPU on a busy machine)."""
    evaluate_cpu_ms: float = 0.0
    changes: list[Change] = field(default_factory=list)
    committed_at: float | None = None
    """Unix time the caller committed the pass (firing → delivered is timed from it)."""


def load_active_rules(session: Session) -> list[ActiveRule]:
    """Every enabled rule with its current definition."""
    rows = session.execute(
        select(
            AlertRule.id,
            AlertRule.current_version,
            AlertRule.snoozed_until,
            AlertRuleVersion.created_at,
        )
        .join(
            AlertRuleVersion,
            (AlertRuleVersion.rule_id == AlertRule.id)
            & (AlertRuleVersion.version == AlertRule.current_version),
        )
        .where(AlertRule.enabled)
    ).all()
    keys = [(int(rid), int(version), created) for rid, version, _snoozed, created in rows]
    _load_definitions(session, [key for key in keys if key not in _PARSED])
    muted = suppressed_rule_ids(session)
    active = []
    for key, (_rid, _version, snoozed, _created) in zip(keys, rows, strict=True):
        parsed, metrics = _PARSED[key]
        active.append(ActiveRule(key[0], key[1], parsed, snoozed, key[0] in muted, metrics))
    return active


_PARSED: dict[tuple[int, int, dt.datetime], tuple[RuleDefinition, frozenset[tuple[str, int]]]] = {}
"""Parsed definitions by (rule, version, created_at): versions are immutable, so each is read
and parsed once per process (reading 1,000 JSON definitions every pass cost ~100 ms)."""


def _load_definitions(session: Session, keys: list[tuple[int, int, dt.datetime]]) -> None:
    if not keys:
        return
    wanted = set(keys)
    rows = session.execute(
        select(
            AlertRuleVersion.rule_id,
            AlertRuleVersion.version,
            AlertRuleVersion.created_at,
            AlertRuleVersion.definition,
        ).where(AlertRuleVersion.rule_id.in_({rid for rid, _v, _c in keys}))
    ).all()
    for rid, version, created, definition in rows:
        key = (int(rid), int(version), created)
        if key in wanted:
            parsed = parse_rule(definition)
            _PARSED[key] = (parsed, frozenset(metrics_of(parsed)))


@dataclass
class _Stored:
    state: InstanceState
    last_data_at: dt.datetime | None
    alert_event_id: int | None
    last_notified_at: dt.datetime | None


def _load_instances(session: Session, rule_ids: Iterable[int]) -> dict[tuple[int, str], _Stored]:
    # plain rows, not ORM objects: thousands of stored instances are read every pass
    i = AlertInstance
    rows = session.execute(
        select(
            i.rule_id, i.instance_key, i.state, i.state_since, i.pending_since,
            i.recovering_since, i.last_data_at, i.alert_event_id, i.last_notified_at,
        ).where(i.rule_id.in_(list(rule_ids)))
    ).all()  # fmt: skip
    return {
        (row.rule_id, row.instance_key): _Stored(
            InstanceState(
                state=row.state,
                since=row.state_since,
                pending_since=row.pending_since,
                recovering_since=row.recovering_since,
                last_data_at=row.last_data_at,
                alert_open=row.alert_event_id is not None,
            ),
            row.last_data_at,
            row.alert_event_id,
            row.last_notified_at,
        )
        for row in rows
    }


class Fetcher:
    """Metric values for one pass, and anomaly baselines cached per hour of the process."""

    def __init__(self) -> None:
        self._baselines: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._recent: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._findings: dict[tuple[int, int, float], tuple[dt.datetime, pd.DataFrame]] = {}

    def completeness(
        self, session: Session, spec: CompletenessSpec, now: dt.datetime
    ) -> dict[str, CheckCount]:
        """Per check of ``spec``, the findings in its window at ``now`` (the records are read
        again at most every :data:`COMPLETENESS_REFRESH`, shared by rules of equal timings)."""
        ident = (spec.window_s, spec.wait_s, spec.skew_s)
        read_at, found = self._findings.get(ident, (None, None))
        if found is None or read_at is None or not read_at <= now < read_at + COMPLETENESS_REFRESH:
            end = now + dt.timedelta(microseconds=1)  # the records up to now, inclusive
            orders, executions = load_orders_and_executions(
                session.connection(), now - window_needed(spec), end
            )
            found = spans(orders, executions, wait_s=spec.wait_s, skew_s=spec.skew_s)
            self._findings[ident] = (now, found)
        return counts_now(found, spec.checks, now, spec.window_s)

    def values(
        self, session: Session, rules: list[ActiveRule], now: dt.datetime
    ) -> dict[tuple[str, str, int], dict[str, float]]:
        """(metric, scope, window) → {key: value} for every rule's metrics."""
        needs = {
            (metric, rule.definition.scope, window)
            for rule in rules
            for metric, window in rule.metrics
        }
        minute = pd.Timestamp(now).floor("min").to_pydatetime()
        self._recent = {k: v for k, v in self._recent.items() if k[-1] == minute}
        return values_now(session.connection(), needs, now)

    def history(
        self,
        session: Session,
        rule: RuleDefinition,
        now: dt.datetime,
        frames: Mapping[tuple[int, str], pd.DataFrame] | None = None,
    ) -> pd.DataFrame | None:
        """The minute history an anomaly (baseline) or predictive (lookback) rule needs
        (``frames``: :meth:`lookback_frames` of the pass)."""
        spec = rule.spec
        if isinstance(spec, AnomalySpec):
            hour = _hour_of(now)
            ident = (spec.metric, rule.scope, spec.window_s, spec.baseline_days, hour)
            if ident not in self._baselines:
                start = (hour - pd.Timedelta(days=spec.baseline_days)).to_pydatetime()
                self._baselines = {k: v for k, v in self._baselines.items() if k[-1] == hour}
                self._baselines[ident] = series(
                    session.connection(),
                    spec.metric,
                    rule.scope,
                    spec.window_s,
                    start,
                    hour.to_pydatetime(),
                )
            return self._baselines[ident]
        if isinstance(spec, PredictiveSpec):
            # minute values up to the last whole minute: computed once per minute
            end = _minute_of(now).to_pydatetime()
            recent_key = (spec.metric, rule.scope, spec.window_s, spec.lookback_s, end)
            if recent_key not in self._recent:
                start = end - dt.timedelta(seconds=spec.lookback_s)
                frame = (frames or {}).get((id(family_of(spec.metric, rule.scope)), rule.scope))
                self._recent[recent_key] = series(
                    session.connection(), spec.metric, rule.scope, spec.window_s, start, end,
                    frame=frame,
                )  # fmt: skip
            return self._recent[recent_key]
        return None

    def lookback_frames(
        self, session: Session, rules: Iterable[ActiveRule], now: dt.datetime
    ) -> dict[tuple[int, str], pd.DataFrame]:
        """For the predictive rules whose minute history is due, one minute frame per source
        table and scope covering all their lookbacks (instead of one query per rule when a
        minute starts: a stall of every pass at the minute's turn)."""
        end = _minute_of(now).to_pydatetime()
        starts: dict[tuple[int, str], tuple[Family, str, dt.datetime]] = {}
        for rule in rules:
            spec, scope = rule.definition.spec, rule.definition.scope
            if not isinstance(spec, PredictiveSpec) or not shares_frames(spec.metric):
                continue
            if (spec.metric, scope, spec.window_s, spec.lookback_s, end) in self._recent:
                continue
            family = family_of(spec.metric, scope)
            start = end - dt.timedelta(seconds=spec.lookback_s + spec.window_s + 60)
            ident = (id(family), scope)
            earliest = starts.get(ident, (family, scope, start))[2]
            starts[ident] = (family, scope, min(start, earliest))
        return {
            ident: minute_frame(session.connection(), family, scope, start, end)
            for ident, (family, scope, start) in starts.items()
        }


def _keys(
    rule: ActiveRule,
    values: Mapping[tuple[str, str, int], dict[str, float]],
    stored_keys: Mapping[int, set[str]],
) -> set[str]:
    if rule.definition.scope == "global":
        return {""}
    keys = set(stored_keys.get(rule.id, ()))
    if isinstance(rule.definition.spec, CompletenessSpec):
        return keys | set(rule.definition.spec.checks)
    for metric, window in rule.metrics:
        keys.update(values.get((metric, rule.definition.scope, window), {}))
    return keys


def _completeness_inputs(
    spec: CompletenessSpec, check: str, counts: Mapping[str, CheckCount]
) -> InstanceInputs:
    # a check no longer in the rule (an edited rule) counts nothing: its alert resolves
    found = counts.get(check, CheckCount(0))
    values = {("findings", spec.window_s): float(found.count)}
    return InstanceInputs(values, check=check, examples=found.examples)


def _inputs(
    active: ActiveRule,
    key: str,
    values: Mapping[tuple[str, str, int], dict[str, float]],
    history: pd.DataFrame | None,
    now: dt.datetime,
) -> InstanceInputs:
    scope = active.definition.scope
    current = {
        (metric, window): values.get((metric, scope, window), {}).get(key, float("nan"))
        for metric, window in active.metrics
    }
    spec = active.definition.spec
    if history is None:
        return InstanceInputs(current)
    if isinstance(spec, AnomalySpec):
        return InstanceInputs(current, baseline=_baseline(history, key, now, spec))
    assert isinstance(spec, PredictiveSpec)
    points = _recent(history, key, now, spec.lookback_s)
    live = current.get((spec.metric, spec.window_s))
    if live is not None and live == live:
        points = [p for p in points if p[0] < 0] + [(0.0, live)]
    return InstanceInputs(current, series=points)


def _baselines_of(
    spec: object, history: pd.DataFrame | None, now: dt.datetime
) -> Callable[[str], BaselineStats] | None:
    if not isinstance(spec, AnomalySpec) or history is None:
        return None
    return lambda key: _baseline(history, key, now, spec)


@functools.lru_cache(maxsize=8)
def _hour_of(now: dt.datetime) -> pd.Timestamp:
    # asked for every anomaly instance of a pass: pandas' floor costs ~20 µs a call
    return pd.Timestamp(now).floor("h")


@functools.lru_cache(maxsize=8)
def _minute_of(now: dt.datetime) -> pd.Timestamp:
    return pd.Timestamp(now).floor("min")


_BASELINES: dict[tuple[int, str, AnomalySpec, pd.Timestamp], BaselineStats] = {}


def _baseline(
    history: pd.DataFrame, key: str, now: dt.datetime, spec: AnomalySpec
) -> BaselineStats:
    # the baseline only changes with the hour: cut it from the history and sum it up once per
    # hour and key
    hour = _hour_of(now)
    ident = (id(history), key, spec, hour)
    if ident not in _BASELINES:
        if len(_BASELINES) > 100_000:
            _BASELINES.clear()
        column = history[key] if key in history.columns else pd.Series(dtype="float64")
        _BASELINES[ident] = baseline_stats(baseline_values(column, now, spec))
    return _BASELINES[ident]


_RECENT: dict[tuple[int, str, int, pd.Timestamp], list[tuple[float, float]]] = {}


def _recent(
    history: pd.DataFrame, key: str, now: dt.datetime, lookback_s: int
) -> list[tuple[float, float]]:
    # the minute points change once a minute: cut them once per minute and key, then shift
    minute = pd.Timestamp(now).floor("min")
    ident = (id(history), key, lookback_s, minute)
    if ident not in _RECENT:
        if len(_RECENT) > 100_000:
            _RECENT.clear()
        column = history[key] if key in history.columns else pd.Series(dtype="float64")
        _RECENT[ident] = recent_points(column, minute.to_pydatetime(), lookback_s)
    shift = (pd.Timestamp(now) - minute).total_seconds()
    return [(x - shift, y) for x, y in _RECENT[ident]]


def lock_evaluation(session: Session) -> None:
    """Wait for, and hold until ``session``'s transaction ends, the evaluation lock (passes
    and escalations take turns)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVALUATION_LOCK})


def evaluate_all(
    session: Session,
    now: dt.datetime,
    *,
    hours: BusinessHours = DEFAULT_HOURS,
    fetcher: Fetcher | None = None,
    bulk: bool = True,
) -> PassStats:
    """One pass over every enabled rule at ``now``, in ``session``'s transaction (the caller
    commits, then publishes ``stats.changes``). With ``bulk``, threshold, pattern, composite,
    expression and anomaly rules are judged for all keys at once and only breaching (or
    possibly failing) and stored instances one by one (the same states; ``bulk=False`` judges
    every instance, which the tests compare)."""
    stats = PassStats()
    lock_evaluation(session)
    started, cpu = time.perf_counter(), time.thread_time()
    rules = load_active_rules(session)
    stats.rules = len(rules)
    if not rules:
        return stats
    fetcher = fetcher or Fetcher()
    stored = _load_instances(session, [rule.id for rule in rules])
    stored_keys: dict[int, set[str]] = {}
    for rule_id, key in stored:
        stored_keys.setdefault(rule_id, set()).add(key)
    values = fetcher.values(session, rules, now)
    frames = fetcher.lookback_frames(session, rules, now)
    histories = {
        rule.id: fetcher.history(session, rule.definition, now, frames)
        for rule in rules
        if isinstance(rule.definition.spec, AnomalySpec | PredictiveSpec)
    }
    checked = {
        rule.id: fetcher.completeness(session, rule.definition.spec, now)
        for rule in rules
        if isinstance(rule.definition.spec, CompletenessSpec)
    }
    stats.fetch_ms = (time.perf_counter() - started) * 1000
    stats.fetch_cpu_ms = (time.thread_time() - cpu) * 1000
    started, cpu = time.perf_counter(), time.thread_time()
    writes: list[tuple[ActiveRule, str, Step, _Stored | None, float | None, str]] = []
    fresh = InstanceState()
    columns = Columns(values, now)
    for rule in rules:
        definition = rule.definition
        timings = Timings(definition.pending_s, definition.keep_firing_s, definition.no_data_s)
        history = histories.get(rule.id)
        keys = _keys(rule, values, stored_keys)
        stats.instances += len(keys)
        if bulk and supports(definition) and not definition.no_data_s:
            # quiet keys never stored stay Normal and write nothing: judge only the rest
            baselines = _baselines_of(definition.spec, history, now)
            keys = breaching_keys(definition, columns, baselines) | stored_keys.get(rule.id, set())
        counts = checked.get(rule.id)
        for key in keys:
            if counts is not None:
                assert isinstance(definition.spec, CompletenessSpec)
                inputs = _completeness_inputs(definition.spec, key, counts)
            else:
                inputs = _inputs(rule, key, values, history, now)
            result = evaluate_rule(definition, inputs, now)
            before = stored.get((rule.id, key))
            if before is None and result.verdict in _STAYS_NORMAL and not definition.no_data_s:
                continue  # a quiet instance never seen before: nothing to keep
            step = advance(before.state if before else fresh, result.verdict, now, timings)
            if _needs_write(step, before, definition, now):
                writes.append((rule, key, step, before, result.value, result.message))
    stats.evaluate_ms = (time.perf_counter() - started) * 1000
    stats.evaluate_cpu_ms = (time.thread_time() - cpu) * 1000
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    opened = _new_alerts(
        session, [(rule, key, value, message) for rule, key, step, _b, value, message in writes
                  if step.fired], now
    )  # fmt: skip
    batch = NotificationBatch(session, {c for rule in rules for c in rule.definition.channel_ids})
    for rule, key, step, before, value, message in writes:
        row, transition, change = _record(
            batch, rule, key, step, before, value, message, now, hours, opened
        )
        rows.append(row)
        if transition is not None:
            transitions.append(transition)
        if change is not None:
            stats.changes.append(change)
    batch.flush()
    if rows:
        upsert = insert(AlertInstance)
        upsert = upsert.on_conflict_do_update(
            index_elements=["rule_id", "instance_key"],
            set_={k: upsert.excluded[k] for k in rows[0] if k not in ("rule_id", "instance_key")},
        )
        session.execute(upsert, rows)
    if transitions:
        session.execute(insert(AlertTransition), transitions)
    stats.write_ms = (time.perf_counter() - started) * 1000
    return stats


_STAYS_NORMAL = (Verdict.CLEAR, Verdict.HOLD, Verdict.NODATA)


def _kept(state: InstanceState) -> tuple[Any, ...]:
    # what is stored about a state, apart from the last-data heartbeat
    return (state.state, state.since, state.pending_since, state.recovering_since, state.alert_open)


def _needs_write(
    step: Step, before: _Stored | None, rule: RuleDefinition, now: dt.datetime
) -> bool:
    if step.changed or step.fired or step.resolved:
        return True
    if before is None:
        return True  # only instances worth keeping get here
    if _kept(step.state) != _kept(before.state):
        return True
    if rule.no_data_s <= 0 or step.state.last_data_at is None:
        return False
    return before.last_data_at is None or now - before.last_data_at >= HEARTBEAT


def _record(
    batch: NotificationBatch,
    rule: ActiveRule,
    key: str,
    step: Step,
    before: _Stored | None,
    value: float | None,
    message: str,
    now: dt.datetime,
    hours: BusinessHours,
    opened: Mapping[tuple[int, str], AlertEvent],
) -> tuple[dict[str, Any], dict[str, Any] | None, Change | None]:
    """The instance row to upsert, the transition row to add and the change to publish."""
    definition = rule.definition
    event_id = before.alert_event_id if before else None
    last_notified = before.last_notified_at if before else None
    notified, quiet = False, None
    if step.fired:
        event = opened[(rule.id, key)]
        notified, quiet = _notify_opened(batch, rule, event, now, hours, last_notified)
        event_id = event.id
        last_notified = event.last_notified_at or last_notified
    elif step.resolved and event_id is not None:
        notified = _close_alert(batch, rule, event_id, now)
        event_id = None
    state = step.state
    row = {
        "rule_id": rule.id,
        "instance_key": key,
        "state": state.state,
        "state_since": state.since or now,
        "pending_since": state.pending_since,
        "recovering_since": state.recovering_since,
        "last_value": _finite(value),
        "last_data_at": state.last_data_at,
        "last_evaluated_at": now,
        "last_notified_at": last_notified,
        "alert_event_id": event_id,
        "error": message if state.state == "error" else None,
    }
    previous = before.state.state if before else "normal"
    if previous == state.state and not (step.fired or step.resolved):
        return row, None, None
    transition = {
        "rule_id": rule.id,
        "instance_key": key,
        "from_state": previous,
        "to_state": state.state,
        "at": now,
        "value": _finite(value),
        "alert_event_id": event_id or (before.alert_event_id if before else None),
    }
    return (
        row,
        transition,
        Change(
            rule.id,
            definition.name,
            key,
            previous,
            state.state,
            definition.severity,
            now,
            value,
            message,
            event_id or (before.alert_event_id if before else None),
            notified,
            quiet,
        ),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _new_alerts(
    session: Session,
    firing: list[tuple[ActiveRule, str, float | None, str]],
    now: dt.datetime,
) -> dict[tuple[int, str], AlertEvent]:
    """The alert rows of the instances firing in this pass, inserted in one flush."""
    events: dict[tuple[int, str], AlertEvent] = {}
    for rule, key, value, message in firing:
        definition = rule.definition
        labels = alert_labels(
            definition.name, definition.severity, definition.scope, key, definition.labels
        )
        events[(rule.id, key)] = AlertEvent(
            rule_id=rule.id,
            rule_version=rule.version,
            state="firing",
            severity=definition.severity,
            fired_at=now,
            value=_finite(value),
            message=message,
            details={"group": group_key(labels, definition.group_by), "type": definition.type},
            instance_key=key,
            labels=labels,
        )
    if events:
        session.add_all(events.values())
        session.flush()
    return events


def _notify_opened(
    batch: NotificationBatch,
    rule: ActiveRule,
    event: AlertEvent,
    now: dt.datetime,
    hours: BusinessHours,
    last_notified: dt.datetime | None,
) -> tuple[bool, str | None]:
    definition = rule.definition
    quiet = quiet_reason(
        now=now,
        channel_ids=definition.channel_ids,
        rule_snoozed_until=rule.snoozed_until,
        alert_snoozed_until=None,
        suppressed=rule.suppressed,
        active=in_active_hours(definition.active_hours, now, hours),
        last_notified_at=last_notified,
        cooldown_s=definition.cooldown_s,
    )
    notified = quiet is None and batch.add(event, definition.channel_ids, "firing", now=now)
    if quiet is not None and quiet != "no channels":
        event.details = {**event.details, "quiet": quiet}
    return notified, quiet


def _close_alert(
    batch: NotificationBatch, rule: ActiveRule, event_id: int, now: dt.datetime
) -> bool:
    event = batch.session.get(AlertEvent, event_id)
    if event is None or event.state != "firing":
        return False
    event.state = "resolved"
    event.resolved_at = now
    if event.last_notified_at is None:
        return False
    return batch.add(event, rule.definition.channel_ids, "resolved", now=now)


def escalate(session: Session, now: dt.datetime, hours: BusinessHours = DEFAULT_HOURS) -> int:
    """Notify the next escalation level of every firing, unacknowledged, unsnoozed alert whose
    level is due; returns how many levels were notified."""
    rules = {rule.id: rule for rule in load_active_rules(session)}
    events = session.scalars(
        select(AlertEvent)
        .where(
            AlertEvent.state == "firing",
            AlertEvent.acknowledged_at.is_(None),
            AlertEvent.rule_id.in_([rid for rid, r in rules.items() if r.definition.escalation]),
        )
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for event in events:
        rule = rules[event.rule_id]
        if _muted(rule, event, now, hours):
            continue
        elapsed_min = (now - event.fired_at).total_seconds() / 60
        levels = rule.definition.escalation
        due = sum(1 for level in levels if level.after_minutes <= elapsed_min)
        for index in range(event.escalation_level, due):
            notify(
                session,
                event,
                levels[index].channel_ids,
                "escalated",
                escalation_level=index + 1,
                now=now,
            )
            sent += 1
        event.escalation_level = max(event.escalation_level, due)
    return sent


def _muted(rule: ActiveRule, event: AlertEvent, now: dt.datetime, hours: BusinessHours) -> bool:
    snoozed = (rule.snoozed_until and rule.snoozed_until > now) or (
        event.snoozed_until and event.snoozed_until > now
    )
    active = in_active_hours(rule.definition.active_hours, now, hours)
    return bool(snoozed) or rule.suppressed or not active
