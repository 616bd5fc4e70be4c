"""A synchroniser token for the server-rendered forms (sign-in and sign-out).

Dash's own POSTs need none: they carry ``Content-Type: application/json``, which a cross-site
HTML form cannot send, and the session cookie is ``SameSite=Lax``, so the browser leaves it off
cross-site POSTs anyway.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

SESSION_KEY = "_csrf"
FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_valid() -> bool:
    """Whether the submitted form carries the session's token."""
    expected = session.get(SESSION_KEY)
    submitted = request.form.get(FIELD, "")
    if not isinstance(expected, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def rotate_csrf_token() -> str:
    """A fresh token (after signing in, so a token seen before cannot be replayed)."""
    session.pop(SESSION_KEY, None)
    return csrf_token()
