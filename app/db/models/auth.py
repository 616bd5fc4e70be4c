"""People and machines that may use the dashboard and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, one_of

ROLES = ("analyst", "manager", "compliance", "admin")


class User(Base):
    """A dashboard user; ``email`` is unique (compared as given, store it lower-cased)."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(unique=True)
    display_name: Mapped[str]
    password_hash: Mapped[str]
    role: Mapped[str]
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    timezone: Mapped[str] = mapped_column(server_default="UTC")
    reporting_currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    ui_preferences: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    """Theme, default filters and overview cards (``app.user_settings.UiPreferences``)."""
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_login_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    """A bearer token for the API; only its hash is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str]
    token_hash: Mapped[str] = mapped_column(unique=True)
    role: Mapped[str]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
