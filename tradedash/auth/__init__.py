"""Sign-in, sessions and authorisation for the web app and the API.

What other modules use:

- ``install_auth(server, settings)`` — once, in the application factory;
- ``dash.register_page(..., min_role="compliance")`` — the least role that may open a page
  (default ``analyst``); pages above a user's role are left out of their navigation and
  answer 403;
- ``@require_role("admin")`` / ``@require_permission(Permission.MANAGE_LIMITS)`` — under a
  Dash ``@callback`` decorator, for restricted actions;
- ``@require_api_role("analyst")`` / ``@require_api_permission(...)`` — on API endpoints;
- ``current_principal()``, ``current_role()``, ``current_actor()`` — who is calling, and the
  ``app.audit.Actor`` to pass to ``app.audit.record``.
"""

from .api import api_principal, require_api_permission, require_api_role
from .callbacks import require_permission, require_role
from .install import install_auth
from .principal import Principal, current_actor, current_principal, current_role

__all__ = [
    "Principal",
    "api_principal",
    "current_actor",
    "current_principal",
    "current_role",
    "install_auth",
    "require_api_permission",
    "require_api_role",
    "require_permission",
    "require_role",
]
