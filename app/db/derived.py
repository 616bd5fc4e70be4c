"""Refreshing the rollups derived from stored rows: ``ohlc_1m`` and ``pnl_daily``.

On TimescaleDB they are continuous aggregates with refresh policies (real-time, so unrefreshed
recent rows still show); an explicit refresh is only needed after a large backfill. On plain
PostgreSQL they are tables, and a periodic worker calls :func:`refresh_derived` for the recent
window (and once over the whole range after a backfill). Both paths then answer the same query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, text

from app.db.storage import uses_timescaledb

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DerivedRollup:
    """A rollup table and the plain-SQL upsert that recomputes its buckets in a window."""

    name: str
    width: dt.timedelta
    upsert_sql: str


OHLC_1M = DerivedRollup(
    "ohlc_1m",
    dt.timedelta(minutes=1),
    """
    INSERT INTO ohlc_1m (symbol, bucket, open, high, low, close, quote_count)
    SELECT symbol, date_bin(INTERVAL '1 minute', ts, :epoch) AS bucket,
           (array_agg(mid ORDER BY ts))[1], max(mid), min(mid),
           (array_agg(mid ORDER BY ts DESC))[1], sum(quote_count)::integer
    FROM quote_mid_1s WHERE ts >= :start AND ts < :end
    GROUP BY 1, 2
    ON CONFLICT (symbol, bucket) DO UPDATE SET
        open = excluded.open, high = excluded.high, low = excluded.low,
        close = excluded.close, quote_count = excluded.quote_count
    """,
)

PNL_DAILY = DerivedRollup(
    "pnl_daily",
    dt.timedelta(days=1),
    """
    INSERT INTO pnl_daily (day, rule_id, rule_version, symbol, book, lp, trades, wins, losses,
                           gross_profit, gross_loss, net, unconverted)
    SELECT date_bin(INTERVAL '1 day', ts, :epoch), rule_id, rule_version, symbol, book,
           coalesce(lp, 'INTERNAL'),
           count(*), count(*) FILTER (WHERE broker_pnl > 0),
           count(*) FILTER (WHERE broker_pnl < 0),
           coalesce(sum(broker_pnl_usd) FILTER (WHERE broker_pnl_usd > 0), 0),
           coalesce(-sum(broker_pnl_usd) FILTER (WHERE broker_pnl_usd < 0), 0),
           coalesce(sum(broker_pnl_usd), 0),
           count(*) FILTER (WHERE broker_pnl_usd IS NULL)
    FROM positions WHERE ts >= :start AND ts < :end
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (day, rule_id, rule_version, symbol, book, lp) DO UPDATE SET
        trades = excluded.trades, wins = excluded.wins, losses = excluded.losses,
        gross_profit = excluded.gross_profit, gross_loss = excluded.gross_loss,
        net = excluded.net, unconverted = excluded.unconverted
    """,
)

DERIVED_ROLLUPS = (OHLC_1M, PNL_DAILY)


def bucket_window(
    start: dt.datetime, end: dt.datetime, width: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` widened to whole buckets of ``width`` (UTC, aligned like time_bucket)."""
    floor = EPOCH + ((start - EPOCH) // width) * width
    ceil = EPOCH + -((EPOCH - end) // width) * width
    return floor, max(ceil, floor + width)


def refresh_derived(engine: Engine, start: dt.datetime, end: dt.datetime) -> None:
    """Recompute ``ohlc_1m`` and ``pnl_daily`` for every bucket touching ``[start, end)``."""
    with engine.connect() as probe:
        timescale = uses_timescaledb(probe)
    if timescale:
        # refresh_continuous_aggregate refuses to run inside a transaction block.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for rollup in DERIVED_ROLLUPS:
                low, high = bucket_window(start, end, rollup.width)
                conn.execute(
                    text("CALL refresh_continuous_aggregate(CAST(:name AS regclass), :low, :high)"),
                    {"name": rollup.name, "low": low, "high": high},
                )
        return
    with engine.begin() as conn:
        for rollup in DERIVED_ROLLUPS:
            low, high = bucket_window(start, end, rollup.width)
            conn.execute(text(rollup.upsert_sql), {"epoch": EPOCH, "start": low, "end": high})
