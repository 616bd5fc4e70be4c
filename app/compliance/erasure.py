"""GDPR erasure: forget who a pseudonym stands for, keep the regulatory record.

The mapping row is the only place the real client id is stored (the event tables hold the
keyed pseudonym), so deleting it makes the stored rows unlinkable for this system. Orders,
executions, positions, snapshots and every aggregate stay (MiFID record keeping overrides
erasure for them). The erasure is audited with the pseudonym as target, never the real id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.audit import Actor
from app.audit.log import record
from app.compliance.identities import find_identity
from app.db.models.compliance import ClientIdentity


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: the pseudonym that is no longer linked."""

    pseudonym: str
    mappings_deleted: int


def erase(session: Session, actor: Actor, client: str) -> Erasure:
    """Delete the mapping of ``client`` (real id or pseudonym), audited as ``client.erase``."""
    identity = find_identity(session, client)
    pseudonym = identity.pseudonym
    result = session.execute(
        delete(ClientIdentity).where(ClientIdentity.client_id == identity.client_id)
    )
    deleted = int(getattr(result, "rowcount", 0))
    record(
        session,
        actor,
        "client.erase",
        pseudonym,
        {"mappings_deleted": int(deleted), "kept": "event rows keep the pseudonym"},
    )
    return Erasure(pseudonym, int(deleted))
