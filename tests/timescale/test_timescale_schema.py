"""The migrations on a real TimescaleDB: hypertables, continuous aggregates, policies, reads."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, pool, text

from app.config import load_settings
from app.db.derived import refresh_derived
from app.db.migrate import downgrade, upgrade
from app.db.partitions import run_maintenance
from app.db.storage import uses_timescaledb

pytestmark = pytest.mark.timescale

HYPERTABLES = {
    "orders",
    "executions",
    "positions",
    "account_snapshots",
    "lp_status",
    "quote_mid_1s",
    "lp_quote_stats_1m",
    "exec_rollup_1m",
    "exposure_1m",
    "fill_markouts",
}
CONTINUOUS_AGGREGATES = {"ohlc_1m", "pnl_daily"}
GAPFILL_SQL = """
SELECT time_bucket_gapfill(INTERVAL '1 minute', bucket) AS minute,
       locf(last(close, bucket)) AS close
FROM ohlc_1m
WHERE symbol = :symbol AND bucket >= :start AND bucket < :end
GROUP BY 1 ORDER BY 1
"""


@pytest.fixture(scope="module")
def migrated(timescale_url: str) -> Iterator[Engine]:
    """The server migrated to head; an engine that holds at most one connection at a time."""
    upgrade(load_settings(database_url=timescale_url))
    engine = create_engine(timescale_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _scalars(engine: Engine, sql: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_the_timescaledb_path_is_chosen(migrated: Engine) -> None:
    with migrated.connect() as conn:
        assert uses_timescaledb(conn)
        assert run_maintenance(conn) is False


def test_time_tables_are_hypertables(migrated: Engine) -> None:
    found = _scalars(migrated, "SELECT hypertable_name FROM timescaledb_information.hypertables")
    assert found == HYPERTABLES


def test_derived_rollups_are_real_time_continuous_aggregates(migrated: Engine) -> None:
    found = _scalars(
        migrated,
        "SELECT view_name FROM timescaledb_information.continuous_aggregates "
        "WHERE NOT materialized_only",
    )
    assert found == CONTINUOUS_AGGREGATES


def test_policies_exist(migrated: Engine) -> None:
    with migrated.connect() as conn:
        jobs = conn.execute(
            text(
                "SELECT proc_name, hypertable_name FROM timescaledb_information.jobs "
                "WHERE hypertable_name IS NOT NULL"
            )
        ).all()
    by_kind: dict[str, set[str]] = {}
    for kind, table in jobs:
        by_kind.setdefault(kind, set()).add(table)
    assert by_kind["policy_compression"] == HYPERTABLES
    assert by_kind["policy_retention"] == HYPERTABLES | {"ohlc_1m"}
    assert by_kind["policy_refresh_continuous_aggregate"] == CONTINUOUS_AGGREGATES


def test_rows_come_back_through_the_plain_paths_queries(
    migrated: Engine, ohlc_read_sql: str
) -> None:
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=7)
    with migrated.begin() as conn:
        for second, mid in ((1, 1.1), (2, 1.3), (3, 1.0), (4, 1.2)):
            conn.execute(
                text(
                    "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
                    "VALUES ('EURUSD', :ts, :mid - 0.0001, :mid + 0.0001, :mid, 3)"
                ),
                {"ts": minute + dt.timedelta(seconds=second), "mid": mid},
            )
        for pnl in (Decimal("10"), Decimal("-4"), Decimal("5")):
            conn.execute(
                text(
                    "INSERT INTO positions (event_id, ts, position_id, account_id, client_ref, "
                    "symbol, side, qty, open_ts, open_price, close_price, book, lp, rule_id, "
                    "rule_version, client_pnl, broker_pnl, currency, broker_pnl_usd) VALUES "
                    "(:id, :ts, 'p', 'a', 'c', 'EURUSD', 'buy', 100000, :ts, 1.1, 1.2, 'B', "
                    "NULL, 'r1', 1, -:pnl, :pnl, 'USD', :pnl)"
                ),
                {"id": uuid.uuid4(), "ts": minute, "pnl": pnl},
            )
    window = {"symbol": "EURUSD", "start": minute, "end": minute + dt.timedelta(minutes=1)}
    expected_candle = (1.1, 1.3, 1.0, 1.2, 12)

    # Real-time aggregation shows the rows before any refresh ...
    with migrated.connect() as conn:
        candles = conn.execute(text(ohlc_read_sql), window).all()
    assert [tuple(candle)[2:] for candle in candles] == [expected_candle]

    # ... and the materialised result after one is the same.
    refresh_derived(migrated, minute, minute + dt.timedelta(minutes=1))
    with migrated.connect() as conn:
        candles = conn.execute(text(ohlc_read_sql), window).all()
        daily = conn.execute(
            text("SELECT lp, trades, wins, losses, gross_profit, gross_loss, net FROM pnl_daily")
        ).one()
        gapfilled = conn.execute(
            text(GAPFILL_SQL), window | {"end": minute + dt.timedelta(minutes=3)}
        ).all()
    assert [tuple(candle)[2:] for candle in candles] == [expected_candle]
    assert tuple(daily) == ("INTERNAL", 3, 2, 1, Decimal("15"), Decimal("4"), Decimal("11"))
    assert [row.close for row in gapfilled] == [1.2, 1.2, 1.2]


def test_a_redelivered_event_is_stored_once_in_a_hypertable(migrated: Engine) -> None:
    event = {"id": uuid.uuid4(), "ts": dt.datetime.now(dt.UTC)}
    with migrated.begin() as conn:
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO lp_status (event_id, ts, lp, status) VALUES (:id, :ts, 'LP1', "
                    "'up') ON CONFLICT (event_id, ts) DO NOTHING"
                ),
                event,
            )
        stored = conn.execute(
            text("SELECT count(*) FROM lp_status WHERE event_id = :id"), event
        ).scalar()
    assert stored == 1


def test_downgrade_removes_the_schema_and_its_policies(
    migrated: Engine, timescale_url: str
) -> None:
    downgrade(load_settings(database_url=timescale_url), "base")
    assert (
        _scalars(migrated, "SELECT hypertable_name FROM timescaledb_information.hypertables")
        == set()
    )
    assert (
        _scalars(
            migrated,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'",
        )
        == set()
    )
    assert (
        _scalars(
            migrated,
            "SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL",
        )
        == set()
    )
