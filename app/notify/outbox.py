"""The hand-over from the alert engine to delivery.

The alert engine calls :func:`enqueue_alert_notification` inside the transaction that records
a state change of an alert instance. It inserts one ``notification_deliveries`` row per enabled
channel (state ``queued``) in that transaction; only after the transaction commits are the
deliver tasks sent (an ``after_commit`` hook on the session), so a rolled-back alert never
notifies and a committed one always has its log rows. If sending the tasks fails (Redis down),
the rows stay queued and the periodic sweep (``tradedash.notify.sweep``) sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.notify.dispatch import dispatch

Transition = Literal["firing", "resolved", "acknowledged", "escalated"]

_PENDING = "tradedash.notify.pending"
_HOOKED = "tradedash.notify.hooked"


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    dispatch(pending)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def dispatch_after_commit(session: Session, delivery_ids: Sequence[int]) -> None:
    """Send ``delivery_ids`` to the workers once ``session``'s transaction commits."""
    session.info.setdefault(_PENDING, []).extend(delivery_ids)
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
        session.info[_HOOKED] = True


def enqueue_alert_notification(
    session: Session,
    alert_event_id: int,
    channel_ids: Sequence[int],
    transition: Transition,
    *,
    escalation_level: int = 0,
) -> list[int]:
    """Queue one notification per channel for this alert event's ``transition``.

    Unknown and disabled channels are skipped. Returns the new delivery ids; the deliveries are
    sent after the caller commits.
    """
    enabled = session.scalars(
        sa.select(NotificationChannel.id).where(
            NotificationChannel.id.in_(list(dict.fromkeys(channel_ids))),
            NotificationChannel.enabled,
        )
    ).all()
    if not enabled:
        return []
    ids = list(
        session.scalars(
            sa.insert(NotificationDelivery).returning(NotificationDelivery.id),
            [
                {
                    "alert_event_id": alert_event_id,
                    "channel_id": channel_id,
                    "transition": transition,
                    "escalation_level": escalation_level,
                    "state": "queued",
                }
                for channel_id in sorted(enabled)
            ],
        )
    )
    dispatch_after_commit(session, ids)
    return ids
