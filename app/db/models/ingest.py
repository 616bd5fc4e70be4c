"""Bookkeeping of the Kafka consumers: rejected messages and per-topic counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Identity, Index, LargeBinary, UniqueConstraint, func, text
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
