"""Bookkeeping of the Kafka consumers: rejected messages and per-topic counters."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Identity,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class DeadLetter(Base):
    """A message that broke the contract, kept with its raw bytes and the reason.

    Unique on (topic, partition, offset) so a redelivered message is stored once.
    """

    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("topic", "partition", "offset"),
        Index(None, "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    topic: Mapped[str]
    partition: Mapped[int]
    offset: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class IngestStat(Base):
    """Running counters of one topic's consumer."""

    __tablename__ = "ingest_stats"

    topic: Mapped[str] = mapped_column(primary_key=True)
    events_stored: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    duplicates_ignored: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    dead_letters: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    last_event_ts: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class IngestOffset(Base):
    """The next Kafka offset to read per consumer group, topic and partition.

    Written in the same transaction as the batch it follows, so it is the source of truth when a
    consumer is assigned a partition (Kafka's committed offset can lag behind after a crash).
    """

    __tablename__ = "ingest_offsets"

    consumer_group: Mapped[str] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class ExecPending(Base):
    """An execution report stored before its order arrived; rolled up when the order comes."""

    __tablename__ = "exec_pending"
    __table_args__ = (Index(None, "order_id"),)

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(primary_key=True)
    order_id: Mapped[str]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class InstrumentCurrency(Base):
    """The quote currency of a symbol that is not a six-letter currency pair (e.g. GER40: EUR)."""

    __tablename__ = "instrument_currencies"

    symbol: Mapped[str] = mapped_column(primary_key=True)
    quote_currency: Mapped[str] = mapped_column(String(3))
