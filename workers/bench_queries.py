"""``make bench-queries``: the read models against 30 days of history, next to naive SQL.

    .venv/bin/python -m workers.bench_queries [--orders-per-day 250000] [--runs 7] [--keep]
        [--reuse DATABASE] [--fill-revision REVISION]

Creates a throwaway database on the local PostgreSQL, migrates it, and writes 30 days of
simulated history with set-based SQL (``INSERT ... SELECT generate_series``, far faster than
through Kafka): composite 1-second mids of 12 symbols (31 M rows), orders, their execution
reports (a third of the A-book orders are rejected once before they fill elsewhere), closed
positions, LP heartbeats and fill markouts. The rollups are then computed the way the app
computes them: the ingest's own roll-up statement (``app.ingest.sql.ROLL_UP_READY_EXECUTIONS``,
a day of queued executions at a time) and :func:`app.db.derived.refresh_derived` (which also
fills the hourly and daily tiers of the execution rollup and of the markouts).

Each read model is timed ``--runs`` times next to a naive query that computes the same numbers
from the raw tables (checked equal), and one JSON line is printed at the end. The database is
dropped afterwards unless ``--keep``. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.config import load_settings
from app.db.derived import refresh_derived, refresh_exec_rollup_1h, refresh_markout_rollup_1h
from app.db.migrate import upgrade
from app.ingest.sql import ROLL_UP_READY_EXECUTIONS
from app.queries.drilldown import executions_page
from app.queries.execution import lp_scorecard
from app.queries.exposure import exposure_heatmap
from app.queries.filters import Filter
from app.queries.results import refresh_rule_trades_1d, rule_report

DAYS = 30
SYMBOLS = {  # symbol: (base mid, pip size, asset class)
    "EURUSD": (1.08, 0.0001, "fx"),
    "GBPUSD": (1.27, 0.0001, "fx"),
    "USDJPY": (151.0, 0.01, "fx"),
    "USDCHF": (0.88, 0.0001, "fx"),
    "AUDUSD": (0.66, 0.0001, "fx"),
    "USDCAD": (1.36, 0.0001, "fx"),
    "NZDUSD": (0.60, 0.0001, "fx"),
    "EURGBP": (0.85, 0.0001, "fx"),
    "EURJPY": (163.0, 0.01, "fx"),
    "GBPJPY": (192.0, 0.01, "fx"),
    "EURCHF": (0.95, 0.0001, "fx"),
    "XAUUSD": (2650.0, 0.01, "metal"),
}
VENUES = ["LP_ALPHA", "LP_BRAVO", "LP_CHARLIE", "LP_DELTA", "LP_ECHO", "LP_FOXTROT"]
RULES = [f"rule-{i}" for i in range(1, 9)]
SEGMENTS = ["retail", "professional", "institutional"]

# The mid of symbol number k at epoch second e: a deterministic wobble around its base, so that
# orders, fills and markouts can be priced from the same formula as the stored mids.
MID = "{base} * (1 + 0.004 * sin({e} / 7200.0 + {k}) + 0.0015 * sin({e} / 433.0 + 2 * {k}))"

SYMBOLS_CTE = """
WITH sym AS (
    SELECT k, symbol, base, pip, asset_class FROM unnest(
        CAST(:symbols AS text[]), CAST(:bases AS float8[]), CAST(:pips AS float8[]),
        CAST(:classes AS text[])) WITH ORDINALITY AS s(symbol, base, pip, asset_class, k)
)"""

MIDS_SQL = (
    SYMBOLS_CTE
    + """
INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count)
SELECT symbol, t, m - pip / 2, m + pip / 2, m, 3
FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz) - INTERVAL '1 s',
                     INTERVAL '1 second') AS t
CROSS JOIN sym
CROSS JOIN LATERAL (SELECT """
    + MID.format(base="base", e="extract(epoch FROM t)", k="k")
    + """ AS m) x
"""
)

# Order i of the day: its second, symbol, book, rule, client; every fourth order is B-book.
ORDERS_SQL = (
    SYMBOLS_CTE
    + """, o AS (
    SELECT i,
           CAST(:start AS timestamptz) + (i * CAST(:spacing AS bigint)) * INTERVAL '1 microsecond'
               AS ts,
           1 + (i * 7) % 12 AS k, (i % 4 = 0) AS b_book, (i * 7919) % 5000 AS client
    FROM generate_series(0, :count - 1) AS i
)
INSERT INTO orders (event_id, ts, order_id, client_ref, account_id, symbol, asset_class,
                    pip_size, side, qty, order_type, limit_price, arrival_bid, arrival_ask,
                    book, lp, rule_id, rule_version, client_segment)
SELECT gen_random_uuid(), o.ts, :prefix || o.i, 'client-' || o.client, 'acct-' || o.client,
       s.symbol, s.asset_class, s.pip, CASE WHEN o.i % 2 = 0 THEN 'buy' ELSE 'sell' END,
       1000 * (1 + o.i % 50), 'market', NULL, m - s.pip / 2, m + s.pip / 2,
       CASE WHEN o.b_book THEN 'B' ELSE 'A' END,
       CASE WHEN o.b_book THEN 'INTERNAL' ELSE (CAST(:venues AS text[]))[1 + o.i % 6] END,
       (CAST(:rules AS text[]))[1 + o.client % 8], 1,
       (CAST(:segments AS text[]))[1 + o.client % 3]
FROM o JOIN sym s USING (k)
CROSS JOIN LATERAL (SELECT """
    + MID.format(base="s.base", e="floor(extract(epoch FROM o.ts))", k="s.k")
    + """ AS m) x
"""
)

# One execution per order (B-book: INTERNAL, always filled; A-book: 92 % filled), and a third
# of A-book orders first rejected by the next venue.
EXECUTIONS_SQL = """
WITH o AS (
    SELECT o.*, substr(o.order_id, length(:prefix) + 1)::bigint AS i,
           (o.arrival_bid + o.arrival_ask) / 2 AS m
    FROM orders o WHERE o.ts >= :start AND o.ts < :end
), attempts AS (
    SELECT o.*, a.n, a.rejected, a.lp AS venue FROM o CROSS JOIN LATERAL (
        SELECT 1 AS n, o.book = 'A' AND o.i % 13 = 0 AS rejected, o.lp
        UNION ALL
        SELECT 0, true, (CAST(:venues AS text[]))[1 + (o.i + 1) % 6]
        WHERE o.book = 'A' AND o.i % 3 = 0) a
)
INSERT INTO executions (event_id, ts, exec_id, order_id, lp, status, requested_qty, fill_qty,
                        requested_price, fill_price, sent_ts, market_bid, market_ask,
                        reject_reason, commission, pfof, currency)
SELECT gen_random_uuid(), ts + (20 + 30 * n + i % 17) * INTERVAL '1 millisecond',
       order_id || '-' || n, order_id, venue,
       CASE WHEN rejected THEN 'rejected' ELSE 'filled' END, qty,
       CASE WHEN rejected THEN 0 ELSE qty END,
       CASE WHEN side = 'buy' THEN arrival_ask ELSE arrival_bid END,
       CASE WHEN rejected THEN NULL
            WHEN side = 'buy' THEN arrival_ask + pip_size * ((i % 5) - 2) / 10.0
            ELSE arrival_bid - pip_size * ((i % 5) - 2) / 10.0 END,
       ts + (5 + 30 * n) * INTERVAL '1 millisecond', arrival_bid, arrival_ask,
       CASE WHEN rejected THEN (ARRAY['price_moved', 'last_look', 'no_liquidity'])[1 + i % 3] END,
       CASE WHEN rejected THEN 0 ELSE qty * 0.00002 END, 0, 'USD'
FROM attempts
"""

# The ingest's roll-up statement finds each queued execution's order and USD rate one row at a
# time (a few ms per row across daily partitions: fine for a live batch, hours for 10 M rows).
# Here the same ``facts`` come from one hash join per day, the rates from the mid formula of the
# conversion pair at the execution's second (the value stored in quote_mid_1s); everything after
# ``facts`` (histograms, sums, the upserts into exec_rollup_1m and exposure_1m) is the ingest's
# own SQL text.
FACTS_SQL = """
WITH facts AS (
    SELECT date_trunc('minute', e.ts) AS bucket, e.lp, o.symbol, o.book, o.rule_id,
           o.rule_version, e.status, e.reject_reason, e.requested_qty, e.fill_qty,
           e.fill_price, e.market_bid, e.market_ask,
           CASE WHEN o.side = 'buy' THEN 1.0 ELSE -1.0 END AS s,
           (e.requested_price - e.fill_price) * CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END
               / o.pip_size AS slippage_pips,
           ((e.market_bid + e.market_ask) / 2 - e.fill_price)
               * CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END / o.pip_size AS improvement_pips,
           extract(epoch FROM e.ts - e.sent_ts) * 1000 AS latency_ms,
           {price_rate} AS price_rate,
           1.0::float8 AS fee_rate,
           e.commission, e.pfof, e.status IN ('filled', 'partially_filled') AS is_fill
    FROM executions e
    JOIN orders o ON o.order_id = e.order_id
         AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day' AND o.ts < :end
    WHERE e.ts >= :start AND e.ts < :end
"""


def _usd_rate_sql(currency: str, epoch: str) -> str:
    """SQL for the USD rate of ``currency`` at epoch second ``epoch``, from the mid formula of
    its conversion pair (XXXUSD, or 1 / USDXXX), like ``usd_rate`` over the stored mids."""
    cases = ["WHEN 'USD' THEN 1.0"]
    for k, (symbol, (base, _pip, _cls)) in enumerate(SYMBOLS.items(), start=1):
        mid = MID.format(base=base, e=epoch, k=k)
        if symbol.endswith("USD"):
            cases.append(f"WHEN '{symbol[:3]}' THEN {mid}")
        elif symbol.startswith("USD"):
            cases.append(f"WHEN '{symbol[3:]}' THEN 1.0 / ({mid})")
    return f"(CASE {currency} {' '.join(cases)} END)"


ROLLUP_SQL = (
    FACTS_SQL.replace(
        "{price_rate}", _usd_rate_sql("quote_currency(o.symbol)", "floor(extract(epoch FROM e.ts))")
    )
    + ROLL_UP_READY_EXECUTIONS[ROLL_UP_READY_EXECUTIONS.index("), latency AS (") :]
)

# B-book fills close ten minutes later as positions; the P&L is the mid's move against the
# client plus the spread, in the quote currency, and converted at the close like the ingest.
POSITIONS_SQL = (
    SYMBOLS_CTE
    + """, p AS (
    SELECT o.*, e.fill_price, s.k, s.base, e.ts + INTERVAL '10 minutes' AS close_ts,
           CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END AS sgn
    FROM orders o JOIN executions e ON e.order_id = o.order_id AND e.lp = 'INTERNAL'
         AND e.ts >= :start AND e.ts < CAST(:end AS timestamptz) + INTERVAL '1 hour'
    JOIN sym s ON s.symbol = o.symbol
    WHERE o.ts >= :start AND o.ts < :end AND o.book = 'B'
), priced AS (
    SELECT p.*, """
    + MID.format(base="p.base", e="floor(extract(epoch FROM p.close_ts))", k="p.k")
    + """ AS close_mid, quote_currency(p.symbol) AS currency
    FROM p
), pnl AS (
    SELECT priced.*, round(CAST(qty * sgn * (close_mid - fill_price) AS numeric), 2) AS client_pnl
    FROM priced
)
INSERT INTO positions (event_id, ts, position_id, account_id, client_ref, symbol, side, qty,
                       open_ts, open_price, close_price, book, lp, rule_id, rule_version,
                       client_pnl, broker_pnl, currency, broker_pnl_usd)
SELECT gen_random_uuid(), close_ts, 'pos-' || order_id, account_id, client_ref, symbol, side,
       qty, pnl.ts, fill_price, close_mid, 'B', 'INTERNAL', rule_id, rule_version, client_pnl,
       -client_pnl, currency,
       (CAST(-client_pnl AS float8) * {close_rate})::numeric
FROM pnl
"""
)

MARKOUTS_SQL = (
    SYMBOLS_CTE
    + """
INSERT INTO fill_markouts (event_id, ts, lp, symbol, book, rule_id, rule_version, side,
                           fill_qty, fill_price, pip_size, markout_0, markout_1, markout_5,
                           markout_30, markout_60)
SELECT e.event_id, e.ts, e.lp, o.symbol, o.book, o.rule_id, o.rule_version, x.sgn, e.fill_qty,
       e.fill_price, o.pip_size,
       x.sgn * (mid_at(0) - e.fill_price) / o.pip_size,
       x.sgn * (mid_at(1) - e.fill_price) / o.pip_size,
       x.sgn * (mid_at(5) - e.fill_price) / o.pip_size,
       x.sgn * (mid_at(30) - e.fill_price) / o.pip_size,
       x.sgn * (mid_at(60) - e.fill_price) / o.pip_size
FROM executions e
JOIN orders o ON o.order_id = e.order_id AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts
JOIN sym s ON s.symbol = o.symbol
CROSS JOIN LATERAL (SELECT CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END AS sgn) x
WHERE e.ts >= :start AND e.ts < :end AND e.status = 'filled'
"""
)

STATUS_SQL = """
INSERT INTO lp_status (event_id, ts, lp, status, detail)
SELECT gen_random_uuid(), t, lp,
       CASE WHEN extract(hour FROM t) = 3 AND lp = 'LP_CHARLIE' THEN 'down' ELSE 'up' END, NULL
FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz) - INTERVAL '10 s',
                     INTERVAL '10 seconds') AS t
CROSS JOIN unnest(CAST(:venues AS text[])) AS lp
"""

RULES_SQL = """
INSERT INTO rules (event_id, ts, rule_id, rule_version, name, book, conditions, effective_from)
SELECT gen_random_uuid(), :start, r, 1, 'Rule ' || r, 'hybrid', '{}'::jsonb, :start
FROM unnest(CAST(:rules AS text[])) AS r
"""


def _mid_at_sql() -> str:
    """``mid_at(s)`` in MARKOUTS_SQL: the formula's mid ``s`` seconds after the fill's second."""
    return MID.format(base="s.base", e="(floor(extract(epoch FROM e.ts)) + {s})", k="s.k")


# ------------------------------------------------------------------ naive answers


NAIVE_SCORECARD_SQL = """
SELECT e.lp, count(*) AS attempts,
       count(*) FILTER (WHERE e.status IN ('filled', 'partially_filled')) AS fills,
       count(*) FILTER (WHERE e.status = 'rejected') AS rejects,
       avg(extract(epoch FROM e.ts - e.sent_ts) * 1000) AS latency_ms_mean,
       (SELECT sum(m.markout_60 * m.fill_qty)
               / sum(m.fill_qty) FILTER (WHERE m.markout_60 IS NOT NULL) FROM fill_markouts m
         WHERE m.lp = e.lp AND m.ts >= :start AND m.ts < :end) AS markout_60
FROM executions e JOIN orders o ON o.order_id = e.order_id
     AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
WHERE e.ts >= :start AND e.ts < :end
GROUP BY e.lp ORDER BY e.lp
"""

NAIVE_HEATMAP_SQL = """
WITH fills AS (
    SELECT o.symbol, e.ts, CASE WHEN o.side = 'buy' THEN -e.fill_qty ELSE e.fill_qty END AS d
    FROM executions e JOIN orders o ON o.order_id = e.order_id
         AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    WHERE e.lp = 'INTERNAL' AND e.status IN ('filled', 'partially_filled') AND e.ts < :end
), ends AS (
    SELECT t AS bucket, t + INTERVAL '5 minutes' AS bucket_end
    FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz)
                         - INTERVAL '5 minutes', INTERVAL '5 minutes') AS t
)
SELECT f.symbol, ends.bucket, sum(f.d) AS net
FROM ends JOIN fills f ON f.ts < date_trunc('minute', ends.bucket_end)
GROUP BY 1, 2
"""

NAIVE_RULES_SQL = """
WITH daily AS (
    SELECT rule_id, date_trunc('day', ts) AS day, count(*) AS trades,
           sum(broker_pnl_usd) AS net
    FROM positions WHERE ts >= :start AND ts < :end GROUP BY 1, 2
), curve AS (
    SELECT rule_id, day, trades, net,
           sum(net) OVER (PARTITION BY rule_id ORDER BY day) AS equity
    FROM daily
)
SELECT rule_id, sum(trades) AS trades, sum(net) AS net,
       max(peak - equity) AS max_drawdown
FROM (SELECT *, greatest(0, max(equity) OVER (PARTITION BY rule_id ORDER BY day)) AS peak
      FROM curve) c
GROUP BY rule_id ORDER BY rule_id
"""

NAIVE_PAGE_SQL = """
SELECT e.exec_id, count(*) OVER () AS total
FROM executions e JOIN orders o ON o.order_id = e.order_id
     AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
WHERE e.ts >= :start AND e.ts < :end
ORDER BY e.ts DESC, e.event_id DESC
OFFSET :offset LIMIT :limit
"""


# ------------------------------------------------------------------ the run


def _admin() -> sa.Engine:
    url = make_url(load_settings().database_url).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _step(name: str, run: Callable[[], int | None], sizes: dict[str, Any]) -> None:
    began = time.perf_counter()
    rows = run()
    took = time.perf_counter() - began
    sizes.setdefault("steps_s", {})[name] = round(took, 1)
    print(f"  {name}: {'' if rows is None else f'{rows:,} rows '}in {took:.1f} s", file=sys.stderr)


def _params(start: dt.datetime, end: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "symbols": list(SYMBOLS),
        "bases": [v[0] for v in SYMBOLS.values()],
        "pips": [v[1] for v in SYMBOLS.values()],
        "classes": [v[2] for v in SYMBOLS.values()],
        "venues": VENUES,
        "rules": RULES,
        "segments": SEGMENTS,
        **extra,
    }


def _execute(engine: sa.Engine, sql: str, params: dict[str, Any]) -> int:
    with engine.begin() as conn:
        return int(conn.execute(sa.text(sql), params).rowcount)


def _per_day(
    engine: sa.Engine, start: dt.datetime, sql: str, extra: Callable[[int], dict[str, Any]]
) -> int:
    total = 0
    for day in range(DAYS):
        lo = start + dt.timedelta(days=day)
        total += _execute(engine, sql, _params(lo, lo + dt.timedelta(days=1), **extra(day)))
    return total


def _roll_up(engine: sa.Engine, start: dt.datetime) -> int:
    """exec_rollup_1m and exposure_1m, a day at a time (see ROLLUP_SQL)."""
    total = 0
    for day in range(DAYS):
        lo = start + dt.timedelta(days=day)
        with engine.begin() as conn:
            params = {"start": lo, "end": lo + dt.timedelta(days=1)}
            total += int(conn.execute(sa.text(ROLLUP_SQL), params).one()[0])
    return total


def fill(engine: sa.Engine, start: dt.datetime, orders_per_day: int) -> dict[str, Any]:
    """Write the history; returns the row counts and the time each step took."""
    end = start + dt.timedelta(days=DAYS)
    sizes: dict[str, Any] = {}
    spacing = 86_400_000_000 // orders_per_day
    mid_at = _mid_at_sql()
    markouts_sql = MARKOUTS_SQL
    for s in (0, 1, 5, 30, 60):
        markouts_sql = markouts_sql.replace(f"mid_at({s})", mid_at.format(s=s))
    steps: list[tuple[str, Callable[[], int | None]]] = [
        ("quote_mid_1s", lambda: _per_day(engine, start, MIDS_SQL, lambda d: {})),
        (
            "orders",
            lambda: _per_day(
                engine,
                start,
                ORDERS_SQL,
                lambda d: {"count": orders_per_day, "spacing": spacing, "prefix": f"o{d}-"},
            ),
        ),
        (
            "executions",
            lambda: sum(
                _execute(
                    engine,
                    EXECUTIONS_SQL,
                    _params(
                        start + dt.timedelta(days=d),
                        start + dt.timedelta(days=d + 1),
                        prefix=f"o{d}-",
                    ),
                )
                for d in range(DAYS)
            ),
        ),
        ("vacuum analyze (raw)", lambda: _vacuum(engine)),
        (
            "positions",
            lambda: _per_day(
                engine,
                start,
                POSITIONS_SQL.replace(
                    "{close_rate}",
                    _usd_rate_sql("currency", "floor(extract(epoch FROM close_ts))"),
                ),
                lambda d: {},
            ),
        ),
        ("fill_markouts", lambda: _per_day(engine, start, markouts_sql, lambda d: {})),
        ("lp_status", lambda: _execute(engine, STATUS_SQL, _params(start, end))),
        ("rules", lambda: _execute(engine, RULES_SQL, _params(start, end))),
        (
            "exec_rollup_1m + exposure_1m (the ingest's roll-up SQL)",
            lambda: _roll_up(engine, start),
        ),
        (
            "ohlc_1m, pnl_daily, exec_rollup_1h/1d, markout_rollup_1h/1d via refresh_derived",
            lambda: _refresh(engine, start, end),
        ),
        ("rule_trades_1d (the rule report's read model)", lambda: _refresh_rule_trades(engine)),
        ("vacuum analyze (rollups)", lambda: _vacuum(engine)),
    ]
    began = time.perf_counter()
    for name, run in steps:
        _step(name, run, sizes)
    sizes["load_s"] = round(time.perf_counter() - began, 1)
    with engine.connect() as conn:
        for table in ("quote_mid_1s", "orders", "executions", "positions", "fill_markouts"):
            sizes[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    return sizes


def _vacuum(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def _refresh(engine: sa.Engine, start: dt.datetime, end: dt.datetime) -> None:
    refresh_derived(engine, start, end)


def _in_transaction(engine: sa.Engine, refresh: Callable[[sa.Connection], int]) -> int:
    with engine.begin() as conn:
        return refresh(conn)


def _refresh_rule_trades(engine: sa.Engine) -> int:
    """The days of ``rule_trades_1d`` the positions changed (all of them after the fill)."""
    with engine.begin() as conn:
        return refresh_rule_trades_1d(conn)


def timed(
    engine: sa.Engine, run: Callable[[sa.Connection], Any], runs: int
) -> tuple[Any, dict[str, float]]:
    """The answer and p50/p95 wall time (ms) of ``run`` over ``runs`` fresh connections."""
    times, answer = [], None
    for _ in range(runs):
        with engine.connect() as conn:
            began = time.perf_counter()
            answer = run(conn)
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return answer, {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def _rows(sql: str, params: dict[str, Any]) -> Callable[[sa.Connection], list[Any]]:
    return lambda conn: [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


def _close(a: float | None, b: float | None, rel: float = 1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-6)


def measure(
    engine: sa.Engine, start: dt.datetime, runs: int, naive_runs: int | None = None
) -> dict[str, Any]:
    """Time the four read models (``runs`` times) and their naive counterparts (``naive_runs``
    times, default ``runs``: a naive twin takes seconds to minutes, and only its median enters
    the speed-up); check the answers agree."""
    slow_runs = runs if naive_runs is None else naive_runs
    end = start + dt.timedelta(days=DAYS)
    month = Filter(start=start, end=end)
    day_start = start + dt.timedelta(days=DAYS - 1)
    day = Filter(start=day_start, end=end)
    out: dict[str, Any] = {}

    card, fast = timed(engine, lambda c: lp_scorecard(c, month), runs)
    naive_card, slow = timed(
        engine, _rows(NAIVE_SCORECARD_SQL, {"start": start, "end": end}), slow_runs
    )
    by_lp = {r["lp"]: r for r in card}
    agree = all(
        by_lp[lp]["attempts"] == n
        and by_lp[lp]["fills"] == f
        and by_lp[lp]["rejects"] == r
        and _close(by_lp[lp]["latency_ms"]["mean"], lat, 1e-3)
        and _close(by_lp[lp]["markout_pips"]["60"], markout, 1e-9)
        for lp, n, f, r, lat, markout in naive_card
    )
    out["lp_scorecard_30d"] = _entry(fast, slow, agree)

    heat, fast = timed(engine, lambda c: exposure_heatmap(c, day, "5m", "net"), runs)
    naive_heat, slow = timed(
        engine, _rows(NAIVE_HEATMAP_SQL, {"start": day_start, "end": end}), slow_runs
    )
    agree = len(naive_heat) > 0 and all(
        _close(heat.at[sym, bucket], net) for sym, bucket, net in naive_heat
    )
    out["exposure_heatmap_1d_5m"] = _entry(fast, slow, agree, cells=int(heat.size))

    report, fast = timed(engine, lambda c: rule_report(c, month, 100_000.0), runs)
    naive_rules, slow = timed(
        engine, _rows(NAIVE_RULES_SQL, {"start": start, "end": end}), slow_runs
    )
    by_rule = {r["rule_id"]: r for r in report}
    agree = all(
        by_rule[rule]["trades"] == trades and abs(by_rule[rule]["net_pnl"] - float(net)) < 0.02
        for rule, trades, net, _dd in naive_rules
    )
    out["rule_report_30d"] = _entry(fast, slow, agree)

    hour = Filter(start=end - dt.timedelta(hours=1), end=end)
    with engine.connect() as conn:
        in_hour = executions_page(conn, hour, 1, 1, "-ts").total
    page_no = max(1, in_hour // 200)  # the middle page of the last hour's executions
    page, fast = timed(engine, lambda c: executions_page(c, hour, page_no, 100, "-ts"), runs)
    offset = {"start": hour.start, "end": end, "offset": (page_no - 1) * 100, "limit": 100}
    naive_page, slow = timed(engine, _rows(NAIVE_PAGE_SQL, offset), slow_runs)
    agree = list(page.rows["exec_id"]) == [r[0] for r in naive_page] and page.total == (
        naive_page[0][1] if naive_page else 0
    )
    out["drilldown_middle_page_of_1h"] = _entry(fast, slow, agree, page=page_no, rows=in_hour)
    return out


def _entry(
    fast: dict[str, float], slow: dict[str, float], agree: bool, **extra: Any
) -> dict[str, Any]:
    return {
        **fast,
        "naive_p50_ms": slow["p50_ms"],
        "naive_p95_ms": slow["p95_ms"],
        "speedup_p50": round(slow["p50_ms"] / max(fast["p50_ms"], 0.001), 1),
        "same_answer": agree,
        **extra,
    }


def _reused(engine: sa.Engine) -> tuple[dt.datetime, dict[str, Any]]:
    """The first day and the table sizes of a database filled by an earlier run (its derived
    tiers brought up to date first: a migration since may have listed every hour)."""
    sizes: dict[str, Any] = {"reused": True}
    refreshes: list[tuple[str, Callable[[sa.Connection], int]]] = [
        ("exec_rollup_1h/1d", refresh_exec_rollup_1h),
        ("markout_rollup_1h/1d", refresh_markout_rollup_1h),
        ("rule_trades_1d", refresh_rule_trades_1d),
    ]
    for name, refresh in refreshes:
        _step(
            f"{name} (changed since the last run)",
            functools.partial(_in_transaction, engine, refresh),
            sizes,
        )
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT min(ts) FROM orders")).scalar_one()
        for table in ("quote_mid_1s", "orders", "executions", "positions", "fill_markouts"):
            sizes[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    return first.replace(hour=0, minute=0, second=0, microsecond=0), sizes


def main() -> None:
    global DAYS
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=270_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each read model")
    parser.add_argument(
        "--naive-runs", type=int, default=3, help="timed runs of each naive twin (slow)"
    )
    parser.add_argument("--days", type=int, default=30, help="history length")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure a database kept by an earlier --keep run (no fill; kept afterwards)",
    )
    parser.add_argument(
        "--fill-revision",
        default="head",
        help="fill at this schema revision, then migrate to head before measuring "
        "(shows that later migrations take existing data along)",
    )
    args = parser.parse_args()
    DAYS = args.days  # the fill and the measurement read it; shorter runs are for trying out
    name = args.reuse or f"tradedash_bench_q_{os.getpid()}"
    admin = _admin()
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(load_settings().database_url).set(database=name)
    settings = load_settings(database_url=url.render_as_string(hide_password=False))
    engine = sa.create_engine(settings.database_url)
    try:
        upgrade(settings, "head" if args.reuse else args.fill_revision)
        now = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        start = now - dt.timedelta(days=DAYS - 1)  # the last day is today: partitions exist
        if args.reuse:
            start, sizes = _reused(engine)
        else:
            print(f"database {name}: filling {DAYS} days from {start:%Y-%m-%d}", file=sys.stderr)
            sizes = fill(engine, start, args.orders_per_day)
            if args.fill_revision != "head":
                upgrade(settings)
                start, reused = _reused(engine)
                sizes["steps_s"].update(reused["steps_s"])
        results = measure(engine, start, args.runs, args.naive_runs)
        print(
            orjson.dumps(
                {
                    "dataset": sizes,
                    "runs": args.runs,
                    "naive_runs": args.naive_runs,
                    "queries": results,
                }
            ).decode()
        )
    finally:
        engine.dispose()
        if not (args.keep or args.reuse):
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
