"""Dashboard users: create, update, look up and authenticate, each change audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.auth.permissions import check_role
from app.db.models.auth import User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_EMAIL_LENGTH = 254


class UserError(ValueError):
    """A user cannot be created or changed as asked (the message says why)."""


def normalise_email(email: str) -> str:
    """``email`` trimmed and lower-cased; raises :class:`UserError` if it is not an address."""
    cleaned = email.strip().lower()
    if len(cleaned) > MAX_EMAIL_LENGTH or not _EMAIL.match(cleaned):
        raise UserError(f"not an e-mail address: {email!r}")
    return cleaned


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address (compared case-insensitively), if any."""
    try:
        address = normalise_email(email)
    except UserError:
        return None
    return session.scalar(select(User).where(User.email == address))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    role: str,
    password: str,
    display_name: str | None = None,
) -> User:
    """Add a user (the caller commits); raises :class:`UserError` if it exists or is invalid."""
    address = normalise_email(email)
    _check_password(password)
    if find_user(session, address) is not None:
        raise UserError(f"a user {address} already exists")
    user = User(
        email=address,
        display_name=(display_name or address.split("@")[0]).strip(),
        password_hash=hash_password(password),
        role=check_role(role),
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", address, {"role": user.role})
    return user


def update_user(
    session: Session,
    actor: Actor,
    user: User,
    *,
    role: str | None = None,
    password: str | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> User:
    """Change the given fields of ``user`` (the caller commits); the audit row lists them."""
    changed: dict[str, object] = {}
    if role is not None and role != user.role:
        user.role = check_role(role)
        changed["role"] = user.role
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
        changed["password"] = "changed"
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name.strip()
        changed["display_name"] = user.display_name
    if active is not None and active != user.active:
        user.active = active
        changed["active"] = active
    session.flush()
    record(session, actor, "user.update", user.email, changed)
    return user


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)


LoginFailure = Literal["unknown_account", "inactive", "bad_password"]


@dataclass(frozen=True)
class LoginOutcome:
    """The result of :func:`authenticate`: the user, or why not (never shown to the person)."""

    user: User | None
    failure: LoginFailure | None = None


def authenticate(session: Session, email: str, password: str) -> LoginOutcome:
    """Check a sign-in; on success stamp ``last_login_at`` and upgrade an outdated hash."""
    user = find_user(session, email)
    if user is None:
        burn_verification_time(password)
        return LoginOutcome(None, "unknown_account")
    if not verify_password(user.password_hash, password):
        return LoginOutcome(None, "bad_password")
    if not user.active:
        return LoginOutcome(None, "inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = dt.datetime.now(dt.UTC)
    session.flush()
    return LoginOutcome(user)
