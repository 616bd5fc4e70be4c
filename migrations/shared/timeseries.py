"""Time-partitioned tables on either storage path.

With TimescaleDB (detected by ``pg_available_extensions`` in the first revision, which then
creates the extension) a time table is a hypertable with compression and retention policies, and
a derived rollup is a continuous aggregate with a refresh policy. Without it, a time table is a
native ``PARTITION BY RANGE`` table managed by pg_partman 4.x (``partman`` schema), and a derived
rollup is a partitioned table of the same name and columns that
``app.db.derived.refresh_derived`` fills.

Partitions start ``PAST_DAYS`` before the migration runs, so the demo's backfill (7+ days) and
tests with old timestamps land in real partitions; anything older, or further ahead than the
premade partitions, lands in the ``<table>_default`` partition rather than being rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

PAST_DAYS = 60
"""How far back the first partition starts (the simulator backfills up to this much history)."""


@dataclass(frozen=True)
class TimePolicy:
    """How one time table is chunked, compressed and expired."""

    interval: str
    """Partition / chunk width, e.g. ``'1 day'``."""
    premake: int
    """Partitions pg_partman keeps ready ahead of now."""
    retention: str | None
    """Data older than this is dropped (pg_partman retention or a retention policy)."""
    compress_after: str | None = None
    """TimescaleDB only: compress chunks older than this."""
    segment_by: str | None = None
    """TimescaleDB only: ``compress_segmentby`` columns."""


def timescaledb_available() -> bool:
    """Whether the server can load TimescaleDB."""
    return bool(
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"))
        .scalar()
    )


def uses_timescaledb() -> bool:
    """Whether this database has TimescaleDB installed (decided once, by the first revision)."""
    return bool(
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"))
        .scalar()
    )


def require_partman() -> None:
    """Fail early, with a clear message, when neither TimescaleDB nor pg_partman is installed."""
    found = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_partman'"))
        .scalar()
    )
    if not found:
        raise RuntimeError(
            "Without TimescaleDB the schema needs the pg_partman extension in schema `partman` "
            "(a superuser runs: CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman)"
        )


def create_time_table(
    name: str, time_column: str, policy: TimePolicy, *elements: sa.schema.SchemaItem
) -> None:
    """Create ``name`` partitioned by ``time_column`` on whichever storage path is in use."""
    if uses_timescaledb():
        op.create_table(name, *elements)
        _make_hypertable(name, time_column, policy)
    else:
        op.create_table(name, *elements, postgresql_partition_by=f"RANGE ({time_column})")
        _register_with_partman(name, time_column, policy)


def drop_time_table(name: str) -> None:
    """Drop a table made by :func:`create_time_table`, with its partitions and partman config."""
    if not uses_timescaledb():
        _unregister_from_partman(name)
    op.drop_table(name)


def create_derived_rollup(
    name: str,
    time_column: str,
    policy: TimePolicy,
    select_sql: str,
    refresh: tuple[str | None, str, str],
    *elements: sa.schema.SchemaItem,
) -> None:
    """A rollup computed from a hypertable: a continuous aggregate, else a partitioned table.

    ``select_sql`` must name its columns exactly like ``elements``; ``refresh`` is the policy's
    (start_offset, end_offset, schedule_interval), start_offset None meaning all history (so
    backfilled old rows are aggregated too; only invalidated ranges are recomputed).
    """
    if not uses_timescaledb():
        create_time_table(name, time_column, policy, *elements)
        return
    op.execute(
        f"CREATE MATERIALIZED VIEW {name} WITH (timescaledb.continuous, "
        f"timescaledb.materialized_only = false) AS {select_sql} WITH NO DATA"
    )
    start, end, schedule = refresh
    start_sql = "NULL" if start is None else f"INTERVAL '{start}'"
    op.execute(
        f"SELECT add_continuous_aggregate_policy('{name}', start_offset => {start_sql}, "
        f"end_offset => INTERVAL '{end}', schedule_interval => INTERVAL '{schedule}')"
    )
    if policy.retention is not None:
        op.execute(f"SELECT add_retention_policy('{name}', INTERVAL '{policy.retention}')")


def drop_derived_rollup(name: str) -> None:
    """Drop a rollup made by :func:`create_derived_rollup` (its policies go with it)."""
    if uses_timescaledb():
        op.execute(f"DROP MATERIALIZED VIEW IF EXISTS {name}")
    else:
        drop_time_table(name)


def _make_hypertable(name: str, time_column: str, policy: TimePolicy) -> None:
    # No default (time DESC) index: both paths carry exactly the indexes the models declare.
    op.execute(
        f"SELECT create_hypertable('{name}', by_range('{time_column}', "
        f"INTERVAL '{policy.interval}'), create_default_indexes => false)"
    )
    if policy.compress_after is not None:
        segment = f", timescaledb.compress_segmentby = '{policy.segment_by}'"
        op.execute(
            f"ALTER TABLE {name} SET (timescaledb.compress, "
            f"timescaledb.compress_orderby = '{time_column} DESC'"
            f"{segment if policy.segment_by else ''})"
        )
        op.execute(f"SELECT add_compression_policy('{name}', INTERVAL '{policy.compress_after}')")
    if policy.retention is not None:
        op.execute(f"SELECT add_retention_policy('{name}', INTERVAL '{policy.retention}')")


def _register_with_partman(name: str, time_column: str, policy: TimePolicy) -> None:
    require_partman()
    op.execute(
        f"SELECT partman.create_parent(p_parent_table => 'public.{name}', "
        f"p_control => '{time_column}', p_type => 'native', p_interval => '{policy.interval}', "
        f"p_premake => {policy.premake}, p_start_partition => "
        f"to_char(now() - INTERVAL '{PAST_DAYS} days', 'YYYY-MM-DD'))"
    )
    # Keep premaking future partitions even when no new data arrives (idle demo, weekends).
    retention = "NULL" if policy.retention is None else f"'{policy.retention}'"
    op.execute(
        f"UPDATE partman.part_config SET infinite_time_partitions = true, "
        f"retention = {retention}, retention_keep_table = false "
        f"WHERE parent_table = 'public.{name}'"
    )


def _unregister_from_partman(name: str) -> None:
    op.execute(f"DELETE FROM partman.part_config_sub WHERE sub_parent = 'public.{name}'")
    op.execute(f"DELETE FROM partman.part_config WHERE parent_table = 'public.{name}'")
    op.execute(f"DROP TABLE IF EXISTS partman.template_public_{name}")
