"""Compliance: client identity mapping, retention policies.

``client_identities`` links a stored pseudonym to the real client id. It is read and written
only by the compliance-gated code of ``app.compliance`` (subject access, erasure) and by the
ingest (which upserts new clients); no REVOKE/GRANT is used because the application connects
with one database role, so the gate is the application's permission check.

``retention_policies`` holds how long each data class is kept, seeded with the defaults. The
retention job (``tradedash.retention.enforce``) becomes the one place that expires data of the
managed tables: pg_partman's own retention is switched off for them, and on TimescaleDB their
retention policies are re-added at the default keep period (the job also runs ``drop_chunks``
with the admin-edited period).

Revision ID: a1e7c3400005
Revises: a1e7c3300004
Create Date: 2026-11-24 13:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.shared.timeseries import uses_timescaledb

revision: str = "a1e7c3400005"
down_revision: str | Sequence[str] | None = "a1e7c3300004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEVEN_YEARS = 7 * 365 + 2
DEFAULT_POLICIES = {
    "orders": SEVEN_YEARS,
    "executions": SEVEN_YEARS,
    "positions": SEVEN_YEARS,
    "audit": SEVEN_YEARS,
    "quote_mids": 30,
    "quote_stats": 30,
    "account_snapshots": 365,
    "lp_status": 90,
    "exports": 365,
}
MANAGED_TABLES = {
    "orders": ("orders", "90 days"),
    "executions": ("executions", "90 days"),
    "fill_markouts": ("executions", "400 days"),
    "positions": ("positions", "400 days"),
    "quote_mid_1s": ("quote_mids", "30 days"),
    "lp_quote_stats_1m": ("quote_stats", "400 days"),
    "account_snapshots": ("account_snapshots", "90 days"),
    "lp_status": ("lp_status", "90 days"),
}
"""Time table → (its data class, the retention it had before this revision)."""


def upgrade() -> None:
    op.create_table(
        "client_identities",
        sa.Column("pseudonym", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name="pk_client_identities"),
    )
    op.create_index("ix_client_identities_client_id", "client_identities", ["client_id"])
    policies = op.create_table(
        "retention_policies",
        sa.Column("data_class", sa.Text(), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=False),
        sa.Column(
            "updated_by",
            sa.BigInteger(),
            sa.ForeignKey(
                "users.id", name="fk_retention_policies_updated_by_users", ondelete="SET NULL"
            ),
            nullable=True,
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("data_class", name="pk_retention_policies"),
        sa.CheckConstraint("keep_days > 0", name="ck_retention_policies_keep_days"),
    )
    op.bulk_insert(
        policies, [{"data_class": k, "keep_days": v} for k, v in DEFAULT_POLICIES.items()]
    )
    timescale = uses_timescaledb()
    for table, (data_class, _old) in MANAGED_TABLES.items():
        if timescale:
            op.execute(f"SELECT remove_retention_policy('{table}', if_exists => true)")
            op.execute(
                f"SELECT add_retention_policy('{table}', "
                f"INTERVAL '{DEFAULT_POLICIES[data_class]} days')"
            )
        else:
            op.execute(
                "UPDATE partman.part_config SET retention = NULL "
                f"WHERE parent_table = 'public.{table}'"
            )


def downgrade() -> None:
    timescale = uses_timescaledb()
    for table, (_data_class, old) in MANAGED_TABLES.items():
        if timescale:
            op.execute(f"SELECT remove_retention_policy('{table}', if_exists => true)")
            op.execute(f"SELECT add_retention_policy('{table}', INTERVAL '{old}')")
        else:
            op.execute(
                f"UPDATE partman.part_config SET retention = '{old}' "
                f"WHERE parent_table = 'public.{table}'"
            )
    op.drop_table("retention_policies")
    op.drop_index("ix_client_identities_client_id", table_name="client_identities")
    op.drop_table("client_identities")
