"""Partition upkeep on the plain-PostgreSQL path (TimescaleDB does its own, in its jobs).

pg_partman premakes future partitions and applies retention only when its maintenance runs;
a periodic worker calls :func:`run_maintenance` (hourly is plenty for daily partitions with
7 premade). Without it, rows beyond the premade range fall into ``<table>_default``.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.db.storage import uses_partman


def run_maintenance(conn: Connection) -> bool:
    """Create due partitions and drop expired ones; False when partman is not in use."""
    if not uses_partman(conn):
        return False
    conn.execute(text("SELECT partman.run_maintenance(p_analyze => false)"))
    return True


def partition_names(conn: Connection, table: str) -> list[str]:
    """Names of the partitions of ``table`` (for checks and diagnostics), oldest first."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:table) ORDER BY c.relname"
        ),
        {"table": f"public.{table}"},
    )
    return [row[0] for row in rows]
