"""Who is making the current request: a signed-in person or an API token."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from flask import g, has_request_context, request
from flask_login import UserMixin, current_user

from app.audit import Actor
from app.db.models.auth import User


@dataclass(frozen=True)
class SessionUser(UserMixin):  # type: ignore[misc]
    """The signed-in person as flask-login sees them (a detached copy of the ``users`` row).

    The session stores ``<id>:<fingerprint of the password hash>``, so changing a password
    signs out every other session and "remember me" cookie of that user.
    """

    user_id: int
    email: str
    display_name: str
    role: str
    fingerprint: str

    @classmethod
    def of(cls, user: User) -> SessionUser:
        return cls(user.id, user.email, user.display_name, user.role, fingerprint(user))

    def get_id(self) -> str:
        return f"{self.user_id}:{self.fingerprint}"


def fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Principal:
    """The caller of the current request, whichever way it authenticated."""

    name: str
    role: str
    kind: Literal["user", "token"]
    id: int


def current_principal() -> Principal | None:
    """The API token (checked by the guard) or the signed-in user; None when anonymous."""
    if not has_request_context():
        return None
    token: Principal | None = g.get("api_principal")
    if token is not None:
        return token
    if current_user.is_authenticated:
        user: SessionUser = current_user
        return Principal(user.email, user.role, "user", user.user_id)
    return None


def current_role() -> str | None:
    """The role of whoever makes the current request (None when anonymous)."""
    principal = current_principal()
    return principal.role if principal else None


def current_actor() -> Actor:
    """The current caller as an audit actor (``anonymous`` when nobody is signed in)."""
    principal = current_principal()
    ip = request.remote_addr if has_request_context() else None
    if principal is None:
        return Actor("anonymous", "anonymous", ip)
    return Actor(principal.name, principal.role, ip)
