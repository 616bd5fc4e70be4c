"""GET /api/v1/me and GET /api/v1/admin/tokens (never the hashes)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from app.auth.api_tokens import list_tokens
from app.auth.permissions import permissions_of
from tradedash.api.errors import ApiError, handle_api_error, handle_http_error, handle_unexpected

from .api import api_principal, require_api_role
from .state import auth_state


def _rfc3339(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def me() -> Response:
    principal = api_principal()
    return jsonify(
        {
            "name": principal.name,
            "role": principal.role,
            "kind": principal.kind,
            "permissions": sorted(p.value for p in permissions_of(principal.role)),
        }
    )


@require_api_role("admin")
def tokens() -> Response:
    now = dt.datetime.now(dt.UTC)
    with auth_state().sessions() as db:
        rows = [
            {
                "id": token.id,
                "name": token.name,
                "role": token.role,
                "created_at": _rfc3339(token.created_at),
                "expires_at": _rfc3339(token.expires_at),
                "revoked_at": _rfc3339(token.revoked_at),
                "last_used_at": _rfc3339(token.last_used_at),
                "active": token.revoked_at is None
                and (token.expires_at is None or token.expires_at > now),
            }
            for token in list_tokens(db)
        ]
    return jsonify({"tokens": rows})


def build_auth_api() -> Blueprint:
    """The auth endpoints of API v1 (registered next to the main API blueprint)."""
    api = Blueprint("api_v1_auth", __name__, url_prefix="/api/v1")
    api.add_url_rule("/me", "me", me)
    api.add_url_rule("/admin/tokens", "tokens", tokens)
    api.register_error_handler(ApiError, handle_api_error)
    api.register_error_handler(HTTPException, handle_http_error)
    api.register_error_handler(Exception, handle_unexpected)
    return api
