"""Raw event tables of the trading-engine contract, on TimescaleDB or pg_partman.

Revision ID: 5d1e0a7c2b01
Revises:
Create Date: 2026-11-24 10:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.shared.timeseries import (
    TimePolicy,
    create_time_table,
    drop_time_table,
    timescaledb_available,
)

revision: str = "5d1e0a7c2b01"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RAW_EVENTS = TimePolicy(interval="1 day", premake=7, retention="90 days", compress_after="7 days")
CLOSED_POSITIONS = TimePolicy(
    interval="1 day", premake=7, retention="400 days", compress_after="7 days"
)
MONEY = sa.Numeric(24, 8)


def event_key() -> list[sa.Column]:
    return [
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    if timescaledb_available():
        op.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")

    create_time_table(
        "orders",
        "ts",
        RAW_EVENTS,
        *event_key(),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("client_ref", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("asset_class", sa.Text(), nullable=False),
        sa.Column("pip_size", sa.Double(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.Column("order_type", sa.Text(), nullable=False),
        sa.Column("limit_price", sa.Double(), nullable=True),
        sa.Column("arrival_bid", sa.Double(), nullable=False),
        sa.Column("arrival_ask", sa.Double(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("lp", sa.Text(), nullable=True),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("client_segment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_orders"),
        sa.CheckConstraint(
            "asset_class IN ('fx', 'metal', 'index', 'commodity', 'crypto', 'equity_cfd')",
            name="ck_orders_asset_class",
        ),
        sa.CheckConstraint("side IN ('buy', 'sell')", name="ck_orders_side"),
        sa.CheckConstraint(
            "order_type IN ('market', 'limit', 'stop')", name="ck_orders_order_type"
        ),
        sa.CheckConstraint("book IN ('A', 'B')", name="ck_orders_book"),
    )
    op.create_index("ix_orders_order_id", "orders", ["order_id"])
    op.create_index("ix_orders_symbol_ts", "orders", ["symbol", "ts"])
    op.create_index("ix_orders_rule_id_rule_version", "orders", ["rule_id", "rule_version"])

    create_time_table(
        "executions",
        "ts",
        RAW_EVENTS,
        *event_key(),
        sa.Column("exec_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("requested_qty", sa.Double(), nullable=False),
        sa.Column("fill_qty", sa.Double(), nullable=False),
        sa.Column("requested_price", sa.Double(), nullable=False),
        sa.Column("fill_price", sa.Double(), nullable=True),
        sa.Column("sent_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("market_bid", sa.Double(), nullable=False),
        sa.Column("market_ask", sa.Double(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("commission", MONEY, nullable=False),
        sa.Column("pfof", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_executions"),
        sa.CheckConstraint(
            "status IN ('filled', 'partially_filled', 'rejected', 'cancelled')",
            name="ck_executions_status",
        ),
        sa.CheckConstraint(
            "reject_reason IS NULL OR reject_reason IN ('price_moved', 'last_look', "
            "'no_liquidity', 'timeout', 'credit_limit', 'market_closed', 'other')",
            name="ck_executions_reject_reason",
        ),
    )
    op.create_index("ix_executions_order_id", "executions", ["order_id"])
    op.create_index("ix_executions_lp_ts", "executions", ["lp", "ts"])

    create_time_table(
        "positions",
        "ts",
        CLOSED_POSITIONS,
        *event_key(),
        sa.Column("position_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("client_ref", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.Column("open_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_price", sa.Double(), nullable=False),
        sa.Column("close_price", sa.Double(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("lp", sa.Text(), nullable=True),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("client_pnl", MONEY, nullable=False),
        sa.Column("broker_pnl", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("broker_pnl_usd", MONEY, nullable=True),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_positions"),
        sa.CheckConstraint("side IN ('buy', 'sell')", name="ck_positions_side"),
        sa.CheckConstraint("book IN ('A', 'B')", name="ck_positions_book"),
    )
    op.create_index(
        "ix_positions_rule_id_rule_version_ts", "positions", ["rule_id", "rule_version", "ts"]
    )
    op.create_index("ix_positions_symbol_ts", "positions", ["symbol", "ts"])

    create_time_table(
        "account_snapshots",
        "ts",
        RAW_EVENTS,
        *event_key(),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("client_ref", sa.Text(), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("equity", MONEY, nullable=False),
        sa.Column("margin_used", MONEY, nullable=False),
        sa.Column("margin_level", sa.Double(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_account_snapshots"),
    )
    op.create_index("ix_account_snapshots_account_id_ts", "account_snapshots", ["account_id", "ts"])

    create_time_table(
        "lp_status",
        "ts",
        RAW_EVENTS,
        *event_key(),
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_lp_status"),
        sa.CheckConstraint("status IN ('up', 'degraded', 'down')", name="ck_lp_status_status"),
    )
    op.create_index("ix_lp_status_lp_ts", "lp_status", ["lp", "ts"])

    # Not partitioned: one row per rule version, a few hundred rows ever.
    op.create_table(
        "rules",
        *event_key(),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("conditions", postgresql.JSONB(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "ts", name="pk_rules"),
        sa.CheckConstraint("book IN ('A', 'B', 'hybrid')", name="ck_rules_book"),
    )
    op.create_index("ix_rules_rule_id_rule_version", "rules", ["rule_id", "rule_version"])


def downgrade() -> None:
    op.drop_table("rules")
    for name in ("lp_status", "account_snapshots", "positions", "executions", "orders"):
        drop_time_table(name)
