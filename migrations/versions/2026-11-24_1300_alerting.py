"""Alert rules: instances, states, silences (alert engine).

Adds rule-level snoozes, the per-alert fields of the engine (instance, labels, escalation,
snooze, false-positive feedback), the live state of every alert instance and the history of
their state changes.

Revision ID: a1e7c3000001
Revises: 9b2c7e4d1f60
Create Date: 2026-11-24 13:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a1e7c3000001"
down_revision: str | Sequence[str] | None = "9b2c7e4d1f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANCE_STATES = "state IN ('normal', 'pending', 'firing', 'recovering', 'nodata', 'error')"


def tstz(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def event_ref(table: str) -> sa.Column:
    return sa.Column(
        "alert_event_id",
        sa.BigInteger(),
        sa.ForeignKey(
            "alert_events.id", name=f"fk_{table}_alert_event_id_alert_events", ondelete="SET NULL"
        ),
        nullable=True,
    )


def rule_ref(table: str) -> sa.Column:
    return sa.Column(
        "rule_id",
        sa.BigInteger(),
        sa.ForeignKey("alert_rules.id", name=f"fk_{table}_rule_id_alert_rules", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.add_column("alert_rules", tstz("snoozed_until"))
    op.add_column(
        "alert_events",
        sa.Column("instance_key", sa.Text(), server_default=sa.text("''"), nullable=False),
    )
    op.add_column(
        "alert_events",
        sa.Column(
            "labels", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
    )
    op.add_column(
        "alert_events",
        sa.Column("escalation_level", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("alert_events", tstz("last_notified_at"))
    op.add_column("alert_events", tstz("snoozed_until"))
    op.add_column("alert_events", sa.Column("feedback", sa.Text(), nullable=True))
    op.add_column(
        "alert_events",
        sa.Column(
            "feedback_by",
            sa.BigInteger(),
            sa.ForeignKey(
                "users.id", name="fk_alert_events_feedback_by_users", ondelete="SET NULL"
            ),
            nullable=True,
        ),
    )
    op.add_column("alert_events", tstz("feedback_at"))
    op.create_check_constraint(
        "ck_alert_events_feedback",
        "alert_events",
        "feedback IN ('false_positive', 'true_positive')",
    )
    op.create_table(
        "alert_instances",
        rule_ref("alert_instances"),
        sa.Column("instance_key", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        tstz("state_since", nullable=False),
        tstz("pending_since"),
        tstz("recovering_since"),
        sa.Column("last_value", sa.Double(), nullable=True),
        tstz("last_data_at"),
        tstz("last_evaluated_at", nullable=False),
        tstz("last_notified_at"),
        event_ref("alert_instances"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("rule_id", "instance_key", name="pk_alert_instances"),
        sa.CheckConstraint(INSTANCE_STATES, name="ck_alert_instances_state"),
    )
    op.create_table(
        "alert_transitions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        rule_ref("alert_transitions"),
        sa.Column("instance_key", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        tstz("at", nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        event_ref("alert_transitions"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_transitions"),
    )
    op.create_index("ix_alert_transitions_at", "alert_transitions", ["at"])
    op.create_index(
        "ix_alert_transitions_rule_id_instance_key_at",
        "alert_transitions",
        ["rule_id", "instance_key", "at"],
    )


def downgrade() -> None:
    op.drop_table("alert_transitions")
    op.drop_table("alert_instances")
    op.drop_constraint("ck_alert_events_feedback", "alert_events", type_="check")
    for column in (
        "feedback_at",
        "feedback_by",
        "feedback",
        "snoozed_until",
        "last_notified_at",
        "escalation_level",
        "labels",
        "instance_key",
    ):
        op.drop_column("alert_events", column)
    op.drop_column("alert_rules", "snoozed_until")
