"""Where to send a user after signing in: only to a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_TARGET = "/"
_AUTH_PATHS = ("/login", "/logout")


def safe_next_path(candidate: str | None) -> str:
    """``candidate`` if it is a local absolute path (with optional query), else ``/``.

    Refuses what browsers would treat as another host (``//evil``, ``/\\evil``, ``https:``),
    control characters, and the sign-in pages themselves (which would loop).
    """
    if not candidate or len(candidate) > 2048:
        return DEFAULT_TARGET
    if not candidate.startswith("/") or candidate.startswith("//"):
        return DEFAULT_TARGET
    if "\\" in candidate or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return DEFAULT_TARGET
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return DEFAULT_TARGET
    if parts.path.rstrip("/") in _AUTH_PATHS:
        return DEFAULT_TARGET
    return candidate
