"""Where a run's file goes: e-mail always, an S3-compatible bucket when the schedule has one.

Each target is delivered on its own and its outcome is written to ``export_run_deliveries``
at once, so one failing never loses the other: a retried run redoes only the targets that have
not succeeded yet (the mail is not sent twice because the upload failed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.reports import ExportRun, ExportRunDelivery, ReportS3Target
from app.reports.build import ReportFile
from app.reports.s3_keys import KeyContext, object_key
from app.reports.s3_secret import open_secret
from app.reports.s3_upload import S3Target, upload_report

Target = Literal["email", "s3"]


@dataclass(frozen=True)
class S3Plan:
    """A plain copy of a schedule's S3 target (secret still sealed), read when the run starts."""

    endpoint_url: str
    region: str
    bucket: str
    key_prefix: str
    access_key_id: str
    secret_sealed: bytes

    @classmethod
    def of(cls, row: ReportS3Target) -> S3Plan:
        return cls(
            row.endpoint_url, row.region, row.bucket, row.key_prefix, row.access_key_id,
            bytes(row.secret_encrypted),
        )  # fmt: skip


@dataclass(frozen=True)
class DeliveryResult:
    """One target's outcome in one attempt; ``retryable`` failures are worth another attempt."""

    target: Target
    ok: bool
    location: str | None = None
    sha256: str | None = None
    error: str | None = None
    retryable: bool = False


def upload_to_s3(settings: Settings, s3: S3Plan, context: KeyContext, report: ReportFile) -> str:
    """Upload ``report`` to the schedule's bucket under its templated key; the ``s3://`` URI."""
    key = object_key(s3.key_prefix, context, report.file_name)
    target = S3Target(
        s3.endpoint_url, s3.region, s3.bucket, s3.access_key_id,
        open_secret(settings, s3.secret_sealed),
    )  # fmt: skip
    metadata = {"schedule-id": str(context.schedule_id), "run-id": str(context.run_id)}
    return upload_report(target, key, report, metadata).uri


def delivered_targets(session: Session, run_id: int) -> frozenset[str]:
    """The targets this run has already delivered to (in an earlier attempt)."""
    rows = session.scalars(
        select(ExportRunDelivery.target).where(
            ExportRunDelivery.run_id == run_id, ExportRunDelivery.status == "succeeded"
        )
    )
    return frozenset(rows)


def record_delivery(
    engine: sa.Engine, run_id: int, attempt: int, result: DeliveryResult, now: dt.datetime
) -> None:
    """Write ``result`` as the target's latest outcome, unless another attempt owns the run."""
    with Session(engine) as session, session.begin():
        run = session.get(ExportRun, run_id, with_for_update=True)
        if run is None or run.attempt != attempt:
            return
        values = {
            "status": "succeeded" if result.ok else "failed",
            "attempt": attempt,
            "location": result.location,
            "sha256": result.sha256,
            "error": result.error,
            "at": now,
        }
        session.execute(
            insert(ExportRunDelivery)
            .values(run_id=run_id, target=result.target, **values)
            .on_conflict_do_update(index_elements=["run_id", "target"], set_=values)
        )
