"""Executing one run: build the report, deliver it (e-mail, and the schedule's S3 bucket if
it has one), and write the outcome to the run log.

Each state change (running, succeeded, re-queued for a retry, failed) is its own short
transaction with an audit row; the report is built and delivered outside any transaction. Each
target's outcome is logged on its own (``app.reports.deliveries``). A send the SMTP server
refuses or cannot take, or an upload the bucket refuses, is retried with exponential backoff
(:func:`retry_delay`) up to ``MAX_ATTEMPTS``, redoing only the targets not yet delivered; then
the run fails. A schedule whose runs fail ``FAILURE_ALERT_AFTER`` times in a row e-mails its
owner once, until a run succeeds again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.config import Settings
from app.db.models.auth import User
from app.db.models.reports import ExportRun, ExportSchedule, ReportS3Target
from app.mail.smtp import MailDeliveryError, build_message, send
from app.queries.filters import Filter
from app.reports.build import ReportFile, build_report
from app.reports.deliveries import (
    DeliveryResult,
    S3Plan,
    Target,
    delivered_targets,
    record_delivery,
    upload_to_s3,
)
from app.reports.kinds import KINDS
from app.reports.pdf import ChartRenderer, local_text
from app.reports.s3_keys import KeyContext
from app.reports.s3_upload import S3UploadError
from app.reports.scheduler import SCHEDULER, needs_failure_alert
from app.reports.webhook import post_completion

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
"""The first try and three retries."""
RETRY_BASE_S = 30
RETRY_MAX_S = 600

Status = Literal["succeeded", "failed", "retry", "skipped"]


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one attempt of a run; ``retry_in`` seconds when it should be retried."""

    run_id: int
    status: Status
    error: str | None = None
    retry_in: int | None = None


@dataclass(frozen=True)
class RunPlan:
    """A plain copy of what a run needs, read in the transaction that marks it running."""

    run_id: int
    schedule_id: int
    schedule_name: str
    trigger: str
    kind: str
    format: str
    timezone: str
    currency: str
    filters: dict[str, Any]
    recipients: list[str]
    reference: dt.datetime
    """The time whose previous day/week/month the report covers (the slot, or now for tests)."""
    scheduled_for: dt.datetime | None = None
    webhook_url: str = ""
    s3: S3Plan | None = None
    delivered: frozenset[str] = field(default_factory=frozenset)
    """Targets an earlier attempt of this run already delivered to (not redone)."""

    @property
    def targets(self) -> tuple[Target, ...]:
        """Where this run's file goes and has not gone yet."""
        wanted: tuple[Target, ...] = ("email", "s3") if self.s3 is not None else ("email",)
        return tuple(t for t in wanted if t not in self.delivered)


def retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 30, 60, 120, ... ≤ 600."""
    return int(min(RETRY_BASE_S * 2 ** (attempt - 1), RETRY_MAX_S))


def report_filter(
    kind: str, reference: dt.datetime, timezone: str, filters: dict[str, Any]
) -> Filter:
    """The filter a run reports on: the kind's period before ``reference`` plus the schedule's
    dimension filters."""
    start, end = KINDS[kind].period(reference, ZoneInfo(timezone))
    return Filter(
        start=start,
        end=end,
        symbols=tuple(filters.get("symbols", ())),
        lps=tuple(filters.get("lps", ())),
        books=tuple(filters.get("books", ())),
        rule_ids=tuple(filters.get("rule_ids", ())),
    )


def queue_test_run(
    session: Session, actor: Actor, schedule_id: int, to: str, now: dt.datetime
) -> int:
    """Queue a test send of a schedule to ``to`` (the person who asked); the run id."""
    run = ExportRun(
        schedule_id=schedule_id,
        status="queued",
        trigger="test",
        queued_at=now,
        recipients=[to],
    )
    session.add(run)
    session.flush()
    record(session, actor, "report_run.test", f"export_run:{run.id}", {"schedule_id": schedule_id})
    return run.id


def _start(session: Session, run_id: int, attempt: int, now: dt.datetime) -> RunPlan | None:
    row = session.execute(
        select(ExportRun, ExportSchedule)
        .join(ExportSchedule, ExportSchedule.id == ExportRun.schedule_id)
        .where(ExportRun.id == run_id)
        .with_for_update(of=ExportRun)
    ).one_or_none()
    if row is None:
        return None
    run, schedule = row
    if run.status not in ("queued", "running"):
        return None  # finished, or failed as stuck: a late duplicate delivery does nothing
    run.status, run.attempt, run.started_at = "running", attempt, now
    record(session, SCHEDULER, "report_run.start", f"export_run:{run.id}", {"attempt": attempt})
    s3 = session.get(ReportS3Target, schedule.id)
    return RunPlan(
        run_id=run.id,
        schedule_id=schedule.id,
        schedule_name=schedule.name,
        trigger=run.trigger,
        kind=schedule.report,
        format=schedule.format,
        timezone=schedule.timezone,
        currency=schedule.currency,
        filters=dict(schedule.filters),
        recipients=list(run.recipients) or list(schedule.recipients),
        reference=run.scheduled_for if run.scheduled_for is not None else now,
        scheduled_for=run.scheduled_for,
        webhook_url=str((schedule.params or {}).get("webhook_url") or ""),
        s3=S3Plan.of(s3) if s3 is not None else None,
        delivered=delivered_targets(session, run.id),
    )


def report_message(
    settings: Settings, plan: RunPlan, report: ReportFile, flt: Filter
) -> EmailMessage:
    """The e-mail carrying ``report`` as its attachment."""
    zone = ZoneInfo(plan.timezone)
    title = KINDS[plan.kind].title
    period = f"{local_text(flt.start, zone)} to {local_text(flt.end, zone)}"
    prefix = "[TEST] " if plan.trigger == "test" else ""
    text = (
        f"{title} for {period} ({plan.timezone}).\n\n"
        f"Schedule: {plan.schedule_name}\n"
        f"Attachment: {report.file_name} (SHA-256 {report.sha256})\n"
        f"Data's last event: {local_text(report.last_event_ts, zone)}\n"
    )
    message = build_message(
        settings,
        to=plan.recipients,
        subject=f"{prefix}{plan.schedule_name}: {title}, {period}",
        text=text,
    )
    maintype, subtype = report.media_type.split("/", 1)
    message.add_attachment(
        report.content, maintype=maintype, subtype=subtype, filename=report.file_name
    )
    return message


def execute_run(
    engine: sa.Engine,
    settings: Settings,
    run_id: int,
    *,
    attempt: int = 1,
    now: dt.datetime | None = None,
    renderer: ChartRenderer | None = None,
    retries: bool = True,
) -> RunOutcome:
    """Run ``run_id`` once (attempt ``attempt``): build, deliver, log; says whether to retry
    (never with ``retries=False``: a test send reports its error at once)."""
    started = now or dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        plan = _start(session, run_id, attempt, started)
    if plan is None:
        return RunOutcome(run_id, "skipped")
    try:
        flt = report_filter(plan.kind, plan.reference, plan.timezone, plan.filters)
        report = build_report(
            engine, settings, plan.kind, flt, fmt=plan.format, tz=plan.timezone,  # type: ignore[arg-type]
            currency=plan.currency, renderer=renderer, now=started,
        )  # fmt: skip
    except Exception as error:  # a report that cannot be built fails its run, visibly
        log.exception("report run %s failed", run_id)
        return _fail(engine, settings, plan, attempt, f"{type(error).__name__}: {error}", now)
    results = [_deliver(settings, plan, report, flt, target) for target in plan.targets]
    for result in results:
        record_delivery(engine, run_id, attempt, result, now or dt.datetime.now(dt.UTC))
    failed = [r for r in results if not r.ok]
    if failed:
        problem = "; ".join(str(r.error) for r in failed)
        if retries and attempt < MAX_ATTEMPTS and all(r.retryable for r in failed):
            _requeue(engine, plan, attempt, problem, now or dt.datetime.now(dt.UTC))
            return RunOutcome(run_id, "retry", problem, retry_delay(attempt))
        return _fail(engine, settings, plan, attempt, problem, now)
    finished = now or dt.datetime.now(dt.UTC)
    _succeed(engine, plan, attempt, report, finished)
    notify_webhook(settings, plan, "succeeded", finished, report=report)
    return RunOutcome(run_id, "succeeded")


Deliver = Callable[[Settings, RunPlan, ReportFile, Filter], str]
"""Sends the file to one target; returns where it went (raises on failure)."""


def _deliver_email(settings: Settings, plan: RunPlan, report: ReportFile, flt: Filter) -> str:
    send(settings, report_message(settings, plan, report, flt))
    return ", ".join(plan.recipients)


def _deliver_s3(settings: Settings, plan: RunPlan, report: ReportFile, flt: Filter) -> str:
    assert plan.s3 is not None
    return upload_to_s3(settings, plan.s3, key_context(plan, flt), report)


DELIVERIES: dict[Target, Deliver] = {"email": _deliver_email, "s3": _deliver_s3}
RETRYABLE = (MailDeliveryError, S3UploadError)
"""Errors of an outside system that may be gone by the next attempt."""


def _deliver(
    settings: Settings, plan: RunPlan, report: ReportFile, flt: Filter, target: Target
) -> DeliveryResult:
    try:
        location = DELIVERIES[target](settings, plan, report, flt)
    except RETRYABLE as error:
        log.warning("report run %s: %s delivery failed: %s", plan.run_id, target, error)
        return DeliveryResult(target, False, sha256=report.sha256, error=str(error), retryable=True)
    except Exception as error:  # e.g. an unreadable secret: visible in the run log, not retried
        log.exception("report run %s: %s delivery failed", plan.run_id, target)
        message = f"{target}: {type(error).__name__}: {error}"
        return DeliveryResult(target, False, sha256=report.sha256, error=message)
    return DeliveryResult(target, True, location, report.sha256)


def key_context(plan: RunPlan, flt: Filter) -> KeyContext:
    """What the S3 key prefix's placeholders stand for in this run."""
    zone = ZoneInfo(plan.timezone)
    return KeyContext(
        schedule_id=plan.schedule_id,
        schedule_name=plan.schedule_name,
        run_id=plan.run_id,
        kind=plan.kind,
        format=plan.format,
        trigger=plan.trigger,
        date=plan.reference.astimezone(zone),
        period_start=flt.start.astimezone(zone),
    )


def notify_webhook(
    settings: Settings,
    plan: RunPlan,
    status: str,
    finished: dt.datetime,
    *,
    report: ReportFile | None = None,
    error: str | None = None,
) -> bool | None:
    """POST the run's outcome to the schedule's completion webhook, if it has one."""
    if not plan.webhook_url:
        return None
    payload = {
        "run_id": plan.run_id,
        "schedule_id": plan.schedule_id,
        "schedule": plan.schedule_name,
        "trigger": plan.trigger,
        "kind": plan.kind,
        "status": status,
        "scheduled_for": plan.scheduled_for.isoformat() if plan.scheduled_for else None,
        "finished_at": finished.isoformat(),
        "recipients": plan.recipients,
        "attachment": report.file_name if report else None,
        "sha256": report.sha256 if report else None,
        "error": error,
    }
    return post_completion(
        plan.webhook_url, settings.report_webhook_key, payload, settings.report_webhook_timeout_s
    )


def _own_run(session: Session, plan: RunPlan, attempt: int) -> ExportRun | None:
    run = session.get(ExportRun, plan.run_id, with_for_update=True)
    return run if run is not None and run.attempt == attempt else None


def _succeed(
    engine: sa.Engine, plan: RunPlan, attempt: int, report: ReportFile, now: dt.datetime
) -> None:
    with Session(engine) as session, session.begin():
        run = _own_run(session, plan, attempt)
        if run is None:
            return
        run.status, run.finished_at, run.error = "succeeded", now, None
        run.recipients = plan.recipients
        run.attachment_name = report.file_name
        run.attachment_sha256 = report.sha256
        run.attachment_bytes = len(report.content)
        run.data_last_event_ts = report.last_event_ts
        schedule = session.get(ExportSchedule, plan.schedule_id)
        if schedule is not None and plan.trigger == "schedule":
            schedule.consecutive_failures = 0
            schedule.failure_alerted_at = None
            schedule.last_run_at = now
        record(
            session, SCHEDULER, "report_run.succeed", f"export_run:{run.id}",
            {"sha256": report.sha256, "recipients": plan.recipients, "file": report.file_name},
        )  # fmt: skip


def _requeue(engine: sa.Engine, plan: RunPlan, attempt: int, error: str, now: dt.datetime) -> None:
    with Session(engine) as session, session.begin():
        run = _own_run(session, plan, attempt)
        if run is None:
            return
        run.status, run.error, run.queued_at = "queued", f"attempt {attempt}: {error}", now
        record(
            session, SCHEDULER, "report_run.retry", f"export_run:{run.id}",
            {"attempt": attempt, "error": error, "retry_in_s": retry_delay(attempt)},
        )  # fmt: skip


def _fail(
    engine: sa.Engine, settings: Settings, plan: RunPlan, attempt: int, error: str,
    now: dt.datetime | None,
) -> RunOutcome:  # fmt: skip
    at = now or dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        run = _own_run(session, plan, attempt)
        if run is not None:
            run.status, run.finished_at, run.error = "failed", at, error
            record(
                session, SCHEDULER, "report_run.fail", f"export_run:{run.id}",
                {"attempt": attempt, "error": error},
            )  # fmt: skip
            schedule = session.get(ExportSchedule, plan.schedule_id)
            if schedule is not None and plan.trigger == "schedule":
                schedule.consecutive_failures += 1
    alert_failing_owners(engine, settings, at)
    notify_webhook(settings, plan, "failed", at, error=error)
    return RunOutcome(plan.run_id, "failed", error)


def alert_failing_owners(engine: sa.Engine, settings: Settings, now: dt.datetime) -> list[int]:
    """E-mail the owner of each schedule that just crossed the failure threshold (once per
    streak); the ids of the schedules whose owner was told."""
    told: list[int] = []
    with Session(engine) as session, session.begin():
        schedules = session.scalars(
            select(ExportSchedule)
            .where(ExportSchedule.failure_alerted_at.is_(None))
            .with_for_update(skip_locked=True)
        ).all()
        pending = [
            (s, session.get(User, s.owner_id))
            for s in schedules
            if needs_failure_alert(s) and s.owner_id
        ]
        messages = []
        for schedule, owner in pending:
            if owner is None:
                continue
            last_error = session.scalar(
                select(ExportRun.error)
                .where(ExportRun.schedule_id == schedule.id, ExportRun.status == "failed")
                .order_by(ExportRun.id.desc())
                .limit(1)
            )
            messages.append(
                (schedule, _failure_message(settings, schedule, owner.email, last_error))
            )
        for schedule, message in messages:
            try:
                send(settings, message)
            except MailDeliveryError as error:
                log.warning("could not tell the owner of schedule %s: %s", schedule.id, error)
                continue
            schedule.failure_alerted_at = now
            told.append(schedule.id)
            record(
                session,
                SCHEDULER,
                "report_schedule.failure_alert",
                f"export_schedule:{schedule.id}",
                {"failures": schedule.consecutive_failures, "to": message["To"]},
            )
    return told


def _failure_message(
    settings: Settings, schedule: ExportSchedule, to: str, error: str | None
) -> EmailMessage:
    subject = (
        f"Report schedule '{schedule.name}' failed {schedule.consecutive_failures} times in a row"
    )
    text = (
        f"The last {schedule.consecutive_failures} runs of your report schedule "
        f"'{schedule.name}' failed.\n\nLast error: {error or 'unknown'}\n\n"
        "Open Reports > Schedules to see the run log. You will not be told again until a run "
        "succeeds.\n"
    )
    return build_message(settings, to=[to], subject=subject, text=text)
