"""The gate in front of every route: sign-in for people, bearer tokens for the API.

Public: the sign-in form and its stylesheet, and ``/api/v1/health``. Everything else needs
either a signed-in session (pages, Dash's ``/_dash-*`` endpoints, ``/_reload-hash``, assets)
or, under ``/api/``, a valid ``Authorization: Bearer`` token. Anonymous page requests are
sent to ``/login?next=...``; anonymous ``/_*``, asset and API requests get a 401 JSON error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import dash
from dash import html
from flask import Response, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.auth.permissions import can_view_page, page_min_role
from tradedash.api.errors import error_response

from .api import authenticate_bearer, unauthorized
from .api_rate_limit import over_limit
from .principal import current_role
from .state import auth_state
from .views import LOGIN_CSS, REMEMBERED_KEY, SEEN_KEY

PUBLIC_PATHS = frozenset({"/login", LOGIN_CSS, "/api/v1/health"})
UNKNOWN_API_ENDPOINT = "api_v1.unknown"
"""The API's JSON 404 for unknown paths needs no token: it reveals nothing."""

_SEEN_RESOLUTION_S = 60
BACKGROUND_PROP_SUFFIXES = (".n_intervals", "-live.data", "-live-status.data")
"""Callback triggers that are the page refreshing itself (timers, the live push), not a person:
they must not keep an idle session alive."""
_GUARDED = "_tradedash_role_guard"


def _is_machine_path(path: str) -> bool:
    return path.startswith(("/_", "/assets/", "/api/"))


def require_sign_in() -> Any:
    """``before_request``: let the request through (None) or answer it (redirect, 401, 403)."""
    path = request.path
    if path in PUBLIC_PATHS or request.endpoint == "auth.logout":
        return None
    if path.startswith("/api/"):
        if request.endpoint == UNKNOWN_API_ENDPOINT:
            return None
        principal = authenticate_bearer()
        if principal is None:
            return unauthorized()
        g.api_principal = principal
        return over_limit(principal)

    _expire_idle_session()
    if not current_user.is_authenticated:
        if _is_machine_path(path):
            return error_response(401, "unauthorized", "sign in first")
        return redirect(url_for("auth.login_form", next=_requested_path()))

    if path == "/_dash-update-component":
        protect_page_layouts()
    elif request.method == "GET" and not _is_machine_path(path):
        page = _page_for(path)
        if page is not None and not can_view_page(current_role(), page):
            g.forbidden_page = True
    return None


def _requested_path() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def _expire_idle_session() -> None:
    """Sign out a session idle for longer than the timeout (unless "remember me" was ticked)."""
    if "_user_id" not in session or session.get(REMEMBERED_KEY):
        return
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    idle_s = auth_state().options.idle_timeout.total_seconds()
    if not isinstance(seen, int) or now - seen > idle_s:
        logout_user()
        session.clear()
    elif now - seen > _SEEN_RESOLUTION_S and not _is_background_request():
        session[SEEN_KEY] = now


def _is_background_request() -> bool:
    """A Dash callback fired only by timers or the live push (or the live stream itself)."""
    if request.path.startswith("/_live/"):
        return True
    if request.path != "/_dash-update-component":
        return False
    body = request.get_json(silent=True)
    changed = body.get("changedPropIds") if isinstance(body, dict) else None
    if not isinstance(changed, list) or not changed:
        return False
    return all(
        isinstance(prop, str) and prop.endswith(BACKGROUND_PROP_SUFFIXES) for prop in changed
    )


def mark_forbidden_page(response: Response) -> Response:
    """``after_request``: a page the role may not open is served with status 403.

    The body stays Dash's index, so the user keeps the navigation; the page's layout, guarded
    by :func:`protect_page_layouts`, renders the explanation.
    """
    if g.get("forbidden_page") and response.status_code == 200:
        response.status_code = 403
    return response


def security_headers(response: Response) -> Response:
    """``after_request``: headers that cost nothing and close common holes."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _page_for(path: str) -> dict[str, Any] | None:
    # Dash's own matcher (exact paths and path templates), so the guard and the router agree.
    page, _ = dash._pages._path_to_page(path.strip("/"))  # noqa: SLF001
    return page or None


def protect_page_layouts() -> None:
    """Wrap each registered page's layout so that a role below the page's sees a 403 notice.

    Runs before Dash's router callback; pages re-register when an app is created, so this is
    idempotent and cheap (a flag per layout) rather than done once.
    """
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if layout is None or getattr(layout, _GUARDED, False):
            continue
        page["layout"] = _guarded_layout(layout, page_min_role(page), page.get("name", ""))


def _guarded_layout(layout: Any, min_role: str, name: str) -> Callable[..., Any]:
    page = {"min_role": min_role}

    def guarded(**kwargs: Any) -> Any:
        if not can_view_page(current_role(), page):
            return forbidden_layout(name)
        return layout(**kwargs) if callable(layout) else layout

    setattr(guarded, _GUARDED, True)
    return guarded


def forbidden_layout(page_name: str) -> html.Div:
    """What a user sees instead of a page their role may not open."""
    return html.Div(
        [
            html.H1("403 — not allowed"),
            html.P(
                f"Your role ({current_role()}) may not open {page_name or 'this page'}. "
                "Ask an administrator if you need it."
            ),
        ],
        className="forbidden",
        id="forbidden-page",
    )
