"""Scheduled exports: the schedules, each execution of one, and the files produced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

EXPORT_FORMATS = ("csv", "xlsx", "pdf", "parquet")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")
RUN_TRIGGERS = ("schedule", "test")
SCHEDULE_PRESETS = ("daily", "weekly", "monthly", "cron")
DELIVERY_TARGETS = ("email", "s3")
DELIVERY_STATUSES = ("succeeded", "failed")


class ExportSchedule(Base):
    """A report sent on a cron schedule (in ``timezone``) to ``recipients``; see docs/reports.md."""

    __tablename__ = "export_schedules"
    __table_args__ = (
        one_of("format", EXPORT_FORMATS),
        one_of("preset", SCHEDULE_PRESETS),
        Index(None, "next_run_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str]
    report: Mapped[str]
    """Which report kind, e.g. ``daily_desk`` (see ``app.reports.kinds``)."""
    format: Mapped[str]
    cron: Mapped[str]
    """The cron expression the runs follow (a preset is stored as its cron too)."""
    timezone: Mapped[str] = mapped_column(server_default="UTC")
    recipients: Mapped[list[str]] = mapped_column(server_default=text("'[]'::jsonb"))
    params: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    next_run_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    """Whose schedule it is: a manager edits only their own, an admin anyone's."""
    filters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    """``symbols``, ``lps``, ``books``, ``rule_ids``: lists of values to keep (empty = all)."""
    preset: Mapped[str] = mapped_column(server_default="cron")
    """``daily``, ``weekly``, ``monthly`` or ``cron`` (an explicit expression)."""
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    working_timeout_s: Mapped[int] = mapped_column(server_default=text("900"))
    """A run queued or working longer than this is marked failed (the next one is not blocked)."""
    consecutive_failures: Mapped[int] = mapped_column(server_default=text("0"))
    failure_alerted_at: Mapped[dt.datetime | None]
    """When the owner was told the runs keep failing (cleared by the next success)."""
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class ExportRun(Base):
    """One execution of a schedule (or a test send): the execution log."""

    __tablename__ = "export_runs"
    __table_args__ = (
        one_of("status", RUN_STATUSES),
        one_of("trigger", RUN_TRIGGERS),
        Index(None, "schedule_id", "started_at"),
        UniqueConstraint("schedule_id", "scheduled_for"),
        Index(None, "status", postgresql_where=text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_schedules.id", ondelete="SET NULL")
    )
    status: Mapped[str]
    attempt: Mapped[int] = mapped_column(server_default=text("1"))
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None]
    trigger: Mapped[str] = mapped_column(server_default="schedule")
    """``schedule`` (dispatched by the beat) or ``test`` (the "Send test now" button)."""
    scheduled_for: Mapped[dt.datetime | None]
    """The slot this run serves; unique per schedule so no slot is ever dispatched twice."""
    queued_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    """When the run was (re)queued: a queued run older than the working timeout is stuck."""
    recipients: Mapped[list[str]] = mapped_column(server_default=text("'[]'::jsonb"))
    attachment_name: Mapped[str | None]
    attachment_sha256: Mapped[str | None]
    attachment_bytes: Mapped[int | None] = mapped_column(BigInteger)
    data_last_event_ts: Mapped[dt.datetime | None]
    """The newest event the report's data contains."""


class ReportS3Target(Base):
    """An S3-compatible bucket a schedule's files are also uploaded to (docs/reports.md)."""

    __tablename__ = "report_s3_targets"

    schedule_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("export_schedules.id", ondelete="CASCADE"), primary_key=True
    )
    endpoint_url: Mapped[str] = mapped_column(server_default="")
    """Empty: AWS's own endpoint for ``region``."""
    region: Mapped[str]
    bucket: Mapped[str]
    key_prefix: Mapped[str] = mapped_column(server_default="")
    """A template with whitelisted placeholders (``app.reports.s3_keys``)."""
    access_key_id: Mapped[str]
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    """The secret access key, Fernet-encrypted (``app.reports.s3_secret``)."""
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class ExportRunDelivery(Base):
    """How one run's file fared at one target (``email`` or ``s3``), as of its last attempt."""

    __tablename__ = "export_run_deliveries"
    __table_args__ = (one_of("target", DELIVERY_TARGETS), one_of("status", DELIVERY_STATUSES))

    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("export_runs.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(primary_key=True)
    status: Mapped[str]
    attempt: Mapped[int]
    location: Mapped[str | None]
    """``s3://bucket/key`` for an upload, the recipients for an e-mail."""
    sha256: Mapped[str | None]
    """SHA-256 of the bytes delivered (a retried delivery rebuilds the file)."""
    error: Mapped[str | None]
    at: Mapped[dt.datetime]


class ExportHistory(Base):
    """A file an export produced and to whom it went (``report``: the report or the dataset)."""

    __tablename__ = "export_history"
    __table_args__ = (
        one_of("format", ("csv", "xlsx", "json", "parquet", "pdf")),
        Index(None, "created_at"),
        Index(None, "requested_by", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("export_runs.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report: Mapped[str]
    format: Mapped[str]
    file_name: Mapped[str]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str]
    storage_path: Mapped[str | None]
    """None for a file streamed to its caller and not kept."""
    delivered_to: Mapped[list[str]] = mapped_column(server_default=text("'[]'::jsonb"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    filter: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    """What was exported: window, filters, columns, timezone, currency."""
    actor: Mapped[str | None]
    """The user's e-mail or the API token's name."""
    job_id: Mapped[int | None] = mapped_column(ForeignKey("export_jobs.id", ondelete="SET NULL"))
