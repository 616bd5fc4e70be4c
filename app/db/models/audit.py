"""The audit trail: who did what, from where, chained by hashes so edits are detectable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, LargeBinary, func, text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class AuditEntry(Base):
    """One audited action. ``row_hash`` = hash(``prev_hash`` ‖ this row's content), computed by
    the application; ``prev_hash`` is the previous row's ``row_hash`` (NULL for the first row).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "ts"), Index(None, "actor", "ts"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str]
    """The user's email or the API token's name."""
    role: Mapped[str]
    ip: Mapped[str | None] = mapped_column(INET)
    action: Mapped[str]
    target: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
