"""The execution attempts the regulatory reports are built from, joined to their orders.

One row per execution report (an attempt at a venue) in the window, with its order's fields
and two USD rates: ``price_rate`` (of the instrument's quote currency) and ``fee_rate`` (of the
commission/PFOF currency), both taken at the start of the execution's minute (one lookup per
distinct currency and minute instead of one per row). A rate is NaN where no mid is known.
An order is matched from a day before to an hour after its execution, like the ingest does.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, text

from app.queries.filters import Filter, FilterError, where

ATTEMPTS_SQL = """
WITH a AS (
    SELECT e.exec_id, e.order_id, e.ts AS exec_ts, e.sent_ts, e.lp, e.status,
           e.requested_qty, e.fill_qty, e.requested_price, e.fill_price,
           e.market_bid, e.market_ask, e.reject_reason,
           e.commission::float8 AS commission, e.pfof::float8 AS pfof, e.currency,
           o.ts AS order_ts, o.client_ref, o.account_id, o.symbol, o.asset_class, o.pip_size,
           o.side, o.qty, o.order_type, o.limit_price, o.arrival_bid, o.arrival_ask, o.book,
           o.client_segment, quote_currency(o.symbol) AS quote_currency,
           date_trunc('minute', e.ts) AS minute
    FROM executions e
    CROSS JOIN LATERAL (
        SELECT * FROM orders o
        WHERE o.order_id = e.order_id
          AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
        ORDER BY o.ts LIMIT 1
    ) o
    WHERE {where}
), r AS (
    SELECT c, minute, usd_rate(c, minute) AS rate
    FROM (SELECT currency AS c, minute FROM a
          UNION SELECT quote_currency, minute FROM a WHERE quote_currency IS NOT NULL) d
)
SELECT a.*, pr.rate AS price_rate, fr.rate AS fee_rate
FROM a
LEFT JOIN r pr ON pr.c = a.quote_currency AND pr.minute = a.minute
LEFT JOIN r fr ON fr.c = a.currency AND fr.minute = a.minute
ORDER BY a.exec_ts, a.exec_id
"""

ATTEMPT_COLUMNS = (
    "exec_id", "order_id", "exec_ts", "sent_ts", "lp", "status", "requested_qty", "fill_qty",
    "requested_price", "fill_price", "market_bid", "market_ask", "reject_reason", "commission",
    "pfof", "currency", "order_ts", "client_ref", "account_id", "symbol", "asset_class",
    "pip_size", "side", "qty", "order_type", "limit_price", "arrival_bid", "arrival_ask", "book",
    "client_segment", "quote_currency", "minute", "price_rate", "fee_rate",
)  # fmt: skip


def load_attempts(conn: Connection, flt: Filter) -> pd.DataFrame:
    """Execution attempts whose report time lies in ``flt``'s window, with order fields."""
    clause = where(flt, time="e.ts", symbol="o.symbol", lp="e.lp", book="o.book", rule_id=None)
    rows = conn.execute(text(ATTEMPTS_SQL.format(where=clause)), flt.sql_params()).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(ATTEMPT_COLUMNS))
    for column in ("price_rate", "fee_rate", "limit_price", "fill_price"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def day_window(start: str | None, end: str | None, *, today: dt.date) -> Filter:
    """``[start 00:00, end + 1 day 00:00)`` UTC from ``YYYY-MM-DD`` texts (the last 30 days
    when missing); raises FilterError on a bad date."""
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError:
        raise FilterError("date", "use YYYY-MM-DD") from None
    return Filter(
        start=dt.datetime.combine(first, dt.time(), dt.UTC),
        end=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC),
    )
