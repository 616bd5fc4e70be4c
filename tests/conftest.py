"""Shared database fixtures.

``database_url`` creates a fresh database on the running PostgreSQL (``tradedash services up``)
for the whole session, migrated to head, and drops it at the end. Nothing here connects
anywhere until an integration test asks for one of these fixtures, so unit tests need no services.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from app.config import load_settings
from app.db.migrate import upgrade

OHLC_READ_SQL = """
SELECT symbol, bucket, open, high, low, close, quote_count
FROM ohlc_1m
WHERE symbol = :symbol AND bucket >= :start AND bucket < :end
ORDER BY bucket
"""
"""The candle query both storage paths must answer identically (plain and TimescaleDB tiers)."""


def _server_admin_url(database_url: str) -> str:
    return make_url(database_url).set(database="postgres").render_as_string(hide_password=False)


def _force_drop(conn: Connection, name: str, attempts: int = 20) -> None:
    """``DROP DATABASE ... WITH (FORCE)``, retried while PostgreSQL 15 refuses it.

    An autovacuum worker runs as the bootstrap superuser, and PostgreSQL 15 will not let the
    (non-superuser) test role terminate it, so a drop that meets one on a freshly migrated
    database fails with InsufficientPrivilege; the worker is gone within a second or two.
    """
    for attempt in range(attempts):
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError as error:
            if not isinstance(error.orig, pg_errors.InsufficientPrivilege):
                raise
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)


def _create_database(name: str) -> str:
    base = load_settings().database_url
    admin = create_engine(_server_admin_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _force_drop(conn, name)
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    admin = create_engine(
        _server_admin_url(load_settings().database_url), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            _force_drop(conn, name)
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a fresh database migrated to head, private to this test session."""
    name = f"tradedash_test_{os.getpid()}"
    url = _create_database(name)
    try:
        upgrade(load_settings(database_url=url))
        yield url
    finally:
        _drop_database(name)


@pytest.fixture
def empty_database_url() -> Iterator[Callable[[], str]]:
    """Factory of fresh, unmigrated databases (dropped after the test)."""
    created: list[str] = []

    def make() -> str:
        name = f"tradedash_test_{os.getpid()}_{len(created)}"
        created.append(name)
        return _create_database(name)

    yield make
    for name in created:
        _drop_database(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the session's test database."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test: nothing persists."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def committed_db(engine: Engine) -> Iterator[Engine]:
    """For tests whose code commits: the engine, with the data tables emptied afterwards.

    Only tables that hold rows are truncated: a TRUNCATE of every partitioned table (hundreds
    of partitions) takes seconds.
    """
    yield engine
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT format('%I', c.relname) FROM pg_class c "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
                "AND NOT c.relispartition "
                "AND c.relname NOT IN ('alembic_version', 'instrument_currencies')"
            )
        ).scalars()
        filled = [
            table
            for table in tables
            if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar()
        ]
        if filled:
            conn.execute(text(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def ohlc_read_sql() -> str:
    """The shared candle query (see ``OHLC_READ_SQL``)."""
    return OHLC_READ_SQL
