"""Short-lived copies of signed-in users in Redis, so that a session outlives a database outage.

While the database is up every request reads the user's row (a role change, a deactivation or a
new password takes effect on the next request) and refreshes the copy (one Redis SET). While the
database cannot be reached, an existing session is served from the copy for at most
:data:`TRUST_FOR` after the database last vouched for it; a copy never signs anyone in
(sign-in and the "remember me" cookie still need the database).

The key carries the session's fingerprint (a digest of the password hash), so a changed password
leaves the old copies unused; a row found inactive, gone or re-keyed deletes its copy at once.
Like the stale page cache, Redis is a convenience here: its errors are logged, never raised.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass

import orjson
import redis

log = logging.getLogger(__name__)

PREFIX = "td:auth:user-snapshot:"
TRUST_FOR = dt.timedelta(minutes=15)
"""The longest a copy is trusted after the database last confirmed it."""
PAUSE_AFTER_ERROR_S = 30.0


@dataclass(frozen=True)
class UserSnapshot:
    """What a session needs of a user, and when the database last confirmed it (epoch s)."""

    user_id: int
    email: str
    display_name: str
    role: str
    active: bool
    fingerprint: str
    confirmed_at: float


def snapshot_key(user_id: int, fingerprint: str) -> str:
    """The Redis key of a user's copy for one password fingerprint."""
    return f"{PREFIX}{user_id}:{fingerprint}"


def is_trusted(
    snapshot: UserSnapshot,
    user_id: int,
    fingerprint: str,
    now: float,
    trust_for: dt.timedelta = TRUST_FOR,
) -> bool:
    """Whether ``snapshot`` may stand in for the database for this session at ``now``."""
    age = now - snapshot.confirmed_at
    return (
        snapshot.active
        and snapshot.user_id == user_id
        and snapshot.fingerprint == fingerprint
        and 0 <= age <= trust_for.total_seconds()
    )


class UserSnapshots:
    """The copies in Redis; every method swallows Redis errors and then leaves Redis alone
    for :data:`PAUSE_AFTER_ERROR_S` so that an outage is not paid on every request."""

    def __init__(self, client: redis.Redis, trust_for: dt.timedelta = TRUST_FOR) -> None:
        self.client = client
        self.trust_for = trust_for
        self._paused_until = 0.0

    def keep(self, snapshot: UserSnapshot) -> bool:
        """Store ``snapshot`` for at most ``trust_for``; False when Redis could not take it."""
        key = snapshot_key(snapshot.user_id, snapshot.fingerprint)
        if time.monotonic() < self._paused_until:
            return False
        try:
            ttl = int(self.trust_for.total_seconds())
            self.client.set(key, orjson.dumps(asdict(snapshot)), ex=ttl)
        except redis.RedisError as error:
            self._failed("keep", key, error)
            return False
        return True

    def trusted(self, user_id: int, fingerprint: str, now: float) -> UserSnapshot | None:
        """The user's copy if it exists and may still be trusted at ``now`` (epoch s)."""
        key = snapshot_key(user_id, fingerprint)
        if time.monotonic() < self._paused_until:
            return None
        try:
            raw = self.client.get(key)
        except redis.RedisError as error:
            self._failed("read", key, error)
            return None
        if raw is None:
            return None
        snapshot = UserSnapshot(**orjson.loads(raw))
        return snapshot if is_trusted(snapshot, user_id, fingerprint, now, self.trust_for) else None

    def forget(self, user_id: int, fingerprint: str) -> None:
        """Delete the copy (the database says the session is no longer valid)."""
        key = snapshot_key(user_id, fingerprint)
        if time.monotonic() < self._paused_until:
            return
        try:
            self.client.delete(key)
        except redis.RedisError as error:
            self._failed("delete", key, error)

    def _failed(self, action: str, key: str, error: Exception) -> None:
        self._paused_until = time.monotonic() + PAUSE_AFTER_ERROR_S
        log.warning("could not %s the user snapshot %s (Redis left alone for %.0f s): %s",
                    action, key, PAUSE_AFTER_ERROR_S, error)  # fmt: skip
