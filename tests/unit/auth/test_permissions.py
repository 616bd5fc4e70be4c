import pytest

from app.auth.permissions import (
    Permission,
    UnknownRoleError,
    can_view_page,
    has_permission,
    page_min_role,
    permissions_of,
    role_at_least,
    roles_with,
)
from app.db.models.auth import ROLES

pytestmark = pytest.mark.unit

P = Permission
EXPECTED = {
    "analyst": {P.VIEW_ANALYTICS, P.EXPORT_OWN},
    "manager": {P.VIEW_ANALYTICS, P.EXPORT_OWN, P.SCHEDULE_OWN_REPORTS},
    "compliance": {
        P.VIEW_ANALYTICS,
        P.EXPORT_OWN,
        P.SCHEDULE_OWN_REPORTS,
        P.VIEW_COMPLIANCE,
        P.VIEW_AUDIT_TRAIL,
        P.RUN_REGULATORY_REPORTS,
    },
    "admin": set(Permission),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role: str) -> None:
    assert permissions_of(role) == EXPECTED[role]
    for permission in Permission:
        assert has_permission(role, permission) is (permission in EXPECTED[role])


def test_nobody_without_a_role_has_any_permission() -> None:
    assert not any(has_permission(None, p) for p in Permission)
    assert not has_permission("superuser", P.VIEW_ANALYTICS)


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        ("analyst", "analyst", True),
        ("analyst", "manager", False),
        ("admin", "compliance", True),
        ("compliance", "admin", False),
        ("manager", "manager", True),
        (None, "analyst", False),
    ],
)
def test_role_ladder(role: str | None, minimum: str, allowed: bool) -> None:
    assert role_at_least(role, minimum) is allowed


def test_an_unknown_minimum_role_is_a_programming_error() -> None:
    with pytest.raises(UnknownRoleError):
        role_at_least("admin", "root")


def test_roles_with_a_permission() -> None:
    assert roles_with(P.VIEW_AUDIT_TRAIL) == ("compliance", "admin")
    assert roles_with(P.MANAGE_USERS) == ("admin",)
    assert roles_with(P.VIEW_ANALYTICS) == ROLES


def test_pages_default_to_every_signed_in_role() -> None:
    overview = {"path": "/", "name": "Overview"}
    audit = {"path": "/audit", "name": "Audit trail", "min_role": "compliance"}
    assert page_min_role(overview) == "analyst"
    assert all(can_view_page(role, overview) for role in ROLES)
    assert [role for role in ROLES if can_view_page(role, audit)] == ["compliance", "admin"]
    assert not can_view_page(None, overview)
    with pytest.raises(UnknownRoleError):
        page_min_role({"min_role": "superuser"})
