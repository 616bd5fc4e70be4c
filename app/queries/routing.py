"""Routing read models: which book and LP orders went to, why, and what became of them.

Orders are selected by their routing time (``orders.ts``) in the filter's window; ``lp`` filters
the first LP tried and ``segment`` the client segment. An order's executions are those with its
``order_id`` from an hour before to a day after it (the ingest's own matching window, so the
join prunes partitions). Order notional = ``qty × arrival mid × usd_rate(quote currency, ts)``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.routing import RoutingSummary, shares_over_time, summarise
from app.queries.execution import without_jit
from app.queries.filters import BUCKET_WIDTHS, Bucket, Filter, where

BUCKET_ORIGIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Buckets are aligned to this instant (midnight UTC), as ``date_bin`` does."""
MAX_PAGE_SIZE = 500


def _orders_where(f: Filter, alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return where(
        f,
        time=f"{p}ts",
        symbol=f"{p}symbol",
        lp=f"{p}lp",
        book=f"{p}book",
        rule_id=f"{p}rule_id",
        segment=f"{p}client_segment",
    )


def rate_params(f: Filter) -> dict[str, object]:
    """The bind parameters of ``_RATED`` and ``_OUTCOMES``: the filter's, and constant bounds
    (``prune_*``) a day looser than each time condition on a daily-partitioned table.

    Those conditions (``:start - INTERVAL '1 hour'``, ``date_trunc('second', :start)``, ...) are
    stable expressions, so the planner cannot prune partitions with them and plans every one
    (for each of four subqueries: ~10 ms of planning); the partitions are then only skipped at
    run time. The looser constants prune at plan time and, being looser, drop no row."""
    return {
        **f.sql_params(),
        "prune_from": f.start - dt.timedelta(days=1),
        "prune_lookback": f.start - dt.timedelta(days=8),
        "prune_to": f.end + dt.timedelta(days=2),
    }


# ``rated``: the orders of ``o`` (``ts``, ``symbol``) with ``currency`` = ``quote_currency(symbol)``
# and ``rate`` = exactly ``usd_rate(currency, ts)``, the SQL functions of migration
# 2026-11-24_1100, set-based. The quote currency is that function inlined (the table's currency,
# else the last three letters of a six-letter symbol) and worked out once per distinct symbol:
# per order row, the function call cost 550 ms per 250 000 orders and even the inlined regex
# 10 ms per 20 000. ``quote_mid_1s`` holds one row per whole second (``app.ingest.quotes``), so
# the mid of a conversion pair at ``date_trunc('second', ts)``, when there is one, is the latest
# at or before ``ts``: the row usd_rate() finds. That mid is fetched by one primary-key probe per
# order (a scalar subquery: its ts bounds prune to the window's daily partitions at plan time,
# its equality to one of them per probe; ~4 us), not by hash-joining every mid of the pairs in
# the window (86 400 rows per pair and day: 24 h took 1 s, 7 d 8 s). coalesce() runs a probe
# only when the ones before it found nothing; only orders without such a mid call usd_rate() (a
# probe of every daily partition in its 7-day lookback, 0.1-0.6 ms each). The inverse pair
# (``USD`` + currency) may only answer for a currency whose direct pair has no mid at all from 7
# days before the window to its end (``direct_listed`` NULL), as usd_rate() prefers any direct
# mid of its lookback; for such a currency the direct probe is skipped (it cannot find a mid),
# for the others the inverse one. Needs the bind parameters of :func:`rate_params`.
# tests/integration/analytics/test_routing_usd_rates.py checks the rates against the functions.
_RATED = """
symbol_currencies AS (
    SELECT s.symbol,
           coalesce(ic.quote_currency,
                    CASE WHEN s.symbol ~ '^[A-Z]{6}$' THEN right(s.symbol, 3) END) AS currency
    FROM (SELECT DISTINCT symbol FROM o) s
    LEFT JOIN instrument_currencies ic ON ic.symbol = s.symbol
), rate_pairs AS (
    SELECT currency,
           (SELECT true FROM quote_mid_1s q WHERE q.symbol = c.currency || 'USD'
              AND q.ts > CAST(:start AS timestamptz) - INTERVAL '7 days'
              AND q.ts < CAST(:end AS timestamptz)
              AND q.ts > CAST(:prune_lookback AS timestamptz) LIMIT 1) AS direct_listed
    FROM (SELECT DISTINCT currency FROM symbol_currencies WHERE currency <> 'USD') c
), rated AS (
    SELECT o.*, sc.currency,
           CASE WHEN sc.currency = 'USD' THEN 1.0::double precision
                ELSE coalesce(
                    CASE WHEN p.direct_listed THEN
                        (SELECT q.mid FROM quote_mid_1s q
                         WHERE q.symbol = sc.currency || 'USD'
                           AND q.ts = date_trunc('second', o.ts)
                           AND q.ts >= date_trunc('second', CAST(:start AS timestamptz))
                           AND q.ts >= CAST(:prune_from AS timestamptz)
                           AND q.ts < CAST(:end AS timestamptz)) END,
                    CASE WHEN p.direct_listed IS NULL THEN
                        (SELECT 1.0 / q.mid FROM quote_mid_1s q
                         WHERE q.symbol = 'USD' || sc.currency
                           AND q.ts = date_trunc('second', o.ts)
                           AND q.ts >= date_trunc('second', CAST(:start AS timestamptz))
                           AND q.ts >= CAST(:prune_from AS timestamptz)
                           AND q.ts < CAST(:end AS timestamptz)) END,
                    usd_rate(sc.currency, o.ts)) END AS rate
    FROM o
    JOIN symbol_currencies sc ON sc.symbol = o.symbol
    LEFT JOIN rate_pairs p ON p.currency = sc.currency
)"""

# The outcome rule of app.metrics.routing.final_outcome, in SQL. ``attempts`` is one hash
# aggregate per order: an ordered ``array_agg`` for the last status (a sort of every execution
# plus a sort per order) cost about as much again as the join. Without a fill, an order's
# statuses are ``rejected``/``cancelled`` (the executions' status check), so its last status is
# the one with the later time; only when both share that time does the latest ``exec_id`` there
# decide, looked up for that order alone. All executions of an order at one time are in the join
# or none is (its conditions depend on order and time only), so that lookup sees the same rows.
# ``outcomes`` is MATERIALIZED (and leaves ``rate`` out) so that each order's rate probes run
# once: inlined, ``notional_usd`` is in two aggregates and each would repeat them.
_OUTCOMES = """
WITH o AS (
    SELECT ord.order_id, ord.ts, ord.client_segment, ord.rule_id, ord.book, ord.lp,
           ord.qty * (ord.arrival_bid + ord.arrival_ask) / 2 AS notional_quote, ord.symbol
    FROM orders ord WHERE {where}
), {rated}, attempts AS (
    SELECT e.order_id,
           bool_or(e.status = 'filled') AS any_filled,
           bool_or(e.status = 'partially_filled') AS any_partial,
           max(e.ts) FILTER (WHERE e.status = 'rejected') AS last_rejected,
           max(e.ts) FILTER (WHERE e.status = 'cancelled') AS last_cancelled
    FROM executions e JOIN o ON o.order_id = e.order_id
         AND e.ts BETWEEN o.ts - INTERVAL '1 hour' AND o.ts + INTERVAL '1 day'
    WHERE e.ts >= CAST(:start AS timestamptz) - INTERVAL '1 hour'
      AND e.ts < CAST(:end AS timestamptz) + INTERVAL '1 day'
      AND e.ts >= CAST(:prune_from AS timestamptz) AND e.ts < CAST(:prune_to AS timestamptz)
    GROUP BY e.order_id
), outcomes AS MATERIALIZED (
    SELECT r.client_segment, r.rule_id, r.book, r.lp, r.notional_quote * r.rate AS notional_usd,
           CASE WHEN a.order_id IS NULL THEN 'pending'
                WHEN a.any_filled THEN 'filled'
                WHEN a.any_partial THEN 'partially_filled'
                WHEN a.last_cancelled IS NULL OR a.last_rejected > a.last_cancelled
                    THEN 'rejected'
                WHEN a.last_rejected IS NULL OR a.last_cancelled > a.last_rejected
                    THEN 'cancelled'
                ELSE (SELECT x.status FROM executions x
                      WHERE x.order_id = a.order_id AND x.ts = a.last_rejected
                        AND x.ts >= CAST(:prune_from AS timestamptz)
                        AND x.ts < CAST(:prune_to AS timestamptz)
                      ORDER BY x.exec_id DESC LIMIT 1) END AS outcome
    FROM rated r LEFT JOIN attempts a USING (order_id)
)
"""

SUMMARY_SQL = (
    _OUTCOMES
    + """
SELECT client_segment, rule_id, book, lp, outcome, count(*) AS orders,
       coalesce(sum(notional_usd), 0) AS notional_usd,
       count(*) FILTER (WHERE notional_usd IS NULL) AS unconverted
FROM outcomes GROUP BY 1, 2, 3, 4, 5
"""
)


def routing_groups(conn: Connection, f: Filter) -> pd.DataFrame:
    """Orders of the window grouped by segment, rule, book, first LP and final outcome, with
    ``orders``, ``notional_usd`` (orders with a known rate) and ``unconverted`` counts."""
    sql = SUMMARY_SQL.format(
        where=_orders_where(f, "ord"),
        rated=_RATED,
    )
    with without_jit(conn):
        rows = conn.execute(text(sql), rate_params(f)).all()
    columns = ["client_segment", "rule_id", "book", "lp", "outcome"]
    frame = pd.DataFrame(rows, columns=[*columns, "orders", "notional_usd", "unconverted"])
    return frame.astype({"orders": "int64", "notional_usd": "float64", "unconverted": "int64"})


def routing_summary(conn: Connection, f: Filter) -> RoutingSummary:
    """A/B shares by count and notional, LP shares of A-book orders and the order flow."""
    return summarise(routing_groups(conn, f))


SHARES_OVER_TIME_SQL = """
WITH o AS (
    SELECT ord.ts, ord.book, ord.qty * (ord.arrival_bid + ord.arrival_ask) / 2 AS notional_quote,
           ord.symbol
    FROM orders ord WHERE {where}
), {rated}
SELECT date_bin(:width, ts, :origin) AS bucket, book, count(*) AS orders,
       coalesce(sum(notional_quote * rate), 0) AS notional_usd
FROM rated GROUP BY 1, 2 ORDER BY 1, 2
"""


def routing_shares_over_time(conn: Connection, f: Filter, bucket: Bucket) -> pd.DataFrame:
    """Per bucket (start time): orders and notional per book and the A/B shares of each; buckets
    without orders are left out."""
    params = {**rate_params(f), "width": BUCKET_WIDTHS[bucket], "origin": BUCKET_ORIGIN}
    sql = SHARES_OVER_TIME_SQL.format(
        where=_orders_where(f, "ord"),
        rated=_RATED,
    )
    with without_jit(conn):
        rows = conn.execute(text(sql), params).all()
    frame = pd.DataFrame(rows, columns=["bucket", "book", "orders", "notional_usd"])
    if frame.empty:
        return shares_over_time(frame.astype({"orders": "int64", "notional_usd": "float64"}))
    return shares_over_time(frame)


DECISIONS_SQL = """
SELECT o.ts, o.order_id, o.account_id, o.client_segment, o.symbol, o.side, o.qty,
       o.book, o.lp, o.rule_id, o.rule_version, r.name AS rule_name,
       r.book AS rule_book, r.conditions, count(*) OVER () AS total
FROM orders o
LEFT JOIN LATERAL (
    SELECT name, book, conditions FROM rules
    WHERE rules.rule_id = o.rule_id AND rules.rule_version = o.rule_version
    ORDER BY rules.ts LIMIT 1
) r ON true
WHERE {where}
ORDER BY o.ts DESC, o.order_id
LIMIT :limit OFFSET :offset
"""

DECISIONS_COLUMNS = [
    "ts",
    "order_id",
    "account_id",
    "client_segment",
    "symbol",
    "side",
    "qty",
    "book",
    "lp",
    "rule_id",
    "rule_version",
    "rule_name",
    "rule_book",
    "conditions",
]


def routing_decisions(
    conn: Connection, f: Filter, page: int = 1, page_size: int = 50
) -> tuple[pd.DataFrame, int]:
    """One page (1-based, newest first) of the window's orders with the rule version that
    routed each and that rule's conditions, and the number of orders in all pages."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and page_size within 1..{MAX_PAGE_SIZE}")
    params = {**f.sql_params(), "limit": page_size, "offset": (page - 1) * page_size}
    rows = conn.execute(text(DECISIONS_SQL.format(where=_orders_where(f, "o"))), params).all()
    total = int(rows[0].total) if rows else _count_orders(conn, f)
    frame = pd.DataFrame([row[:-1] for row in rows], columns=DECISIONS_COLUMNS)
    return frame, total


def _count_orders(conn: Connection, f: Filter) -> int:
    sql = f"SELECT count(*) FROM orders WHERE {_orders_where(f)}"
    return int(conn.execute(text(sql), f.sql_params()).scalar_one())
