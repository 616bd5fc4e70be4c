"""Sending one delivery of the log: claim it, send it through its adapter, record the attempt.

A delivery row moves ``queued → sending → delivered``, or back to ``queued`` after a retryable
failure (with ``next_attempt_at`` set by :func:`backoff_s`), or to ``failed`` after a permanent
failure or its last attempt. The claim is one atomic ``UPDATE``, so two workers given the same
delivery never both send it, and a delivered row is never sent again. A ``sending`` row whose
worker died is claimable again after :data:`SENDING_LEASE_S`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.notify.channels.base import Delivery, DeliveryError, SentResult
from app.notify.message import AlertNotification, load_notification, render, trial_notification
from app.notify.registry import adapter_for
from app.notify.secrets import SecretsUnreadableError, unseal

log = logging.getLogger(__name__)

SENDING_LEASE_S = 300
"""A delivery stuck in ``sending`` this long (its worker died) may be claimed again."""
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0


@dataclass(frozen=True)
class Outcome:
    """The result of one call of :func:`deliver`: the row's new state and what to do next."""

    delivery_id: int
    state: str
    """``delivered``, ``queued`` (retry in ``retry_in_s``), ``failed`` or ``skipped``."""
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    retry_in_s: float | None = None


def backoff_s(
    attempt: int, rng: random.Random | None = None, *, base_s: float = BACKOFF_BASE_S
) -> float:
    """Wait before attempt ``attempt + 1``: exponential (2, 4, 8 … 300 s) with equal jitter.

    Equal jitter keeps at least half the exponential wait, so receivers that are down are not
    hammered, yet retries of many deliveries do not arrive in lockstep.
    """
    ceiling = min(BACKOFF_CAP_S, base_s * 2 ** max(attempt - 1, 0))
    return float(ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@dataclass(frozen=True)
class _Claimed:
    row: NotificationDelivery
    channel: NotificationChannel
    notification: AlertNotification


def _claim(session: Session, delivery_id: int) -> NotificationDelivery | None:
    lease = sa.func.now() - dt.timedelta(seconds=SENDING_LEASE_S)
    claimed = session.execute(
        sa.update(NotificationDelivery)
        .where(
            NotificationDelivery.id == delivery_id,
            sa.or_(
                NotificationDelivery.state == "queued",
                sa.and_(
                    NotificationDelivery.state == "sending", NotificationDelivery.updated_at < lease
                ),
            ),
        )
        .values(
            state="sending", attempts=NotificationDelivery.attempts + 1, updated_at=sa.func.now()
        )
        .returning(NotificationDelivery.id)
    ).scalar_one_or_none()
    return session.get(NotificationDelivery, claimed) if claimed is not None else None


def _notification(session: Session, settings: Settings, row: NotificationDelivery,
                  channel: NotificationChannel) -> AlertNotification:  # fmt: skip
    if row.alert_event_id is None:
        return trial_notification(channel.name, row.created_at)
    return load_notification(
        session,
        row.alert_event_id,
        row.transition,
        escalation_level=row.escalation_level,
        dashboard_url=settings.notify_dashboard_url,
    )


def _record(session: Session, delivery_id: int, **values: object) -> None:
    session.execute(
        sa.update(NotificationDelivery)
        .where(NotificationDelivery.id == delivery_id)
        .values(updated_at=sa.func.now(), **values)
    )


def _send(settings: Settings, claimed: _Claimed) -> SentResult:
    channel, row = claimed.channel, claimed.row
    if not channel.enabled and row.transition != "test":
        raise _Refused("the channel is disabled")
    adapter = adapter_for(channel.kind)
    secrets = unseal(settings, channel.secrets_encrypted)
    if problems := adapter.validate(channel.config, secrets):
        raise _Refused("invalid channel settings: " + "; ".join(problems.values()))
    delivery = Delivery(
        delivery_id=row.id,
        config=channel.config,
        secrets=secrets,
        notification=claimed.notification,
        message=render(claimed.notification),
    )
    return adapter.send(settings, delivery)


class _Refused(RuntimeError):
    """The delivery cannot be attempted (disabled or misconfigured channel)."""


def deliver(
    engine: sa.Engine, settings: Settings, delivery_id: int, *, max_attempts: int | None = None
) -> Outcome:
    """Make one attempt at ``delivery_id`` and record it; see :class:`Outcome` for the result."""
    limit = max_attempts or settings.notify_max_attempts
    with Session(engine, expire_on_commit=False) as session, session.begin():
        row = _claim(session, delivery_id)
        if row is None:
            return Outcome(delivery_id, "skipped")
        channel = session.get_one(NotificationChannel, row.channel_id)
        try:
            claimed = _Claimed(row, channel, _notification(session, settings, row, channel))
        except LookupError as exc:
            _record(session, delivery_id, state="failed", last_error=str(exc))
            return Outcome(delivery_id, "failed", row.attempts, error=str(exc))
    try:
        result = _send(settings, claimed)
    except DeliveryError as exc:
        retry = exc.retryable and row.attempts < limit
        return _failure(engine, settings, row, str(exc), exc.status, retry=retry)
    except (_Refused, SecretsUnreadableError) as exc:
        return _failure(engine, settings, row, str(exc), None, retry=False)
    except Exception as exc:  # a bug: recorded, and retried within the bound
        log.exception("delivery %s failed unexpectedly", delivery_id)
        retryable = row.attempts < limit
        return _failure(
            engine, settings, row, f"{type(exc).__name__}: {exc}", None, retry=retryable
        )
    with Session(engine) as session, session.begin():
        _record(
            session,
            delivery_id,
            state="delivered",
            delivered_at=sa.func.now(),
            response_status=result.status,
            last_error=None,
        )
    return Outcome(delivery_id, "delivered", row.attempts, status=result.status)


def _failure(
    engine: sa.Engine,
    settings: Settings,
    row: NotificationDelivery,
    error: str,
    status: int | None,
    *,
    retry: bool,
) -> Outcome:
    wait = backoff_s(row.attempts, base_s=settings.notify_backoff_base_s) if retry else None
    values: dict[str, object] = {"last_error": error[:2000], "response_status": status}
    if wait is not None:
        values |= {
            "state": "queued",
            "next_attempt_at": sa.func.now() + dt.timedelta(seconds=wait),
        }
    else:
        values["state"] = "failed"
    with Session(engine) as session, session.begin():
        _record(session, row.id, **values)
    state = "queued" if retry else "failed"
    return Outcome(row.id, state, row.attempts, status=status, error=error, retry_in_s=wait)


def overdue_deliveries(session: Session, *, grace_s: float = 60.0, limit: int = 500) -> list[int]:
    """Queued deliveries whose task was lost (due more than ``grace_s`` ago), and sending ones
    whose worker died: the sweep hands them to workers again."""
    grace = sa.func.now() - dt.timedelta(seconds=grace_s)
    lease = sa.func.now() - dt.timedelta(seconds=SENDING_LEASE_S)
    ids = session.scalars(
        sa.select(NotificationDelivery.id)
        .where(
            sa.or_(
                sa.and_(
                    NotificationDelivery.state == "queued",
                    NotificationDelivery.next_attempt_at < grace,
                ),
                sa.and_(
                    NotificationDelivery.state == "sending",
                    NotificationDelivery.updated_at < lease,
                ),
            )
        )
        .order_by(NotificationDelivery.id)
        .limit(limit)
    )
    return list(ids)
