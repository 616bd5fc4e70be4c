"""Large exports: ``tradedash.exports.run`` produces one export job's file (app/exports/jobs.py)."""

from __future__ import annotations

import functools
from typing import Any

from celery import Celery, shared_task

from app.config import Settings

from . import context

TASK_NAME = "tradedash.exports.run"


@shared_task(
    name=TASK_NAME, acks_late=True, max_retries=2, autoretry_for=(OSError,), retry_backoff=True
)
def run(job_id: int) -> dict[str, Any]:
    """Write job ``job_id``'s file, updating its progress; idempotent once it succeeded."""
    from app.exports.jobs import run_job

    return run_job(context.engine(), context.settings(), job_id)


@functools.cache
def _client(redis_url: str) -> Celery:
    return Celery("tradedash-exports-client", broker=redis_url, backend=redis_url)


def enqueue(settings: Settings, job_id: int) -> None:
    """Send job ``job_id`` to the export queue (from the web process)."""
    _client(settings.redis_url).send_task(TASK_NAME, args=[job_id], queue=settings.export_queue)
