"""Large exports as jobs: a row in ``export_jobs`` made by the app, filled by a Celery worker
(``tradedash.exports.run``) that writes the file under the export folder, reports its
progress on the row and records the finished file like any export (history + audit log)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.permissions import role_at_least
from app.config import Settings
from app.db.models.exports import ExportJob
from app.exports.request import ExportRequest, from_params
from app.exports.service import ExportStream, record_export

PROGRESS_EVERY_S = 0.5


def create_job(
    session: Session, actor: Actor, request: ExportRequest, *, user_id: int | None = None
) -> ExportJob:
    """A queued job for ``request`` (the caller commits, then sends the task)."""
    job = ExportJob(
        requested_by=user_id,
        actor=actor.name,
        role=actor.role,
        ip=actor.ip,
        dataset=request.dataset,
        format=request.format,
        params=request.params(),
        status="queued",
    )
    session.add(job)
    session.flush()
    return job


def job_file(settings: Settings, job: ExportJob, name: str) -> Path:
    """Where job ``job``'s file is kept: ``<export folder>/<job id>-<file name>``."""
    return settings.exports_path / f"{job.id}-{name}"


def _update(engine: sa.Engine, job_id: int, **values: Any) -> None:
    with Session(engine) as session, session.begin():
        session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(**values))


def run_job(engine: sa.Engine, settings: Settings, job_id: int) -> dict[str, Any]:
    """Produce job ``job_id``'s file (again, if a worker died on it); a finished job is left
    alone. Returns its status, rows and SHA-256."""
    with Session(engine) as session:
        job = session.get(ExportJob, job_id)
        if job is None:
            raise LookupError(f"no export job {job_id}")
        if job.status == "succeeded":
            return {"status": job.status, "rows": job.rows_done, "sha256": job.sha256}
        session.expunge(job)
    request = from_params(job.params)
    stream = ExportStream(engine, settings, request, job.actor)
    with engine.connect() as conn, conn.begin():
        total = _count(conn, stream)
    now = dt.datetime.now(dt.UTC)
    _update(engine, job_id, status="running", started_at=now, rows_total=total, error=None)
    last = [0.0]

    def progress(rows: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            share = min(rows / total, 0.99) if total else 0.0
            _update(engine, job_id, rows_done=rows, progress=share)

    stream.on_rows = progress
    path = job_file(settings, job, stream.file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("wb") as out:
            for block in stream.blocks():
                out.write(block)
    except Exception as exc:
        path.unlink(missing_ok=True)
        _update(engine, job_id, status="failed", error=str(exc)[:2000], finished_at=_now())
        raise
    with Session(engine) as session, session.begin():
        actor = Actor(job.actor, job.role, job.ip)
        record_export(
            session, actor, stream, user_id=job.requested_by, job_id=job_id, storage_path=str(path)
        )
        session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(
                status="succeeded",
                rows_done=stream.rows,
                progress=1.0,
                file_name=stream.file_name,
                storage_path=str(path),
                size_bytes=stream.size_bytes,
                sha256=stream.sha256,
                finished_at=_now(),
            )
        )
    return {"status": "succeeded", "rows": stream.rows, "sha256": stream.sha256}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _count(conn: sa.Connection, stream: ExportStream) -> int | None:
    from app.exports.rows import SqlRowSource

    if stream.request.spec.scope is None:
        return None
    return SqlRowSource(conn, stream.request).count()


def estimate_rows(engine: sa.Engine, request: ExportRequest) -> int:
    """How many rows ``request`` gives (reports: a few; counted for row datasets)."""
    from app.exports.rows import SqlRowSource

    if request.spec.scope is None:
        return 0
    with engine.connect() as conn:
        return SqlRowSource(conn, request).count()


def may_download(job: ExportJob, *, name: str, user_id: int | None, role: str | None) -> bool:
    """Whether the caller (a user's id, or a token's name) may fetch ``job``'s file: its owner
    or an admin."""
    if role_at_least(role, "admin"):
        return True
    if user_id is not None and job.requested_by == user_id:
        return True
    return job.requested_by is None and job.actor == name


def jobs_of(session: Session, user_id: int | None, *, limit: int = 20) -> list[ExportJob]:
    """The latest jobs of a user (everyone's with ``user_id`` None), newest first."""
    query = sa.select(ExportJob).order_by(ExportJob.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(ExportJob.requested_by == user_id)
    return list(session.scalars(query))
