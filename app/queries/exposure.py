"""Exposure read models: the broker's B-book net position, notional and limit use per symbol.

``exposure_1m`` holds each minute's position change per symbol (``net_qty_delta`` = −Σ s ×
fill_qty over B-book fills, bucketed by fill time). A position "at t" is the sum of the deltas
of all minutes starting before t, over the whole history; its resolution is the minute, so it is
exact at minute boundaries and includes the whole minute that contains t. Mids and USD rates
are the latest stored composite mids at or before t (within 7 days, as ``usd_rate``).
Only the ``symbol`` dimension of a :class:`Filter` applies; the others are refused.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.currency import USD, conversion_pairs, in_report_currency, usd_rate
from app.metrics.exposure import (
    concentration,
    notional_matrix,
    notional_usd,
    positions_at_bucket_ends,
    utilisation,
    utilisation_matrix,
)
from app.queries.currency import quote_currencies, report_rate
from app.queries.execution import without_jit
from app.queries.filters import BUCKET_WIDTHS, Bucket, Filter, FilterError, where
from app.queries.routing import BUCKET_ORIGIN, MAX_PAGE_SIZE

MAX_HEATMAP_BUCKETS = 5_000
"""More buckets than this in one matrix (a week of 1m buckets) is refused: choose a wider one."""
MEASURES = ("net", "utilisation")
MID_LOOKBACK = dt.timedelta(days=7)

NOW_COLUMNS = [
    "symbol",
    "net_position",
    "mid",
    "quote_currency",
    "usd_rate",
    "notional_usd",
    "limit_usd",
    "utilisation",
    "concentration",
    "unconverted",
    "notional",
]


def _check_dimensions(f: Filter) -> None:
    where(f, time="bucket", symbol="symbol", lp=None, book=None, rule_id=None)


def _symbol_clause(f: Filter) -> str:
    return " AND symbol = ANY(:symbols)" if f.symbols else ""


def limits(conn: Connection) -> dict[str, float]:
    """Every configured exposure limit in USD, by symbol."""
    rows = conn.execute(text("SELECT symbol, limit_usd FROM exposure_limits")).all()
    return {str(symbol): float(limit) for symbol, limit in rows}


EXACT_SUM = "CAST(sum(CAST(net_qty_delta AS numeric)) AS double precision)"
"""The sum of the minutes' position changes, added up exactly: a float ``sum`` depends on the
order the rows arrive in, which a parallel plan changes from run to run (0.501 one time,
0.5009999999999999 the next); each float8 becomes ``numeric`` at its 15 significant digits."""


def positions_at(conn: Connection, f: Filter, at: dt.datetime) -> dict[str, float]:
    """Net open position per symbol from all B-book fills in minutes starting before ``at``."""
    _check_dimensions(f)
    sql = (
        f"SELECT symbol, {EXACT_SUM} FROM exposure_1m WHERE bucket < :at"
        + _symbol_clause(f)
        + " GROUP BY symbol"
    )
    rows = conn.execute(text(sql), {"at": at, "symbols": list(f.symbols)}).all()
    return {str(symbol): float(net) for symbol, net in rows}


MARKS_SQL = """
WITH s AS (
    SELECT u.symbol, u.i, quote_currency(u.symbol) AS currency
    FROM unnest(CAST(:symbols AS text[])) WITH ORDINALITY AS u(symbol, i)
), t AS (
    SELECT u.at, u.j FROM unnest(CAST(:times AS timestamptz[])) WITH ORDINALITY AS u(at, j)
), rate AS (
    -- usd_rate() once per currency and time, not once per symbol: many share a currency.
    SELECT c.currency, t.at, usd_rate(c.currency, t.at) AS usd_rate
    FROM (SELECT DISTINCT currency FROM s) c CROSS JOIN t
)
SELECT s.symbol, t.at, s.currency, m.mid, rate.usd_rate
FROM s CROSS JOIN t
LEFT JOIN rate ON rate.currency IS NOT DISTINCT FROM s.currency AND rate.at = t.at
LEFT JOIN LATERAL (
    SELECT q.mid FROM quote_mid_1s q
    WHERE q.symbol = s.symbol AND q.ts <= t.at AND q.ts > t.at - CAST(:lookback AS interval)
      -- Redundant bounds, known when planning: only the lookback's partitions are planned.
      AND q.ts > :low AND q.ts <= :high
    ORDER BY q.ts DESC LIMIT 1
) m ON true
ORDER BY s.i, t.j
"""


def marks(conn: Connection, symbols: Sequence[str], times: Sequence[dt.datetime]) -> pd.DataFrame:
    """Per symbol and time: quote currency, latest mid and USD rate (None when unknown)."""
    columns = ["symbol", "at", "currency", "mid", "usd_rate"]
    if not symbols or not times:
        return pd.DataFrame(columns=columns)
    params = {
        "symbols": list(symbols),
        "times": list(times),
        "lookback": MID_LOOKBACK,
        "low": min(times) - MID_LOOKBACK,
        "high": max(times),
    }
    rows = conn.execute(text(MARKS_SQL), params).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def _value(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)  # type: ignore[arg-type]


def exposure_now(
    conn: Connection, f: Filter, at: dt.datetime | None = None, currency: str = USD
) -> pd.DataFrame:
    """Per symbol with a position or a limit, at ``at`` (default: the filter's end): net
    position, mid, USD rate, notional (USD and ``currency``), limit, utilisation, concentration
    and ``unconverted`` (position held but its mid or rate unknown)."""
    at = at or f.end
    positions = positions_at(conn, f, at)
    limit_of = limits(conn)
    symbols = sorted(set(positions) | {s for s in limit_of if not f.symbols or s in f.symbols})
    mark = marks(conn, symbols, [at]).set_index("symbol")
    rate = report_rate(conn, currency, at)
    rows: list[dict[str, object]] = []
    notionals: dict[str, float | None] = {}
    for symbol in symbols:
        net = positions.get(symbol, 0.0)
        mid, usd = _value(mark.at[symbol, "mid"]), _value(mark.at[symbol, "usd_rate"])
        notional = notionals[symbol] = notional_usd(net, mid, usd)
        limit = limit_of.get(symbol)
        rows.append(
            {
                "symbol": symbol,
                "net_position": net,
                "mid": mid,
                "quote_currency": mark.at[symbol, "currency"],
                "usd_rate": usd,
                "notional_usd": notional,
                "limit_usd": limit,
                "utilisation": utilisation(notional, limit),
                "unconverted": notional is None,
                "notional": in_report_currency(notional, rate),
            }
        )
    share = concentration(notionals)
    for row in rows:
        row["concentration"] = share[str(row["symbol"])]
    return pd.DataFrame(rows, columns=NOW_COLUMNS)


def bucket_starts(f: Filter, bucket: Bucket) -> list[dt.datetime]:
    """Starts of the buckets (aligned to midnight UTC) that overlap the filter's window."""
    width = BUCKET_WIDTHS[bucket]
    first = BUCKET_ORIGIN + ((f.start - BUCKET_ORIGIN) // width) * width
    count = math.ceil((f.end - first) / width)
    if count > MAX_HEATMAP_BUCKETS:
        raise FilterError(
            "bucket", f"{count} buckets of {bucket} exceed {MAX_HEATMAP_BUCKETS}; widen it"
        )
    return [first + i * width for i in range(count)]


DELTAS_SQL = f"""
SELECT symbol, date_bin(:width, bucket, :origin) AS b, {EXACT_SUM}
FROM exposure_1m WHERE bucket >= :first AND bucket < :end{{symbols}} GROUP BY 1, 2
"""


def positions_grid(conn: Connection, f: Filter, bucket: Bucket) -> pd.DataFrame:
    """Net position per symbol (rows) at the end of each bucket (columns = bucket starts; the
    last bucket ends at the window's end), carried forward through buckets without fills."""
    starts = bucket_starts(f, bucket)
    baseline = positions_at(conn, f, starts[0])
    params = {
        "width": BUCKET_WIDTHS[bucket],
        "origin": BUCKET_ORIGIN,
        "first": starts[0],
        "end": f.end,
        "symbols": list(f.symbols),
    }
    rows = conn.execute(text(DELTAS_SQL.format(symbols=_symbol_clause(f))), params).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for array attributes, slowly.
    deltas = pd.DataFrame(
        [tuple(row) for row in rows], columns=["symbol", "bucket", "net_qty_delta"]
    )
    deltas["bucket"] = pd.to_datetime(deltas["bucket"], utc=True)
    return positions_at_bucket_ends(baseline, deltas, pd.DatetimeIndex(starts, tz=dt.UTC))


BUCKET_MIDS_SQL = """
SELECT s.symbol, b.start AS bucket, m.mid
FROM (
    -- Symbols without any quote (a missing conversion pair) skip their probes.
    SELECT u.symbol FROM unnest(CAST(:symbols AS text[])) AS u(symbol)
    CROSS JOIN LATERAL (SELECT FROM quote_mid_1s q
                        WHERE q.symbol = u.symbol AND q.ts > :low AND q.ts <= :high
                        LIMIT 1) e
) s
CROSS JOIN unnest(CAST(:starts AS timestamptz[]), CAST(:stops AS timestamptz[])) AS b(start, stop)
CROSS JOIN LATERAL (
    SELECT q.mid FROM quote_mid_1s q
    WHERE q.symbol = s.symbol AND q.ts > b.start AND q.ts <= b.stop
      -- Redundant bounds, known when planning: only the window's partitions are planned.
      AND q.ts > :low AND q.ts <= :high
    ORDER BY q.ts DESC LIMIT 1
) m
"""


def bucket_stops(
    starts: pd.DatetimeIndex, width: dt.timedelta, end: dt.datetime
) -> list[dt.datetime]:
    """Each bucket's end, the window's end for the last one (a bucket covers (start, stop])."""
    return [min(start + width, end) for start in starts.to_pydatetime()]


def mids_at_bucket_ends(
    conn: Connection, symbols: Sequence[str], f: Filter, bucket: Bucket
) -> pd.DataFrame:
    """The latest mid at or before each bucket's end (the window's end for the last bucket),
    symbols × bucket starts, NaN where none is known.

    The last mid of each bucket, (start, end], by one backward index probe per symbol and
    bucket (bounded below by the bucket's start, so it touches one daily partition) instead of
    a pass over every one-second mid of the window; carried forward through buckets without
    quotes. The first bucket starts from the as-of mid at its start (as :func:`marks`: the
    last in the 7 days before it), read by the same query as one more interval. A mid carried
    forward is not aged out after 7 days as ``usd_rate`` does; only a week without any quote
    inside the window could tell the difference.
    """
    starts = pd.DatetimeIndex(bucket_starts(f, bucket), tz=dt.UTC)
    if not symbols:
        return pd.DataFrame(index=pd.Index([], name="symbol"), columns=starts, dtype="float64")
    first = starts[0].to_pydatetime()
    seed_from = first - MID_LOOKBACK
    params = {
        "symbols": list(symbols),
        "starts": [seed_from, *starts.to_pydatetime()],
        "stops": [first, *bucket_stops(starts, BUCKET_WIDTHS[bucket], f.end)],
        "low": seed_from,
        "high": f.end,
    }
    # Thousands of cheap probes look costly to the planner: JIT would cost more than the read.
    with without_jit(conn):
        found = conn.execute(text(BUCKET_MIDS_SQL), params).all()
    rows = pd.DataFrame([tuple(row) for row in found], columns=["symbol", "bucket", "mid"])
    rows["bucket"] = pd.to_datetime(rows["bucket"], utc=True)
    wide = rows.pivot(index="symbol", columns="bucket", values="mid").astype("float64")
    seed_at = pd.Timestamp(seed_from)
    seed = wide.reindex(index=pd.Index(list(symbols), name="symbol"), columns=[seed_at])[seed_at]
    wide = wide.reindex(index=list(symbols), columns=starts)
    seeded = pd.concat([seed.rename("seed"), wide], axis=1)
    return seeded.ffill(axis=1).drop(columns="seed")


def rates_from_mids(currencies: Sequence[str], mids: pd.DataFrame) -> pd.DataFrame:
    """USD per unit of each currency (rows) per column of ``mids`` (symbols × times), by
    :func:`app.metrics.currency.usd_rate`; NaN when unknown.

    Built as plain lists and framed once: setting cells one by one costs ~50 µs each, which
    for a day of 5-minute buckets outweighs every query of the page."""
    pairs = [str(pair) for pair in mids.index]
    table: list[list[float]] = [[] for _ in currencies]
    for values in mids.to_numpy(dtype="float64").T:
        at_time = {pair: _value(mid) for pair, mid in zip(pairs, values, strict=True)}
        for row, currency in zip(table, currencies, strict=True):
            rate = usd_rate(currency, at_time)
            row.append(math.nan if rate is None else rate)
    return pd.DataFrame(
        table if currencies else None,
        index=pd.Index(list(currencies)),
        columns=mids.columns,
        dtype="float64",
    )


def notional_grid(conn: Connection, f: Filter, bucket: Bucket) -> pd.DataFrame:
    """USD notional per symbol and bucket end (NaN where the mid or rate is unknown)."""
    positions = positions_grid(conn, f, bucket)
    held = [str(s) for s in positions.index[(positions != 0).any(axis=1)]]
    currency_of = quote_currencies(conn, held)
    currencies = sorted({c for c in currency_of.values() if c is not None})
    pairs = {pair for c in currencies for pair in conversion_pairs(c)}
    mids = mids_at_bucket_ends(conn, sorted(set(held) | pairs), f, bucket)
    rates = rates_from_mids(currencies, mids.reindex(sorted(pairs)))
    unknown = pd.Series(math.nan, index=positions.columns)
    symbol_rates = pd.DataFrame(
        {s: unknown if currency_of[s] is None else rates.loc[currency_of[s]] for s in held}
    ).T
    return notional_matrix(positions, mids.reindex(held), symbol_rates)


def exposure_heatmap(
    conn: Connection, f: Filter, bucket: Bucket, measure: str = "net"
) -> pd.DataFrame:
    """Symbol × bucket matrix (columns = bucket starts) of the net position, or of the
    utilisation of the symbol's limit, at the end of each bucket."""
    if measure not in MEASURES:
        raise FilterError("measure", f"must be one of {', '.join(MEASURES)}")
    if measure == "net":
        return positions_grid(conn, f, bucket)
    return utilisation_matrix(notional_grid(conn, f, bucket), limits(conn))


def exposure_over_time(conn: Connection, f: Filter, bucket: Bucket) -> pd.DataFrame:
    """Per bucket end: total notional exposure (USD) of the symbols with a known rate, how many
    held symbols have no rate, and the highest utilisation of any limit."""
    notional = notional_grid(conn, f, bucket)
    used = utilisation_matrix(notional, limits(conn))
    return pd.DataFrame(
        {
            "bucket": notional.columns,
            "notional_usd": notional.sum(axis=0, skipna=True).to_numpy(),
            "unconverted_symbols": notional.isna().sum(axis=0).to_numpy(),
            "max_utilisation": used.max(axis=0, skipna=True).to_numpy(),
        }
    )


CELL_ORDERS_SQL = """
SELECT e.ts AS fill_ts, o.order_id, o.ts AS order_ts, o.account_id, o.client_segment, o.side,
       o.qty, e.status, e.fill_qty, e.fill_price, o.rule_id, o.rule_version,
       CASE WHEN o.side = 'buy' THEN -e.fill_qty ELSE e.fill_qty END AS position_delta,
       count(*) OVER () AS total
FROM executions e
CROSS JOIN LATERAL (
    SELECT * FROM orders o
    WHERE o.order_id = e.order_id
      AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    ORDER BY o.ts LIMIT 1
) o
WHERE e.lp = 'INTERNAL' AND e.status IN ('filled', 'partially_filled')
  AND e.ts >= :start AND e.ts < :end AND o.symbol = :symbol
ORDER BY e.ts, e.exec_id
LIMIT :limit OFFSET :offset
"""

CELL_COLUMNS = [
    "fill_ts",
    "order_id",
    "order_ts",
    "account_id",
    "client_segment",
    "side",
    "qty",
    "status",
    "fill_qty",
    "fill_price",
    "rule_id",
    "rule_version",
    "position_delta",
]


def exposure_cell_orders(
    conn: Connection,
    symbol: str,
    bucket_start: dt.datetime,
    bucket_width: dt.timedelta,
    page: int = 1,
    page_size: int = 50,
) -> tuple[pd.DataFrame, int]:
    """The B-book fills (with their orders) that moved ``symbol``'s position during one heatmap
    bucket, oldest first, one page (1-based) of them, and how many there are in all."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and page_size within 1..{MAX_PAGE_SIZE}")
    params = {
        "symbol": symbol,
        "start": bucket_start,
        "end": bucket_start + bucket_width,
        "limit": page_size,
        "offset": (page - 1) * page_size,
    }
    rows = conn.execute(text(CELL_ORDERS_SQL), params).all()
    total = int(rows[0].total) if rows else 0
    return pd.DataFrame([row[:-1] for row in rows], columns=CELL_COLUMNS), total
