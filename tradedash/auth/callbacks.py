"""Role checks for Dash callbacks that perform restricted actions.

Put the check under the callback decorator, so it runs on every call::

    @callback(Output(ids.SAVE_STATUS, "children"), Input(ids.SAVE, "n_clicks"))
    @require_role("admin")
    def save_limit(n_clicks): ...

A caller below the role gets no update (Dash answers 204) and the refusal is logged: the
control should not have been shown to them, so there is nothing to explain in the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from dash.exceptions import PreventUpdate

from app.auth.permissions import Permission, check_role, has_permission, role_at_least

from .principal import current_principal, current_role

Callback = TypeVar("Callback", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def _refuse(func: Callable[..., Any], needed: str) -> None:
    principal = current_principal()
    who = f"{principal.name} ({principal.role})" if principal else "anonymous"
    log.warning("refused callback %s to %s: needs %s", func.__qualname__, who, needed)
    raise PreventUpdate


def require_role(minimum: str) -> Callable[[Callback], Callback]:
    """Decorator: run the callback only for users of role ``minimum`` or above."""
    check_role(minimum)

    def decorate(func: Callback) -> Callback:
        @wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not role_at_least(current_role(), minimum):
                _refuse(func, f"role {minimum}")
            return func(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def require_permission(permission: Permission) -> Callable[[Callback], Callback]:
    """Decorator: run the callback only for users whose role holds ``permission``."""

    def decorate(func: Callback) -> Callback:
        @wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(current_role(), permission):
                _refuse(func, permission.value)
            return func(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
