"""Compliance tables: the client identity mapping and the retention policies.

``client_identities`` is the one place where a pseudonym (``client_ref`` in the event tables)
can be linked back to the engine's real client id. It is read only through the compliance-gated
code in ``app.compliance`` (subject access, erasure); no analytics query joins it. Erasure
deletes its row, after which the stored pseudonym is no longer personal data in our hands.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class ClientIdentity(Base):
    """One client: the stored pseudonym, the real id it stands for, when it was seen."""

    __tablename__ = "client_identities"
    __table_args__ = (Index(None, "client_id"),)

    pseudonym: Mapped[str] = mapped_column(primary_key=True)
    client_id: Mapped[str]
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]


class RetentionPolicy(Base):
    """How long one data class is kept; the retention job drops whole partitions beyond it."""

    __tablename__ = "retention_policies"
    __table_args__ = (CheckConstraint("keep_days > 0", name="keep_days"),)

    data_class: Mapped[str] = mapped_column(primary_key=True)
    keep_days: Mapped[int]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
