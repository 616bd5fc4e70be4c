"""Ingest bookkeeping: stored consumer offsets, executions waiting for their order, the quote
currency of instruments and the USD conversion functions.

- ``ingest_offsets``: the next offset per consumer group, topic and partition, written in the
  same transaction as the batch's rows. A consumer that gets a partition starts from here, so a
  batch whose rows were committed is never applied twice, even if Kafka's own offset commit
  was lost (a crash between the two commits).
- ``exec_pending``: execution reports whose order has not arrived yet (topics are ordered only
  within a partition); they are rolled up when the order comes.
- ``instrument_currencies``: the quote currency of symbols that are not six-letter currency
  pairs (indices, commodities, equity CFDs).
- ``latency_bucket(ms)``: the latency histogram's bucket mapping (see app/db/models/rollups.py).
- ``quote_currency(symbol)`` and ``usd_rate(currency, at)``: the conversion METRICS.md defines
  (latest composite mid of the pair at or before ``at``; NULL when unknown, never 1.0).

Revision ID: 3e6b1d8f5a10
Revises: c47b2e9f1a03
Create Date: 2026-11-24 11:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e6b1d8f5a10"
down_revision: str | Sequence[str] | None = "c47b2e9f1a03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_CURRENCIES = {
    "US500": "USD",
    "NAS100": "USD",
    "US30": "USD",
    "USOIL": "USD",
    "UKOIL": "USD",
    "AAPL": "USD",
    "TSLA": "USD",
    "GER40": "EUR",
    "UK100": "GBP",
    "JP225": "JPY",
}

QUOTE_CURRENCY_SQL = """
CREATE FUNCTION quote_currency(p_symbol text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT quote_currency FROM instrument_currencies WHERE symbol = p_symbol),
        CASE WHEN p_symbol ~ '^[A-Z]{6}$' THEN right(p_symbol, 3) END)
$$
"""

USD_RATE_SQL = """
CREATE FUNCTION usd_rate(p_currency text, p_at timestamptz) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_currency = 'USD' THEN 1.0::double precision ELSE coalesce(
        (SELECT mid FROM quote_mid_1s
          WHERE symbol = p_currency || 'USD' AND ts <= p_at AND ts > p_at - INTERVAL '7 days'
          ORDER BY ts DESC LIMIT 1),
        (SELECT 1.0 / mid FROM quote_mid_1s
          WHERE symbol = 'USD' || p_currency AND ts <= p_at AND ts > p_at - INTERVAL '7 days'
          ORDER BY ts DESC LIMIT 1)) END
$$
"""


# The DDSketch mapping of app/db/models/rollups.py (alpha = 1 %), frozen here in SQL.
LATENCY_BUCKET_SQL = """
CREATE FUNCTION latency_bucket(p_ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_ms <= 0.01 THEN 0 ELSE
        least(greatest(ceil(ln(p_ms) / 0.020000666706669435)::integer + 230, 0), 781) END
$$
"""


def upgrade() -> None:
    op.create_table(
        "ingest_offsets",
        sa.Column("consumer_group", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("consumer_group", "topic", "partition", name="pk_ingest_offsets"),
    )
    op.create_table(
        "exec_pending",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_exec_pending"),
    )
    op.create_index("ix_exec_pending_order_id", "exec_pending", ["order_id"])
    currencies = op.create_table(
        "instrument_currencies",
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("quote_currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name="pk_instrument_currencies"),
    )
    op.bulk_insert(
        currencies, [{"symbol": s, "quote_currency": c} for s, c in SEED_CURRENCIES.items()]
    )
    op.execute(QUOTE_CURRENCY_SQL)
    op.execute(USD_RATE_SQL)
    op.execute(LATENCY_BUCKET_SQL)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS latency_bucket(double precision)")
    op.execute("DROP FUNCTION IF EXISTS usd_rate(text, timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS quote_currency(text)")
    op.drop_table("instrument_currencies")
    op.drop_index("ix_exec_pending_order_id", table_name="exec_pending")
    op.drop_table("exec_pending")
    op.drop_table("ingest_offsets")
