"""Application tables: users and API tokens, limits, alerts, exports, audit log, ingest books.

Revision ID: c47b2e9f1a03
Revises: 8a3f9c41d702
Create Date: 2026-11-24 10:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c47b2e9f1a03"
down_revision: str | Sequence[str] | None = "8a3f9c41d702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(24, 8)
ROLES = "role IN ('analyst', 'manager', 'compliance', 'admin')"
EXPORT_FORMATS = "format IN ('csv', 'xlsx', 'pdf', 'parquet')"


def tstz(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable and not now,
        server_default=sa.func.now() if now else None,
    )


def identity() -> sa.Column:
    return sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False)


def user_ref(name: str, table: str) -> sa.Column:
    return sa.Column(
        name,
        sa.BigInteger(),
        sa.ForeignKey("users.id", name=f"fk_{table}_{name}_users", ondelete="SET NULL"),
        nullable=True,
    )


def jsonb(name: str, default: str) -> sa.Column:
    return sa.Column(
        name, postgresql.JSONB(), server_default=sa.text(f"'{default}'::jsonb"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "users",
        identity(),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("timezone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("reporting_currency", sa.String(3), server_default="USD", nullable=False),
        tstz("created_at", now=True),
        tstz("last_login_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.CheckConstraint(ROLES, name="ck_users_role"),
    )
    op.create_table(
        "api_tokens",
        identity(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        user_ref("created_by", "api_tokens"),
        tstz("created_at", now=True),
        tstz("expires_at"),
        tstz("revoked_at"),
        tstz("last_used_at"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.CheckConstraint(ROLES, name="ck_api_tokens_role"),
    )
    op.create_table(
        "exposure_limits",
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("limit_usd", MONEY, nullable=False),
        user_ref("updated_by", "exposure_limits"),
        tstz("updated_at", now=True),
        sa.PrimaryKeyConstraint("symbol", name="pk_exposure_limits"),
    )

    op.create_table(
        "alert_rules",
        identity(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("current_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        user_ref("created_by", "alert_rules"),
        tstz("created_at", now=True),
        tstz("updated_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_rules"),
        sa.UniqueConstraint("name", name="uq_alert_rules_name"),
    )
    op.create_table(
        "alert_rule_versions",
        sa.Column(
            "rule_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "alert_rules.id",
                name="fk_alert_rule_versions_rule_id_alert_rules",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", postgresql.JSONB(), nullable=False),
        user_ref("created_by", "alert_rule_versions"),
        tstz("created_at", now=True),
        sa.PrimaryKeyConstraint("rule_id", "version", name="pk_alert_rule_versions"),
    )
    op.create_table(
        "alert_events",
        identity(),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        tstz("fired_at", nullable=False),
        tstz("resolved_at"),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        jsonb("details", "{}"),
        user_ref("acknowledged_by", "alert_events"),
        tstz("acknowledged_at"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_events"),
        sa.ForeignKeyConstraint(
            ["rule_id", "rule_version"],
            ["alert_rule_versions.rule_id", "alert_rule_versions.version"],
            name="fk_alert_events_rule_id_alert_rule_versions",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("state IN ('firing', 'resolved')", name="ck_alert_events_state"),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')", name="ck_alert_events_severity"
        ),
    )
    op.create_index("ix_alert_events_fired_at", "alert_events", ["fired_at"])
    op.create_index("ix_alert_events_rule_id_state", "alert_events", ["rule_id", "state"])

    op.create_table(
        "export_schedules",
        identity(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("cron", sa.Text(), nullable=False),
        sa.Column("timezone", sa.Text(), server_default="UTC", nullable=False),
        jsonb("recipients", "[]"),
        jsonb("params", "{}"),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        user_ref("created_by", "export_schedules"),
        tstz("created_at", now=True),
        tstz("next_run_at"),
        tstz("last_run_at"),
        sa.PrimaryKeyConstraint("id", name="pk_export_schedules"),
        sa.CheckConstraint(EXPORT_FORMATS, name="ck_export_schedules_format"),
    )
    op.create_table(
        "export_runs",
        identity(),
        sa.Column(
            "schedule_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "export_schedules.id",
                name="fk_export_runs_schedule_id_export_schedules",
                ondelete="SET NULL",
            ),
            nullable=True,
        ),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        tstz("started_at", now=True),
        tstz("finished_at"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_export_runs"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_export_runs_status"
        ),
    )
    op.create_index(
        "ix_export_runs_schedule_id_started_at", "export_runs", ["schedule_id", "started_at"]
    )
    op.create_table(
        "export_history",
        identity(),
        sa.Column(
            "run_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "export_runs.id", name="fk_export_history_run_id_export_runs", ondelete="SET NULL"
            ),
            nullable=True,
        ),
        user_ref("requested_by", "export_history"),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("storage_path", sa.Text(), nullable=False),
        jsonb("delivered_to", "[]"),
        tstz("created_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_export_history"),
        sa.CheckConstraint(EXPORT_FORMATS, name="ck_export_history_format"),
    )
    op.create_index("ix_export_history_created_at", "export_history", ["created_at"])

    op.create_table(
        "audit_log",
        identity(),
        tstz("ts", now=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        jsonb("details", "{}"),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=True),
        sa.Column("row_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.UniqueConstraint("row_hash", name="uq_audit_log_row_hash"),
    )
    op.create_index("ix_audit_log_ts", "audit_log", ["ts"])
    op.create_index("ix_audit_log_actor_ts", "audit_log", ["actor", "ts"])

    op.create_table(
        "dead_letters",
        identity(),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        tstz("received_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
        sa.UniqueConstraint(
            "topic", "partition", "offset", name="uq_dead_letters_topic_partition_offset"
        ),
    )
    op.create_index("ix_dead_letters_received_at", "dead_letters", ["received_at"])
    op.create_table(
        "ingest_stats",
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("events_stored", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "duplicates_ignored", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("dead_letters", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        tstz("last_event_ts"),
        tstz("updated_at", now=True),
        sa.PrimaryKeyConstraint("topic", name="pk_ingest_stats"),
    )


def downgrade() -> None:
    for name in (
        "ingest_stats",
        "dead_letters",
        "audit_log",
        "export_history",
        "export_runs",
        "export_schedules",
        "alert_events",
        "alert_rule_versions",
        "alert_rules",
        "exposure_limits",
        "api_tokens",
        "users",
    ):
        op.drop_table(name)
