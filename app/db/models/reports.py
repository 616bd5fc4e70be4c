"""Scheduled exports: the schedules, each execution of one, and the files produced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

EXPORT_FORMATS = ("csv", "xlsx", "pdf", "parquet")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")


class ExportSchedule(Base):
    """A report sent on a cron schedule (in ``timezone``) to ``recipients``."""

    __tablename__ = "export_schedules"
    __table_args__ = (one_of("format", EXPORT_FORMATS),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str]
    report: Mapped[str]
    """Which report, e.g. ``lp_scorecard`` or ``best_execution``."""
    format: Mapped[str]
    cron: Mapped[str]
    timezone: Mapped[str] = mapped_column(server_default="UTC")
    recipients: Mapped[list[str]] = mapped_column(server_default=text("'[]'::jsonb"))
    params: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    next_run_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]


class ExportRun(Base):
    """One execution of a schedule (or of an on-demand export): the execution log."""

    __tablename__ = "export_runs"
    __table_args__ = (one_of("status", RUN_STATUSES), Index(None, "schedule_id", "started_at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_schedules.id", ondelete="SET NULL")
    )
    status: Mapped[str]
    attempt: Mapped[int] = mapped_column(server_default=text("1"))
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None]


class ExportHistory(Base):
    """A file an export produced and to whom it went."""

    __tablename__ = "export_history"
    __table_args__ = (one_of("format", EXPORT_FORMATS), Index(None, "created_at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("export_runs.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report: Mapped[str]
    format: Mapped[str]
    file_name: Mapped[str]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str]
    storage_path: Mapped[str]
    delivered_to: Mapped[list[str]] = mapped_column(server_default=text("'[]'::jsonb"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
