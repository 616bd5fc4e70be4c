"""What the beat does every minute, with the clock passed in: create the due runs, fail the
stuck ones, and say which schedules keep failing.

A due run is one row of ``export_runs`` per (schedule, slot): the unique constraint on
``(schedule_id, scheduled_for)`` makes a second beat (or a repeated tick) insert nothing, so no
slot is sent twice. Missed slots are not replayed one by one: a schedule whose
``next_run_at`` lies in the past gets one run for that slot and moves on to the next slot
after ``now``. A run queued or working longer than its schedule's working timeout is marked
failed, and since runs never wait for each other the next slot runs normally.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.db.models.reports import ExportRun, ExportSchedule
from app.reports.schedules import next_run

SCHEDULER = Actor("report-scheduler", "system")
FAILURE_ALERT_AFTER = 3
"""Consecutive failed runs after which the schedule's owner is e-mailed (once per streak)."""


@dataclass(frozen=True)
class Tick:
    """One tick's outcome: the runs to dispatch and the runs failed as stuck."""

    dispatched: list[int]
    stuck: list[int]


def create_due_runs(session: Session, now: dt.datetime) -> list[int]:
    """Insert a queued run for each enabled schedule whose slot has come; the new run ids."""
    due = session.scalars(
        select(ExportSchedule)
        .where(ExportSchedule.enabled, ExportSchedule.next_run_at <= now)
        .order_by(ExportSchedule.next_run_at)
        .with_for_update(skip_locked=True)
    ).all()
    created: list[int] = []
    for schedule in due:
        slot = schedule.next_run_at
        run_id = session.scalar(
            insert(ExportRun)
            .values(
                schedule_id=schedule.id,
                status="queued",
                trigger="schedule",
                scheduled_for=slot,
                queued_at=now,
                recipients=list(schedule.recipients),
            )
            .on_conflict_do_nothing(constraint="uq_export_runs_schedule_id_scheduled_for")
            .returning(ExportRun.id)
        )
        schedule.next_run_at = next_run(schedule.cron, schedule.timezone, now)
        if run_id is not None:
            created.append(run_id)
            record(
                session,
                SCHEDULER,
                "report_run.dispatch",
                f"export_run:{run_id}",
                {"schedule_id": schedule.id, "scheduled_for": slot.isoformat() if slot else None},
            )
    return created


def is_stuck(run: ExportRun, timeout_s: int, now: dt.datetime) -> bool:
    """Whether ``run`` has been queued or working for longer than ``timeout_s``."""
    limit = dt.timedelta(seconds=timeout_s)
    if run.status == "running" and run.started_at is not None:
        return now - run.started_at > limit
    if run.status == "queued":
        return now - run.queued_at > limit
    return False


def fail_stuck_runs(session: Session, now: dt.datetime) -> list[int]:
    """Mark failed every run past its working timeout; counts as a failure of its schedule."""
    candidates = session.execute(
        select(ExportRun, ExportSchedule)
        .join(ExportSchedule, ExportSchedule.id == ExportRun.schedule_id)
        .where(or_(ExportRun.status == "queued", ExportRun.status == "running"))
        .with_for_update(of=ExportRun, skip_locked=True)
    ).all()
    stuck: list[int] = []
    for run, schedule in candidates:
        if not is_stuck(run, schedule.working_timeout_s, now):
            continue
        run.status = "failed"
        run.finished_at = now
        run.error = f"stuck: no result within the working timeout of {schedule.working_timeout_s} s"
        if run.trigger == "schedule":
            schedule.consecutive_failures += 1
        stuck.append(run.id)
        record(
            session,
            SCHEDULER,
            "report_run.stuck",
            f"export_run:{run.id}",
            {"schedule_id": schedule.id, "timeout_s": schedule.working_timeout_s},
        )
    return stuck


def needs_failure_alert(schedule: ExportSchedule) -> bool:
    """Whether the owner should now hear that this schedule keeps failing."""
    return (
        schedule.consecutive_failures >= FAILURE_ALERT_AFTER and schedule.failure_alerted_at is None
    )


def failing_schedules(session: Session) -> list[ExportSchedule]:
    """Schedules that crossed the failure threshold and whose owner was not told yet."""
    return list(
        session.scalars(
            select(ExportSchedule).where(
                ExportSchedule.consecutive_failures >= FAILURE_ALERT_AFTER,
                ExportSchedule.failure_alerted_at.is_(None),
            )
        )
    )


def tick(session: Session, now: dt.datetime) -> Tick:
    """Fail the stuck runs, then create the due ones (the caller commits and dispatches)."""
    stuck = fail_stuck_runs(session, now)
    return Tick(dispatched=create_due_runs(session, now), stuck=stuck)
