"""Channel secrets (signing keys, API tokens) encrypted at rest.

Secrets must be usable (the webhook adapter signs with the key itself), so they cannot be
hashed; they are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
``TRADEDASH_SECRET_KEY``, stored in ``notification_channels.secrets_encrypted`` and never sent
back to a browser: the admin page only shows which secret fields are set. Changing the secret
key makes stored secrets unreadable: deliveries then fail with a clear message until an admin
enters the secrets again.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

import orjson
from cryptography.fernet import Fernet, InvalidToken

from app.config import Settings

_CONTEXT = b"tradedash/notify/channel-secrets/v1"


class SecretsUnreadableError(RuntimeError):
    """Stored secrets were encrypted under another secret key (or were tampered with)."""


def _fernet(settings: Settings) -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.flask_secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(settings: Settings, secrets: Mapping[str, str]) -> bytes | None:
    """The encrypted form of the non-empty ``secrets``, or ``None`` when there are none."""
    kept = {name: value for name, value in secrets.items() if value}
    if not kept:
        return None
    return _fernet(settings).encrypt(orjson.dumps(kept, option=orjson.OPT_SORT_KEYS))


def unseal(settings: Settings, sealed: bytes | None) -> dict[str, str]:
    """The secrets stored by :func:`seal` (an empty map for ``None``)."""
    if not sealed:
        return {}
    try:
        plain = _fernet(settings).decrypt(bytes(sealed))
    except InvalidToken as exc:
        raise SecretsUnreadableError(
            "the channel's secrets cannot be decrypted (was TRADEDASH_SECRET_KEY changed?); "
            "enter them again on the Notification channels page"
        ) from exc
    value = orjson.loads(plain)
    return {str(name): str(secret) for name, secret in value.items()}
