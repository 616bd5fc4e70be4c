"""Refreshing the rollups derived from stored rows: ``ohlc_1m``, ``pnl_daily``,
``exec_rollup_1h``/``exec_rollup_1d`` and ``markout_rollup_1h``/``markout_rollup_1d``.

On TimescaleDB the first two are continuous aggregates with refresh policies (real-time, so
unrefreshed recent rows still show); an explicit refresh is only needed after a large
backfill. On plain PostgreSQL they are tables, and a periodic worker calls
:func:`refresh_derived` for the recent window (and once over the whole range after a
backfill). Both paths then answer the same query.

``exec_rollup_1h`` and ``exec_rollup_1d`` (``exec_rollup_1m`` per hour and per day) are tables
on both paths: a row trigger on the minute table lists each changed hour in
``exec_rollup_1h_dirty``, and :func:`refresh_exec_rollup_1h` recomputes exactly those hours and
their days (incremental, idempotent), so it needs no window. Readers take listed hours from the
minute table, so a late refresh is slower, never wrong. ``markout_rollup_1h`` and
``markout_rollup_1d`` (``fill_markouts`` per hour and day) follow the same scheme with a row
trigger on ``fill_markouts`` (:func:`refresh_markout_rollup_1h`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from app.db.models.rollups import MARKOUT_ROLLUP_HORIZONS_S
from app.db.storage import uses_timescaledb
from app.queries.results import refresh_rule_trades_1d

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

_KEYS = "lp, symbol, book, rule_id, rule_version"
_SUMMED = (
    "attempts fills partial_fills rejects cancels reject_price_moved reject_last_look "
    "reject_no_liquidity reject_timeout reject_credit_limit reject_market_closed reject_other "
    "requested_qty fill_qty notional_usd slippage_pips_qty_sum slippage_positive slippage_zero "
    "slippage_negative price_improvement_pips_sum best_execution_count latency_ms_sum "
    "commission_usd pfof_usd usd_unconverted"
).split()
_INTEGER_SUMS = {
    "attempts", "fills", "partial_fills", "rejects", "cancels", "slippage_positive",
    "slippage_zero", "slippage_negative", "best_execution_count", "usd_unconverted",
}  # fmt: skip


def _coarser_rollup_sql(source: str, target: str, width: str) -> str:
    """Recompute the ``target`` buckets ``:buckets`` (within ``[:start, :end)``, for pruning)
    of width ``width`` from the finer ``source``: sums added, histograms merged."""
    period = f"date_bin(INTERVAL '{width}', bucket, :epoch)"
    scope = (
        f"bucket >= :start AND bucket < :end AND {period} = ANY(CAST(:buckets AS timestamptz[]))"
    )
    sums = ", ".join(
        f"sum({c}){'::integer' if c in _INTEGER_SUMS or c.startswith('reject_') else ''} AS {c}"
        for c in _SUMMED
    )
    return f"""
    WITH sums AS (
        SELECT {period} AS bucket, {_KEYS}, {sums}, max(latency_ms_max) AS latency_ms_max
        FROM {source} WHERE {scope}
        GROUP BY 1, 2, 3, 4, 5, 6
    ), merged AS (
        SELECT bucket, {_KEYS}, array_agg(b ORDER BY b) AS latency_buckets,
               array_agg(c ORDER BY b) AS latency_counts
        FROM (
            SELECT {period} AS bucket, {_KEYS}, u.b, sum(u.c)::integer AS c
            FROM {source} CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS u(b, c)
            WHERE {scope}
            GROUP BY 1, 2, 3, 4, 5, 6, 7) h
        GROUP BY 1, 2, 3, 4, 5, 6
    )
    INSERT INTO {target} (bucket, {_KEYS}, {", ".join(_SUMMED)}, latency_ms_max,
                          latency_buckets, latency_counts)
    SELECT s.*, coalesce(m.latency_buckets, '{{}}'), coalesce(m.latency_counts, '{{}}')
    FROM sums s LEFT JOIN merged m USING (bucket, {_KEYS})
    """


EXEC_ROLLUP_1H_SQL = _coarser_rollup_sql("exec_rollup_1m", "exec_rollup_1h", "1 hour")
EXEC_ROLLUP_1D_SQL = _coarser_rollup_sql("exec_rollup_1h", "exec_rollup_1d", "1 day")

_MARKOUT_SUMS = tuple(
    f"markout_{h}_qty_sum, markout_{h}_qty".split(", ") for h in MARKOUT_ROLLUP_HORIZONS_S
)
_MARKOUT_KEYS = "lp, symbol, book, rule_id"


def _markout_rollup_sql(source: str, target: str, width: str) -> str:
    """Recompute the ``target`` buckets ``:buckets`` (within ``[:start, :end)``) of width
    ``width`` from ``fill_markouts`` (per fill) or from the finer markout rollup (sums)."""
    time = "ts" if source == "fill_markouts" else "bucket"
    period = f"date_bin(INTERVAL '{width}', {time}, :epoch)"
    if source == "fill_markouts":
        sums = ", ".join(
            f"coalesce(sum(markout_{h} * fill_qty), 0) AS markout_{h}_qty_sum, "
            f"coalesce(sum(fill_qty) FILTER (WHERE markout_{h} IS NOT NULL), 0) AS markout_{h}_qty"
            for h in MARKOUT_ROLLUP_HORIZONS_S
        )
        fills = "count(*)::integer"
    else:
        sums = ", ".join(f"sum({c}) AS {c}" for pair in _MARKOUT_SUMS for c in pair)
        fills = "sum(fills)::integer"
    columns = ", ".join(c for pair in _MARKOUT_SUMS for c in pair)
    return f"""
    INSERT INTO {target} (bucket, {_MARKOUT_KEYS}, fills, {columns})
    SELECT {period}, {_MARKOUT_KEYS}, {fills}, {sums}
    FROM {source}
    WHERE {time} >= :start AND {time} < :end AND {period} = ANY(CAST(:buckets AS timestamptz[]))
    GROUP BY 1, 2, 3, 4, 5
    """


MARKOUT_ROLLUP_1H_SQL = _markout_rollup_sql("fill_markouts", "markout_rollup_1h", "1 hour")
MARKOUT_ROLLUP_1D_SQL = _markout_rollup_sql("markout_rollup_1h", "markout_rollup_1d", "1 day")

REFRESH_LOCK_KEY = 0x7EC_1_0_1
"""Advisory lock key (transaction-scoped) held while ``exec_rollup_1h``/``1d`` are rewritten."""
MARKOUT_REFRESH_LOCK_KEY = 0x7EC_1_0_2
"""Advisory lock key (transaction-scoped) held while ``markout_rollup_1h``/``1d`` are rewritten."""
REFRESH_BATCH = 24
"""Hours (or days) recomputed per statement: a backfill's month is done a day at a time."""


def bucket_window(
    start: dt.datetime, end: dt.datetime, width: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` widened to whole buckets of ``width`` (UTC, aligned like time_bucket)."""
    floor = EPOCH + ((start - EPOCH) // width) * width
    ceil = EPOCH + -((EPOCH - end) // width) * width
    return floor, max(ceil, floor + width)


def refresh_derived(engine: Engine, start: dt.datetime, end: dt.datetime) -> None:
    """Recompute ``ohlc_1m`` and ``pnl_daily`` for every bucket touching ``[start, end)``, and
    ``exec_rollup_1h``, ``markout_rollup_1h`` and ``rule_trades_1d`` for every hour or day
    changed since their last refresh (whatever the window)."""
    with engine.begin() as conn:
        refresh_exec_rollup_1h(conn)
    with engine.begin() as conn:
        refresh_markout_rollup_1h(conn)
    with engine.begin() as conn:
        refresh_rule_trades_1d(conn)
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


def refresh_exec_rollup_1h(conn: Connection) -> int:
    """Recompute the hours of ``exec_rollup_1h`` listed as changed, and their days in
    ``exec_rollup_1d``; returns how many hours.

    Takes the listed rows visible now and recomputes their hours from the minute table in the
    same transaction; a writer still in flight keeps its own row, so its hour is redone by the
    next refresh (and read from the minute table until then). Idempotent.
    """
    return _refresh_tiers(
        conn,
        REFRESH_LOCK_KEY,
        "exec_rollup_1h_dirty",
        (("exec_rollup_1h", EXEC_ROLLUP_1H_SQL), ("exec_rollup_1d", EXEC_ROLLUP_1D_SQL)),
        "(SELECT min(bucket) FROM exec_rollup_1m)",
    )


def refresh_markout_rollup_1h(conn: Connection) -> int:
    """Recompute the hours of ``markout_rollup_1h`` listed as changed in
    ``markout_rollup_1h_dirty``, and their days in ``markout_rollup_1d``; returns how many
    hours. Same scheme as :func:`refresh_exec_rollup_1h` (incremental, idempotent)."""
    return _refresh_tiers(
        conn,
        MARKOUT_REFRESH_LOCK_KEY,
        "markout_rollup_1h_dirty",
        (
            ("markout_rollup_1h", MARKOUT_ROLLUP_1H_SQL),
            ("markout_rollup_1d", MARKOUT_ROLLUP_1D_SQL),
        ),
        # The oldest markout through the (lp, ts) index, an LP at a time (no index leads by ts).
        "(SELECT min(m.ts) FROM (SELECT DISTINCT lp FROM markout_rollup_1d) l "
        "CROSS JOIN LATERAL (SELECT min(f.ts) AS ts FROM fill_markouts f WHERE f.lp = l.lp) m)",
    )


def _refresh_tiers(
    conn: Connection,
    lock_key: int,
    dirty_table: str,
    tiers: tuple[tuple[str, str], tuple[str, str]],
    oldest_source_row: str,
) -> int:
    """Recompute the listed hours of the hourly tier and their days of the daily tier."""
    # One refresh at a time: two recomputing hours of the same day would both rewrite it.
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    taken = conn.execute(text(f"DELETE FROM {dirty_table} RETURNING hour")).scalars()
    hours = sorted(set(taken))
    days = sorted(
        {EPOCH + ((h - EPOCH) // dt.timedelta(days=1)) * dt.timedelta(days=1) for h in hours}
    )
    (hourly, hourly_sql), (daily, daily_sql) = tiers
    for table, sql, buckets, width in (
        (hourly, hourly_sql, hours, dt.timedelta(hours=1)),
        (daily, daily_sql, days, dt.timedelta(days=1)),
    ):
        for i in range(0, len(buckets), REFRESH_BATCH):
            batch = buckets[i : i + REFRESH_BATCH]
            params = {"buckets": batch, "start": batch[0], "end": batch[-1] + width, "epoch": EPOCH}
            conn.execute(
                text(
                    f"DELETE FROM {table} WHERE bucket >= :start AND bucket < :end "
                    "AND bucket = ANY(CAST(:buckets AS timestamptz[]))"
                ),
                params,
            )
            conn.execute(text(sql), params)
        # Expiry follows the source table's retention (dropped partitions fire no trigger).
        conn.execute(
            text(
                f"DELETE FROM {table} WHERE bucket <= "
                f"date_bin(CAST(:width AS interval), {oldest_source_row}, :epoch) "
                "- CAST(:width AS interval)"
            ),
            {"width": width, "epoch": EPOCH},
        )
    return len(hours)
