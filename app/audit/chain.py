"""The hash chain of the audit log, as pure functions over plain records.

``row_hash = sha256(prev_hash || canonical_json(row))`` where ``prev_hash`` is the previous
row's ``row_hash`` (empty for the first row) and the canonical JSON holds the row's time (UTC,
microseconds), actor, role, IP, action, target and details with sorted keys. Editing any of
those, or deleting or reordering rows, breaks the chain at the first row affected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class Actor:
    """Who performs an audited action: a user's e-mail or a token's name, their role, their IP."""

    name: str
    role: str
    ip: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    """The hashed content of one audit row, with its stored hashes."""

    id: int
    ts: dt.datetime
    actor: str
    role: str
    ip: str | None
    action: str
    target: str | None
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: bytes | None = None
    row_hash: bytes = b""


@dataclass(frozen=True)
class ChainBreak:
    """The first row whose hashes do not match its content or its predecessor."""

    id: int
    reason: str


def normalise_ip(ip: object) -> str | None:
    """The textual form PostgreSQL's ``inet`` gives back (``10.0.0.1``, ``::1``)."""
    if ip is None:
        return None
    return str(ipaddress.ip_interface(str(ip)).ip)


def canonical_json(
    *,
    ts: dt.datetime,
    actor: str,
    role: str,
    ip: str | None,
    action: str,
    target: str | None,
    details: Mapping[str, Any],
) -> bytes:
    """The byte string a row's hash covers (everything but its id and its hashes)."""
    content = {
        "ts": ts.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "role": role,
        "ip": normalise_ip(ip),
        "action": action,
        "target": target,
        "details": _json_safe(dict(details)),
    }
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def _json_safe(value: Any) -> Any:
    # jsonb turns 1e20 into the integer 100000000000000000000, which orjson refuses (it only
    # writes 64-bit integers); such integers are hashed as their decimal text instead.
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


def row_hash(prev_hash: bytes | None, content: bytes) -> bytes:
    """``sha256(prev_hash || content)``; the first row has no predecessor."""
    return hashlib.sha256((prev_hash or b"") + content).digest()


def hash_of(entry: AuditRecord, prev_hash: bytes | None) -> bytes:
    """The hash ``entry`` should carry when it follows a row hashed ``prev_hash``."""
    content = canonical_json(
        ts=entry.ts,
        actor=entry.actor,
        role=entry.role,
        ip=entry.ip,
        action=entry.action,
        target=entry.target,
        details=entry.details,
    )
    return row_hash(prev_hash, content)


def verify_chain(rows: Iterable[AuditRecord]) -> ChainBreak | None:
    """The first broken row of ``rows`` (in id order), or None when the chain is intact."""
    previous: bytes | None = None
    for entry in rows:
        if entry.prev_hash != previous:
            return ChainBreak(entry.id, "prev_hash does not match the previous row's hash")
        if entry.row_hash != hash_of(entry, previous):
            return ChainBreak(entry.id, "row_hash does not match the row's content")
        previous = entry.row_hash
    return None
