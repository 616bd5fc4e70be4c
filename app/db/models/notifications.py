"""Notification channels (where alerts are sent) and the delivery log (what was sent, how)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, LargeBinary, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

CHANNEL_KINDS = ("email", "webhook", "slack", "teams", "pagerduty", "sms", "voice", "push")
TRANSITIONS = ("firing", "resolved", "acknowledged", "escalated", "test")
DELIVERY_STATES = ("queued", "sending", "delivered", "failed")


class NotificationChannel(Base):
    """A configured destination of one ``kind``; secrets are stored encrypted, never shown."""

    __tablename__ = "notification_channels"
    __table_args__ = (one_of("kind", CHANNEL_KINDS),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    kind: Mapped[str]
    config: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    """Non-secret settings (URL, recipients, phone numbers...): shown on the admin page."""
    secrets_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Fernet token of the JSON map of secrets (signing key, tokens); see app/notify/secrets.py."""
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class NotificationDelivery(Base):
    """One notification of one alert transition to one channel: the delivery log."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        one_of("transition", TRANSITIONS),
        one_of("state", DELIVERY_STATES),
        Index(None, "state", "updated_at"),
        Index(None, "channel_id", "created_at"),
        Index(None, "alert_event_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alert_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE")
    )
    """``None`` for a test message sent from the admin page."""
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE")
    )
    transition: Mapped[str]
    escalation_level: Mapped[int] = mapped_column(server_default=text("0"))
    state: Mapped[str] = mapped_column(server_default="queued")
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    last_error: Mapped[str | None]
    response_status: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    next_attempt_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    """When a queued delivery is due; the sweep re-sends queued rows long past it."""
    delivered_at: Mapped[dt.datetime | None]
