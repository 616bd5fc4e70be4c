"""Counting failed sign-ins in Redis, per client IP and per account, in fixed windows.

Only failures count, so a person who types their password right is never slowed down; once
either counter reaches its limit, every attempt (even a correct one) is refused until the
window ends. Account keys hold a digest of the address, not the address itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis import Redis


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures each key may collect within ``window_s`` seconds."""

    per_account: int = 5
    per_ip: int = 20
    window_s: int = 300
    key_prefix: str = "tradedash:login-failures"


class LoginThrottle:
    """Failed-sign-in counters on Redis under one ``ThrottlePolicy``."""

    def __init__(self, redis: Redis, policy: ThrottlePolicy | None = None) -> None:
        self.redis = redis
        self.policy = policy or ThrottlePolicy()

    def _keys(self, ip: str, email: str) -> tuple[str, str]:
        account = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
        prefix = self.policy.key_prefix
        return f"{prefix}:ip:{ip}", f"{prefix}:account:{account}"

    def retry_after(self, ip: str, email: str) -> int:
        """Seconds until this IP and account may try again; 0 when they may now."""
        ip_key, account_key = self._keys(ip, email)
        pipe = self.redis.pipeline()
        pipe.get(ip_key)
        pipe.ttl(ip_key)
        pipe.get(account_key)
        pipe.ttl(account_key)
        ip_count, ip_ttl, account_count, account_ttl = pipe.execute()
        waits = [0]
        if int(ip_count or 0) >= self.policy.per_ip:
            waits.append(max(int(ip_ttl), 1))
        if int(account_count or 0) >= self.policy.per_account:
            waits.append(max(int(account_ttl), 1))
        return max(waits)

    def record_failure(self, ip: str, email: str) -> None:
        """Count one failed attempt against the IP and the account."""
        pipe = self.redis.pipeline()
        for key in self._keys(ip, email):
            pipe.incr(key)
            pipe.expire(key, self.policy.window_s, nx=True)
        pipe.execute()

    def forget_account(self, email: str) -> None:
        """Clear the account's counter after a successful sign-in (the IP's stays)."""
        self.redis.delete(self._keys("", email)[1])
