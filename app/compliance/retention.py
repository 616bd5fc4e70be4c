"""Retention policies per data class, and their enforcement by dropping whole partitions.

A data class names one or more time tables (``orders``: the orders table; ``executions``: the
executions and their markouts ...). The daily job (``tradedash.retention.enforce``) drops every
partition (plain PostgreSQL + pg_partman) or chunk (TimescaleDB, ``drop_chunks``) whose whole
time range lies before ``now - keep_days``: never row deletes. Classes without a time table
are reported, not enforced here: ``audit`` (one hash chain; dropping its head would break
verification) and ``exports`` (files of the exports store: deleted when ``enforce`` is given
the folder, their history rows kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from app.audit import Actor
from app.audit.log import record
from app.db.models.compliance import RetentionPolicy
from app.db.storage import uses_timescaledb
from app.exports.expiry import expire_export_files

SEVEN_YEARS = 7 * 365 + 2


@dataclass(frozen=True)
class DataClass:
    """A kind of data with one retention period."""

    name: str
    label: str
    tables: tuple[str, ...]
    default_days: int
    minimum_days: int = 1
    """Regulatory floor the admin cannot go below (MiFID II record keeping: 5 years)."""


FIVE_YEARS = 5 * 365 + 1
DATA_CLASSES: Mapping[str, DataClass] = {
    c.name: c
    for c in (
        DataClass("orders", "Orders", ("orders",), SEVEN_YEARS, FIVE_YEARS),
        DataClass(
            "executions",
            "Executions and markouts",
            ("executions", "fill_markouts"),
            SEVEN_YEARS,
            FIVE_YEARS,
        ),  # fmt: skip
        DataClass("positions", "Closed positions", ("positions",), SEVEN_YEARS, FIVE_YEARS),
        DataClass("audit", "Audit trail", (), SEVEN_YEARS, FIVE_YEARS),
        DataClass("quote_mids", "1-second mids", ("quote_mid_1s",), 30),
        DataClass("quote_stats", "Quote statistics", ("lp_quote_stats_1m",), 30),
        DataClass("account_snapshots", "Account snapshots", ("account_snapshots",), 365),
        DataClass("lp_status", "LP status heartbeats", ("lp_status",), 90),
        DataClass("exports", "Export files", (), 365),
    )
}
MAX_DAYS = 36_500


class RetentionError(ValueError):
    """An invalid policy change; the message is shown next to the field."""


def parse_keep_days(data_class: str, value: object) -> int:
    """Validated days to keep for ``data_class`` (an integer within its floor and 100 years)."""
    if data_class not in DATA_CLASSES:
        raise RetentionError(f"unknown data class {data_class!r}")
    text_value = str(value if value is not None else "").strip().replace(",", "")
    if not text_value.isdigit():
        raise RetentionError("enter a whole number of days")
    days = int(text_value)
    floor = DATA_CLASSES[data_class].minimum_days
    if days < floor:
        raise RetentionError(f"at least {floor} days (regulatory record keeping)")
    if days > MAX_DAYS:
        raise RetentionError(f"at most {MAX_DAYS} days")
    return days


def policies(session: Session) -> list[RetentionPolicy]:
    """The policy of every data class in the order of :data:`DATA_CLASSES`; a class without a
    stored row shows its default (an unsaved object, ``updated_at`` None)."""
    stored = {p.data_class: p for p in session.scalars(select(RetentionPolicy))}
    return [
        stored.get(name) or RetentionPolicy(data_class=name, keep_days=c.default_days)
        for name, c in DATA_CLASSES.items()
    ]


def set_policy(
    session: Session, actor: Actor, data_class: str, keep_days: object, *, updated_by: int | None
) -> RetentionPolicy:
    """Validate and store a policy, audited as ``retention.update`` (the caller commits)."""
    days = parse_keep_days(data_class, keep_days)
    policy = session.get(RetentionPolicy, data_class)
    before = policy.keep_days if policy else None
    if policy is None:
        policy = RetentionPolicy(data_class=data_class, keep_days=days)
        session.add(policy)
    policy.keep_days = days
    policy.updated_by = updated_by
    policy.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    record(session, actor, "retention.update", data_class, {"before": before, "after": days})
    return policy


@dataclass(frozen=True)
class Partition:
    """One partition of a time table and the end (exclusive) of its time range."""

    table: str
    name: str
    upper: dt.datetime


def expired(partitions: Sequence[Partition], cutoff: dt.datetime) -> list[Partition]:
    """The partitions whose whole range ends at or before ``cutoff`` (pure)."""
    return [p for p in partitions if p.upper <= cutoff]


PARTITIONS_SQL = """
SELECT c.relname,
       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass(:table) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
ORDER BY c.relname
"""


def range_partitions(conn: Connection, table: str) -> list[Partition]:
    """The range partitions of a plain partitioned table (the default partition excluded)."""
    rows = conn.execute(text(PARTITIONS_SQL), {"table": f"public.{table}"}).all()
    return [Partition(table, str(name), upper) for name, upper in rows if upper is not None]


@dataclass(frozen=True)
class Enforcement:
    """What one run dropped, per data class, and the classes it could not enforce."""

    dropped: dict[str, list[str]]
    skipped: dict[str, str]


def enforce(
    conn: Connection, now: dt.datetime | None = None, *, exports_dir: Path | None = None
) -> Enforcement:
    """Drop the partitions/chunks older than each policy (the caller's transaction); with
    ``exports_dir``, also delete export files older than the ``exports`` policy."""
    now = now or dt.datetime.now(dt.UTC)
    rows = conn.execute(text("SELECT data_class, keep_days FROM retention_policies")).all()
    keep: dict[str, int] = {str(name): int(days) for name, days in rows}
    timescale = uses_timescaledb(conn)
    dropped: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for name, data_class in DATA_CLASSES.items():
        days = int(keep.get(name, data_class.default_days))
        if name == "exports" and exports_dir is not None:
            dropped[name] = expire_export_files(conn, exports_dir, days, now)
            continue
        if not data_class.tables:
            skipped[name] = "no time table: not expired by this job"
            continue
        cutoff = now - dt.timedelta(days=days)
        names: list[str] = []
        for table in data_class.tables:
            if timescale:
                names += _drop_chunks(conn, table, cutoff, days)
            else:
                for partition in expired(range_partitions(conn, table), cutoff):
                    conn.execute(text(f'DROP TABLE "{partition.name}"'))
                    names.append(partition.name)
        dropped[name] = names
    return Enforcement(dropped, skipped)


def _drop_chunks(conn: Connection, table: str, cutoff: dt.datetime, days: int) -> list[str]:
    # Keep TimescaleDB's own policy at the same period, so it never expires data earlier.
    conn.execute(text("SELECT remove_retention_policy(:t, if_exists => true)"), {"t": table})
    conn.execute(
        text("SELECT add_retention_policy(:t, make_interval(days => :d))"),
        {"t": table, "d": days},
    )
    rows = conn.execute(
        text("SELECT drop_chunks(:t, older_than => :cutoff)"), {"t": table, "cutoff": cutoff}
    )
    return [str(row[0]) for row in rows]
