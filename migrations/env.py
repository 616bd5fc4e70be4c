"""Alembic environment: one connection, URL from the Config or else from the app's settings.

A caller may pass ``config.attributes["connection"]`` (an open SQLAlchemy Connection) or
``config.attributes["database_url"]`` / the ``sqlalchemy.url`` option / ``-x url=...``; without
any of these the URL is ``app.config.load_settings().database_url``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from app.db.models import metadata
from migrations.shared.filters import include_name

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = (
        config.attributes.get("database_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
    )
    if url:
        return str(url)
    from app.config import load_settings

    return load_settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a given connection or on a fresh single-connection engine."""
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    # NullPool: exactly one connection, closed at the end (PGlite serves one at a time).
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "Offline (--sql) migrations are not supported: they inspect the server (TimescaleDB or "
        "pg_partman) to choose the storage path."
    )
run_migrations_online()
