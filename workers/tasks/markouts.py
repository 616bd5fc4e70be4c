"""Markouts of recent fills, computed every 30 s by beat."""

from __future__ import annotations

from celery import shared_task

from . import context


@shared_task(
    name="tradedash.markouts.compute",
    acks_late=True,
    max_retries=3,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def compute(batch_size: int = 10_000) -> int:
    """Store the markouts of fills whose 60 s horizon has passed; returns how many."""
    from app.queries.markouts import compute_markouts

    with context.engine().begin() as conn:
        return compute_markouts(conn, batch_size=batch_size)
