"""`make bench-exports`: export speed and memory on this machine, in a throwaway database.

1. Creates a database, migrates it and generates 1,000,000 orders and their executions with
   ``generate_series`` (one INSERT each, no Python in the loop).
2. CSV of the 1,000,000 executions through the real export path (PostgreSQL COPY, streamed),
   timed, with the process's resident memory sampled while it streams (flat = constant memory).
3. Excel of the first 100,000 of them (openpyxl write-only mode), timed.
Prints one JSON line and drops the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.config import Settings, load_settings
from app.db.migrate import upgrade
from app.exports.request import build_request
from app.exports.service import ExportStream
from app.queries.filters import Filter

T0 = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
STEP_MS = 50
"""One order (and its execution) every 50 ms: 1 M rows span 13.9 hours."""

ORDERS_SQL = """
INSERT INTO orders (event_id, ts, order_id, client_ref, account_id, symbol, asset_class,
  pip_size, side, qty, order_type, limit_price, arrival_bid, arrival_ask, book, lp, rule_id,
  rule_version, client_segment)
SELECT gen_random_uuid(), :t0 + i * INTERVAL '50 milliseconds', 'O' || i, 'c' || (i % 1000),
  'A' || (i % 1000), (ARRAY['EURUSD', 'USDJPY', 'GBPUSD', 'XAUUSD'])[1 + i % 4], 'fx', 0.0001,
  CASE WHEN i % 2 = 0 THEN 'buy' ELSE 'sell' END, 100000, 'market', NULL, 1.1, 1.1002,
  CASE WHEN i % 3 = 0 THEN 'B' ELSE 'A' END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE (ARRAY['LP_A', 'LP_B', 'LP_C'])[1 + i % 3] END,
  'R' || (i % 5), 1, 'retail'
FROM generate_series(1, :n) AS i
"""
EXECUTIONS_SQL = """
INSERT INTO executions (event_id, ts, exec_id, order_id, lp, status, requested_qty, fill_qty,
  requested_price, fill_price, sent_ts, market_bid, market_ask, reject_reason, commission,
  pfof, currency)
SELECT gen_random_uuid(), :t0 + i * INTERVAL '50 milliseconds' + INTERVAL '20 milliseconds',
  'E' || i, 'O' || i,
  CASE WHEN i % 3 = 0 THEN 'INTERNAL' ELSE (ARRAY['LP_A', 'LP_B', 'LP_C'])[1 + i % 3] END,
  'filled', 100000, 100000, 1.1002, 1.10021, :t0 + i * INTERVAL '50 milliseconds', 1.1, 1.1002,
  NULL, 3.5, 0.25, 'USD'
FROM generate_series(1, :n) AS i
"""


def _admin(settings: Settings) -> sa.Engine:
    url = make_url(settings.database_url).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def create_database(base: Settings, name: str, rows: int) -> Settings:
    admin = _admin(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base.database_url).set(database=name).render_as_string(hide_password=False)
    settings = base.model_copy(update={"database_url": url})
    upgrade(settings)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(ORDERS_SQL), {"t0": T0, "n": rows})
        conn.execute(sa.text(EXECUTIONS_SQL), {"t0": T0, "n": rows})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    engine.dispose()
    return settings


def measure(settings: Settings, fmt: str, rows: int) -> dict[str, Any]:
    """Export the first ``rows`` executions as ``fmt``; seconds, bytes and memory."""
    engine = sa.create_engine(settings.database_url)
    end = T0 + dt.timedelta(milliseconds=STEP_MS * rows + 30)
    request = build_request("executions", fmt, [], Filter(T0, end))
    stream = ExportStream(engine, settings, request, "bench")
    rss_before = _rss_mb()
    rss_peak = rss_before
    started = time.perf_counter()
    for i, _block in enumerate(stream.blocks()):
        if i % 16 == 0:
            rss_peak = max(rss_peak, _rss_mb())
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "format": fmt,
        "rows": stream.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(stream.rows / seconds),
        "bytes": stream.size_bytes,
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_peak_while_streaming": round(max(rss_peak, _rss_mb()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--excel-rows", type=int, default=100_000)
    args = parser.parse_args()
    base = load_settings()
    name = f"tradedash_bench_exports_{os.getpid()}"
    started = time.perf_counter()
    settings = create_database(base, name, args.rows)
    generated = time.perf_counter() - started
    try:
        csv = measure(settings, "csv", args.rows)
        xlsx = measure(settings, "xlsx", args.excel_rows)
    finally:
        admin = _admin(base)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    report = {
        "bench": "exports",
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "generate_s": round(generated, 1),
        "csv": {**csv, "target_s": 10},
        "xlsx": {**xlsx, "target_s": 30},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(orjson.dumps(report).decode())


if __name__ == "__main__":
    main()
