"""Alert rules and alerts in PostgreSQL: the functions the Alerts page and the API call.

Every change is recorded with :func:`app.audit.log.record` in the caller's transaction (the
caller commits). Rules are versioned: an update writes a new immutable version and moves
``current_version``; alerts keep the version that raised them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.alerts.correlation import correlated_groups
from app.alerts.definitions import (
    SNOOZE_MINUTES,
    RuleDefinition,
    RuleDefinitionError,
    parse_rule,
    to_json,
)
from app.alerts.preview import PreviewResult, run_preview
from app.audit.chain import Actor
from app.audit.log import record
from app.db.models.alerts import AlertEvent, AlertInstance, AlertRule, AlertRuleVersion
from app.db.models.auth import User

FALSE_POSITIVE_SHARE = 0.7
"""A rule whose rated alerts were false positives more than this share of the time is muted."""
MIN_FEEDBACK = 5
"""... once at least this many of its alerts were rated."""


class AlertNotFound(LookupError):
    """No rule or alert with that id."""


@dataclass(frozen=True)
class RuleView:
    """A rule with its current definition, feedback statistics and open alerts."""

    id: int
    name: str
    enabled: bool
    version: int
    definition: RuleDefinition
    created_at: dt.datetime
    updated_at: dt.datetime
    snoozed_until: dt.datetime | None
    rated_alerts: int
    false_positive_share: float | None
    suppressed: bool
    """Notifications muted: more than 70 % of at least 5 rated alerts were false positives."""
    open_alerts: int
    states: dict[str, int]
    """Instance count per state (``{"firing": 2, "normal": 8}``)."""

    def as_json(self) -> dict[str, Any]:
        """The API form of the rule."""
        return {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "version": self.version,
            "definition": to_json(self.definition),
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
            "snoozed_until": _iso(self.snoozed_until),
            "rated_alerts": self.rated_alerts,
            "false_positive_share": self.false_positive_share,
            "suppressed": self.suppressed,
            "open_alerts": self.open_alerts,
            "states": self.states,
        }


@dataclass(frozen=True)
class AlertView:
    """One alert (a firing episode of one rule instance) for the list, the bell and the API."""

    id: int
    rule_id: int
    rule_name: str
    rule_version: int
    instance_key: str
    severity: str
    state: str
    fired_at: dt.datetime
    resolved_at: dt.datetime | None
    value: float | None
    message: str
    labels: dict[str, Any]
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    snoozed_until: dt.datetime | None
    escalation_level: int
    feedback: str | None
    runbook_url: str
    correlated_ids: tuple[int, ...] = ()
    """Other alerts that fired within a minute of this one (likely one incident)."""

    def as_json(self) -> dict[str, Any]:
        """The API form of the alert."""
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "rule_version": self.rule_version,
            "instance": self.instance_key,
            "severity": self.severity,
            "state": self.state,
            "fired_at": rfc3339(self.fired_at),
            "resolved_at": _iso(self.resolved_at),
            "value": self.value,
            "message": self.message,
            "labels": self.labels,
            "acknowledged_at": _iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "snoozed_until": _iso(self.snoozed_until),
            "escalation_level": self.escalation_level,
            "feedback": self.feedback,
            "runbook_url": self.runbook_url,
            "correlated_ids": list(self.correlated_ids),
        }


def rfc3339(value: dt.datetime) -> str:
    """``2026-11-24T13:00:00Z``: UTC with a Z, as the API writes times."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _iso(value: dt.datetime | None) -> str | None:
    return rfc3339(value) if value else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user_id(session: Session, actor: Actor) -> int | None:
    return session.scalar(select(User.id).where(User.email == actor.name))


def _name_taken(session: Session, name: str, rule_id: int | None = None) -> None:
    query = select(AlertRule.id).where(AlertRule.name == name)
    if rule_id is not None:
        query = query.where(AlertRule.id != rule_id)
    if session.scalar(query) is not None:
        raise RuleDefinitionError({"name": "another rule already has this name"})


def _rule(session: Session, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise AlertNotFound(f"no alert rule {rule_id}")
    return rule


def create_rule(session: Session, actor: Actor, definition: RuleDefinition) -> RuleView:
    """Store a new rule (version 1); raises RuleDefinitionError if the name is taken."""
    _name_taken(session, definition.name)
    user = _user_id(session, actor)
    rule = AlertRule(name=definition.name, enabled=definition.enabled, created_by=user)
    session.add(rule)
    session.flush()
    session.add(
        AlertRuleVersion(
            rule_id=rule.id, version=1, definition=to_json(definition), created_by=user
        )
    )
    session.flush()
    record(session, actor, "alert_rule.create", f"alert_rule:{rule.id}", to_json(definition))
    return get_rule(session, rule.id)


def update_rule(
    session: Session, actor: Actor, rule_id: int, definition: RuleDefinition
) -> RuleView:
    """Store ``definition`` as the rule's next version (its instances are re-evaluated)."""
    rule = _rule(session, rule_id)
    _name_taken(session, definition.name, rule_id)
    version = rule.current_version + 1
    session.add(
        AlertRuleVersion(
            rule_id=rule_id,
            version=version,
            definition=to_json(definition),
            created_by=_user_id(session, actor),
        )
    )
    session.flush()
    rule.name = definition.name
    rule.enabled = definition.enabled
    rule.current_version = version
    rule.updated_at = _now()
    session.flush()
    details = {"version": version, "definition": to_json(definition)}
    record(session, actor, "alert_rule.update", f"alert_rule:{rule_id}", details)
    return get_rule(session, rule_id)


def set_enabled(session: Session, actor: Actor, rule_id: int, enabled: bool) -> RuleView:
    """Enable or disable a rule; disabling clears its instances (they restart from Normal)."""
    rule = _rule(session, rule_id)
    rule.enabled = enabled
    rule.updated_at = _now()
    if not enabled:
        session.query(AlertInstance).filter(AlertInstance.rule_id == rule_id).delete()
        resolve_open_alerts(session, rule_id, _now())
    session.flush()
    action = "alert_rule.enable" if enabled else "alert_rule.disable"
    record(session, actor, action, f"alert_rule:{rule_id}")
    return get_rule(session, rule_id)


def rule_versions(session: Session, rule_id: int) -> list[tuple[int, dt.datetime, dict[str, Any]]]:
    """Every version of a rule, newest first: (version, created_at, definition JSON)."""
    rows = session.execute(
        select(AlertRuleVersion.version, AlertRuleVersion.created_at, AlertRuleVersion.definition)
        .where(AlertRuleVersion.rule_id == rule_id)
        .order_by(AlertRuleVersion.version.desc())
    ).all()
    return [(int(v), created, dict(definition)) for v, created, definition in rows]


def _feedback_stats(session: Session) -> dict[int, tuple[int, int]]:
    rows = session.execute(
        select(
            AlertEvent.rule_id,
            func.count(AlertEvent.feedback),
            func.count().filter(AlertEvent.feedback == "false_positive"),
        )
        .where(AlertEvent.feedback.is_not(None))
        .group_by(AlertEvent.rule_id)
    ).all()
    return {int(rule): (int(rated), int(false)) for rule, rated, false in rows}


def suppressed_rule_ids(session: Session) -> set[int]:
    """Rules muted by feedback: > 70 % false positives among at least 5 rated alerts."""
    return {
        rule_id
        for rule_id, (rated, false) in _feedback_stats(session).items()
        if rated >= MIN_FEEDBACK and false / rated > FALSE_POSITIVE_SHARE
    }


def list_rules(session: Session, rule_id: int | None = None) -> list[RuleView]:
    """Every rule (or one) with its current definition, sorted by name."""
    query = (
        select(AlertRule, AlertRuleVersion.definition)
        .join(
            AlertRuleVersion,
            (AlertRuleVersion.rule_id == AlertRule.id)
            & (AlertRuleVersion.version == AlertRule.current_version),
        )
        .order_by(AlertRule.name)
    )
    if rule_id is not None:
        query = query.where(AlertRule.id == rule_id)
    feedback = _feedback_stats(session)
    states: dict[int, dict[str, int]] = {}
    for rid, state, count in session.execute(
        select(AlertInstance.rule_id, AlertInstance.state, func.count()).group_by(
            AlertInstance.rule_id, AlertInstance.state
        )
    ):
        states.setdefault(int(rid), {})[str(state)] = int(count)
    open_counts = dict(
        session.execute(
            select(AlertEvent.rule_id, func.count())
            .where(AlertEvent.state == "firing")
            .group_by(AlertEvent.rule_id)
        ).all()
    )
    views = []
    for rule, definition in session.execute(query).all():
        rated, false = feedback.get(rule.id, (0, 0))
        share = false / rated if rated else None
        views.append(
            RuleView(
                id=rule.id,
                name=rule.name,
                enabled=rule.enabled,
                version=rule.current_version,
                definition=parse_rule({**definition, "enabled": rule.enabled}),
                created_at=rule.created_at,
                updated_at=rule.updated_at,
                snoozed_until=rule.snoozed_until,
                rated_alerts=rated,
                false_positive_share=share,
                suppressed=rated >= MIN_FEEDBACK and (share or 0) > FALSE_POSITIVE_SHARE,
                open_alerts=int(open_counts.get(rule.id, 0)),
                states=states.get(rule.id, {}),
            )
        )
    return views


def get_rule(session: Session, rule_id: int) -> RuleView:
    """One rule; raises AlertNotFound."""
    views = list_rules(session, rule_id)
    if not views:
        raise AlertNotFound(f"no alert rule {rule_id}")
    return views[0]


AlertFilter = Literal["open", "firing", "resolved", "unacknowledged", "all"]


def list_alerts(
    session: Session,
    state: AlertFilter = "all",
    limit: int = 100,
    *,
    rule_id: int | None = None,
    severity: str | None = None,
) -> list[AlertView]:
    """Alerts, newest first. ``open``/``firing``: not resolved; ``unacknowledged``: firing and
    not acknowledged (the bell's count); each carries the ids of alerts correlated with it."""
    query = (
        select(AlertEvent, AlertRule.name, AlertRuleVersion.definition, User.email)
        .join(AlertRule, AlertRule.id == AlertEvent.rule_id)
        .join(
            AlertRuleVersion,
            (AlertRuleVersion.rule_id == AlertEvent.rule_id)
            & (AlertRuleVersion.version == AlertEvent.rule_version),
        )
        .outerjoin(User, User.id == AlertEvent.acknowledged_by)
        .order_by(AlertEvent.fired_at.desc(), AlertEvent.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if state in ("open", "firing"):
        query = query.where(AlertEvent.state == "firing")
    elif state == "resolved":
        query = query.where(AlertEvent.state == "resolved")
    elif state == "unacknowledged":
        query = query.where(AlertEvent.state == "firing", AlertEvent.acknowledged_at.is_(None))
    if rule_id is not None:
        query = query.where(AlertEvent.rule_id == rule_id)
    if severity is not None:
        query = query.where(AlertEvent.severity == severity)
    rows = session.execute(query).all()
    groups = correlated_groups([(event.id, event.rule_id, event.fired_at) for event, *_ in rows])
    return [
        AlertView(
            id=event.id,
            rule_id=event.rule_id,
            rule_name=name,
            rule_version=event.rule_version,
            instance_key=event.instance_key,
            severity=event.severity,
            state=event.state,
            fired_at=event.fired_at,
            resolved_at=event.resolved_at,
            value=event.value,
            message=event.message,
            labels=dict(event.labels),
            acknowledged_at=event.acknowledged_at,
            acknowledged_by=email,
            snoozed_until=event.snoozed_until,
            escalation_level=event.escalation_level,
            feedback=event.feedback,
            runbook_url=str(definition.get("runbook_url", "")),
            correlated_ids=groups.get(event.id, ()),
        )
        for event, name, definition, email in rows
    ]


def count_unacknowledged(session: Session) -> int:
    """Firing alerts nobody has acknowledged yet (the bell's badge)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(AlertEvent)
            .where(AlertEvent.state == "firing", AlertEvent.acknowledged_at.is_(None))
        )
        or 0
    )


def _alert(session: Session, alert_id: int) -> AlertEvent:
    event = session.get(AlertEvent, alert_id)
    if event is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return event


def acknowledge(session: Session, actor: Actor, alert_id: int) -> AlertView:
    """Acknowledge an alert: no more repeats or escalations until it resolves (idempotent)."""
    event = _alert(session, alert_id)
    if event.acknowledged_at is None:
        event.acknowledged_at = _now()
        event.acknowledged_by = _user_id(session, actor)
        session.flush()
        record(session, actor, "alert.acknowledge", f"alert:{alert_id}")
        _notify_acknowledged(session, event)
    return _view(session, alert_id)


def _notify_acknowledged(session: Session, event: AlertEvent) -> None:
    from app.alerts.notifications import notify

    definition = parse_rule(
        session.scalars(
            select(AlertRuleVersion.definition).where(
                AlertRuleVersion.rule_id == event.rule_id,
                AlertRuleVersion.version == event.rule_version,
            )
        ).one()
    )
    if event.last_notified_at is not None:
        notify(session, event, definition.channel_ids, "acknowledged")


def alert_view(session: Session, alert_id: int) -> AlertView:
    """One alert; raises AlertNotFound."""
    return _view(session, alert_id)


def _view(session: Session, alert_id: int) -> AlertView:
    for view in list_alerts(session, "all", 1000, rule_id=_alert(session, alert_id).rule_id):
        if view.id == alert_id:
            return view
    raise AlertNotFound(f"no alert {alert_id}")


def _snooze_until(minutes: int) -> dt.datetime:
    low, high = SNOOZE_MINUTES
    if not low <= minutes <= high:
        raise RuleDefinitionError({"minutes": f"must be between {low} and {high}"})
    return _now() + dt.timedelta(minutes=minutes)


def snooze(
    session: Session,
    actor: Actor,
    *,
    minutes: int,
    alert_id: int | None = None,
    rule_id: int | None = None,
) -> dt.datetime:
    """Hold back notifications of one alert, or of every instance of a rule, for 5–60 minutes;
    returns the end of the snooze. States keep being evaluated and shown."""
    until = _snooze_until(minutes)
    if (alert_id is None) == (rule_id is None):
        raise ValueError("snooze either an alert or a rule")
    if alert_id is not None:
        _alert(session, alert_id).snoozed_until = until
        target = f"alert:{alert_id}"
    else:
        _rule(session, rule_id).snoozed_until = until  # type: ignore[arg-type]
        target = f"alert_rule:{rule_id}"
    session.flush()
    record(session, actor, "alert.snooze", target, {"minutes": minutes, "until": until.isoformat()})
    return until


def mark_false_positive(
    session: Session, actor: Actor, alert_id: int, false_positive: bool = True
) -> AlertView:
    """Rate an alert as a false (or true) positive; feeds the rule's suppression share."""
    event = _alert(session, alert_id)
    event.feedback = "false_positive" if false_positive else "true_positive"
    event.feedback_by = _user_id(session, actor)
    event.feedback_at = _now()
    session.flush()
    record(session, actor, "alert.feedback", f"alert:{alert_id}", {"feedback": event.feedback})
    return _view(session, alert_id)


def resolve_open_alerts(session: Session, rule_id: int, at: dt.datetime) -> None:
    """Close a rule's open alerts (used when the rule is disabled)."""
    session.execute(
        update(AlertEvent)
        .where(AlertEvent.rule_id == rule_id, AlertEvent.state == "firing")
        .values(state="resolved", resolved_at=at)
    )


def preview(
    session: Session, definition: RuleDefinition, now: dt.datetime | None = None
) -> PreviewResult:
    """How often ``definition`` would have fired over the 7 days before ``now`` (stored history,
    evaluated every minute with the rule's pending and keep-firing periods)."""
    return run_preview(session.connection(), definition, now or _now())
