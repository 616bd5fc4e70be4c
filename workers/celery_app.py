"""The Celery application: Redis as broker and result backend, queues named by workload."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init
from kombu.entity import Queue

from app.config import Settings

QUEUES = ("default", "periodic", "emails", "exports", "alerts")
TASK_MODULES = [
    "workers.tasks.alerts",
    "workers.tasks.exports",
    "workers.tasks.maintenance",
    "workers.tasks.markouts",
    "workers.tasks.notify",
    "workers.tasks.reports",
    "workers.tasks.retention",
]


def create_celery(settings: Settings) -> Celery:
    """Build the Celery app for these settings (called once per worker or beat process)."""
    celery = Celery(
        "tradedash", broker=settings.redis_url, backend=settings.redis_url, include=TASK_MODULES
    )
    celery.conf.update(
        task_default_queue="default",
        task_queues=[Queue(name) for name in QUEUES],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "alerts-tick": {
                "task": "tradedash.alerts.tick",
                "schedule": settings.alerts_tick_s,
                "options": {"queue": "alerts", "expires": settings.alerts_tick_s},
            },
            "notify-sweep": {
                "task": "tradedash.notify.sweep",
                "schedule": 60.0,
                "options": {"queue": "alerts", "expires": 55},
            },
            "refresh-derived-rollups": {
                "task": "tradedash.maintenance.refresh_derived",
                "schedule": 60.0,
                "options": {"queue": "periodic", "expires": 55},
            },
            "retention-enforce": {
                "task": "tradedash.retention.enforce",
                "schedule": 86400.0,
                "options": {"queue": "periodic", "expires": 3600},
            },
            "partition-maintenance": {
                "task": "tradedash.maintenance.partitions",
                "schedule": 3600.0,
                "options": {"queue": "periodic"},
            },
            "fill-markouts": {
                "task": "tradedash.markouts.compute",
                "schedule": 30.0,
                "options": {"queue": "periodic", "expires": 30},
            },
            "report-schedules": {
                "task": "tradedash.reports.tick",
                "schedule": 60.0,
                "options": {"queue": "periodic", "expires": 55},
            },
        },
    )
    celery.conf.tradedash_settings = settings
    return celery


@worker_process_init.connect
def _reset_after_fork(**_kwargs: object) -> None:
    # A forked worker must not reuse the parent's database connections.
    from workers.tasks import context

    context.reset()
