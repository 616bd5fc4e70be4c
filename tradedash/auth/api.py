"""Bearer-token authentication for the REST API and the role check its endpoints use.

Usage in an endpoint module::

    @blueprint.get("/alerts/rules")
    @require_api_role("analyst")
    def list_rules(): ...

The guard has already refused requests without a valid token (401); ``require_api_role``
adds the role check (403) and also authenticates when used outside the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g, request

from app.auth.api_tokens import verify_token
from app.auth.permissions import Permission, check_role, has_permission, role_at_least
from tradedash.api.errors import ApiError, error_response

from .principal import Principal
from .state import auth_state

View = TypeVar("View", bound=Callable[..., Any])


def bearer_secret() -> str | None:
    """The token in ``Authorization: Bearer <token>``, if the header is there."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate_bearer() -> Principal | None:
    """The live token presented with the request, as a principal; None if missing or bad."""
    secret = bearer_secret()
    if secret is None:
        return None
    with auth_state().sessions.begin() as db:
        token = verify_token(db, secret)
        if token is None:
            return None
        return Principal(token.name, token.role, "token", token.id)


def unauthorized() -> tuple[Response, int]:
    """The 401 answer: one message for a missing, unknown, revoked or expired token."""
    response, status = error_response(
        401, "unauthorized", "a valid API token is required: Authorization: Bearer <token>"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="tradedash"'
    return response, status


def api_principal() -> Principal:
    """The authenticated caller of the current API request (401 if there is none)."""
    principal: Principal | None = g.get("api_principal")
    if principal is None:
        principal = authenticate_bearer()
        if principal is None:
            raise ApiError(401, "unauthorized", "a valid API token is required")
        g.api_principal = principal
    return principal


def require_api_role(minimum: str) -> Callable[[View], View]:
    """Decorator: the endpoint answers only tokens of role ``minimum`` or above (else 403)."""
    check_role(minimum)

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not role_at_least(api_principal().role, minimum):
                raise ApiError(403, "forbidden", f"this endpoint needs the {minimum} role")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def require_api_permission(permission: Permission) -> Callable[[View], View]:
    """Decorator: the endpoint answers only tokens whose role holds ``permission``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(api_principal().role, permission):
                raise ApiError(403, "forbidden", f"this endpoint needs {permission.value}")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
