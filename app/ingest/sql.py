"""The SQL of one ingest batch: from staging tables to event tables, rollups and counters.

Rollups are computed from the rows an ``INSERT ... ON CONFLICT DO NOTHING`` really inserted,
so a duplicate delivery changes nothing. Inserts into shared rollup rows are ordered by key,
so two consumers updating the same rows lock them in the same order.
"""

from __future__ import annotations

STAGE_TABLES = (
    "orders",
    "executions",
    "positions",
    "account_snapshots",
    "lp_status",
    "rules",
    "quote_mid_1s",
    "lp_quote_stats_1m",
)

CREATE_STAGE = "CREATE TEMP TABLE IF NOT EXISTS stage_{table} (LIKE {table}) ON COMMIT DELETE ROWS"

INSERT_PLAIN = "INSERT INTO {table} SELECT * FROM stage_{table} ON CONFLICT DO NOTHING"

INSERT_POSITIONS = """
INSERT INTO positions ({columns}, broker_pnl_usd)
SELECT {columns}, (broker_pnl::float8 * usd_rate(currency, ts))::numeric
FROM stage_positions ON CONFLICT DO NOTHING
"""

INSERT_EXECUTIONS = """
WITH inserted AS (
    INSERT INTO executions SELECT * FROM stage_executions ON CONFLICT DO NOTHING
    RETURNING event_id, ts, order_id, lp, status
), pending AS (
    INSERT INTO exec_pending (event_id, ts, order_id)
    SELECT event_id, ts, order_id FROM inserted
)
SELECT lp, status, count(*) FROM inserted GROUP BY lp, status
"""
"""Stores new executions, queues them for the roll-up, and returns the new ones per LP and
status (the live counters count only what was really inserted)."""

# An order is searched from a day before to an hour after its execution: the time bounds let
# PostgreSQL prune partitions instead of probing every day's order_id index.
ORDER_WINDOW = "o.ts BETWEEN p.ts - INTERVAL '1 day' AND p.ts + INTERVAL '1 hour'"

ROLL_UP_READY_EXECUTIONS = f"""
WITH ready AS (
    DELETE FROM exec_pending p
    WHERE EXISTS (SELECT 1 FROM orders o WHERE o.order_id = p.order_id AND {ORDER_WINDOW})
    RETURNING p.event_id, p.ts, p.order_id
), facts AS (
    SELECT date_trunc('minute', e.ts) AS bucket, e.lp, o.symbol, o.book, o.rule_id,
           o.rule_version, e.status, e.reject_reason, e.requested_qty, e.fill_qty,
           e.fill_price, e.market_bid, e.market_ask,
           CASE WHEN o.side = 'buy' THEN 1.0 ELSE -1.0 END AS s,
           (e.requested_price - e.fill_price) * CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END
               / o.pip_size AS slippage_pips,
           ((e.market_bid + e.market_ask) / 2 - e.fill_price)
               * CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END / o.pip_size AS improvement_pips,
           extract(epoch FROM e.ts - e.sent_ts) * 1000 AS latency_ms,
           usd_rate(quote_currency(o.symbol), e.ts) AS price_rate,
           usd_rate(e.currency, e.ts) AS fee_rate,
           e.commission, e.pfof, e.status IN ('filled', 'partially_filled') AS is_fill
    FROM ready p
    JOIN executions e ON e.event_id = p.event_id AND e.ts = p.ts
    CROSS JOIN LATERAL (
        SELECT symbol, book, rule_id, rule_version, side, pip_size FROM orders o
        WHERE o.order_id = p.order_id AND {ORDER_WINDOW} ORDER BY o.ts LIMIT 1
    ) o
), latency AS (
    SELECT bucket, lp, symbol, book, rule_id, rule_version,
           latency_bucket(latency_ms) AS b, count(*)::integer AS c
    FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7
), histogram AS (
    SELECT bucket, lp, symbol, book, rule_id, rule_version,
           array_agg(b ORDER BY b) AS bs, array_agg(c ORDER BY b) AS cs
    FROM latency GROUP BY 1, 2, 3, 4, 5, 6
), sums AS (
    SELECT bucket, lp, symbol, book, rule_id, rule_version,
        count(*) AS attempts,
        count(*) FILTER (WHERE is_fill) AS fills,
        count(*) FILTER (WHERE status = 'partially_filled') AS partial_fills,
        count(*) FILTER (WHERE status = 'rejected') AS rejects,
        count(*) FILTER (WHERE status = 'cancelled') AS cancels,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'price_moved')
            AS reject_price_moved,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'last_look')
            AS reject_last_look,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'no_liquidity')
            AS reject_no_liquidity,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'timeout')
            AS reject_timeout,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'credit_limit')
            AS reject_credit_limit,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'market_closed')
            AS reject_market_closed,
        count(*) FILTER (WHERE status = 'rejected' AND reject_reason = 'other')
            AS reject_other,
        sum(requested_qty) AS requested_qty,
        sum(fill_qty) AS fill_qty,
        coalesce(sum(fill_qty * fill_price * price_rate) FILTER (WHERE is_fill), 0)
            AS notional_usd,
        coalesce(sum(slippage_pips * fill_qty) FILTER (WHERE is_fill), 0)
            AS slippage_pips_qty_sum,
        count(*) FILTER (WHERE is_fill AND slippage_pips > 1e-9) AS slippage_positive,
        count(*) FILTER (WHERE is_fill AND abs(slippage_pips) <= 1e-9) AS slippage_zero,
        count(*) FILTER (WHERE is_fill AND slippage_pips < -1e-9) AS slippage_negative,
        coalesce(sum(improvement_pips) FILTER (WHERE is_fill), 0)
            AS price_improvement_pips_sum,
        count(*) FILTER (WHERE is_fill AND ((s > 0 AND fill_price <= market_ask)
                                         OR (s < 0 AND fill_price >= market_bid)))
            AS best_execution_count,
        sum(latency_ms) AS latency_ms_sum,
        max(latency_ms) AS latency_ms_max,
        coalesce(sum(commission * fee_rate::numeric), 0) AS commission_usd,
        coalesce(sum(pfof * fee_rate::numeric), 0) AS pfof_usd,
        count(*) FILTER (WHERE fee_rate IS NULL OR (is_fill AND price_rate IS NULL))
            AS usd_unconverted
    FROM facts GROUP BY 1, 2, 3, 4, 5, 6
), rolled AS (
    INSERT INTO exec_rollup_1m AS r (
        bucket, lp, symbol, book, rule_id, rule_version, attempts, fills, partial_fills,
        rejects, cancels, reject_price_moved, reject_last_look, reject_no_liquidity,
        reject_timeout, reject_credit_limit, reject_market_closed, reject_other,
        requested_qty, fill_qty, notional_usd, slippage_pips_qty_sum, slippage_positive,
        slippage_zero, slippage_negative, price_improvement_pips_sum, best_execution_count,
        latency_buckets, latency_counts, latency_ms_sum, latency_ms_max, commission_usd,
        pfof_usd, usd_unconverted)
    SELECT s.bucket, s.lp, s.symbol, s.book, s.rule_id, s.rule_version, s.attempts, s.fills,
        s.partial_fills, s.rejects, s.cancels, s.reject_price_moved, s.reject_last_look,
        s.reject_no_liquidity, s.reject_timeout, s.reject_credit_limit, s.reject_market_closed,
        s.reject_other, s.requested_qty, s.fill_qty, s.notional_usd, s.slippage_pips_qty_sum,
        s.slippage_positive, s.slippage_zero, s.slippage_negative,
        s.price_improvement_pips_sum, s.best_execution_count, h.bs, h.cs, s.latency_ms_sum,
        s.latency_ms_max, s.commission_usd, s.pfof_usd, s.usd_unconverted
    FROM sums s JOIN histogram h USING (bucket, lp, symbol, book, rule_id, rule_version)
    ORDER BY s.bucket, s.lp, s.symbol, s.book, s.rule_id, s.rule_version
    ON CONFLICT (bucket, lp, symbol, book, rule_id, rule_version) DO UPDATE SET
        attempts = r.attempts + excluded.attempts,
        fills = r.fills + excluded.fills,
        partial_fills = r.partial_fills + excluded.partial_fills,
        rejects = r.rejects + excluded.rejects,
        cancels = r.cancels + excluded.cancels,
        reject_price_moved = r.reject_price_moved + excluded.reject_price_moved,
        reject_last_look = r.reject_last_look + excluded.reject_last_look,
        reject_no_liquidity = r.reject_no_liquidity + excluded.reject_no_liquidity,
        reject_timeout = r.reject_timeout + excluded.reject_timeout,
        reject_credit_limit = r.reject_credit_limit + excluded.reject_credit_limit,
        reject_market_closed = r.reject_market_closed + excluded.reject_market_closed,
        reject_other = r.reject_other + excluded.reject_other,
        requested_qty = r.requested_qty + excluded.requested_qty,
        fill_qty = r.fill_qty + excluded.fill_qty,
        notional_usd = r.notional_usd + excluded.notional_usd,
        slippage_pips_qty_sum = r.slippage_pips_qty_sum + excluded.slippage_pips_qty_sum,
        slippage_positive = r.slippage_positive + excluded.slippage_positive,
        slippage_zero = r.slippage_zero + excluded.slippage_zero,
        slippage_negative = r.slippage_negative + excluded.slippage_negative,
        price_improvement_pips_sum =
            r.price_improvement_pips_sum + excluded.price_improvement_pips_sum,
        best_execution_count = r.best_execution_count + excluded.best_execution_count,
        latency_buckets = (
            SELECT array_agg(b ORDER BY b) FROM (
                SELECT DISTINCT b FROM unnest(r.latency_buckets || excluded.latency_buckets) b
            ) x),
        latency_counts = (
            SELECT array_agg(c ORDER BY b) FROM (
                SELECT b, sum(c)::integer AS c
                FROM unnest(r.latency_buckets || excluded.latency_buckets,
                            r.latency_counts || excluded.latency_counts) u(b, c)
                GROUP BY b
            ) x),
        latency_ms_sum = r.latency_ms_sum + excluded.latency_ms_sum,
        latency_ms_max = greatest(r.latency_ms_max, excluded.latency_ms_max),
        commission_usd = r.commission_usd + excluded.commission_usd,
        pfof_usd = r.pfof_usd + excluded.pfof_usd,
        usd_unconverted = r.usd_unconverted + excluded.usd_unconverted
    RETURNING 1
), exposure AS (
    INSERT INTO exposure_1m AS x (bucket, symbol, net_qty_delta, fills)
    SELECT bucket, symbol, -sum(s * fill_qty), count(*)
    FROM facts WHERE lp = 'INTERNAL' AND is_fill
    GROUP BY bucket, symbol ORDER BY bucket, symbol
    ON CONFLICT (bucket, symbol) DO UPDATE SET
        net_qty_delta = x.net_qty_delta + excluded.net_qty_delta,
        fills = x.fills + excluded.fills
    RETURNING 1
)
SELECT (SELECT count(*) FROM facts), (SELECT count(*) FROM rolled), (SELECT count(*) FROM exposure)
"""

UPSERT_QUOTE_MIDS = """
INSERT INTO quote_mid_1s AS q SELECT * FROM stage_quote_mid_1s ORDER BY symbol, ts
ON CONFLICT (symbol, ts) DO UPDATE SET
    best_bid = excluded.best_bid, best_ask = excluded.best_ask, mid = excluded.mid,
    quote_count = q.quote_count + excluded.quote_count
"""

UPSERT_LP_QUOTE_STATS = """
INSERT INTO lp_quote_stats_1m AS q SELECT * FROM stage_lp_quote_stats_1m ORDER BY lp, symbol, bucket
ON CONFLICT (lp, symbol, bucket) DO UPDATE SET
    quote_count = q.quote_count + excluded.quote_count,
    spread_tw_sum = q.spread_tw_sum + excluded.spread_tw_sum,
    spread_tw_seconds = q.spread_tw_seconds + excluded.spread_tw_seconds,
    spread_min = least(q.spread_min, excluded.spread_min),
    spread_max = greatest(q.spread_max, excluded.spread_max),
    last_quote_ts = greatest(q.last_quote_ts, excluded.last_quote_ts)
"""

INSERT_DEAD_LETTER = """
INSERT INTO dead_letters (topic, partition, "offset", raw, reason)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
"""

UPSERT_STATS = """
INSERT INTO ingest_stats AS s (topic, events_stored, duplicates_ignored, dead_letters,
                               last_event_ts, updated_at)
VALUES (%s, %s, %s, %s, %s, now())
ON CONFLICT (topic) DO UPDATE SET
    events_stored = s.events_stored + excluded.events_stored,
    duplicates_ignored = s.duplicates_ignored + excluded.duplicates_ignored,
    dead_letters = s.dead_letters + excluded.dead_letters,
    last_event_ts = greatest(s.last_event_ts, excluded.last_event_ts),
    updated_at = now()
"""

UPSERT_OFFSET = """
INSERT INTO ingest_offsets AS o (consumer_group, topic, partition, next_offset, updated_at)
VALUES (%s, %s, %s, %s, now())
ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
    next_offset = greatest(o.next_offset, excluded.next_offset), updated_at = now()
"""

SELECT_OFFSETS = """
SELECT partition, next_offset FROM ingest_offsets WHERE consumer_group = %s AND topic = %s
"""

UPSERT_CLIENT_IDENTITIES = """
INSERT INTO client_identities AS c (pseudonym, client_id, first_seen, last_seen)
SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
ON CONFLICT (pseudonym) DO UPDATE
SET first_seen = least(c.first_seen, excluded.first_seen),
    last_seen = greatest(c.last_seen, excluded.last_seen)
WHERE excluded.last_seen > c.last_seen OR excluded.first_seen < c.first_seen
"""
"""The compliance mapping pseudonym → client id (``client_identities``), one row per client;
an existing row is rewritten only when the batch widens its first/last seen times."""
