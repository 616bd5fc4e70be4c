"""Market read models: candles, traded volume and fills of a symbol, volatility by hour of day and
cumulative broker P/L per LP, for the Market page and the reports.

Candles aggregate the minute candles of the composite mid (``ohlc_1m``) to wider buckets in SQL
(aligned to midnight UTC like every ``date_bin`` bucket here); the volume of a bucket is the USD
notional of the fills in it (``exec_rollup_1m``, fill time). Fills are read from the raw
executions joined to their orders, thinned to at most ``max_points`` evenly spaced in time order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from app.queries.filters import BUCKET_WIDTHS, Bucket, Filter, where
from app.queries.results import LP_OR_INTERNAL

_ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"
CANDLE_COLUMNS = ["bucket", "open", "high", "low", "close", "quote_count", "volume_usd"]
FILL_COLUMNS = ["ts", "fill_price", "fill_qty", "side", "lp", "book"]
MAX_CANDLES = 5_000
"""The most recent candles returned; a week of 1-minute candles is cut to its last 5,000."""

CANDLES_SQL = f"""
WITH candles AS (
    SELECT date_bin(CAST(:width AS interval), bucket, {_ORIGIN}) AS bucket,
           (array_agg(open ORDER BY bucket))[1] AS open, max(high) AS high, min(low) AS low,
           (array_agg(close ORDER BY bucket DESC))[1] AS close,
           sum(quote_count)::bigint AS quote_count
    FROM ohlc_1m
    WHERE symbol = :symbol AND bucket >= :start AND bucket < :end
    GROUP BY 1
), volume AS (
    SELECT date_bin(CAST(:width AS interval), bucket, {_ORIGIN}) AS bucket,
           sum(notional_usd)::float8 AS volume_usd
    FROM exec_rollup_1m
    WHERE symbol = :symbol AND bucket >= :start AND bucket < :end
    GROUP BY 1
)
SELECT * FROM (
    SELECT c.bucket, c.open, c.high, c.low, c.close, c.quote_count,
           coalesce(v.volume_usd, 0) AS volume_usd
    FROM candles c LEFT JOIN volume v USING (bucket)
    ORDER BY c.bucket DESC LIMIT :limit
) last ORDER BY bucket
"""


def _frame(result: sa.CursorResult[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(result.all(), columns=columns)


def candles(
    conn: sa.Connection, symbol: str, f: Filter, bucket: Bucket = "5m", *, warmup: int = 0
) -> pd.DataFrame:
    """OHLC of the composite mid per ``bucket`` and the USD notional filled in it:
    ``bucket, open, high, low, close, quote_count, volume_usd``. ``warmup`` extra buckets
    before the window's start are included, for indicators that look back."""
    width = BUCKET_WIDTHS[bucket]
    params = {
        "symbol": symbol,
        "start": f.start - warmup * width,
        "end": f.end,
        "width": width,
        "limit": MAX_CANDLES + warmup,
    }
    frame = _frame(conn.execute(sa.text(CANDLES_SQL), params), CANDLE_COLUMNS)
    for column in ("open", "high", "low", "close", "volume_usd"):
        frame[column] = frame[column].astype("float64")
    return frame


FILLS_SQL = """
WITH fills AS (
    SELECT e.ts, e.fill_price, e.fill_qty, o.side, e.lp, o.book,
           row_number() OVER (ORDER BY e.ts, e.event_id) AS n, count(*) OVER () AS total
    FROM orders o
    JOIN executions e ON e.order_id = o.order_id
     AND e.ts BETWEEN o.ts - INTERVAL '1 hour' AND o.ts + INTERVAL '1 day'
    WHERE o.symbol = :symbol AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
      AND o.ts < :end AND e.ts >= :start AND e.ts < :end
      AND e.status IN ('filled', 'partially_filled')
)
SELECT ts, fill_price, fill_qty, side, lp, book FROM fills
WHERE (n - 1) % greatest(ceil(total / CAST(:max_points AS float8))::bigint, 1) = 0
ORDER BY ts
"""


def fills(conn: sa.Connection, symbol: str, f: Filter, *, max_points: int = 2000) -> pd.DataFrame:
    """The symbol's fills in the window (every k-th in time order, so at most ``max_points``):
    ``ts, fill_price, fill_qty, side, lp, book``."""
    params = {"symbol": symbol, "start": f.start, "end": f.end, "max_points": max_points}
    frame = _frame(conn.execute(sa.text(FILLS_SQL), params), FILL_COLUMNS)
    frame["fill_price"] = frame["fill_price"].astype("float64")
    return frame


VOLATILITY_SQL = """
WITH returns AS (
    SELECT symbol, bucket,
           ln(close / lag(close) OVER w) AS r,
           bucket - lag(bucket) OVER w AS gap
    FROM ohlc_1m
    WHERE {where} AND close > 0
    WINDOW w AS (PARTITION BY symbol ORDER BY bucket)
)
SELECT symbol, extract(hour FROM bucket AT TIME ZONE 'UTC')::int AS hour,
       stddev_samp(r) AS volatility, count(r)::bigint AS returns
FROM returns
WHERE gap = INTERVAL '1 minute'
GROUP BY 1, 2
ORDER BY 1, 2
"""


def volatility_by_hour(conn: sa.Connection, f: Filter) -> pd.DataFrame:
    """Standard deviation (ddof 1) of the 1-minute log returns of each symbol's mid close, per
    UTC hour of day: ``symbol, hour, volatility, returns``. Only returns between consecutive
    minutes count (a gap in the quotes is not a one-minute return)."""
    scope = dataclasses.replace(f, lps=(), books=(), rule_ids=(), segments=())
    sql = VOLATILITY_SQL.format(where=where(scope, time="bucket"))
    frame = _frame(
        conn.execute(sa.text(sql), scope.sql_params()), ["symbol", "hour", "volatility", "returns"]
    )
    frame["volatility"] = frame["volatility"].astype("float64")
    return frame


PNL_BY_LP_SQL = f"""
SELECT date_bin(CAST(:width AS interval), ts, {_ORIGIN}) AS bucket, {LP_OR_INTERNAL} AS lp,
       sum(broker_pnl_usd)::float8 AS pnl_usd, count(*)::bigint AS trades
FROM positions WHERE {{where}}
GROUP BY 1, 2 ORDER BY 1, 2
"""


def cumulative_pnl_by_lp(conn: sa.Connection, f: Filter, bucket: Bucket = "1h") -> pd.DataFrame:
    """Broker P/L (USD) of closed positions per LP (``INTERNAL`` for the B-book) and time
    bucket, with its running total over the window: ``bucket, lp, pnl_usd, trades,
    cumulative_pnl_usd``. Unconverted trades count as trades but add no money."""
    sql = PNL_BY_LP_SQL.format(where=where(f, lp=LP_OR_INTERNAL))
    params = {**f.sql_params(), "width": BUCKET_WIDTHS[bucket]}
    frame = _frame(conn.execute(sa.text(sql), params), ["bucket", "lp", "pnl_usd", "trades"])
    frame["pnl_usd"] = frame["pnl_usd"].astype("float64").fillna(0.0)
    frame["cumulative_pnl_usd"] = frame.groupby("lp")["pnl_usd"].cumsum()
    return frame


def traded_symbols(conn: sa.Connection, since: dt.datetime) -> list[str]:
    """Symbols with minute candles since ``since``, alphabetically."""
    sql = "SELECT DISTINCT symbol FROM ohlc_1m WHERE bucket >= :since ORDER BY 1"
    return [str(row[0]) for row in conn.execute(sa.text(sql), {"since": since})]
