"""How fast is ``lp_scorecard`` over a week of rollups? A script, not a test.

    .venv/bin/python tests/integration/analytics/bench_lp_scorecard.py [--density 0.3] [--keep]

Creates a private database on the local PostgreSQL, migrates it, fills it with INSERT ...
SELECT generate_series: 7 days × 8 LPs (7 venues and INTERNAL) × 23 symbols × every minute,
each (minute, LP, symbol) present with probability ``--density``, a sparse latency histogram
of 1–3 buckets per row; ``lp_status`` heartbeats every 10 s per venue with a few outages; and
about 15 000 fills a day in ``fill_markouts``. Then it times ``lp_scorecard`` for the whole
week, one day and one LP, and drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.config import load_settings
from app.db.migrate import upgrade
from app.queries.execution import lp_scorecard
from app.queries.filters import Filter

LPS = [f"LP{i}" for i in range(1, 8)] + ["INTERNAL"]
SYMBOLS = [
    "EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD", "EURGBP", "EURJPY",
    "GBPJPY", "AUDJPY", "EURCHF", "XAUUSD", "XAGUSD", "USOIL", "US500", "NAS100", "GER40",
    "UK100", "BTCUSD", "ETHUSD", "AAPL", "TSLA",
]  # fmt: skip

ROLLUPS_SQL = """
INSERT INTO exec_rollup_1m
SELECT m, lp, sym, CASE WHEN lp = 'INTERNAL' THEN 'B' ELSE 'A' END,
       'rule-' || (1 + (hashtext(sym) & 3)), 1,
       n, n - r, 0, r, 0, r, 0, 0, 0, 0, 0, 0,
       n * 100000.0, (n - r) * 100000.0, (n - r) * 110000.0,
       (random() - 0.6) * (n - r) * 100000.0, n - r, 0, 0, (random() - 0.5) * (n - r),
       n - r,
       CASE WHEN n = 1 THEN ARRAY[b] ELSE ARRAY[b, b + 1 + gap] END,
       CASE WHEN n = 1 THEN ARRAY[1] ELSE ARRAY[1, n - 1] END,
       n * 40.0, 60.0 * (1 + gap), (n - r) * 2.5, (n - r) * 0.8, 0
FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz) - INTERVAL '1 minute',
                     INTERVAL '1 minute') AS m
CROSS JOIN unnest(CAST(:lps AS text[])) AS lp
CROSS JOIN unnest(CAST(:symbols AS text[])) AS sym
CROSS JOIN LATERAL (
    SELECT 1 + floor(random() * 3)::int AS n, (random() < 0.05)::int AS r,
           300 + floor(random() * 120)::int AS b, floor(random() * 80)::int AS gap
    WHERE m IS NOT NULL) x
WHERE random() < :density
"""

STATUS_SQL = """
INSERT INTO lp_status (event_id, ts, lp, status, detail)
SELECT gen_random_uuid(), t, lp,
       CASE WHEN extract(hour FROM t) = 3 AND lp = 'LP3' THEN 'down'
            WHEN extract(hour FROM t) = 9 AND lp = 'LP5' THEN 'degraded' ELSE 'up' END,
       NULL
FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz) - INTERVAL '10 s',
                     INTERVAL '10 seconds') AS t
CROSS JOIN unnest(CAST(:venues AS text[])) AS lp
"""

MARKOUTS_SQL = """
INSERT INTO fill_markouts
SELECT gen_random_uuid(), ts, (CAST(:lps AS text[]))[1 + floor(random() * 8)::int],
       (CAST(:symbols AS text[]))[1 + floor(random() * 23)::int], 'A', 'rule-1', 1,
       CASE WHEN random() < 0.5 THEN 1 ELSE -1 END, 100000.0, 1.1, 0.0001,
       random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5
FROM generate_series(CAST(:start AS timestamptz), CAST(:end AS timestamptz),
                     INTERVAL '5.76 seconds') AS ts
"""


def _admin() -> sa.Engine:
    url = make_url(load_settings().database_url).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def fill(engine: sa.Engine, start: dt.datetime, end: dt.datetime, density: float) -> None:
    params = {
        "start": start,
        "end": end,
        "lps": LPS,
        "venues": LPS[:-1],
        "symbols": SYMBOLS,
        "density": density,
    }
    with engine.begin() as conn:
        for name, sql in (("rollups", ROLLUPS_SQL), ("lp_status", STATUS_SQL)):
            began = time.perf_counter()
            rows = conn.execute(sa.text(sql), params).rowcount
            print(f"  {name}: {rows:,} rows in {time.perf_counter() - began:.1f} s")
        rows = conn.execute(sa.text(MARKOUTS_SQL), params).rowcount
        print(f"  fill_markouts: {rows:,} rows")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def timed(engine: sa.Engine, f: Filter, runs: int = 5) -> tuple[float, float, int]:
    """Median and best wall time (s) of ``lp_scorecard`` over ``runs``, and its row count."""
    times, rows = [], 0
    for _ in range(runs):
        with engine.connect() as conn:
            began = time.perf_counter()
            rows = len(lp_scorecard(conn, f))
            times.append(time.perf_counter() - began)
    return statistics.median(times), min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--density", type=float, default=0.3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"tradedash_bench_lp_{os.getpid()}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(load_settings().database_url).set(database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        upgrade(load_settings(database_url=url_text))
        engine = sa.create_engine(url)
        end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        start = end - dt.timedelta(days=7)
        print(f"filling {name} (density {args.density}) ...")
        fill(engine, start, end, args.density)
        cases = {
            "7 days, all LPs": Filter(start=start, end=end),
            "1 day, all LPs": Filter(start=end - dt.timedelta(days=1), end=end),
            "7 days, one LP": Filter(start=start, end=end, lps=("LP2",)),
            "7 days, 3 symbols": Filter(
                start=start, end=end, symbols=("EURUSD", "USDJPY", "XAUUSD")
            ),
        }
        print(f"{'case':<20} {'median s':>9} {'best s':>8} {'rows':>5}")
        for label, f in cases.items():
            median, best, rows = timed(engine, f)
            print(f"{label:<20} {median:>9.3f} {best:>8.3f} {rows:>5}")
        engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
