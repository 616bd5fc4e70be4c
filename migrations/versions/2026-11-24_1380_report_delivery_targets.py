"""Report delivery targets: an optional S3-compatible bucket per schedule, and each run's
outcome per target (e-mail, S3) so that a retry redoes only the delivery that failed.

Revision ID: a1e7c3700009
Revises: a1e7c3700008
Create Date: 2026-11-24 13:80:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e7c3700009"
down_revision: str | Sequence[str] | None = "a1e7c3700008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_s3_targets",
        sa.Column("schedule_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint_url", sa.Text(), server_default="", nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("key_prefix", sa.Text(), server_default="", nullable=False),
        sa.Column("access_key_id", sa.Text(), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["export_schedules.id"],
            name="fk_report_s3_targets_schedule_id_export_schedules",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("schedule_id", name="pk_report_s3_targets"),
    )
    op.create_table(
        "export_run_deliveries",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target IN ('email', 's3')", name="ck_export_run_deliveries_target"),
        sa.CheckConstraint(
            "status IN ('succeeded', 'failed')", name="ck_export_run_deliveries_status"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["export_runs.id"],
            name="fk_export_run_deliveries_run_id_export_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "target", name="pk_export_run_deliveries"),
    )


def downgrade() -> None:
    op.drop_table("export_run_deliveries")
    op.drop_table("report_s3_targets")
