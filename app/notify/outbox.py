"""The hand-over from the alert engine to delivery.

The alert engine calls :func:`enqueue_alert_notification` inside the transaction that records
a state change of an alert instance; delivery happens afterwards in Celery tasks (retries,
backoff, delivery log). INTERFACE ONLY until the notifications work lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy.orm import Session

Transition = Literal["firing", "resolved", "acknowledged", "escalated"]


def enqueue_alert_notification(
    session: Session,
    alert_event_id: int,
    channel_ids: Sequence[int],
    transition: Transition,
    *,
    escalation_level: int = 0,
) -> None:
    """Queue one notification per channel for this alert event's ``transition``."""
    raise NotImplementedError("notification delivery is not implemented yet")
