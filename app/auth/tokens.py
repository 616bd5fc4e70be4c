"""API token material: 32 random bytes, shown once, stored only as a SHA-256 hex digest.

SHA-256 without a salt is enough here (unlike passwords): the token has 256 bits of entropy,
so there is nothing to guess, and a plain digest allows an indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh token (URL-safe base64, 43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of ``token``: its SHA-256 as 64 lower-case hex digits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
