"""The alert engine's beat tick: time-based rules (NoData, predictive, schedules) and
escalations, for when no ingest batch triggers the evaluator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from celery import shared_task

from . import context

if TYPE_CHECKING:
    from app.alerts.engine import Fetcher


_FETCHERS: list[Fetcher] = []


def _fetcher() -> Fetcher:
    # one per worker process: anomaly baselines are cached for the hour
    from app.alerts.engine import Fetcher

    if not _FETCHERS:
        _FETCHERS.append(Fetcher())
    return _FETCHERS[0]


@shared_task(
    name="tradedash.alerts.tick",
    acks_late=True,
    max_retries=2,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def tick() -> int:
    """One evaluation pass and escalation check now; returns the number of state changes."""
    from workers.alerts.evaluator import run_pass

    settings = context.settings()
    client = redis.Redis.from_url(settings.redis_url)
    try:
        stats = run_pass(context.engine(), settings, _fetcher(), client, escalations=True)
    finally:
        client.close()
    return len(stats.changes)
