"""GDPR subject access: everything held about one client, as one JSON document.

The client is found through the mapping (by real id or pseudonym); after an erasure the
mapping is gone and nothing is linked any more, so the request finds no client. The export
holds the identity row, the client's orders, the executions of those orders, closed positions
and account snapshots. The request is audited with the pseudonym (never the real id) as target.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.audit import Actor
from app.audit.log import record
from app.compliance.identities import find_identity

SECTIONS = {
    "orders": "SELECT * FROM orders WHERE client_ref = :p ORDER BY ts",
    "executions": (
        "SELECT e.* FROM executions e WHERE e.order_id IN "
        "(SELECT order_id FROM orders WHERE client_ref = :p) ORDER BY e.ts"
    ),
    "positions": "SELECT * FROM positions WHERE client_ref = :p ORDER BY ts",
    "account_snapshots": "SELECT * FROM account_snapshots WHERE client_ref = :p ORDER BY ts",
}
"""Section name → the query of the client's rows (``:p`` = pseudonym)."""


def _default(value: object) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def collect(session: Session, client: str) -> dict[str, Any]:
    """The subject-access document of ``client`` (real id or pseudonym) as plain data."""
    identity = find_identity(session, client)
    document: dict[str, Any] = {
        "generated_at": dt.datetime.now(dt.UTC),
        "client_id": identity.client_id,
        "pseudonym": identity.pseudonym,
        "first_seen": identity.first_seen,
        "last_seen": identity.last_seen,
    }
    for name, sql in SECTIONS.items():
        rows = session.execute(text(sql), {"p": identity.pseudonym}).mappings().all()
        document[name] = [dict(row) for row in rows]
    return document


def export(session: Session, actor: Actor, client: str) -> bytes:
    """The JSON export of ``client``, audited as ``client.subject_access`` (the caller commits)."""
    document = collect(session, client)
    record(
        session,
        actor,
        "client.subject_access",
        document["pseudonym"],
        {name: len(document[name]) for name in SECTIONS},
    )
    return orjson.dumps(
        document, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    )
