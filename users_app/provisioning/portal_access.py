"""Which screens of the portal a signed-in user may open (product.md "Sign-in and who may do what").

The rights themselves are decided in admin_roles.py (DIR-05); these answer None when allowed,
else the sentence shown on the 403 page.
"""
from __future__ import annotations

from .rules import admin_roles
from .rules.admin_roles import Action
from .types import GLOBAL_ADMIN, POWER_PLATFORM_ADMIN

ACCESS_MODE_ROLES = frozenset({GLOBAL_ADMIN, POWER_PLATFORM_ADMIN})  # MODE-04, beside System Administrator


def missing_m365_role(roles: frozenset[str]) -> str | None:
    """The Microsoft 365 admin center: every admin role reads it."""
    return admin_roles.refusal(roles, Action.READ)


def missing_tenant_pp_role(roles: frozenset[str], *, write: bool = False) -> str | None:
    """Tenant-wide Power Platform pages (the environments list, new environment)."""
    return admin_roles.tenant_pp_refusal(roles, write=write)
