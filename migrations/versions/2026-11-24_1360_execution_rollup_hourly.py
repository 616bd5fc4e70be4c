"""Execution quality per hour and day for long windows (read-model speed).

``exec_rollup_1h`` holds ``exec_rollup_1m`` summed per UTC hour (same columns, histograms
merged), ``exec_rollup_1d`` the same per UTC day. They are plain tables on both storage paths
(a continuous aggregate cannot merge the sparse histogram arrays; at ~1/40 and ~1/1000 of the
minute rows they need no partitions), recomputed by ``app.db.derived.refresh_exec_rollup_1h``
for the hours (and their days) listed in ``exec_rollup_1h_dirty``, which a row trigger on
``exec_rollup_1m`` fills with ``(hour, transaction id)`` on every change. Hours of rows written
before this revision are listed once here, so the first refresh computes them.

Also: an index on ``lp_status (lp, status, ts)`` for the uptime's walk over status changes, and
a ``(ts)`` index on ``executions`` for the drill-down pages.

Revision ID: a1e7c3600007
Revises: a1e7c3500006
Create Date: 2026-11-24 13:60:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "a1e7c3600007"
down_revision: str | Sequence[str] | None = "a1e7c3500006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR_OF = "date_bin(INTERVAL '1 hour', {0}.bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')"

MARK_DIRTY_FUNCTION = f"""
CREATE FUNCTION exec_rollup_1h_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO exec_rollup_1h_dirty (hour, xid) VALUES ({HOUR_OF.format("OLD")}, txid_current())
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO exec_rollup_1h_dirty (hour, xid) VALUES ({HOUR_OF.format("NEW")}, txid_current())
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""


def _rollup_columns() -> list[sa.Column[Any]]:
    counts = (
        "attempts fills partial_fills rejects cancels reject_price_moved reject_last_look "
        "reject_no_liquidity reject_timeout reject_credit_limit reject_market_closed "
        "reject_other"
    ).split()
    doubles = "requested_qty fill_qty notional_usd slippage_pips_qty_sum".split()
    return [
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        *(sa.Column(name, sa.Double(), nullable=False) for name in doubles),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("slippage_positive", "slippage_zero", "slippage_negative")
        ),
        sa.Column("price_improvement_pips_sum", sa.Double(), nullable=False),
        sa.Column("best_execution_count", sa.Integer(), nullable=False),
        sa.Column("latency_buckets", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("latency_counts", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("latency_ms_sum", sa.Double(), nullable=False),
        sa.Column("latency_ms_max", sa.Double(), nullable=False),
        sa.Column("commission_usd", sa.Numeric(24, 8), nullable=False),
        sa.Column("pfof_usd", sa.Numeric(24, 8), nullable=False),
        sa.Column("usd_unconverted", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    for table in ("exec_rollup_1h", "exec_rollup_1d"):
        op.create_table(
            table,
            *_rollup_columns(),
            sa.PrimaryKeyConstraint(
                "bucket", "lp", "symbol", "book", "rule_id", "rule_version", name=f"pk_{table}"
            ),
        )
    op.create_table(
        "exec_rollup_1h_dirty",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "xid", name="pk_exec_rollup_1h_dirty"),
    )
    # Uptime walks an LP's status changes by index seeks instead of reading every heartbeat.
    op.create_index("ix_lp_status_lp_status_ts", "lp_status", ["lp", "status", "ts"])
    # Drill-down pages walk the window in time order and stop after the page. (Not on orders:
    # there the planner would prefer it to the order_id index for "first order by ts" lookups.)
    op.create_index("ix_executions_ts", "executions", ["ts"])
    op.execute(MARK_DIRTY_FUNCTION)
    op.execute(
        "CREATE TRIGGER exec_rollup_1h_mark_dirty AFTER INSERT OR UPDATE OR DELETE "
        "ON exec_rollup_1m FOR EACH ROW EXECUTE FUNCTION exec_rollup_1h_mark_dirty()"
    )
    op.execute(
        "INSERT INTO exec_rollup_1h_dirty (hour, xid) "
        f"SELECT DISTINCT {HOUR_OF.format('exec_rollup_1m')}, 0 FROM exec_rollup_1m"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER exec_rollup_1h_mark_dirty ON exec_rollup_1m")
    op.execute("DROP FUNCTION exec_rollup_1h_mark_dirty()")
    op.drop_table("exec_rollup_1h_dirty")
    op.drop_index("ix_lp_status_lp_status_ts", table_name="lp_status")
    op.drop_index("ix_executions_ts", table_name="executions")
    op.drop_table("exec_rollup_1d")
    op.drop_table("exec_rollup_1h")
