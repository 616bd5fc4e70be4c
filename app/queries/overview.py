"""Overview read models: the desk's live numbers, cheap enough to re-read every few seconds.

Every figure here is one of METRICS.md's, read the same way as on the detailed pages: fill and
reject ratios from the per-minute rollups (minute resolution, as the scorecard), p99 latency
from the merged histograms, exposure from ``exposure_now`` and uptime from ``lp_uptime``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from app.metrics.execution import ratio
from app.queries.execution import lp_uptime, minute_window
from app.queries.exposure import exposure_now
from app.queries.filters import Filter, where
from app.queries.lp_detail import latency_distribution

RATE_WINDOW = dt.timedelta(minutes=1)
"""Orders per second are counted over this trailing window."""
UPTIME_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class DeskKpis:
    """The Overview's KPI cards for one window ending at ``at``."""

    at: dt.datetime
    orders_per_second: float
    """Orders routed in the minute before ``at``, per second."""
    orders: int
    a_book_share: float | None
    """A-book orders / orders of the window, by count (B = 1 − A)."""
    attempts: int
    fill_ratio: float | None
    reject_rate: float | None
    latency_p99_ms: float | None
    exposure_usd: float
    """Σ notional exposure (|net position| × mid, USD) of the symbols with a known rate."""
    exposure_unconverted: int
    """Symbols holding a position whose mid or USD rate is unknown (left out of the sum)."""
    pnl_today_usd: float
    """Σ broker P/L (USD) of positions closed since 00:00 UTC of ``at``."""
    trades_today: int


ORDERS_SQL = """
SELECT count(*) FILTER (WHERE ts >= :rate_start) AS last_minute,
       count(*) FILTER (WHERE ts >= :start) AS orders,
       count(*) FILTER (WHERE ts >= :start AND book = 'A') AS a_book
FROM orders WHERE ts >= least(CAST(:start AS timestamptz), CAST(:rate_start AS timestamptz))
  AND ts < :end
"""

PNL_TODAY_SQL = """
SELECT coalesce(sum(broker_pnl_usd), 0)::float8, count(*)::bigint
FROM positions WHERE ts >= :day_start AND ts < :at
"""


def desk_kpis(conn: sa.Connection, f: Filter) -> DeskKpis:
    """The KPI cards for the window of ``f`` (time only: dimensions are ignored) at its end."""
    scope = Filter(start=f.start, end=f.end)
    at = scope.end
    rate_start = at - RATE_WINDOW
    orders = conn.execute(
        sa.text(ORDERS_SQL), {"start": scope.start, "end": at, "rate_start": rate_start}
    ).one()
    attempts, fills, rejects = _attempts(conn, scope)
    latency = latency_distribution(conn, scope, by_lp=False)
    p99 = latency["p99"].iloc[0] if not latency.empty else None
    exposure = exposure_now(conn, scope, at=at)
    known = [float(v) for v in exposure["notional_usd"] if v is not None and not math.isnan(v)]
    day_start = at.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    pnl, trades = conn.execute(sa.text(PNL_TODAY_SQL), {"day_start": day_start, "at": at}).one()
    return DeskKpis(
        at=at,
        orders_per_second=int(orders.last_minute) / RATE_WINDOW.total_seconds(),
        orders=int(orders.orders),
        a_book_share=ratio(int(orders.a_book), int(orders.orders)),
        attempts=attempts,
        fill_ratio=ratio(fills, attempts),
        reject_rate=ratio(rejects, attempts),
        latency_p99_ms=None if p99 is None or pd.isna(p99) else float(p99),
        exposure_usd=sum(known),
        exposure_unconverted=int(exposure["unconverted"].sum()) if not exposure.empty else 0,
        pnl_today_usd=float(pnl),
        trades_today=int(trades),
    )


def _attempts(conn: sa.Connection, f: Filter) -> tuple[int, int, int]:
    window = minute_window(f)
    if window is None:
        return 0, 0, 0
    sql = (
        "SELECT coalesce(sum(attempts), 0)::bigint, coalesce(sum(fills), 0)::bigint, "
        "coalesce(sum(rejects), 0)::bigint "
        f"FROM exec_rollup_1m WHERE {where(window, time='bucket')}"
    )
    attempts, fills, rejects = conn.execute(sa.text(sql), window.sql_params()).one()
    return int(attempts), int(fills), int(rejects)


VOLUME_BY_HOUR_SQL = """
SELECT date_bin(INTERVAL '1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour, book,
       sum(notional_usd)::float8 AS notional_usd, sum(fills)::bigint AS fills
FROM exec_rollup_1m WHERE {where}
GROUP BY 1, 2 ORDER BY 1, 2
"""


def volume_by_hour(conn: sa.Connection, f: Filter) -> pd.DataFrame:
    """Filled notional (USD) and fills per UTC hour and book: ``hour, book, notional_usd,
    fills`` (minute resolution, as the scorecard)."""
    columns = ["hour", "book", "notional_usd", "fills"]
    window = minute_window(f)
    if window is None:
        return pd.DataFrame(columns=columns)
    sql = VOLUME_BY_HOUR_SQL.format(where=where(window, time="bucket"))
    result = conn.execute(sa.text(sql), window.sql_params())
    return pd.DataFrame(result.all(), columns=columns)


LATEST_STATUS_SQL = """
WITH RECURSIVE lps AS (
    (SELECT lp FROM lp_status ORDER BY lp LIMIT 1)
    UNION ALL
    SELECT (SELECT s.lp FROM lp_status s WHERE s.lp > lps.lp ORDER BY s.lp LIMIT 1)
    FROM lps WHERE lps.lp IS NOT NULL
)
SELECT l.lp, x.ts, x.status, x.detail
FROM lps l
CROSS JOIN LATERAL (
    SELECT s.ts, s.status, s.detail FROM lp_status s
    WHERE s.lp = l.lp AND s.ts <= :at ORDER BY s.ts DESC LIMIT 1) x
WHERE l.lp IS NOT NULL
ORDER BY l.lp
"""

LP_BOARD_COLUMNS = ["lp", "status", "detail", "last_update", "age_seconds", "uptime_pct"]


def lp_board(
    conn: sa.Connection, at: dt.datetime, uptime_window: dt.timedelta = UPTIME_WINDOW
) -> pd.DataFrame:
    """Every LP that ever sent a status: its latest status at ``at``, when it came and how many
    seconds before ``at``, and its uptime (0–1, None when unknown) over ``uptime_window``:
    ``lp, status, detail, last_update, age_seconds, uptime_pct``."""
    latest = conn.execute(sa.text(LATEST_STATUS_SQL), {"at": at}).all()
    if not latest:
        return pd.DataFrame(columns=LP_BOARD_COLUMNS)
    lps = [row.lp for row in latest]
    uptime = lp_uptime(conn, Filter(start=at - uptime_window, end=at), lps)
    rows: list[dict[str, Any]] = [
        {
            "lp": row.lp,
            "status": row.status,
            "detail": row.detail,
            "last_update": row.ts,
            "age_seconds": max((at - row.ts).total_seconds(), 0.0),
            "uptime_pct": uptime.get(row.lp),
        }
        for row in latest
    ]
    return pd.DataFrame(rows, columns=LP_BOARD_COLUMNS)


RECENT_ALERTS_SQL = """
SELECT e.fired_at, e.severity, e.state, r.name AS rule, e.message
FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id
WHERE e.fired_at <= :at
ORDER BY e.fired_at DESC, e.id DESC LIMIT :limit
"""


def recent_alerts(conn: sa.Connection, at: dt.datetime, limit: int = 5) -> pd.DataFrame:
    """The latest alerts fired at or before ``at``, newest first: ``fired_at, severity, state,
    rule, message``."""
    result = conn.execute(sa.text(RECENT_ALERTS_SQL), {"at": at, "limit": limit})
    return pd.DataFrame(result.all(), columns=["fired_at", "severity", "state", "rule", "message"])
