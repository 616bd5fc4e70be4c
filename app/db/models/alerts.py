"""Alert rules (versioned definitions) and the alerts they raised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Identity, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

ALERT_STATES = ("firing", "resolved")
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
