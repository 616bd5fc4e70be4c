"""What each role may see and do.

The roles form a ladder; each one has everything the one below it has:

=============  ==============================================================================
``analyst``    every analytics page, exports of their own
``manager``    + report schedules for themselves
``compliance`` + the compliance pages, the audit trail, regulatory reports
``admin``      + users, API tokens, exposure limits, alert rules, schedules for anyone
=============  ==============================================================================

Checks name either the least role (``role_at_least(role, "compliance")``) or a permission
(``has_permission(role, Permission.VIEW_AUDIT)``); prefer permissions for actions, so that a
change of policy is one line in ``GRANTED_FROM`` below.

Dash pages declare their least role in ``dash.register_page(..., min_role="compliance")``;
a page without it is open to every signed-in user (``analyst`` and up).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from app.db.models.auth import ROLES

PAGE_ROLE_KEY = "min_role"
"""The extra keyword of ``dash.register_page`` that names the least role allowed on a page."""

DEFAULT_PAGE_ROLE = "analyst"


class UnknownRoleError(ValueError):
    """A role name that is not one of ``ROLES`` (a programming or configuration error)."""


class Permission(StrEnum):
    """Things a role may do, named ``<noun>.<verb>``."""

    VIEW_ANALYTICS = "analytics.view"
    EXPORT_OWN = "exports.own"
    SCHEDULE_OWN_REPORTS = "schedules.own"
    VIEW_COMPLIANCE = "compliance.view"
    VIEW_AUDIT_TRAIL = "audit.view"
    RUN_REGULATORY_REPORTS = "regulatory_reports.run"
    MANAGE_USERS = "users.manage"
    MANAGE_TOKENS = "tokens.manage"
    MANAGE_LIMITS = "limits.manage"
    MANAGE_ALERT_RULES = "alert_rules.manage"
    SCHEDULE_ANY_REPORTS = "schedules.any"


GRANTED_FROM: Mapping[Permission, str] = {
    Permission.VIEW_ANALYTICS: "analyst",
    Permission.EXPORT_OWN: "analyst",
    Permission.SCHEDULE_OWN_REPORTS: "manager",
    Permission.VIEW_COMPLIANCE: "compliance",
    Permission.VIEW_AUDIT_TRAIL: "compliance",
    Permission.RUN_REGULATORY_REPORTS: "compliance",
    Permission.MANAGE_USERS: "admin",
    Permission.MANAGE_TOKENS: "admin",
    Permission.MANAGE_LIMITS: "admin",
    Permission.MANAGE_ALERT_RULES: "admin",
    Permission.SCHEDULE_ANY_REPORTS: "admin",
}
"""The least role that holds each permission."""


def rank(role: str) -> int:
    """Position of ``role`` on the ladder (0 for ``analyst``)."""
    try:
        return ROLES.index(role)
    except ValueError:
        raise UnknownRoleError(
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        ) from None


def check_role(role: str) -> str:
    """``role`` itself if it is a known role; raises :class:`UnknownRoleError` otherwise."""
    rank(role)
    return role


def role_at_least(role: str | None, minimum: str) -> bool:
    """Whether ``role`` is ``minimum`` or above it; False for no role (anonymous)."""
    if role is None or role not in ROLES:
        return False
    return rank(role) >= rank(minimum)


def has_permission(role: str | None, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``."""
    return role_at_least(role, GRANTED_FROM[permission])


def permissions_of(role: str) -> frozenset[Permission]:
    """Every permission ``role`` holds."""
    return frozenset(p for p in Permission if has_permission(role, p))


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles that hold ``permission``, lowest first."""
    return tuple(role for role in ROLES if has_permission(role, permission))


def page_min_role(page: Mapping[str, object]) -> str:
    """The least role a Dash page registry entry declares (``analyst`` when it declares none)."""
    declared = page.get(PAGE_ROLE_KEY) or DEFAULT_PAGE_ROLE
    return check_role(str(declared))


def can_view_page(role: str | None, page: Mapping[str, object]) -> bool:
    """Whether a user with ``role`` may open the Dash page described by ``page``."""
    return role_at_least(role, page_min_role(page))
