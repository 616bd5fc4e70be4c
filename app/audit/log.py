"""Appending to and verifying the ``audit_log`` table.

Appends are serialised by a transaction-scoped advisory lock, so two writers can never chain
to the same predecessor; the lock is held until the caller's transaction ends, so keep audited
transactions short. Every writer must go through :func:`record`: a row inserted any other way
breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.audit.chain import Actor, AuditRecord, ChainBreak, hash_of, normalise_ip, verify_chain
from app.db.models.audit import AuditEntry

_APPEND_LOCK = 0x7464_6175_6469_74  # "tdaudit": any constant shared by every writer


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit trail in ``session``'s transaction (the caller commits).

    ``action`` is ``<noun>.<verb>`` (``auth.login``, ``user.create``, ``export.download``);
    ``details`` must be JSON-serialisable.
    """
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    prev_hash = session.scalar(select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        ts=dt.datetime.now(dt.UTC),
        actor=actor.name,
        role=actor.role,
        ip=normalise_ip(actor.ip),
        action=action,
        target=target,
        details=dict(details or {}),
        prev_hash=prev_hash,
        # A unique placeholder until the row is read back: the hash covers the values as
        # PostgreSQL stores them (jsonb may rewrite numbers, inet normalises addresses).
        row_hash=os.urandom(32),
    )
    session.add(entry)
    session.flush()
    session.refresh(entry)
    entry.row_hash = hash_of(_as_record(entry), prev_hash)
    session.flush()
    return entry


def _as_record(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=entry.id,
        ts=entry.ts,
        actor=entry.actor,
        role=entry.role,
        ip=normalise_ip(entry.ip),
        action=entry.action,
        target=entry.target,
        details=entry.details,
        prev_hash=entry.prev_hash,
        row_hash=entry.row_hash,
    )


def verify_stored_chain(session: Session) -> ChainBreak | None:
    """The first row of ``audit_log`` whose hashes do not hold, or None when all do."""
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
    )
    try:
        return verify_chain(_as_record(entry) for entry in rows)
    finally:
        rows.close()  # a break stops reading early: release the server-side cursor
