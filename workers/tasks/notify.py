"""Alert notification delivery on the ``alerts`` queue: one task per delivery, plus a sweep."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import context

MAX_RETRIES = 20
"""A hard bound; the delivery row stops earlier, at ``TRADEDASH_NOTIFY_MAX_ATTEMPTS``."""


@shared_task(
    name="tradedash.notify.deliver",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def deliver(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """Attempt one delivery; a retryable failure comes back after the backoff the row records."""
    from app.notify.delivery import deliver as deliver_one

    outcome = deliver_one(context.engine(), context.settings(), int(delivery_id))
    if outcome.retry_in_s is not None:
        raise self.retry(countdown=outcome.retry_in_s, max_retries=MAX_RETRIES)
    return outcome.state


@shared_task(name="tradedash.notify.sweep", acks_late=True)
def sweep() -> int:
    """Re-send deliveries whose task was lost or whose worker died; returns how many."""
    from app.notify.delivery import overdue_deliveries

    with Session(context.engine()) as session:
        ids = overdue_deliveries(session)
    for delivery_id in ids:
        deliver.apply_async(args=[delivery_id], queue="alerts")
    return len(ids)
