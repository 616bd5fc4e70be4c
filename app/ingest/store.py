"""Writes decoded batches to PostgreSQL: one transaction per batch, offsets included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import psycopg

from . import sql
from .batch import DecodedBatch
from .quotes import LpStatsRow, MidRow
from .rows import SPECS, copy_sql

MID_TYPES = ("text", "timestamptz", "float8", "float8", "float8", "int4")
MID_COLUMNS = ("symbol", "ts", "best_bid", "best_ask", "mid", "quote_count")
LP_STATS_TYPES = (
    "text",
    "text",
    "timestamptz",
    "int4",
    "float8",
    "float8",
    "float8",
    "float8",
    "timestamptz",
)
LP_STATS_COLUMNS = (
    "lp",
    "symbol",
    "bucket",
    "quote_count",
    "spread_tw_sum",
    "spread_tw_seconds",
    "spread_min",
    "spread_max",
    "last_quote_ts",
)


@dataclass
class BatchResult:
    """What one batch changed."""

    stored: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    executions_rolled_up: int = 0
    new_executions: dict[tuple[str, str], int] = field(default_factory=dict)
    """(lp, status) → executions inserted by this batch (duplicates excluded)."""

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())


def to_conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL of the settings."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class BatchStore:
    """Owns one PostgreSQL connection and writes batches through staging tables."""

    def __init__(self, conninfo: str, consumer_group: str) -> None:
        self.conninfo = conninfo
        self.consumer_group = consumer_group
        self.conn: psycopg.Connection[tuple[object, ...]] | None = None

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """The open connection, (re)connecting and creating the staging tables if needed."""
        if self.conn is not None and not self.conn.closed:
            return self.conn
        conn = psycopg.connect(self.conninfo, connect_timeout=5)
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '10s'")
            for table in sql.STAGE_TABLES:
                conn.execute(sql.CREATE_STAGE.format(table=table))
        self.conn = conn
        return conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def stored_offsets(self, topic: str) -> dict[int, int]:
        """partition → next offset, as committed with the last stored batch."""
        conn = self.connect()
        with conn.transaction():
            rows = conn.execute(sql.SELECT_OFFSETS, (self.consumer_group, topic)).fetchall()
        return {int(p): int(o) for p, o in rows}  # type: ignore[call-overload]

    def write(
        self, batch: DecodedBatch, mids: list[MidRow], lp_stats: list[LpStatsRow]
    ) -> BatchResult:
        """Store everything of a batch, or nothing (the transaction is the unit)."""
        conn = self.connect()
        result = BatchResult()
        try:
            with conn.transaction(), conn.cursor() as cur:
                # Quotes first: conversions of this batch's fills use this batch's mids.
                self._store_quotes(cur, mids, lp_stats)
                self._store_events(cur, batch, result)
                self._store_clients(cur, batch)
                self._store_dead_letters(cur, batch, result)
                self._store_bookkeeping(cur, batch, result)
        except psycopg.OperationalError:
            self.close()
            raise
        return result

    def _copy(
        self,
        cur: psycopg.Cursor[tuple[object, ...]],
        table: str,
        columns: tuple[str, ...],
        types: tuple[str, ...],
        rows: list[tuple[object, ...]],
    ) -> None:
        with cur.copy(copy_sql(f"stage_{table}", columns)) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)

    def _store_events(
        self, cur: psycopg.Cursor[tuple[object, ...]], batch: DecodedBatch, result: BatchResult
    ) -> None:
        # Orders first, so executions of orders in the same batch roll up at once.
        for topic_key in ("rules", "lp_status", "accounts", "orders", "positions", "executions"):
            rows = batch.rows.get(topic_key)
            if not rows:
                continue
            spec = SPECS[topic_key]
            self._copy(cur, spec.table, spec.columns, spec.types, rows)
            if topic_key == "positions":
                cur.execute(sql.INSERT_POSITIONS.format(columns=", ".join(spec.columns)))
            elif topic_key == "executions":
                cur.execute(sql.INSERT_EXECUTIONS)
                new = {(str(r[0]), str(r[1])): int(str(r[2])) for r in cur.fetchall()}
                result.new_executions = new
                result.stored[topic_key] = sum(new.values())
                result.duplicates[topic_key] = len(rows) - result.stored[topic_key]
                continue
            else:
                cur.execute(sql.INSERT_PLAIN.format(table=spec.table))
            result.stored[topic_key] = cur.rowcount
            result.duplicates[topic_key] = len(rows) - cur.rowcount
        if batch.rows.get("orders") or batch.rows.get("executions"):
            cur.execute(sql.ROLL_UP_READY_EXECUTIONS)
            counts = cur.fetchone()
            result.executions_rolled_up = int(counts[0]) if counts else 0  # type: ignore[call-overload]
        quotes = len(batch.quotes)
        if quotes or batch.quote_duplicates:
            result.stored["quotes"] = quotes
            result.duplicates["quotes"] = batch.quote_duplicates

    def _store_clients(self, cur: psycopg.Cursor[tuple[object, ...]], batch: DecodedBatch) -> None:
        if not batch.clients:
            return
        # Sorted by pseudonym: concurrent consumers lock shared rows in the same order.
        items = sorted(batch.clients.items())
        cur.execute(
            sql.UPSERT_CLIENT_IDENTITIES,
            (
                [pseudonym for pseudonym, _ in items],
                [client_id for _, (client_id, _first, _last) in items],
                [first for _, (_id, first, _last) in items],
                [last for _, (_id, _first, last) in items],
            ),
        )

    def _store_quotes(
        self,
        cur: psycopg.Cursor[tuple[object, ...]],
        mids: list[MidRow],
        lp_stats: list[LpStatsRow],
    ) -> None:
        if mids:
            self._copy(cur, "quote_mid_1s", MID_COLUMNS, MID_TYPES, mids)  # type: ignore[arg-type]
            cur.execute(sql.UPSERT_QUOTE_MIDS)
        if lp_stats:
            self._copy(cur, "lp_quote_stats_1m", LP_STATS_COLUMNS, LP_STATS_TYPES, lp_stats)  # type: ignore[arg-type]
            cur.execute(sql.UPSERT_LP_QUOTE_STATS)

    def _store_dead_letters(
        self, cur: psycopg.Cursor[tuple[object, ...]], batch: DecodedBatch, result: BatchResult
    ) -> None:
        if batch.dead_letters:
            cur.executemany(
                sql.INSERT_DEAD_LETTER,
                [
                    (d.topic, d.partition, d.offset, d.raw, d.reason[:2000])
                    for d in batch.dead_letters
                ],
            )
            result.dead_letters = len(batch.dead_letters)

    def _store_bookkeeping(
        self, cur: psycopg.Cursor[tuple[object, ...]], batch: DecodedBatch, result: BatchResult
    ) -> None:
        dead_by_topic: dict[str, int] = {}
        for dead in batch.dead_letters:
            dead_by_topic[dead.topic] = dead_by_topic.get(dead.topic, 0) + 1
        stats: list[tuple[str, int, int, int, dt.datetime | None]] = []
        for topic_key, topic in batch.topic_names.items():
            stats.append(
                (
                    topic,
                    result.stored.get(topic_key, 0),
                    result.duplicates.get(topic_key, 0),
                    dead_by_topic.get(topic, 0),
                    batch.last_event_ts.get(topic_key),
                )
            )
        stats.sort(key=lambda row: row[0])  # a fixed lock order across consumers
        cur.executemany(sql.UPSERT_STATS, stats)
        cur.executemany(
            sql.UPSERT_OFFSET,
            [
                (self.consumer_group, topic, partition, offset)
                for (topic, partition), offset in sorted(batch.next_offsets.items())
            ],
        )
