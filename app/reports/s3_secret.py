"""The secret access key of a schedule's S3 target, encrypted at rest.

Like channel secrets (``app.notify.secrets``) the key must be usable, so it is encrypted, not
hashed: Fernet under a key derived from ``TRADEDASH_SECRET_KEY`` with its own context, so a
sealed S3 secret can never be opened as a channel secret or the other way round. It is never
sent back to a browser: the schedules page only says whether one is set.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from app.config import Settings

_CONTEXT = b"tradedash/reports/s3-secret/v1"


class S3SecretUnreadableError(RuntimeError):
    """The stored secret was encrypted under another secret key (or was tampered with)."""


def _fernet(settings: Settings) -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.flask_secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_secret(settings: Settings, secret: str) -> bytes:
    """The encrypted form of ``secret``."""
    return _fernet(settings).encrypt(secret.encode("utf-8"))


def open_secret(settings: Settings, sealed: bytes) -> str:
    """The secret stored by :func:`seal_secret`."""
    try:
        return _fernet(settings).decrypt(bytes(sealed)).decode("utf-8")
    except InvalidToken as exc:
        raise S3SecretUnreadableError(
            "the S3 secret access key cannot be decrypted (was TRADEDASH_SECRET_KEY changed?); "
            "enter it again on the Report schedules page"
        ) from exc
