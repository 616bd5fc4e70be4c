"""On-demand export jobs: a large export running on a Celery worker, with its progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
DATA_EXPORT_FORMATS = ("csv", "xlsx", "json", "parquet", "pdf")


class ExportJob(Base):
    """One export requested in the app (or the API) and produced by ``tradedash.exports.run``."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        one_of("status", JOB_STATUSES),
        one_of("format", DATA_EXPORT_FORMATS),
        Index(None, "requested_by", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str]
    """The user's e-mail or the token's name (who asked; audited with the file)."""
    role: Mapped[str]
    ip: Mapped[str | None]
    dataset: Mapped[str]
    format: Mapped[str]
    params: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    """The export request: window, filters, columns, timezone, currency."""
    status: Mapped[str] = mapped_column(server_default="queued")
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    """The rows counted when the job started (the progress bar's 100 %)."""
    rows_done: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    progress: Mapped[float] = mapped_column(server_default=text("0"))
    """0–1."""
    file_name: Mapped[str | None]
    storage_path: Mapped[str | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None]
    error: Mapped[str | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
