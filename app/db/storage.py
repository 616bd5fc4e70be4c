"""Which storage path a database uses: TimescaleDB, or native partitions managed by pg_partman."""

from __future__ import annotations

from sqlalchemy import Connection, text


def uses_timescaledb(conn: Connection) -> bool:
    """Whether the migrations installed TimescaleDB in this database."""
    found = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"))
    return found.scalar() is not None


def uses_partman(conn: Connection) -> bool:
    """Whether this database's time tables are managed by pg_partman."""
    found = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_partman'"))
    return found.scalar() is not None and not uses_timescaledb(conn)
