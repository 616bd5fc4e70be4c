"""Scheduled reports: schedules and their run log.

Revision ID: a1e7c3300004
Revises: a1e7c3200003
Create Date: 2026-11-24 13:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a1e7c3300004"
down_revision: str | Sequence[str] | None = "a1e7c3200003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULES = "export_schedules"
RUNS = "export_runs"


def _jsonb(name: str, default: str) -> sa.Column[Any]:
    return sa.Column(
        name, postgresql.JSONB(), server_default=sa.text(f"'{default}'::jsonb"), nullable=False
    )


def _tstz(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.add_column(
        SCHEDULES,
        sa.Column(
            "owner_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "users.id", name="fk_export_schedules_owner_id_users", ondelete="CASCADE"
            ),
            nullable=True,
        ),
    )
    op.add_column(SCHEDULES, _jsonb("filters", "{}"))
    op.add_column(SCHEDULES, sa.Column("preset", sa.Text(), server_default="cron", nullable=False))
    op.add_column(
        SCHEDULES, sa.Column("currency", sa.String(3), server_default="USD", nullable=False)
    )
    op.add_column(
        SCHEDULES,
        sa.Column("working_timeout_s", sa.Integer(), server_default=sa.text("900"), nullable=False),
    )
    op.add_column(
        SCHEDULES,
        sa.Column(
            "consecutive_failures", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column(SCHEDULES, _tstz("failure_alerted_at"))
    op.add_column(
        SCHEDULES,
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_check_constraint(
        "ck_export_schedules_preset", SCHEDULES, "preset IN ('daily', 'weekly', 'monthly', 'cron')"
    )
    op.create_index("ix_export_schedules_owner_id", SCHEDULES, ["owner_id"])
    op.create_index("ix_export_schedules_next_run_at", SCHEDULES, ["next_run_at"])

    op.alter_column(RUNS, "started_at", nullable=True, server_default=None)
    op.add_column(RUNS, sa.Column("trigger", sa.Text(), server_default="schedule", nullable=False))
    op.add_column(RUNS, _tstz("scheduled_for"))
    op.add_column(
        RUNS,
        sa.Column(
            "queued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.add_column(RUNS, _jsonb("recipients", "[]"))
    op.add_column(RUNS, sa.Column("attachment_name", sa.Text(), nullable=True))
    op.add_column(RUNS, sa.Column("attachment_sha256", sa.Text(), nullable=True))
    op.add_column(RUNS, sa.Column("attachment_bytes", sa.BigInteger(), nullable=True))
    op.add_column(RUNS, _tstz("data_last_event_ts"))
    op.create_check_constraint("ck_export_runs_trigger", RUNS, "trigger IN ('schedule', 'test')")
    op.create_unique_constraint(
        "uq_export_runs_schedule_id_scheduled_for", RUNS, ["schedule_id", "scheduled_for"]
    )
    op.create_index(
        "ix_export_runs_status",
        RUNS,
        ["status"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ix_export_runs_status", table_name=RUNS)
    op.drop_constraint("uq_export_runs_schedule_id_scheduled_for", RUNS, type_="unique")
    op.drop_constraint("ck_export_runs_trigger", RUNS, type_="check")
    op.execute(f"UPDATE {RUNS} SET started_at = queued_at WHERE started_at IS NULL")
    for column in (
        "data_last_event_ts",
        "attachment_bytes",
        "attachment_sha256",
        "attachment_name",
        "recipients",
        "queued_at",
        "scheduled_for",
        "trigger",
    ):
        op.drop_column(RUNS, column)
    op.alter_column(RUNS, "started_at", nullable=False, server_default=sa.func.now())

    op.drop_index("ix_export_schedules_next_run_at", table_name=SCHEDULES)
    op.drop_index("ix_export_schedules_owner_id", table_name=SCHEDULES)
    op.drop_constraint("ck_export_schedules_preset", SCHEDULES, type_="check")
    for column in (
        "updated_at",
        "failure_alerted_at",
        "consecutive_failures",
        "working_timeout_s",
        "currency",
        "preset",
        "filters",
        "owner_id",
    ):
        op.drop_column(SCHEDULES, column)
