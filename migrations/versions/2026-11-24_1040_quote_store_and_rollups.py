"""Downsampled quote store and per-minute / per-day rollups.

``ohlc_1m`` and ``pnl_daily`` derive from stored rows, so on TimescaleDB they are continuous
aggregates; ``exec_rollup_1m``, ``exposure_1m`` and ``lp_quote_stats_1m`` are maintained by the
consumers (they need data from several topics, or quotes that are not stored raw) and are
hypertables / partitioned tables on both paths.

Revision ID: 8a3f9c41d702
Revises: 5d1e0a7c2b01
Create Date: 2026-11-24 10:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from migrations.shared.timeseries import (
    TimePolicy,
    create_derived_rollup,
    create_time_table,
    drop_derived_rollup,
    drop_time_table,
)

revision: str = "8a3f9c41d702"
down_revision: str | Sequence[str] | None = "5d1e0a7c2b01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTE_SECONDS = TimePolicy(
    interval="1 day", premake=7, retention="30 days", compress_after="2 days", segment_by="symbol"
)
MINUTE_ROLLUPS = TimePolicy(
    interval="7 days", premake=4, retention="400 days", compress_after="30 days"
)
DAILY_ROLLUPS = TimePolicy(interval="1 month", premake=2, retention=None)
MONEY = sa.Numeric(24, 8)

OHLC_1M_SQL = """
SELECT symbol,
       time_bucket(INTERVAL '1 minute', ts) AS bucket,
       first(mid, ts) AS open,
       max(mid) AS high,
       min(mid) AS low,
       last(mid, ts) AS close,
       sum(quote_count)::integer AS quote_count
FROM quote_mid_1s
GROUP BY symbol, time_bucket(INTERVAL '1 minute', ts)
"""

PNL_DAILY_SQL = """
SELECT time_bucket(INTERVAL '1 day', ts) AS day,
       rule_id,
       rule_version,
       symbol,
       book,
       coalesce(lp, 'INTERNAL') AS lp,
       count(*)::integer AS trades,
       (count(*) FILTER (WHERE broker_pnl > 0))::integer AS wins,
       (count(*) FILTER (WHERE broker_pnl < 0))::integer AS losses,
       coalesce(sum(broker_pnl_usd) FILTER (WHERE broker_pnl_usd > 0), 0) AS gross_profit,
       coalesce(-sum(broker_pnl_usd) FILTER (WHERE broker_pnl_usd < 0), 0) AS gross_loss,
       coalesce(sum(broker_pnl_usd), 0) AS net,
       (count(*) FILTER (WHERE broker_pnl_usd IS NULL))::integer AS unconverted
FROM positions
GROUP BY time_bucket(INTERVAL '1 day', ts), rule_id, rule_version, symbol, book,
         coalesce(lp, 'INTERNAL')
"""

REJECT_REASONS = (
    "price_moved",
    "last_look",
    "no_liquidity",
    "timeout",
    "credit_limit",
    "market_closed",
    "other",
)


def counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def doubles(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Double(), nullable=False) for name in names]


def minute(column: str = "bucket") -> sa.Column:
    return sa.Column(column, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    create_time_table(
        "quote_mid_1s",
        "ts",
        QUOTE_SECONDS,
        sa.Column("symbol", sa.Text(), nullable=False),
        minute("ts"),
        *doubles("best_bid", "best_ask", "mid"),
        *counts("quote_count"),
        sa.PrimaryKeyConstraint("symbol", "ts", name="pk_quote_mid_1s"),
    )
    create_derived_rollup(
        "ohlc_1m",
        "bucket",
        MINUTE_ROLLUPS,
        OHLC_1M_SQL,
        (None, "1 minute", "1 minute"),
        sa.Column("symbol", sa.Text(), nullable=False),
        minute(),
        *doubles("open", "high", "low", "close"),
        *counts("quote_count"),
        sa.PrimaryKeyConstraint("symbol", "bucket", name="pk_ohlc_1m"),
    )
    create_time_table(
        "lp_quote_stats_1m",
        "bucket",
        MINUTE_ROLLUPS,
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        minute(),
        *counts("quote_count"),
        *doubles("spread_tw_sum", "spread_tw_seconds", "spread_min", "spread_max"),
        sa.Column("last_quote_ts", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lp", "symbol", "bucket", name="pk_lp_quote_stats_1m"),
    )
    create_time_table(
        "exec_rollup_1m",
        "bucket",
        MINUTE_ROLLUPS,
        minute(),
        sa.Column("lp", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        *counts("attempts", "fills", "partial_fills", "rejects", "cancels"),
        *counts(*(f"reject_{reason}" for reason in REJECT_REASONS)),
        *doubles("requested_qty", "fill_qty", "notional_usd", "slippage_pips_qty_sum"),
        *counts("slippage_positive", "slippage_zero", "slippage_negative"),
        *doubles("price_improvement_pips_sum"),
        *counts("best_execution_count"),
        sa.Column("latency_buckets", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("latency_counts", postgresql.ARRAY(sa.Integer()), nullable=False),
        *doubles("latency_ms_sum", "latency_ms_max"),
        sa.Column("commission_usd", MONEY, nullable=False),
        sa.Column("pfof_usd", MONEY, nullable=False),
        *counts("usd_unconverted"),
        sa.PrimaryKeyConstraint(
            "bucket", "lp", "symbol", "book", "rule_id", "rule_version", name="pk_exec_rollup_1m"
        ),
    )
    create_time_table(
        "exposure_1m",
        "bucket",
        MINUTE_ROLLUPS,
        minute(),
        sa.Column("symbol", sa.Text(), nullable=False),
        *doubles("net_qty_delta"),
        *counts("fills"),
        sa.PrimaryKeyConstraint("bucket", "symbol", name="pk_exposure_1m"),
    )
    create_derived_rollup(
        "pnl_daily",
        "day",
        DAILY_ROLLUPS,
        PNL_DAILY_SQL,
        (None, "1 hour", "15 minutes"),
        minute("day"),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("lp", sa.Text(), nullable=False),
        *counts("trades", "wins", "losses"),
        sa.Column("gross_profit", MONEY, nullable=False),
        sa.Column("gross_loss", MONEY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        *counts("unconverted"),
        sa.PrimaryKeyConstraint(
            "day", "rule_id", "rule_version", "symbol", "book", "lp", name="pk_pnl_daily"
        ),
    )


def downgrade() -> None:
    drop_derived_rollup("pnl_daily")
    drop_time_table("exposure_1m")
    drop_time_table("exec_rollup_1m")
    drop_time_table("lp_quote_stats_1m")
    drop_derived_rollup("ohlc_1m")
    drop_time_table("quote_mid_1s")
