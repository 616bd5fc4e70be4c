"""Export jobs: progress, datasets, files; export_history records rows, filter and who.

Revision ID: a1e7c3200003
Revises: a1e7c3100002
Create Date: 2026-11-24 13:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a1e7c3200003"
down_revision: str | Sequence[str] | None = "a1e7c3100002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORMATS = "format IN ('csv', 'xlsx', 'json', 'parquet', 'pdf')"
OLD_FORMATS = "format IN ('csv', 'xlsx', 'pdf', 'parquet')"


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column(
            "requested_by",
            sa.BigInteger(),
            sa.ForeignKey(
                "users.id", name="fk_export_jobs_requested_by_users", ondelete="SET NULL"
            ),
            nullable=True,
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("dataset", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column(
            "params", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("rows_done", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("progress", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("storage_path", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_export_jobs"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_export_jobs_status"
        ),
        sa.CheckConstraint(FORMATS, name="ck_export_jobs_format"),
    )
    op.create_index(
        "ix_export_jobs_requested_by_created_at", "export_jobs", ["requested_by", "created_at"]
    )

    op.drop_constraint("ck_export_history_format", "export_history", type_="check")
    op.create_check_constraint("ck_export_history_format", "export_history", FORMATS)
    op.alter_column("export_history", "storage_path", nullable=True)
    op.add_column("export_history", sa.Column("row_count", sa.BigInteger(), nullable=True))
    op.add_column(
        "export_history",
        sa.Column(
            "filter", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
    )
    op.add_column("export_history", sa.Column("actor", sa.Text(), nullable=True))
    op.add_column(
        "export_history",
        sa.Column(
            "job_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "export_jobs.id", name="fk_export_history_job_id_export_jobs", ondelete="SET NULL"
            ),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_export_history_requested_by_created_at",
        "export_history",
        ["requested_by", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_export_history_requested_by_created_at", "export_history")
    for column in ("job_id", "actor", "filter", "row_count"):
        op.drop_column("export_history", column)
    op.execute("DELETE FROM export_history WHERE storage_path IS NULL OR format = 'json'")
    op.alter_column("export_history", "storage_path", nullable=False)
    op.drop_constraint("ck_export_history_format", "export_history", type_="check")
    op.create_check_constraint("ck_export_history_format", "export_history", OLD_FORMATS)
    op.drop_index("ix_export_jobs_requested_by_created_at", "export_jobs")
    op.drop_table("export_jobs")
