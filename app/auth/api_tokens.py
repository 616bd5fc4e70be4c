"""API tokens: issue (the secret is returned once), verify, list and revoke."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.permissions import check_role
from app.auth.tokens import hash_token, new_token
from app.db.models.auth import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
"""``last_used_at`` is rewritten at most this often, so reads do not turn into writes."""


class TokenError(ValueError):
    """A token cannot be issued or revoked as asked (the message says why)."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is the only copy of the bearer value; it is not stored."""

    token: ApiToken
    secret: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _live(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
    )


def issue_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    role: str,
    expires_in: dt.timedelta | None = None,
    created_by: int | None = None,
) -> IssuedToken:
    """Create a token (the caller commits); names of live tokens are unique."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name")
    now = _now()
    taken = session.scalar(select(ApiToken.id).where(ApiToken.name == name, _live(now)))
    if taken is not None:
        raise TokenError(f"a live token named {name!r} already exists; revoke it first")
    secret = new_token()
    token = ApiToken(
        name=name,
        token_hash=hash_token(secret),
        role=check_role(role),
        created_by=created_by,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    session.add(token)
    session.flush()
    details = {"role": token.role, "expires_at": _iso(token.expires_at)}
    record(session, actor, "token.create", name, details)
    return IssuedToken(token, secret)


def verify_token(session: Session, secret: str) -> ApiToken | None:
    """The live token whose value is ``secret`` (not revoked, not expired), else None."""
    if not secret or len(secret) > 256:
        return None
    now = _now()
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret), _live(now))
    )
    if token is not None and (
        token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION
    ):
        token.last_used_at = now
        session.flush()
    return token


def revoke_tokens(session: Session, actor: Actor, name: str) -> int:
    """Revoke every live token called ``name`` (the caller commits); returns how many."""
    now = _now()
    tokens = session.scalars(select(ApiToken).where(ApiToken.name == name, _live(now))).all()
    for token in tokens:
        token.revoked_at = now
    session.flush()
    if tokens:
        record(session, actor, "token.revoke", name, {"count": len(tokens)})
    return len(tokens)


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first (callers must never expose ``token_hash``)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
