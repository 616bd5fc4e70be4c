"""Saving, listing and deleting report schedules, with the ownership rule: a manager sees and
edits only the schedules they own, an admin anyone's (``SCHEDULE_ANY_REPORTS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.permissions import Permission, has_permission
from app.config import Settings
from app.db.models.auth import User
from app.db.models.reports import ExportRun, ExportRunDelivery, ExportSchedule, ReportS3Target
from app.reports.s3_secret import seal_secret
from app.reports.s3_target import S3TargetSpec
from app.reports.schedules import ScheduleSpec, next_run

RUN_LOG_LIMIT = 200


class ScheduleForbidden(PermissionError):
    """The caller may not see or change this schedule."""


class ScheduleNotFound(LookupError):
    """No schedule with that id."""


@dataclass(frozen=True)
class Caller:
    """Who is asking: their user id and role."""

    user_id: int
    role: str

    @property
    def sees_all(self) -> bool:
        """Whether they may manage anyone's schedules."""
        return has_permission(self.role, Permission.SCHEDULE_ANY_REPORTS)

    def check(self) -> None:
        """Raise ScheduleForbidden when the role holds no schedule permission at all."""
        if not has_permission(self.role, Permission.SCHEDULE_OWN_REPORTS):
            raise ScheduleForbidden("scheduling reports needs the manager role")


def get_schedule(session: Session, caller: Caller, schedule_id: int) -> ExportSchedule:
    """The schedule, if the caller may see it (ScheduleForbidden / ScheduleNotFound)."""
    caller.check()
    schedule = session.get(ExportSchedule, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(f"schedule {schedule_id} does not exist")
    if not caller.sees_all and schedule.owner_id != caller.user_id:
        raise ScheduleForbidden(f"schedule {schedule_id} belongs to someone else")
    return schedule


def list_schedules(session: Session, caller: Caller) -> list[tuple[ExportSchedule, str]]:
    """The schedules the caller may see, with their owner's e-mail, newest first."""
    caller.check()
    query = (
        select(ExportSchedule, User.email)
        .outerjoin(User, User.id == ExportSchedule.owner_id)
        .order_by(ExportSchedule.id.desc())
    )
    if not caller.sees_all:
        query = query.where(ExportSchedule.owner_id == caller.user_id)
    return [(schedule, email or "") for schedule, email in session.execute(query).all()]


def save_schedule(
    session: Session,
    actor: Actor,
    caller: Caller,
    spec: ScheduleSpec,
    *,
    schedule_id: int | None = None,
    owner_id: int | None = None,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> ExportSchedule:
    """Create (no id) or update a schedule and compute its next run; audited.

    A manager always owns what they create; an admin may name another ``owner_id``. A new S3
    secret is encrypted with ``settings``' secret key (needed only then).
    """
    caller.check()
    at = now or dt.datetime.now(dt.UTC)
    if schedule_id is None:
        owner = owner_id if (caller.sees_all and owner_id) else caller.user_id
        schedule = ExportSchedule(owner_id=owner, created_by=caller.user_id)
        session.add(schedule)
    else:
        schedule = get_schedule(session, caller, schedule_id)
        if caller.sees_all and owner_id:
            schedule.owner_id = owner_id
    _apply(schedule, spec)
    schedule.next_run_at = next_run(spec.cron, spec.timezone, at) if spec.enabled else None
    schedule.updated_at = at
    session.flush()
    s3 = _apply_s3(session, schedule.id, spec.s3, settings, at)
    record(
        session,
        actor,
        "report_schedule.create" if schedule_id is None else "report_schedule.update",
        f"export_schedule:{schedule.id}",
        {**_audit_details(schedule), "s3": s3},
    )
    return schedule


def s3_target(session: Session, schedule_id: int) -> ReportS3Target | None:
    """The schedule's S3 target, if it has one (the secret stays sealed)."""
    return session.get(ReportS3Target, schedule_id)


def _apply_s3(
    session: Session,
    schedule_id: int,
    spec: S3TargetSpec | None,
    settings: Settings | None,
    at: dt.datetime,
) -> dict[str, str] | None:
    """Create, change or remove the S3 target; what the audit row says about it (no secret)."""
    target = session.get(ReportS3Target, schedule_id)
    if spec is None:
        if target is not None:
            session.delete(target)
        return None
    if spec.secret_access_key:
        if settings is None:
            raise ValueError("settings are needed to encrypt a new S3 secret")
        sealed = seal_secret(settings, spec.secret_access_key)
    elif target is not None:
        sealed = target.secret_encrypted
    else:
        raise ValueError("a new S3 target needs its secret access key")
    if target is None:
        target = ReportS3Target(schedule_id=schedule_id)
        session.add(target)
    target.endpoint_url, target.region = spec.endpoint_url, spec.region
    target.bucket, target.key_prefix = spec.bucket, spec.key_prefix
    target.access_key_id, target.secret_encrypted = spec.access_key_id, sealed
    target.updated_at = at
    session.flush()
    return {
        "endpoint_url": spec.endpoint_url,
        "region": spec.region,
        "bucket": spec.bucket,
        "key_prefix": spec.key_prefix,
        "access_key_id": spec.access_key_id,
        "secret": "replaced" if spec.secret_access_key else "kept",
    }


def _apply(schedule: ExportSchedule, spec: ScheduleSpec) -> None:
    schedule.name = spec.name
    schedule.report = spec.kind
    schedule.format = spec.format
    schedule.preset = spec.preset
    schedule.cron = spec.cron
    schedule.timezone = spec.timezone
    schedule.recipients = list(spec.recipients)
    schedule.filters = dict(spec.filters)
    schedule.currency = spec.currency
    schedule.working_timeout_s = spec.working_timeout_s
    schedule.enabled = spec.enabled
    params = {k: v for k, v in (schedule.params or {}).items() if k != "webhook_url"}
    if spec.webhook_url:
        params["webhook_url"] = spec.webhook_url
    schedule.params = params


def _audit_details(schedule: ExportSchedule) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "kind": schedule.report,
        "format": schedule.format,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "recipients": list(schedule.recipients),
        "filters": dict(schedule.filters),
        "enabled": schedule.enabled,
        "owner_id": schedule.owner_id,
        "webhook_url": (schedule.params or {}).get("webhook_url"),
    }


def delete_schedule(session: Session, actor: Actor, caller: Caller, schedule_id: int) -> None:
    """Delete a schedule (its run log stays, unlinked); audited."""
    schedule = get_schedule(session, caller, schedule_id)
    details = _audit_details(schedule)
    session.delete(schedule)
    session.flush()
    record(session, actor, "report_schedule.delete", f"export_schedule:{schedule_id}", details)


def run_log(session: Session, caller: Caller, schedule_id: int | None = None) -> list[ExportRun]:
    """The newest runs of the schedules the caller may see (of one schedule when given)."""
    caller.check()
    query = (
        select(ExportRun)
        .join(ExportSchedule, ExportSchedule.id == ExportRun.schedule_id)
        .order_by(ExportRun.id.desc())
        .limit(RUN_LOG_LIMIT)
    )
    if schedule_id is not None:
        get_schedule(session, caller, schedule_id)
        query = query.where(ExportRun.schedule_id == schedule_id)
    elif not caller.sees_all:
        query = query.where(ExportSchedule.owner_id == caller.user_id)
    return list(session.scalars(query))


def run_deliveries(session: Session, run_ids: list[int]) -> dict[int, dict[str, ExportRunDelivery]]:
    """Each run's delivery outcomes by target (``email``, ``s3``), for the run log."""
    if not run_ids:
        return {}
    found: dict[int, dict[str, ExportRunDelivery]] = {}
    rows = session.scalars(select(ExportRunDelivery).where(ExportRunDelivery.run_id.in_(run_ids)))
    for row in rows:
        found.setdefault(row.run_id, {})[row.target] = row
    return found
