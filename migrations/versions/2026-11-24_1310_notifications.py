"""Notification channels and the delivery log.

Revision ID: a1e7c3100002
Revises: a1e7c3000001
Create Date: 2026-11-24 13:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a1e7c3100002"
down_revision: str | Sequence[str] | None = "a1e7c3000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('email', 'webhook', 'slack', 'teams', 'pagerduty', 'sms', 'voice', 'push')"
TRANSITIONS = "transition IN ('firing', 'resolved', 'acknowledged', 'escalated', 'test')"
STATES = "state IN ('queued', 'sending', 'delivered', 'failed')"


def tstz(name: str, *, now: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=not now,
        server_default=sa.func.now() if now else None,
    )


def upgrade() -> None:
    op.create_table(
        "notification_channels",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "config", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("secrets_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_by",
            sa.BigInteger(),
            sa.ForeignKey(
                "users.id", name="fk_notification_channels_created_by_users", ondelete="SET NULL"
            ),
            nullable=True,
        ),
        tstz("created_at", now=True),
        tstz("updated_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_notification_channels"),
        sa.UniqueConstraint("name", name="uq_notification_channels_name"),
        sa.CheckConstraint(KINDS, name="ck_notification_channels_kind"),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column(
            "alert_event_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "alert_events.id",
                name="fk_notification_deliveries_alert_event_id_alert_events",
                ondelete="CASCADE",
            ),
            nullable=True,
        ),
        sa.Column(
            "channel_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "notification_channels.id",
                name="fk_notification_deliveries_channel_id_notification_channels",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("transition", sa.Text(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("state", sa.Text(), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        tstz("created_at", now=True),
        tstz("updated_at", now=True),
        tstz("next_attempt_at", now=True),
        tstz("delivered_at"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_deliveries"),
        sa.CheckConstraint(TRANSITIONS, name="ck_notification_deliveries_transition"),
        sa.CheckConstraint(STATES, name="ck_notification_deliveries_state"),
    )
    op.create_index(
        "ix_notification_deliveries_state_updated_at",
        "notification_deliveries",
        ["state", "updated_at"],
    )
    op.create_index(
        "ix_notification_deliveries_channel_id_created_at",
        "notification_deliveries",
        ["channel_id", "created_at"],
    )
    op.create_index(
        "ix_notification_deliveries_alert_event_id",
        "notification_deliveries",
        ["alert_event_id"],
    )


def downgrade() -> None:
    op.drop_table("notification_deliveries")
    op.drop_table("notification_channels")
