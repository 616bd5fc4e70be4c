"""Markouts per fill: ``fill_markouts``, filled by the periodic markouts task.

One row per fill (the execution's ``event_id`` and ``ts``) with the order's dimensions and
the client's markout in pips at 0, 1, 5, 30 and 60 s (NULL when no composite mid at most 5 s
old existed at the horizon). Time-partitioned like the rollups and kept as long (400 days),
since the mids it is computed from are kept only 30 days.

Revision ID: 9b2c7e4d1f60
Revises: 3e6b1d8f5a10
Create Date: 2026-11-24 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.shared.timeseries import TimePolicy, create_time_table, drop_time_table

revision: str = "9b2c7e4d1f60"
down_revision: str | Sequence[str] | None = "3e6b1d8f5a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKOUTS = TimePolicy(interval="7 days", premake=4, retention="400 days", compress_after="30 days")
HORIZONS = (0, 1, 5, 30, 60)


def upgrade() -> None:
    create_time_table(
        "fill_markouts",
        "ts",
        MARKOUTS,
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.Column("fill_qty", sa.Double(), nullable=False),
        sa.Column("fill_price", sa.Double(), nullable=False),
        sa.Column("pip_size", sa.Double(), nullable=False),
        *(sa.Column(f"markout_{h}", sa.Double(), nullable=True) for h in HORIZONS),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_fill_markouts"),
    )
    op.create_index("ix_fill_markouts_lp_ts", "fill_markouts", ["lp", "ts"])


def downgrade() -> None:
    op.drop_index("ix_fill_markouts_lp_ts", table_name="fill_markouts")
    drop_time_table("fill_markouts")
