"""Execution quality read models: the LP scorecard and the series behind its charts.

Everything here reads the per-minute rollup ``exec_rollup_1m`` (plus ``fill_markouts``,
``lp_status`` and ``lp_quote_stats_1m``) and turns sums into metrics with
:mod:`app.metrics.execution`, so the page, the API and the exports show the same numbers.

Window resolution: rollups are per minute, so a minute counts when its start lies in
``[start, end)``. Windows on whole minutes are exact; others are read as if ``start`` and
``end`` were rounded up to the next whole minute. Markouts, read from per-fill rows, use the
same rounded window so that every number of a scorecard covers the same fills.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa

from app.db.models.events import INTERNAL_LP, LP_STATUSES, REJECT_REASONS
from app.metrics.execution import (
    commission_per_million,
    ratio,
    reason_shares,
    uptime_fraction,
    volume_share,
)
from app.metrics.percentiles import histogram_percentiles, latency_stats_from_histogram
from app.queries.execution_hourly import exec_rollup_rows
from app.queries.filters import BUCKET_WIDTHS, Bucket, Filter, where
from app.queries.markouts import markouts_by

_REJECT_COLUMNS = tuple(f"reject_{reason}" for reason in REJECT_REASONS)
BOX_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0, 99.0)
_ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"
"""``date_bin`` origin: buckets of 1 day and below align with UTC midnight."""

SCORECARD_SUMS_SQL = """
SELECT lp,
       sum(attempts)::bigint AS attempts,
       sum(fills)::bigint AS fills,
       sum(rejects)::bigint AS rejects,
       {reject_sums},
       sum(requested_qty) AS requested_qty,
       sum(fill_qty) AS fill_qty,
       sum(notional_usd) AS notional_usd,
       sum(notional_usd) FILTER (WHERE book = 'A') AS a_book_notional_usd,
       sum(slippage_pips_qty_sum) AS slippage_pips_qty_sum,
       sum(price_improvement_pips_sum) AS price_improvement_pips_sum,
       sum(best_execution_count)::bigint AS best_execution_count,
       sum(latency_ms_sum) AS latency_ms_sum,
       max(latency_ms_max) AS latency_ms_max,
       sum(commission_usd)::float8 AS commission_usd,
       sum(pfof_usd)::float8 AS pfof_usd,
       sum(usd_unconverted)::bigint AS usd_unconverted
FROM {rows} r
GROUP BY lp
"""

HISTOGRAM_SQL = """
SELECT {group}, u.b AS latency_bucket, sum(u.c)::bigint AS attempts
FROM exec_rollup_1m r
CROSS JOIN LATERAL unnest(r.latency_buckets, r.latency_counts) AS u(b, c)
WHERE {where}
GROUP BY {group}, u.b
ORDER BY {group}, u.b
"""

HISTOGRAM_OF_ROWS_SQL = """
SELECT {group}, u.b AS latency_bucket, sum(u.c)::bigint AS attempts
FROM {rows} r
CROSS JOIN LATERAL unnest(r.latency_buckets, r.latency_counts) AS u(b, c)
GROUP BY {group}, u.b
ORDER BY {group}, u.b
"""


def minute_window(f: Filter) -> Filter | None:
    """``f`` with start and end rounded up to whole minutes (None if no minute is left)."""

    def ceil(t: dt.datetime) -> dt.datetime:
        floor = t.replace(second=0, microsecond=0)
        return floor if floor == t else floor + dt.timedelta(minutes=1)

    start, end = ceil(f.start), ceil(f.end)
    if start >= end:
        return None
    return dataclasses.replace(f, start=start, end=end)


def _frame(result: sa.CursorResult[Any]) -> pd.DataFrame:
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _bin(column: str = "bucket") -> str:
    """Time bucket of ``column``; the width is the bind parameter ``:width``."""
    return f"date_bin(CAST(:width AS interval), {column}, {_ORIGIN})"


def lp_scorecard(conn: sa.Connection, f: Filter) -> list[dict[str, Any]]:
    """One row per LP (``INTERNAL`` for B-book fills) with every field of the API's
    ``/metrics/lp`` row, plus ``rejects`` and ``usd_unconverted`` (attempts whose USD rate was
    unknown: their notional, commission and PFOF are missing from the sums)."""
    window = minute_window(f)
    if window is None:
        return []
    # Long windows read whole days and hours from the coarser rollups (same numbers).
    rows, tiers = exec_rollup_rows(conn, window, where(window, time="bucket"))
    params = {**window.sql_params(), **tiers}
    sums = {
        row["lp"]: row
        for row in conn.execute(
            sa.text(
                SCORECARD_SUMS_SQL.format(
                    reject_sums=", ".join(f"sum({c})::bigint AS {c}" for c in _REJECT_COLUMNS),
                    rows=rows,
                )
            ),
            params,
        ).mappings()
    }
    histograms = _histograms(conn, window, "r.lp", params, rows=rows)
    if window.lps or window.books:
        a_book = _a_book_notional(conn, window)
    else:  # the rows already cover every LP and book of the scope
        a_book = sum(float(row["a_book_notional_usd"] or 0.0) for row in sums.values())
    markouts = markouts_by(conn, window, "lp")
    # A status has no symbol, book or rule: LPs without attempts are listed (from their status
    # events) only when the filter is about LPs and time alone.
    by_status = not (window.symbols or window.books or window.rule_ids)
    uptime = lp_uptime(conn, window, sorted(set(sums) - {INTERNAL_LP}), all_reporting=by_status)
    return [
        _scorecard_row(lp, sums.get(lp), histograms.get(lp), a_book, markouts.get(lp), uptime)
        for lp in sorted(set(sums) | set(uptime))
    ]


def _scorecard_row(
    lp: str,
    sums: Any,
    histogram: tuple[list[int], list[int]] | None,
    a_book_notional: float,
    markouts: dict[str, Any] | None,
    uptime: dict[str, float | None],
) -> dict[str, Any]:
    s = dict(sums) if sums is not None else {}
    attempts, fills = int(s.get("attempts", 0)), int(s.get("fills", 0))
    fill_qty, notional = float(s.get("fill_qty", 0.0)), float(s.get("notional_usd", 0.0))
    buckets, counts = histogram or ([], [])
    latency = latency_stats_from_histogram(
        buckets,
        counts,
        latency_sum_ms=float(s.get("latency_ms_sum", 0.0)),
        latency_max_ms=s.get("latency_ms_max"),
    )
    return {
        "lp": lp,
        "attempts": attempts,
        "fills": fills,
        "fill_ratio": ratio(fills, attempts),
        "fill_rate_volume": ratio(fill_qty, float(s.get("requested_qty", 0.0))),
        "reject_rate": ratio(int(s.get("rejects", 0)), attempts),
        "reject_reasons": {r: int(s.get(f"reject_{r}", 0)) for r in REJECT_REASONS},
        "latency_ms": latency.as_dict(),
        "slippage_pips_mean": ratio(float(s.get("slippage_pips_qty_sum", 0.0)), fill_qty),
        "price_improvement_pips_mean": ratio(
            float(s.get("price_improvement_pips_sum", 0.0)), fills
        ),
        "best_execution_pct": ratio(int(s.get("best_execution_count", 0)), fills),
        "markout_pips": markouts or {str(h): None for h in (0, 1, 5, 30, 60)},
        "notional_usd": notional,
        "volume_share": None if lp == INTERNAL_LP else volume_share(notional, a_book_notional),
        "commission_per_million": commission_per_million(
            float(s.get("commission_usd", 0.0)), notional
        ),
        "pfof_usd": float(s.get("pfof_usd", 0.0)),
        "uptime_pct": uptime.get(lp),
        "rejects": int(s.get("rejects", 0)),
        "usd_unconverted": int(s.get("usd_unconverted", 0)),
    }


def _histograms(
    conn: sa.Connection,
    window: Filter,
    group: str,
    params: dict[str, Any] | None = None,
    *,
    rows: str | None = None,
) -> dict[Any, tuple[list[int], list[int]]]:
    """Merged latency histograms keyed by the ``group`` expression(s) (a tuple if several),
    over ``exec_rollup_1m`` in ``window`` or over the subquery ``rows``."""
    if rows is None:
        sql = HISTOGRAM_SQL.format(group=group, where=where(window, time="r.bucket"))
    else:
        sql = HISTOGRAM_OF_ROWS_SQL.format(group=group, rows=rows)
    merged: dict[Any, tuple[list[int], list[int]]] = {}
    for *keys, bucket, count in conn.execute(sa.text(sql), params or window.sql_params()):
        key = keys[0] if len(keys) == 1 else tuple(keys)
        buckets, counts = merged.setdefault(key, ([], []))
        buckets.append(bucket)
        counts.append(count)
    return merged


def _a_book_notional(conn: sa.Connection, window: Filter) -> float:
    # Volume share is of all A-book notional in the window and scope, whichever LPs are shown.
    scope = dataclasses.replace(window, lps=(), books=())
    rows, tiers = exec_rollup_rows(conn, scope, f"{where(scope, time='bucket')} AND book = 'A'")
    sql = f"SELECT coalesce(sum(notional_usd), 0) FROM {rows} r"
    return float(conn.execute(sa.text(sql), {**scope.sql_params(), **tiers}).scalar_one())


def _next_change_sql() -> str:
    # One index seek per other status on (lp, status, ts): a walk over the changes only, not
    # over every heartbeat (a month of 10-second heartbeats is 260 000 rows per LP).
    seeks = " UNION ALL ".join(
        f"(SELECT s.ts, s.status FROM lp_status s WHERE s.lp = w.lp AND s.status = '{status}' "
        f"AND w.status <> '{status}' AND s.ts > w.ts AND s.ts >= :start AND s.ts < :end "
        "ORDER BY s.ts LIMIT 1)"
        for status in LP_STATUSES
    )
    return f"SELECT n.ts, n.status FROM ({seeks}) n ORDER BY n.ts LIMIT 1"


UPTIME_CHANGES_SQL = f"""
WITH RECURSIVE reporting AS (
    -- The LPs that sent a status in the window (a skip scan over the (lp, ts) index).
    SELECT (SELECT min(lp) FROM lp_status WHERE ts >= :start AND ts < :end) AS lp
    WHERE :all_reporting
    UNION ALL
    SELECT (SELECT min(s.lp) FROM lp_status s WHERE s.lp > r.lp AND s.ts >= :start AND s.ts < :end)
    FROM reporting r WHERE r.lp IS NOT NULL
), lps AS (
    SELECT lp FROM unnest(CAST(:lps AS text[])) AS l(lp)
    UNION
    SELECT lp FROM reporting WHERE lp IS NOT NULL AND (cardinality(CAST(:scope_lps AS text[])) = 0
                                                       OR lp = ANY(CAST(:scope_lps AS text[])))
), walk AS (
    -- The window's first status of each LP, then each next row with another status.
    SELECT l.lp, f.ts, f.status FROM lps l
    CROSS JOIN LATERAL (SELECT s.ts, s.status FROM lp_status s
                        WHERE s.lp = l.lp AND s.ts >= :start AND s.ts < :end
                        ORDER BY s.ts LIMIT 1) f
    UNION ALL
    SELECT w.lp, n.ts, n.status FROM walk w CROSS JOIN LATERAL ({_next_change_sql()}) n
)
SELECT lp, ts, status FROM walk ORDER BY lp, ts
"""

UPTIME_PRIOR_SQL = """
SELECT l.lp, p.status FROM unnest(CAST(:lps AS text[])) AS l(lp)
CROSS JOIN LATERAL (
    SELECT s.status FROM lp_status s WHERE s.lp = l.lp AND s.ts < :start
    ORDER BY s.ts DESC LIMIT 1) p
"""


@contextlib.contextmanager
def without_jit(conn: sa.Connection) -> Iterator[None]:
    """Run the block with JIT off, inside a savepoint so the caller's session is unchanged.

    The planner's guess for a recursive walk, for thousands of index probes or for a
    ``usd_rate()`` fallback priced per order row is large, and JIT-compiling such a plan costs
    about a second for a query of a few to a few hundred ms (lp_uptime, exposure, routing)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(sa.text("SET LOCAL jit = off"))
        yield
    finally:
        savepoint.rollback()


def lp_uptime(
    conn: sa.Connection, f: Filter, lps: list[str], *, all_reporting: bool = False
) -> dict[str, float | None]:
    """Uptime (0–1) over ``f``'s window of each LP in ``lps`` and, with ``all_reporting``, of
    every LP (of ``f.lps``, if any) that sent a status in the window. None for an LP without
    any status up to the window's end. The latest status holds until the window's end, also
    for a window that reaches into the future."""
    params: dict[str, Any] = {
        "lps": lps,
        "all_reporting": all_reporting,
        "scope_lps": list(f.lps),
        "start": f.start,
        "end": f.end,
    }
    changes: dict[str, tuple[list[dt.datetime], list[str]]] = {lp: ([], []) for lp in lps}
    # Heartbeats repeat the state: only changes matter for the time-weighted share.
    with without_jit(conn):
        walked = conn.execute(sa.text(UPTIME_CHANGES_SQL), params).all()
    for lp, at, status in walked:
        times, statuses = changes.setdefault(lp, ([], []))
        times.append(at)
        statuses.append(status)
    params["lps"] = list(changes)
    prior: dict[str, str] = dict(conn.execute(sa.text(UPTIME_PRIOR_SQL), params).all())
    return {
        lp: uptime_fraction(times, statuses, f.start, f.end, prior.get(lp))
        for lp, (times, statuses) in changes.items()
    }


def latency_by_lp(conn: sa.Connection, f: Filter, bucket: Bucket = "1h") -> pd.DataFrame:
    """Latency distribution per time bucket and LP for box plots: ``bucket, lp, attempts,
    p5, p25, p50, p75, p95, p99, max, mean`` (ms; percentiles from the merged histograms)."""
    columns = ["bucket", "lp", "attempts", *(f"p{q:g}" for q in BOX_PERCENTILES), "max", "mean"]
    window = minute_window(f)
    if window is None:
        return pd.DataFrame(columns=columns)
    params = {**window.sql_params(), "width": BUCKET_WIDTHS[bucket]}
    histograms = _histograms(conn, window, f"{_bin('r.bucket')}, r.lp", params)
    totals = conn.execute(
        sa.text(
            f"SELECT {_bin()} AS t, lp, sum(attempts)::bigint, "
            f"sum(latency_ms_sum), max(latency_ms_max) FROM exec_rollup_1m "
            f"WHERE {where(window, time='bucket')} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        params,
    ).all()
    rows = []
    for t, lp, n, total_ms, max_ms in totals:
        buckets, counts = histograms.get((t, lp), ([], []))
        percentiles = histogram_percentiles(buckets, counts, BOX_PERCENTILES, max_value=max_ms)
        rows.append([t, lp, n, *percentiles, max_ms, ratio(total_ms, n)])
    return pd.DataFrame(rows, columns=columns)


def reject_reasons(conn: sa.Connection, f: Filter) -> pd.DataFrame:
    """Rejects per LP and reason: ``lp, reason, count, share`` (share of the LP's rejects)."""
    window = minute_window(f)
    rows: list[list[Any]] = []
    if window is not None:
        sql = (
            f"SELECT lp, {', '.join(f'sum({c})::bigint' for c in _REJECT_COLUMNS)} "
            f"FROM exec_rollup_1m WHERE {where(window, time='bucket')} GROUP BY lp ORDER BY lp"
        )
        for lp, *counts in conn.execute(sa.text(sql), window.sql_params()):
            shares = reason_shares(dict(zip(REJECT_REASONS, map(int, counts), strict=True)))
            rows.extend([lp, reason, c.count, c.share] for reason, c in shares.items())
    return pd.DataFrame(rows, columns=["lp", "reason", "count", "share"])


def reject_rate_series(conn: sa.Connection, f: Filter, bucket: Bucket = "5m") -> pd.DataFrame:
    """Reject rate per time bucket and LP: ``bucket, lp, attempts, rejects, reject_rate``."""
    columns = ["bucket", "lp", "attempts", "rejects", "reject_rate"]
    window = minute_window(f)
    if window is None:
        return pd.DataFrame(columns=columns)
    width = BUCKET_WIDTHS[bucket]
    sql = (
        f"SELECT {_bin()} AS bucket, lp, sum(attempts)::bigint AS attempts, "
        f"sum(rejects)::bigint AS rejects FROM exec_rollup_1m "
        f"WHERE {where(window, time='bucket')} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    frame = _frame(conn.execute(sa.text(sql), {**window.sql_params(), "width": width}))
    frame["reject_rate"] = [
        ratio(r, a) for r, a in zip(frame["rejects"], frame["attempts"], strict=True)
    ]
    return frame[columns]


def slippage_histogram(
    conn: sa.Connection, f: Filter, *, bin_width: float = 0.1, limit: float = 5.0
) -> pd.DataFrame:
    """Fills per LP and slippage bin (left edge, pips): ``lp, bin, fills, fill_qty``; fills
    beyond ``±limit`` pips fall in the outermost bins. Read from the raw fills."""
    window = minute_window(f)
    columns = ["lp", "bin", "fills", "fill_qty"]
    if window is None:
        return pd.DataFrame(columns=columns)
    scope = where(
        window, time="e.ts", lp="e.lp", symbol="o.symbol", rule_id="o.rule_id", book="o.book"
    )
    sql = f"""
    SELECT e.lp, least(greatest(floor(
               o.s * (e.requested_price - e.fill_price) / o.pip_size / :w + 1e-9),
               -:n), :n - 1) * :w AS bin,
           count(*) AS fills, sum(e.fill_qty) AS fill_qty
    FROM executions e
    JOIN (
        -- One hash join over the window's orders instead of an index probe per fill.
        SELECT DISTINCT ON (order_id) order_id, ts, symbol, book, rule_id, pip_size,
               CASE WHEN side = 'buy' THEN 1 ELSE -1 END AS s
        FROM orders
        WHERE ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
          AND ts < CAST(:end AS timestamptz) + INTERVAL '1 hour'
        ORDER BY order_id, ts
    ) o ON o.order_id = e.order_id
       AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    WHERE {scope} AND e.status IN ('filled', 'partially_filled')
    GROUP BY 1, 2 ORDER BY 1, 2
    """
    params = {**window.sql_params(), "w": bin_width, "n": round(limit / bin_width)}
    frame = _frame(conn.execute(sa.text(sql), params))
    if not frame.empty:
        frame["bin"] = frame["bin"].astype(float).round(10)
    return frame[columns] if not frame.empty else pd.DataFrame(columns=columns)


def pfof_monthly(conn: sa.Connection, f: Filter) -> pd.DataFrame:
    """PFOF (USD) per LP and UTC calendar month: ``lp, month, pfof_usd`` (month ``YYYY-MM``)."""
    window = minute_window(f)
    columns = ["lp", "month", "pfof_usd"]
    if window is None:
        return pd.DataFrame(columns=columns)
    sql = (
        "SELECT lp, to_char(date_trunc('month', bucket AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, "
        "sum(pfof_usd)::float8 AS pfof_usd FROM exec_rollup_1m "
        f"WHERE {where(window, time='bucket')} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return _frame(conn.execute(sa.text(sql), window.sql_params()))


def lp_spreads(conn: sa.Connection, f: Filter) -> pd.DataFrame:
    """Time-weighted mean quoted spread per LP and symbol in pips: ``lp, symbol, spread_pips,
    spread_min_pips, spread_max_pips``. The pip size is that of the symbol's latest order
    (quotes carry none); a symbol never ordered has no pip size and is left out."""
    window = minute_window(f)
    columns = ["lp", "symbol", "spread_pips", "spread_min_pips", "spread_max_pips"]
    if window is None:
        return pd.DataFrame(columns=columns)
    # Quotes have no book or rule: only the LP and symbol filters apply.
    scope = dataclasses.replace(window, books=(), rule_ids=(), segments=())
    sql = f"""
    WITH stats AS (
        SELECT lp, symbol, sum(spread_tw_sum) / nullif(sum(spread_tw_seconds), 0) AS spread,
               min(spread_min) AS lo, max(spread_max) AS hi
        FROM lp_quote_stats_1m WHERE {where(scope, time="bucket")} GROUP BY 1, 2
    )
    SELECT st.lp, st.symbol, st.spread / p.pip_size AS spread_pips,
           st.lo / p.pip_size AS spread_min_pips, st.hi / p.pip_size AS spread_max_pips
    FROM stats st
    JOIN LATERAL (SELECT o.pip_size FROM orders o WHERE o.symbol = st.symbol
                  ORDER BY o.ts DESC LIMIT 1) p ON true
    ORDER BY 1, 2
    """
    frame = _frame(conn.execute(sa.text(sql), scope.sql_params()))
    return frame if not frame.empty else pd.DataFrame(columns=columns)


def quote_staleness(
    conn: sa.Connection, f: Filter, *, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Per LP and symbol, the latest quote time in the window and its age at ``now`` in ms:
    ``lp, symbol, last_quote_ts, staleness_ms``."""
    at = now or dt.datetime.now(dt.UTC)
    scope = where(dataclasses.replace(f, books=(), rule_ids=(), segments=()), time="bucket")
    sql = (
        "SELECT lp, symbol, max(last_quote_ts) AS last_quote_ts, "
        "extract(epoch FROM CAST(:now AS timestamptz) - max(last_quote_ts)) * 1000 "
        f"AS staleness_ms FROM lp_quote_stats_1m WHERE {scope} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    frame = _frame(conn.execute(sa.text(sql), {**f.sql_params(), "now": at}))
    if not frame.empty:
        frame["staleness_ms"] = frame["staleness_ms"].astype(float)
    return frame
