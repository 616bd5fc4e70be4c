"""Reading ``exec_rollup_1m``'s numbers for long windows from its daily and hourly sums.

A window of whole minutes is cut into whole UTC days (``exec_rollup_1d``), whole hours at its
edges (``exec_rollup_1h``) and the minutes left over (``exec_rollup_1m``). An hour listed in
``exec_rollup_1h_dirty`` (changed since the last refresh) and the day around it are read from
the finer tables instead, so the answer always equals the minute table's: counts and money
exactly, float sums up to rounding, histograms bucket for bucket.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.db.derived import EPOCH
from app.queries.filters import Filter

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
ROLLUP_COLUMNS = (
    "bucket, lp, symbol, book, rule_id, rule_version, attempts, fills, partial_fills, rejects, "
    "cancels, reject_price_moved, reject_last_look, reject_no_liquidity, reject_timeout, "
    "reject_credit_limit, reject_market_closed, reject_other, requested_qty, fill_qty, "
    "notional_usd, slippage_pips_qty_sum, slippage_positive, slippage_zero, slippage_negative, "
    "price_improvement_pips_sum, best_execution_count, latency_buckets, latency_counts, "
    "latency_ms_sum, latency_ms_max, commission_usd, pfof_usd, usd_unconverted"
)


def floor_to(t: dt.datetime, width: dt.timedelta) -> dt.datetime:
    """``t`` rounded down to a whole bucket of ``width`` (UTC, aligned with 2000-01-01)."""
    return EPOCH + ((t - EPOCH) // width) * width


_floor = floor_to


def _ceil(t: dt.datetime, width: dt.timedelta) -> dt.datetime:
    floor = _floor(t, width)
    return floor if floor == t else floor + width


def _steps(start: dt.datetime, end: dt.datetime, width: dt.timedelta) -> list[dt.datetime]:
    out, t = [], start
    while t + width <= end:
        out.append(t)
        t += width
    return out


def split_window(
    start: dt.datetime, end: dt.datetime, dirty_hours: set[dt.datetime]
) -> tuple[list[dt.datetime], list[dt.datetime], list[tuple[dt.datetime, dt.datetime]]]:
    """``[start, end)`` as clean whole days, clean whole hours and minute ranges (merged)."""
    dirty_days = {_floor(h, DAY) for h in dirty_hours}
    days = [d for d in _steps(_ceil(start, DAY), end, DAY) if d not in dirty_days]
    hours: list[dt.datetime] = []
    minutes: list[tuple[dt.datetime, dt.datetime]] = []

    def add_minutes(lo: dt.datetime, hi: dt.datetime) -> None:
        if lo >= hi:
            return
        if minutes and minutes[-1][1] == lo:
            minutes[-1] = (minutes[-1][0], hi)
        else:
            minutes.append((lo, hi))

    cursor = start
    for lo, hi in [*((d, d + DAY) for d in days), (end, end)]:
        # The stretch [cursor, lo) not covered by clean days: its clean hours, then minutes.
        position = cursor
        for h in _steps(_ceil(cursor, HOUR), lo, HOUR):
            if h not in dirty_hours:
                add_minutes(position, h)
                hours.append(h)
                position = h + HOUR
        add_minutes(position, lo)
        cursor = hi
    return days, hours, minutes


def exec_rollup_rows(conn: sa.Connection, window: Filter, scope: str) -> tuple[str, dict[str, Any]]:
    """A parenthesised subquery with the columns of ``exec_rollup_1m`` whose rows add up to the
    minute rows of ``window`` (whole minutes) matching ``scope`` (a :func:`where` body over
    unqualified columns), and the extra bind parameters it needs."""
    if window.end - window.start < HOUR:
        return f"(SELECT {ROLLUP_COLUMNS} FROM exec_rollup_1m WHERE {scope})", {}
    dirty = set(
        conn.execute(
            sa.text(
                "SELECT DISTINCT hour FROM exec_rollup_1h_dirty WHERE hour >= :lo AND hour < :end"
            ),
            {"lo": _floor(window.start, DAY), "end": window.end},
        ).scalars()
    )
    days, hours, minutes = split_window(window.start, window.end, dirty)
    params: dict[str, Any] = {"tier_days": days, "tier_hours": hours}
    parts = []
    if days:
        parts.append(
            f"SELECT {ROLLUP_COLUMNS} FROM exec_rollup_1d WHERE {scope} "
            "AND bucket = ANY(CAST(:tier_days AS timestamptz[]))"
        )
    if hours:
        parts.append(
            f"SELECT {ROLLUP_COLUMNS} FROM exec_rollup_1h WHERE {scope} "
            "AND bucket = ANY(CAST(:tier_hours AS timestamptz[]))"
        )
    if minutes:
        ranges = []
        for i, (lo, hi) in enumerate(minutes):
            params[f"tier_lo{i}"], params[f"tier_hi{i}"] = lo, hi
            ranges.append(f"(bucket >= :tier_lo{i} AND bucket < :tier_hi{i})")
        parts.append(
            f"SELECT {ROLLUP_COLUMNS} FROM exec_rollup_1m WHERE {scope} AND ({' OR '.join(ranges)})"
        )
    return "(" + " UNION ALL ".join(parts) + ")", params
