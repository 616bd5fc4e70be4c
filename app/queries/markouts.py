"""Markouts: computing ``fill_markouts`` from fills and per-second mids, and reading them.

:func:`compute_markouts` is the whole job of the ``tradedash.markouts.compute`` task. A fill
is due once its symbol's newest ``quote_mid_1s`` second is more than 60 s past the fill, so
every horizon's mid is final (that second is closed and will not be rewritten) when the
markouts are computed; each horizon takes the as-of mid at or before ``ts + h``, and only if
it is at most 5 s old, else NULL. Runs are idempotent (``ON CONFLICT DO NOTHING`` on the
execution's key) and bounded (``batch_size`` fills, oldest first), so a backlog after a
backfill drains over several runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.metrics.execution import MARKOUT_HORIZONS_S, ratio
from app.queries.execution_hourly import DAY, HOUR, floor_to, split_window
from app.queries.filters import Filter, where

DEFAULT_BATCH_SIZE = 10_000
DEFAULT_LOOKBACK = dt.timedelta(days=10)
"""Fills older than this (by wall clock) are not looked for: they are either done or have no
mids left (``quote_mid_1s`` keeps 30 days). Covers the demo's 7-day backfill."""

MARKOUT_DIMENSIONS = ("lp", "symbol", "book", "rule_id")

_MID_AT = """LEFT JOIN LATERAL (
        SELECT q.mid FROM quote_mid_1s q
        WHERE q.symbol = d.symbol AND q.ts <= d.ts + INTERVAL '{h} seconds'
          AND q.ts >= d.ts + INTERVAL '{h} seconds' - INTERVAL '5 seconds'
        ORDER BY q.ts DESC LIMIT 1) m{h} ON true"""

COMPUTE_MARKOUTS_SQL = f"""
WITH symbols AS (
    SELECT DISTINCT symbol FROM orders WHERE ts >= CAST(:since AS timestamptz) - INTERVAL '1 day'
), newest AS (
    SELECT s.symbol, (SELECT max(q.ts) FROM quote_mid_1s q WHERE q.symbol = s.symbol) AS newest
    FROM symbols s
), due AS (
    SELECT e.event_id, e.ts, e.lp, o.symbol, o.book, o.rule_id, o.rule_version, o.side,
           e.fill_qty, e.fill_price, o.pip_size
    FROM executions e
    CROSS JOIN LATERAL (
        SELECT symbol, book, rule_id, rule_version, pip_size,
               CASE WHEN side = 'buy' THEN 1 ELSE -1 END AS side
        FROM orders o
        WHERE o.order_id = e.order_id
          AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
        ORDER BY o.ts LIMIT 1) o
    JOIN newest n ON n.symbol = o.symbol AND e.ts + INTERVAL '60 seconds' < n.newest
    WHERE e.status IN ('filled', 'partially_filled') AND e.ts >= :since
      AND NOT EXISTS (
          SELECT 1 FROM fill_markouts m WHERE m.event_id = e.event_id AND m.ts = e.ts)
    ORDER BY e.ts
    LIMIT :batch_size
)
INSERT INTO fill_markouts (
    event_id, ts, lp, symbol, book, rule_id, rule_version, side, fill_qty, fill_price,
    pip_size, {", ".join(f"markout_{h}" for h in MARKOUT_HORIZONS_S)})
SELECT d.event_id, d.ts, d.lp, d.symbol, d.book, d.rule_id, d.rule_version, d.side,
       d.fill_qty, d.fill_price, d.pip_size,
       {", ".join(f"d.side * (m{h}.mid - d.fill_price) / d.pip_size" for h in MARKOUT_HORIZONS_S)}
FROM due d
{" ".join(_MID_AT.format(h=h) for h in MARKOUT_HORIZONS_S)}
ORDER BY d.ts, d.event_id
ON CONFLICT DO NOTHING
"""


def compute_markouts(
    conn: sa.Connection,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lookback: dt.timedelta = DEFAULT_LOOKBACK,
    now: dt.datetime | None = None,
) -> int:
    """Store the markouts of up to ``batch_size`` due fills; returns how many were stored."""
    since = (now or dt.datetime.now(dt.UTC)) - lookback
    result = conn.execute(sa.text(COMPUTE_MARKOUTS_SQL), {"since": since, "batch_size": batch_size})
    return int(result.rowcount)


def markouts_by(conn: sa.Connection, f: Filter, by: str = "lp") -> dict[str, dict[str, Any]]:
    """Fill-qty-weighted mean markout per horizon (``{"0": …, "60": …}``, None where no fill
    had a known mid) for each value of ``by`` (``lp``, ``symbol``, ``book`` or ``rule_id``),
    over the stored markouts of fills in ``f``.

    Windows of an hour or more read whole clean UTC days from ``markout_rollup_1d``, whole clean
    hours from ``markout_rollup_1h`` and the rest (edges, hours listed in
    ``markout_rollup_1h_dirty``) from ``fill_markouts``: the same sums, refreshed or not (float
    sums up to the order of addition)."""
    if by not in MARKOUT_DIMENSIONS:
        raise ValueError(f"markouts cannot be grouped by {by!r}")
    rows, params = markout_sum_rows(conn, f, by)
    sums = ", ".join(
        f"sum(markout_{h}_qty_sum) AS m{h}, sum(markout_{h}_qty) AS q{h}"
        for h in MARKOUT_HORIZONS_S
    )
    sql = f"SELECT key, {sums} FROM {rows} r GROUP BY key"
    result = conn.execute(sa.text(sql), {**f.sql_params(), **params}).mappings()
    return {
        row["key"]: {
            str(h): ratio(row[f"m{h}"] or 0.0, row[f"q{h}"] or 0.0) for h in MARKOUT_HORIZONS_S
        }
        for row in result
    }


_RAW_SUMS = ", ".join(
    f"sum(markout_{h} * fill_qty) AS markout_{h}_qty_sum, "
    f"sum(fill_qty) FILTER (WHERE markout_{h} IS NOT NULL) AS markout_{h}_qty"
    for h in MARKOUT_HORIZONS_S
)
"""Per-fill rows summed like the columns of ``markout_rollup_1h``."""


def markout_sum_rows(conn: sa.Connection, f: Filter, by: str) -> tuple[str, dict[str, Any]]:
    """A parenthesised subquery of ``(key, markout_{h}_qty_sum, markout_{h}_qty …)`` rows whose
    sums per ``key`` (the column ``by``) are those of the ``fill_markouts`` rows in ``f``, read
    through the hourly and daily tiers where they are clean; and its extra bind parameters."""
    if by not in MARKOUT_DIMENSIONS:
        raise ValueError(f"markouts cannot be grouped by {by!r}")
    tier_columns = ", ".join(f"markout_{h}_qty_sum, markout_{h}_qty" for h in MARKOUT_HORIZONS_S)
    raw = f"SELECT {by} AS key, {_RAW_SUMS} FROM fill_markouts WHERE {where(f)}"
    if f.end - f.start < HOUR:
        return f"({raw} GROUP BY {by})", {}
    dirty = set(
        conn.execute(
            sa.text(
                "SELECT DISTINCT hour FROM markout_rollup_1h_dirty "
                "WHERE hour >= :lo AND hour < :end"
            ),
            {"lo": floor_to(f.start, DAY), "end": f.end},
        ).scalars()
    )
    days, hours, minutes = split_window(f.start, f.end, dirty)
    params: dict[str, Any] = {"tier_days": days, "tier_hours": hours}
    scope = where(f, time="bucket")
    parts = []
    if days:
        parts.append(
            f"SELECT {by} AS key, {tier_columns} FROM markout_rollup_1d WHERE {scope} "
            "AND bucket = ANY(CAST(:tier_days AS timestamptz[]))"
        )
    if hours:
        parts.append(
            f"SELECT {by} AS key, {tier_columns} FROM markout_rollup_1h WHERE {scope} "
            "AND bucket = ANY(CAST(:tier_hours AS timestamptz[]))"
        )
    if minutes:
        ranges = []
        for i, (lo, hi) in enumerate(minutes):
            params[f"tier_lo{i}"], params[f"tier_hi{i}"] = lo, hi
            ranges.append(f"(ts >= :tier_lo{i} AND ts < :tier_hi{i})")
        parts.append(f"{raw} AND ({' OR '.join(ranges)}) GROUP BY {by}")
    return "(" + " UNION ALL ".join(parts) + ")", params
