"""Alert rules (versioned definitions), their instances' states and the alerts they raised.

- ``alert_rules`` / ``alert_rule_versions``: a rule and its immutable definitions (JSON, see
  :mod:`app.alerts.definitions`);
- ``alert_instances``: the live state of one rule for one scope value (an LP, a symbol, ...);
- ``alert_events``: one row per alert (a firing episode), open until resolved, with its
  acknowledgement, snooze, escalation level and false-positive feedback;
- ``alert_transitions``: every state change of every instance, for history and preview checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Identity, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

ALERT_STATES = ("firing", "resolved")
INSTANCE_STATES = ("normal", "pending", "firing", "recovering", "nodata", "error")
FEEDBACK = ("false_positive", "true_positive")
SEVERITIES = ("info", "warning", "critical")


class AlertRule(Base):
    """An alert rule; its definition lives in versions, ``current_version`` is the live one."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    current_version: Mapped[int] = mapped_column(server_default=text("1"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    snoozed_until: Mapped[dt.datetime | None]
    """Notifications of every instance of the rule are held back until then."""


class AlertRuleVersion(Base):
    """One immutable version of an alert rule's definition (metric, threshold, channels...)."""

    __tablename__ = "alert_rule_versions"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True)
    definition: Mapped[dict[str, Any]]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class AlertEvent(Base):
    """An alert raised by a rule version, open until resolved."""

    __tablename__ = "alert_events"
    __table_args__ = (
        one_of("state", ALERT_STATES),
        one_of("severity", SEVERITIES),
        ForeignKeyConstraint(
            ["rule_id", "rule_version"],
            ["alert_rule_versions.rule_id", "alert_rule_versions.version"],
            ondelete="CASCADE",
        ),
        Index(None, "fired_at"),
        Index(None, "rule_id", "state"),
        one_of("feedback", FEEDBACK),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    rule_id: Mapped[int] = mapped_column(BigInteger)
    rule_version: Mapped[int]
    state: Mapped[str]
    severity: Mapped[str]
    fired_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    value: Mapped[float | None]
    message: Mapped[str]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[dt.datetime | None]
    instance_key: Mapped[str] = mapped_column(server_default=text("''"))
    """The scope value the alert is about (``LP1``, ``EURUSD``; empty for a global rule)."""
    labels: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    escalation_level: Mapped[int] = mapped_column(server_default=text("0"))
    last_notified_at: Mapped[dt.datetime | None]
    snoozed_until: Mapped[dt.datetime | None]
    feedback: Mapped[str | None]
    feedback_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    feedback_at: Mapped[dt.datetime | None]


class AlertInstance(Base):
    """The current state of one rule for one scope value (Grafana's alert instance)."""

    __tablename__ = "alert_instances"
    __table_args__ = (one_of("state", INSTANCE_STATES),)

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    )
    instance_key: Mapped[str] = mapped_column(primary_key=True)
    state: Mapped[str]
    state_since: Mapped[dt.datetime]
    pending_since: Mapped[dt.datetime | None]
    recovering_since: Mapped[dt.datetime | None]
    last_value: Mapped[float | None]
    last_data_at: Mapped[dt.datetime | None]
    last_evaluated_at: Mapped[dt.datetime]
    last_notified_at: Mapped[dt.datetime | None]
    alert_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_events.id", ondelete="SET NULL")
    )
    error: Mapped[str | None]


class AlertTransition(Base):
    """One state change of one alert instance."""

    __tablename__ = "alert_transitions"
    __table_args__ = (Index(None, "at"), Index(None, "rule_id", "instance_key", "at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    instance_key: Mapped[str]
    from_state: Mapped[str]
    to_state: Mapped[str]
    at: Mapped[dt.datetime]
    value: Mapped[float | None]
    alert_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_events.id", ondelete="SET NULL")
    )
