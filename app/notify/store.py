"""Channel administration (create, edit, enable, test) and the delivery log, for the admin page.

Every change is written to the audit trail; secrets never leave this module in clear: views
carry only the names of the secret fields that are set. On edit, an empty secret field keeps
the stored value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import Actor
from app.audit.log import record
from app.config import Settings
from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.notify.delivery import Outcome, deliver
from app.notify.registry import UnknownChannelKindError, adapter_for
from app.notify.secrets import SecretsUnreadableError, seal, unseal


class ChannelInvalidError(ValueError):
    """The channel form has invalid fields: ``problems`` maps field name → message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class ChannelView:
    """A channel as the page shows it (no secret values)."""

    id: int
    name: str
    kind: str
    enabled: bool
    config: Mapping[str, Any]
    secrets_set: tuple[str, ...]
    updated_at: dt.datetime


@dataclass(frozen=True)
class DeliveryView:
    """One row of the delivery log."""

    id: int
    created_at: dt.datetime
    channel: str
    kind: str
    alert_event_id: int | None
    transition: str
    escalation_level: int
    state: str
    attempts: int
    response_status: int | None
    last_error: str | None
    delivered_at: dt.datetime | None


def _view(settings: Settings, channel: NotificationChannel) -> ChannelView:
    try:
        secret_names = tuple(sorted(unseal(settings, channel.secrets_encrypted)))
    except SecretsUnreadableError:
        secret_names = ()
    return ChannelView(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        enabled=channel.enabled,
        config=dict(channel.config),
        secrets_set=secret_names,
        updated_at=channel.updated_at,
    )


def list_channels(session: Session, settings: Settings) -> list[ChannelView]:
    """Every channel, by name."""
    channels = session.scalars(sa.select(NotificationChannel).order_by(NotificationChannel.name))
    return [_view(settings, channel) for channel in channels]


def _split(kind: str, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    adapter = adapter_for(kind)
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for spec in adapter.fields:
        value = str(values.get(spec.name) or "").strip()
        if spec.secret:
            secrets[spec.name] = value
        elif value:
            config[spec.name] = value
    return config, secrets


def _check_name(session: Session, name: str, channel_id: int | None) -> str | None:
    if not name:
        return "Name is required."
    if len(name) > 80:
        return "At most 80 characters."
    clash = session.scalar(
        sa.select(NotificationChannel.id).where(
            sa.func.lower(NotificationChannel.name) == name.lower(),
            NotificationChannel.id != (channel_id or 0),
        )
    )
    return "Another channel has this name." if clash else None


def save_channel(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    kind: str,
    name: str,
    values: Mapping[str, Any],
    channel_id: int | None = None,
    created_by: int | None = None,
) -> ChannelView:
    """Create (``channel_id=None``) or update a channel; raises :class:`ChannelInvalidError`."""
    try:
        config, secrets = _split(kind, values)
    except UnknownChannelKindError:
        raise ChannelInvalidError({"kind": "Choose a channel type."}) from None
    channel = session.get(NotificationChannel, channel_id) if channel_id else None
    if channel_id and channel is None:
        raise ChannelInvalidError({"name": "This channel no longer exists."})
    if channel is not None and channel.kind == kind:
        try:
            kept = unseal(settings, channel.secrets_encrypted)
        except SecretsUnreadableError:
            kept = {}
        secrets = {key: value or kept.get(key, "") for key, value in secrets.items()}
    problems = adapter_for(kind).validate(config, secrets)
    if name_problem := _check_name(session, name.strip(), channel_id):
        problems = {"name": name_problem, **problems}
    if problems:
        raise ChannelInvalidError(problems)
    if channel is None:
        channel = NotificationChannel(name=name.strip(), kind=kind, created_by=created_by)
        session.add(channel)
    channel.name, channel.kind, channel.config = name.strip(), kind, config
    channel.secrets_encrypted = seal(settings, secrets)
    channel.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    action = "notification_channel.update" if channel_id else "notification_channel.create"
    details = {
        "kind": kind,
        "config": config,
        "secrets_set": sorted(k for k, v in secrets.items() if v),
    }
    record(session, actor, action, f"notification_channel:{channel.id}", details)
    session.refresh(channel)
    return _view(settings, channel)


def set_enabled(session: Session, actor: Actor, channel_id: int, enabled: bool) -> None:
    """Enable or disable a channel (a disabled channel gets no new alert deliveries)."""
    channel = session.get_one(NotificationChannel, channel_id)
    channel.enabled = enabled
    channel.updated_at = dt.datetime.now(dt.UTC)
    action = "notification_channel.enable" if enabled else "notification_channel.disable"
    record(session, actor, action, f"notification_channel:{channel_id}", {"name": channel.name})


def send_test(engine: sa.Engine, settings: Settings, actor: Actor, channel_id: int) -> Outcome:
    """Deliver a test message now (one attempt, in this process) and log it like any delivery."""
    with Session(engine) as session, session.begin():
        delivery = NotificationDelivery(channel_id=channel_id, transition="test", state="queued")
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
        record(session, actor, "notification_channel.test", f"notification_channel:{channel_id}")
    return deliver(engine, settings, delivery_id, max_attempts=1)


def recent_deliveries(
    session: Session, *, limit: int = 200, channel_id: int | None = None
) -> list[DeliveryView]:
    """The newest deliveries first (optionally of one channel)."""
    query = (
        sa.select(NotificationDelivery, NotificationChannel.name, NotificationChannel.kind)
        .join(NotificationChannel, NotificationChannel.id == NotificationDelivery.channel_id)
        .order_by(NotificationDelivery.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        query = query.where(NotificationDelivery.channel_id == channel_id)
    return [
        DeliveryView(
            id=row.id,
            created_at=row.created_at,
            channel=name,
            kind=kind,
            alert_event_id=row.alert_event_id,
            transition=row.transition,
            escalation_level=row.escalation_level,
            state=row.state,
            attempts=row.attempts,
            response_status=row.response_status,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
        )
        for row, name, kind in session.execute(query)
    ]
