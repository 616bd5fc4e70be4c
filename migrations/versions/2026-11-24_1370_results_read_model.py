"""Results read model: each rule's closed positions per UTC day as packed arrays.

``rule_trades_1d`` holds, per UTC day and rule, the day's closed positions of that rule in close
order ``(ts, event_id)`` as three packed big-endian arrays (close time as PostgreSQL's binary
timestamp, ``broker_pnl`` and ``broker_pnl_usd`` as float8, NaN when unconverted), so the rule
report reads a row per rule and day instead of every position (``app.queries.results``). It is
recomputed by ``app.queries.results.refresh_rule_trades_1d`` for the days listed in
``rule_trades_1d_dirty``, which a row trigger on ``positions`` fills with ``(day, transaction
id)`` on every change; readers take a listed day from ``positions``, so a late refresh is slower,
never wrong. Days of positions written before this revision are listed once here.

Revision ID: a1e7c3700008
Revises: a1e7c3600007
Create Date: 2026-11-24 13:70:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e7c3700008"
down_revision: str | Sequence[str] | None = "a1e7c3600007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY_OF = "date_bin(INTERVAL '1 day', {0}.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')"

MARK_DIRTY_FUNCTION = f"""
CREATE FUNCTION rule_trades_1d_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO rule_trades_1d_dirty (day, xid) VALUES ({DAY_OF.format("OLD")}, txid_current())
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO rule_trades_1d_dirty (day, xid) VALUES ({DAY_OF.format("NEW")}, txid_current())
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "rule_trades_1d",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("close_ts", sa.LargeBinary(), nullable=False),
        sa.Column("broker_pnl", sa.LargeBinary(), nullable=False),
        sa.Column("broker_pnl_usd", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", "rule_id", name="pk_rule_trades_1d"),
    )
    # Packed floats do not compress; storing them uncompressed saves the attempt on every read.
    for column in ("close_ts", "broker_pnl", "broker_pnl_usd"):
        op.execute(f"ALTER TABLE rule_trades_1d ALTER COLUMN {column} SET STORAGE EXTERNAL")
    op.create_table(
        "rule_trades_1d_dirty",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "xid", name="pk_rule_trades_1d_dirty"),
    )
    op.execute(MARK_DIRTY_FUNCTION)
    op.execute(
        "CREATE TRIGGER rule_trades_1d_mark_dirty AFTER INSERT OR UPDATE OR DELETE "
        "ON positions FOR EACH ROW EXECUTE FUNCTION rule_trades_1d_mark_dirty()"
    )
    op.execute(
        "INSERT INTO rule_trades_1d_dirty (day, xid) "
        f"SELECT DISTINCT {DAY_OF.format('positions')}, 0 FROM positions"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER rule_trades_1d_mark_dirty ON positions")
    op.execute("DROP FUNCTION rule_trades_1d_mark_dirty()")
    op.drop_table("rule_trades_1d_dirty")
    op.drop_table("rule_trades_1d")
