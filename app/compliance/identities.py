"""The protected mapping pseudonym ↔ real client id (``client_identities``).

Only compliance-gated code calls this module (subject access, erasure, the clients page); the
analytics read models never join the mapping.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models.compliance import ClientIdentity


class ClientNotFoundError(LookupError):
    """No client with that id or pseudonym is (any longer) linked in the mapping."""


def find_identity(session: Session, client: str) -> ClientIdentity:
    """The mapping row of a real client id or of a pseudonym; raises ClientNotFoundError."""
    wanted = client.strip()
    if not wanted:
        raise ClientNotFoundError("enter a client id or a pseudonym")
    found = session.scalars(
        select(ClientIdentity)
        .where(or_(ClientIdentity.client_id == wanted, ClientIdentity.pseudonym == wanted))
        .order_by(ClientIdentity.pseudonym)
        .limit(1)
    ).first()
    if found is None:
        raise ClientNotFoundError(f"no client {wanted!r} is linked to stored data")
    return found
