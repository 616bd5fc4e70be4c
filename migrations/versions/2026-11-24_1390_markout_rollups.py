"""Markouts per hour and day for long windows (read-model speed of the LP scorecard).

``markout_rollup_1h`` holds, per UTC hour, LP, symbol, book and rule, the sums the fill-weighted
mean markout needs for each horizon h (0, 1, 5, 30, 60 s): ``markout_{h}_qty_sum`` = Σ markout ×
fill_qty and ``markout_{h}_qty`` = Σ fill_qty over the fills whose markout at h is known, plus
the number of fills. ``markout_rollup_1d`` holds the same per UTC day. Both are plain tables on
both storage paths, recomputed by ``app.db.derived.refresh_markout_rollup_1h`` for the hours (and
their days) listed in ``markout_rollup_1h_dirty``, which a row trigger on ``fill_markouts`` fills
with ``(hour, transaction id)`` on every change (the scheme of ``exec_rollup_1h_dirty``).
Hours of markouts stored before this revision are listed once here, so the first refresh
computes them; readers take a listed hour from ``fill_markouts``, so a late refresh is slower,
never wrong.

Revision ID: a1e7c3700010
Revises: a1e7c3700009
Create Date: 2026-11-24 13:90:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e7c3700010"
down_revision: str | Sequence[str] | None = "a1e7c3700009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HORIZONS = (0, 1, 5, 30, 60)
HOUR_OF = "date_bin(INTERVAL '1 hour', {0}.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')"

MARK_DIRTY_FUNCTION = f"""
CREATE FUNCTION markout_rollup_1h_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO markout_rollup_1h_dirty (hour, xid)
        VALUES ({HOUR_OF.format("OLD")}, txid_current()) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO markout_rollup_1h_dirty (hour, xid)
        VALUES ({HOUR_OF.format("NEW")}, txid_current()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""


def _horizon_columns() -> list[sa.Column[float]]:
    return [
        sa.Column(f"markout_{h}_{part}", sa.Double(), nullable=False)
        for h in HORIZONS
        for part in ("qty_sum", "qty")
    ]


def upgrade() -> None:
    for table in ("markout_rollup_1h", "markout_rollup_1d"):
        op.create_table(
            table,
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("lp", sa.Text(), nullable=False),
            sa.Column("symbol", sa.Text(), nullable=False),
            sa.Column("book", sa.Text(), nullable=False),
            sa.Column("rule_id", sa.Text(), nullable=False),
            sa.Column("fills", sa.Integer(), nullable=False),
            *_horizon_columns(),
            sa.PrimaryKeyConstraint(
                "bucket", "lp", "symbol", "book", "rule_id", name=f"pk_{table}"
            ),
        )
    op.create_table(
        "markout_rollup_1h_dirty",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "xid", name="pk_markout_rollup_1h_dirty"),
    )
    op.execute(MARK_DIRTY_FUNCTION)
    op.execute(
        "CREATE TRIGGER markout_rollup_1h_mark_dirty AFTER INSERT OR UPDATE OR DELETE "
        "ON fill_markouts FOR EACH ROW EXECUTE FUNCTION markout_rollup_1h_mark_dirty()"
    )
    op.execute(
        "INSERT INTO markout_rollup_1h_dirty (hour, xid) "
        f"SELECT DISTINCT {HOUR_OF.format('fill_markouts')}, 0 FROM fill_markouts"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER markout_rollup_1h_mark_dirty ON fill_markouts")
    op.execute("DROP FUNCTION markout_rollup_1h_mark_dirty()")
    op.drop_table("markout_rollup_1h_dirty")
    op.drop_table("markout_rollup_1d")
    op.drop_table("markout_rollup_1h")
