"""The alert engine's beat tick: escalations, and a whole evaluation pass (time-based rules:
NoData, predictive, completeness) only when no evaluator process is running passes (its idle
passes cover time then; a second full pass would only hold the evaluation lock the streaming
passes wait for)."""

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
    """Escalations, plus an evaluation pass when no evaluator runs; returns the number of state
    changes (0 when only escalations ran)."""
    from workers.alerts.evaluator import evaluator_alive, run_escalations, run_pass

    settings = context.settings()
    client = redis.Redis.from_url(settings.redis_url)
    try:
        if evaluator_alive(client, settings.consumer_group):
            run_escalations(context.engine(), settings)
            return 0
        stats = run_pass(context.engine(), settings, _fetcher(), client, escalations=True)
    finally:
        client.close()
    return len(stats.changes)
