"""Who may open which screen of the portal (product.md "Sign-in and who may do what", MODE-04).

Pure functions over role names: each answers None when allowed, else the sentence
that says which role is missing (shown on the 403 page)."""
from __future__ import annotations

from .types import DYNAMICS_365_ADMIN, GLOBAL_ADMIN, POWER_PLATFORM_ADMIN

USER_ADMIN = "User Administrator"
LICENCE_ADMIN = "License Administrator"

M365_ADMIN_ROLES = frozenset({GLOBAL_ADMIN, USER_ADMIN})
M365_LICENCE_ROLES = frozenset({GLOBAL_ADMIN, USER_ADMIN, LICENCE_ADMIN})
PP_ADMIN_ROLES = frozenset({GLOBAL_ADMIN, POWER_PLATFORM_ADMIN, DYNAMICS_365_ADMIN})
ACCESS_MODE_ROLES = frozenset({GLOBAL_ADMIN, POWER_PLATFORM_ADMIN})  # MODE-04, beside System Administrator


def missing_m365_role(roles: frozenset[str], *, licences: bool = False) -> str | None:
    """Microsoft 365 admin screens: Global or User administrator (licences: License administrator too)."""
    needed = M365_LICENCE_ROLES if licences else M365_ADMIN_ROLES
    if roles & needed:
        return None
    names = "Global administrator, User administrator or License administrator" if licences else \
        "Global administrator or User administrator"
    return f"This page needs the {names} role in the Microsoft 365 admin center."


def missing_pp_role(roles: frozenset[str], *, is_system_administrator: bool = False) -> str | None:
    """Power Platform screens: Global, Power Platform or Dynamics 365 administrator, or System
    Administrator in that environment (for that environment's pages)."""
    if roles & PP_ADMIN_ROLES or is_system_administrator:
        return None
    return ("This page needs the Global administrator, Power Platform administrator or Dynamics 365 "
            "administrator role, or the System Administrator security role in this environment.")


def missing_tenant_pp_role(roles: frozenset[str]) -> str | None:
    """Tenant-wide Power Platform pages (the environments list, new environment)."""
    if roles & PP_ADMIN_ROLES:
        return None
    return ("This page needs the Global administrator, Power Platform administrator or Dynamics 365 "
            "administrator role.")
