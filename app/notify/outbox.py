"""The hand-over from the alert engine to delivery.

The alert engine calls :func:`enqueue_alert_notification` inside the transaction that records
a state change of an alert instance. It inserts one ``notification_deliveries`` row per enabled
channel (state ``queued``) in that transaction; only after the transaction commits are the
deliver tasks sent (an ``after_commit`` hook on the session), so a rolled-back alert never
notifies and a committed one always has its log rows. If sending the tasks fails (Redis down),
the rows stay queued and the periodic sweep (``tradedash.notify.sweep``) sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


def enabled_channels(session: Session, channel_ids: Iterable[int]) -> set[int]:
    """The ids among ``channel_ids`` of channels that exist and are enabled."""
    wanted = list(dict.fromkeys(channel_ids))
    if not wanted:
        return set()
    return set(
        session.scalars(
            sa.select(NotificationChannel.id).where(
                NotificationChannel.id.in_(wanted), NotificationChannel.enabled
            )
        )
    )


@dataclass(frozen=True)
class QueuedNotification:
    """One alert event's ``transition`` for the channels that take it (enabled ones)."""

    alert_event_id: int
    channel_ids: Sequence[int]
    transition: Transition
    escalation_level: int = 0


def enqueue_notifications(session: Session, queued: Sequence[QueuedNotification]) -> list[int]:
    """Insert the deliveries of many notifications in one statement (channels already checked
    with :func:`enabled_channels`); returns their ids, sent after the caller commits."""
    rows = [
        {
            "alert_event_id": item.alert_event_id,
            "channel_id": channel_id,
            "transition": item.transition,
            "escalation_level": item.escalation_level,
            "state": "queued",
        }
        for item in queued
        for channel_id in sorted(set(item.channel_ids))
    ]
    if not rows:
        return []
    ids = list(
        session.scalars(sa.insert(NotificationDelivery).returning(NotificationDelivery.id), rows)
    )
    dispatch_after_commit(session, ids)
    return ids


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
    enabled = enabled_channels(session, channel_ids)
    if not enabled:
        return []
    item = QueuedNotification(alert_event_id, sorted(enabled), transition, escalation_level)
    return enqueue_notifications(session, [item])
