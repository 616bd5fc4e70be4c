"""Scheduled reports: the minute tick that dispatches due runs, and one run's execution."""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task, shared_task

from . import context

log = logging.getLogger(__name__)


@shared_task(name="tradedash.reports.tick", acks_late=True, max_retries=0)
def tick() -> dict[str, list[int]]:
    """Fail stuck runs, create the due ones (idempotent per slot) and queue them."""
    from sqlalchemy.orm import Session

    from app.reports.runs import alert_failing_owners
    from app.reports.scheduler import tick as scheduler_tick

    now = dt.datetime.now(dt.UTC)
    with Session(context.engine()) as session, session.begin():
        result = scheduler_tick(session, now)
    if result.stuck:
        alert_failing_owners(context.engine(), context.settings(), now)
    for run_id in result.dispatched:
        run.apply_async(args=[run_id], queue="emails")
    return {"dispatched": result.dispatched, "stuck": result.stuck}


@shared_task(name="tradedash.reports.run", bind=True, acks_late=True, max_retries=3)
def run(self: Task, run_id: int) -> str:
    """Build and deliver run ``run_id`` (e-mail, S3); a refused send or upload is retried with
    backoff, redoing only the deliveries that failed."""
    from app.reports.runs import execute_run

    outcome = execute_run(
        context.engine(), context.settings(), run_id, attempt=self.request.retries + 1
    )
    if outcome.status == "retry":
        log.warning("report run %s: %s; retrying in %s s", run_id, outcome.error, outcome.retry_in)
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status
