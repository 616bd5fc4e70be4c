"""Housekeeping tasks run by beat."""

from __future__ import annotations

from celery import shared_task

from . import context


@shared_task(name="tradedash.maintenance.ping")
def ping() -> str:
    """Round trip used by health checks and tests."""
    return "pong"


@shared_task(
    name="tradedash.maintenance.partitions",
    acks_late=True,
    max_retries=3,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def partitions() -> str:
    """Create upcoming time partitions and drop expired ones (pg_partman)."""
    from app.db.partitions import run_maintenance

    with context.engine().begin() as conn:
        run_maintenance(conn)
    return "ok"


@shared_task(
    name="tradedash.maintenance.refresh_derived",
    acks_late=True,
    max_retries=3,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def refresh_recent_derived(hours: float = 3.0) -> str:
    """Recompute the minute candles and daily P/L of the last ``hours`` (plain PostgreSQL)."""
    import datetime as dt

    from app.db.derived import refresh_derived

    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    refresh_derived(context.engine(), end - dt.timedelta(hours=hours), end)
    return "ok"
