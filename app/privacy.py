"""Pseudonymisation of personal data before it is stored (GDPR: data minimisation).

Client ids are replaced by a keyed hash: the same client always gets the same pseudonym (so
per-client analytics work), but the id cannot be recovered without the key, which lives only
in the environment. Erasure of a client's identity is done by forgetting the mapping held by
the engine; the regulatory record keeps the pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX_CHARS = 32


def pseudonymise(client_id: str, key: bytes) -> str:
    """The stored pseudonym of a client id: HMAC-SHA256 under ``key``, 128 bits in hex."""
    digest = hmac.new(key, client_id.encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_CHARS]
