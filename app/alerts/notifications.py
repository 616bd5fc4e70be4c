"""The alert engine's side of notifications: who to tell, when to stay quiet, and the hand-over
to delivery (:func:`app.notify.outbox.enqueue_alert_notification`, or for a whole evaluation
pass :class:`NotificationBatch`: one channel query and one insert however many alerts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.db.models.alerts import AlertEvent
from app.notify.outbox import (
    QueuedNotification,
    Transition,
    enabled_channels,
    enqueue_alert_notification,
    enqueue_notifications,
)


@dataclass(frozen=True)
class BusinessHours:
    """The desk's business hours (UTC): weekdays 0 = Monday, hours ``[start, end)``."""

    weekdays: frozenset[int] = frozenset(range(5))
    start_hour: int = 8
    end_hour: int = 18

    def contains(self, at: dt.datetime) -> bool:
        """Whether ``at`` is within business hours."""
        utc = at.astimezone(dt.UTC)
        return utc.weekday() in self.weekdays and self.start_hour <= utc.hour < self.end_hour


DEFAULT_HOURS = BusinessHours()
"""Monday to Friday, 08:00–18:00 UTC (``TRADEDASH_ALERTS_BUSINESS_HOURS`` overrides)."""


def parse_business_hours(text: str) -> BusinessHours:
    """``"0-4 08-18"``: weekdays (0 = Monday; a range or a list) and hours ``[start, end)``."""
    days_text, hours_text = text.split()
    days: set[int] = set()
    for part in days_text.split(","):
        low, _, high = part.partition("-")
        days.update(range(int(low), int(high or low) + 1))
    start, _, end = hours_text.partition("-")
    hours = BusinessHours(frozenset(days), int(start), int(end))
    if not days <= set(range(7)) or not 0 <= hours.start_hour < hours.end_hour <= 24:
        raise ValueError(f"business hours {text!r}: weekdays 0-6, hours 0-24 with start < end")
    return hours


def in_active_hours(active_hours: str, at: dt.datetime, hours: BusinessHours) -> bool:
    """Whether a rule with ``active_hours`` may notify at ``at``."""
    if active_hours == "business_hours":
        return hours.contains(at)
    if active_hours == "outside_business_hours":
        return not hours.contains(at)
    return True


def quiet_reason(
    *,
    now: dt.datetime,
    channel_ids: Sequence[int],
    rule_snoozed_until: dt.datetime | None,
    alert_snoozed_until: dt.datetime | None,
    suppressed: bool,
    active: bool,
    last_notified_at: dt.datetime | None,
    cooldown_s: int,
) -> str | None:
    """Why a new firing must not be sent now, or None to send it."""
    if not channel_ids:
        return "no channels"
    if rule_snoozed_until is not None and rule_snoozed_until > now:
        return "rule snoozed"
    if alert_snoozed_until is not None and alert_snoozed_until > now:
        return "alert snoozed"
    if suppressed:
        return "suppressed: mostly false positives"
    if not active:
        return "outside the rule's hours"
    if last_notified_at is not None and (now - last_notified_at).total_seconds() < cooldown_s:
        return "cooldown"
    return None


def notify(
    session: Session,
    event: AlertEvent,
    channel_ids: Sequence[int],
    transition: Transition,
    *,
    escalation_level: int = 0,
    now: dt.datetime | None = None,
) -> bool:
    """Queue ``transition`` of ``event`` on ``channel_ids`` in the caller's transaction; False
    when no channel took it (none given, or all unknown or disabled)."""
    if not channel_ids:
        return False
    session.flush()
    queued = enqueue_alert_notification(
        session, event.id, list(channel_ids), transition, escalation_level=escalation_level
    )
    if not queued:  # every channel unknown or disabled
        return False
    event.last_notified_at = now or dt.datetime.now(dt.UTC)
    return True


@dataclass
class NotificationBatch:
    """The notifications of one evaluation pass, queued together by :meth:`flush` (in the
    pass's transaction) instead of one channel query and insert per alert."""

    session: Session
    channel_ids: Iterable[int]
    """Every channel the pass's rules name (checked once: enabled or not)."""
    queued: list[tuple[AlertEvent, QueuedNotification]] = field(default_factory=list)
    _enabled: set[int] | None = None

    def add(
        self,
        event: AlertEvent,
        channel_ids: Sequence[int],
        transition: Transition,
        *,
        now: dt.datetime,
    ) -> bool:
        """Queue ``transition`` of ``event`` (False when no channel takes it), as :func:`notify`
        does; ``event`` must be flushed by :meth:`flush` time."""
        if self._enabled is None:
            self._enabled = enabled_channels(self.session, self.channel_ids)
        taking = sorted(set(channel_ids) & self._enabled)
        if not taking:
            return False
        self.queued.append((event, QueuedNotification(0, taking, transition)))
        event.last_notified_at = now
        return True

    def flush(self) -> list[int]:
        """Insert every queued delivery (sent after the transaction commits)."""
        if not self.queued:
            return []
        self.session.flush()
        items = [
            QueuedNotification(event.id, item.channel_ids, item.transition)
            for event, item in self.queued
        ]
        self.queued.clear()
        return enqueue_notifications(self.session, items)
