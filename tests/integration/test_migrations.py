"""The migrations build exactly the models' schema on plain PostgreSQL + pg_partman, and undo it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import ARRAY, Connection, Engine, Table, create_engine, func, select, text, types
from sqlalchemy.dialects.postgresql import insert

from app.config import load_settings
from app.db.derived import refresh_derived
from app.db.migrate import downgrade, heads, upgrade
from app.db.models import metadata
from app.db.partitions import partition_names, run_maintenance
from migrations.shared.filters import include_name

pytestmark = pytest.mark.integration

PARTITIONED = (
    "orders",
    "executions",
    "positions",
    "account_snapshots",
    "lp_status",
    "quote_mid_1s",
    "ohlc_1m",
    "lp_quote_stats_1m",
    "exec_rollup_1m",
    "exposure_1m",
    "pnl_daily",
    "fill_markouts",
)
EVENT_TABLES = ("orders", "executions", "positions", "account_snapshots", "lp_status", "rules")
TIME_COLUMN = {"pnl_daily": "day"}
ENUM_VALUES = {
    "side": "buy",
    "book": "A",
    "asset_class": "fx",
    "order_type": "market",
    ("executions", "status"): "filled",
    ("lp_status", "status"): "up",
    ("fill_markouts", "side"): 1,
    "reject_reason": None,
}


def _time_column(table: Table) -> str:
    if table.name in TIME_COLUMN:
        return TIME_COLUMN[table.name]
    return "ts" if "ts" in table.c else "bucket"


def _value(table: Table, column_name: str, column_type: types.TypeEngine[Any]) -> Any:
    for key in ((table.name, column_name), column_name):
        if key in ENUM_VALUES:
            return ENUM_VALUES[key]
    if isinstance(column_type, types.Uuid):
        return uuid.uuid4()
    if isinstance(column_type, types.DateTime):
        return dt.datetime.now(dt.UTC)
    if isinstance(column_type, ARRAY):
        return [0, 1, 2]
    if isinstance(column_type, types.Numeric) and not isinstance(column_type, types.Float):
        return Decimal("1.25")
    if isinstance(column_type, types.Float):
        return 1.25
    if isinstance(column_type, types.Integer):
        return 1
    if isinstance(column_type, types.JSON):
        return {"k": "v"}
    if isinstance(column_type, types.String):
        return "USD" if column_name == "currency" else f"{column_name}-1"
    raise AssertionError(f"no sample value for {table.name}.{column_name} ({column_type})")


def sample_row(table_name: str, at: dt.datetime) -> dict[str, Any]:
    """A valid row of ``table_name`` whose time column is ``at``."""
    table = metadata.tables[table_name]
    row = {column.name: _value(table, column.name, column.type) for column in table.c}
    row[_time_column(table)] = at
    return row


def test_there_is_exactly_one_head() -> None:
    assert len(heads(load_settings())) == 1


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_downgrade_to_base_removes_everything_and_upgrade_works_again(
    empty_database_url: Callable[[], str],
) -> None:
    settings = load_settings(database_url=empty_database_url())
    upgrade(settings)
    downgrade(settings, "base")

    check = create_engine(settings.database_url)
    try:
        with check.connect() as conn:
            leftovers = conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p', 'v', 'm') AND ("
                    "relnamespace = 'public'::regnamespace AND relname <> 'alembic_version' "
                    "OR relnamespace = 'partman'::regnamespace AND relname LIKE 'template%')"
                )
            ).scalars()
            assert list(leftovers) == []
            assert conn.execute(text("SELECT count(*) FROM partman.part_config")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM partman.part_config_sub")).scalar() == 0
    finally:
        check.dispose()

    upgrade(settings)


def test_partman_manages_every_time_table(db: Connection) -> None:
    managed = db.execute(text("SELECT parent_table FROM partman.part_config")).scalars()
    assert sorted(managed) == sorted(f"public.{name}" for name in PARTITIONED)
    assert all(f"{name}_default" in partition_names(db, name) for name in PARTITIONED)


@pytest.mark.parametrize("table_name", PARTITIONED)
def test_week_old_and_current_rows_land_in_real_partitions(db: Connection, table_name: str) -> None:
    table = metadata.tables[table_name]
    now = dt.datetime.now(dt.UTC)
    for at in (now - dt.timedelta(days=7), now):
        db.execute(table.insert().values(sample_row(table_name, at)))
    where = db.execute(
        text(f"SELECT DISTINCT tableoid::regclass::text FROM {table_name}")
    ).scalars()
    assert not [name for name in where if name.endswith("_default")]


def test_rows_older_than_the_partitions_go_to_the_default_partition(db: Connection) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    db.execute(metadata.tables["orders"].insert().values(sample_row("orders", old)))
    where = db.execute(text("SELECT tableoid::regclass::text FROM orders")).scalar_one()
    assert where == "orders_default"


@pytest.mark.parametrize("table_name", EVENT_TABLES)
def test_a_redelivered_event_is_stored_once(db: Connection, table_name: str) -> None:
    table = metadata.tables[table_name]
    row = sample_row(table_name, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    for _ in range(2):
        db.execute(insert(table).values(row).on_conflict_do_nothing())
    assert db.execute(select(func.count()).select_from(table)).scalar() == 1


def test_run_maintenance_runs_on_the_plain_path(db: Connection) -> None:
    assert run_maintenance(db) is True


def test_refresh_derived_fills_candles_and_daily_results(
    committed_db: Engine, ohlc_read_sql: str
) -> None:
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=7)
    quotes = metadata.tables["quote_mid_1s"]
    positions = metadata.tables["positions"]
    with committed_db.begin() as conn:
        for second, mid in ((1, 1.1), (2, 1.3), (3, 1.0), (4, 1.2)):
            conn.execute(
                quotes.insert().values(
                    symbol="EURUSD",
                    ts=minute + dt.timedelta(seconds=second),
                    best_bid=mid - 0.0001,
                    best_ask=mid + 0.0001,
                    mid=mid,
                    quote_count=3,
                )
            )
        for pnl in (Decimal("10"), Decimal("-4"), Decimal("5")):
            row = sample_row("positions", minute) | {"broker_pnl": pnl, "broker_pnl_usd": pnl}
            conn.execute(positions.insert().values(row))

    refresh_derived(committed_db, minute, minute + dt.timedelta(minutes=1))

    with committed_db.connect() as conn:
        candles = conn.execute(
            text(ohlc_read_sql),
            {"symbol": "EURUSD", "start": minute, "end": minute + dt.timedelta(minutes=1)},
        ).all()
        daily = conn.execute(
            text("SELECT trades, wins, losses, gross_profit, gross_loss, net FROM pnl_daily")
        ).one()
    assert [tuple(candle)[2:] for candle in candles] == [(1.1, 1.3, 1.0, 1.2, 12)]
    assert tuple(daily) == (3, 2, 1, Decimal("15"), Decimal("4"), Decimal("11"))
