"""What each Microsoft Entra admin role may do, and to whom (DIR-05): the one definition.

Pure functions over role names. `refusal(roles, action, target_roles=...)` answers None when a
holder of `roles` may do `action` (to a target holding `target_roles`), else the sentence that
says why not, in the admin centers' words. Screens, commands and (later) APIs ask here; the
services refuse with RuleViolation("DIR-05", sentence) through `check`.

The tables follow Microsoft's role reference and its "who can reset passwords / perform sensitive
actions" tables (Table A and Table B); the project's README has the matrix in words.
"""
from __future__ import annotations

from enum import Enum

from users_app.choices import AdminRole

from .ids import DIR_05
from .violation import RuleViolation

# The roles are choices.py's AdminRole (one list); short names for the tables below.
GLOBAL, GLOBAL_READER, PRIVILEGED_ROLE = AdminRole.GLOBAL, AdminRole.GLOBAL_READER, AdminRole.PRIVILEGED_ROLE
USER, HELPDESK, PASSWORD, LICENCE = AdminRole.USER, AdminRole.HELPDESK, AdminRole.PASSWORD, AdminRole.LICENCE
GROUPS, POWER_PLATFORM, DYNAMICS_365 = AdminRole.GROUPS, AdminRole.POWER_PLATFORM, AdminRole.DYNAMICS_365
APPLICATION = AdminRole.APPLICATION

ALL_ROLES = tuple(AdminRole)
# As the admin centers write them in a sentence (the Dynamics 365 role without "service").
NAMES = {role: role.label for role in AdminRole} | {DYNAMICS_365: "Dynamics 365 administrator"}


class Action(str, Enum):
    """What an admin does in the Microsoft 365 admin center (the rows of the role x action table)."""

    READ = "read the Microsoft 365 admin center"
    READ_AUDIT = "read the audit log"
    CREATE_USER = "add users"
    EDIT_PROFILE = "edit users' profiles"
    EDIT_USER_NAME = "change the user name of"  # Table B
    EDIT_SENSITIVE = "edit the phones or other e-mails of"  # Table B, or Table A for Helpdesk / Password
    RESET_PASSWORD = "reset the password of"
    BLOCK = "block or unblock sign-in of"
    DELETE = "delete or restore"
    PURGE = "permanently delete"
    LICENCES = "assign or remove licenses"
    USAGE_LOCATION = "set the usage location"
    TENANT_LICENCES = "change the tenant's subscriptions"
    GROUPS = "create, edit or delete groups"
    GROUP_MEMBERS = "manage group members and owners"
    ADMIN_ROLES = "assign or remove admin roles"
    APP_REGISTRATIONS = "register applications and create secrets"
    GRANT_CONSENT = "grant application permissions (admin consent)"
    LOAD_TENANT_FILE = "load a tenant file"


# Microsoft Graph application permissions an app registration may be granted (admin consent), and
# the admin roles whose rights each one gives a client-credentials token: an app acts in the
# directory as a holder of those roles would (DIR-05 applies to it unchanged).
APPLICATION_PERMISSIONS: dict[str, frozenset[str]] = {
    "User.Read.All": frozenset({AdminRole.GLOBAL_READER}),
    "Directory.Read.All": frozenset({AdminRole.GLOBAL_READER}),
    "Group.Read.All": frozenset({AdminRole.GLOBAL_READER}),
    "User.ReadWrite.All": frozenset({AdminRole.USER}),
    "LicenseAssignment.ReadWrite.All": frozenset({AdminRole.LICENCE}),
    "Group.ReadWrite.All": frozenset({AdminRole.GROUPS}),
    "GroupMember.ReadWrite.All": frozenset({AdminRole.GROUPS}),
    "Directory.ReadWrite.All": frozenset({AdminRole.USER, AdminRole.GROUPS}),
    "RoleManagement.ReadWrite.Directory": frozenset({AdminRole.PRIVILEGED_ROLE}),
    "Application.ReadWrite.All": frozenset({AdminRole.APPLICATION}),
}


def roles_for_permissions(permissions) -> frozenset[str]:
    """The admin roles whose rights the granted application permissions give (unknown ones: none)."""
    roles: set[str] = set()
    for permission in permissions or ():
        roles |= APPLICATION_PERMISSIONS.get(permission, frozenset())
    return frozenset(roles)


# Every admin role reads basic properties in the Microsoft 365 admin center (webPortal standard read).
_READERS = frozenset(ALL_ROLES)
# Role x action: the roles that may take the action at all (targets are limited below).
ALLOWED: dict[Action, frozenset[str]] = {
    Action.READ: _READERS,
    Action.READ_AUDIT: frozenset({GLOBAL, GLOBAL_READER}),
    Action.CREATE_USER: frozenset({GLOBAL, USER}),
    Action.EDIT_PROFILE: frozenset({GLOBAL, USER}),
    Action.EDIT_USER_NAME: frozenset({GLOBAL, USER}),
    Action.EDIT_SENSITIVE: frozenset({GLOBAL, USER, HELPDESK, PASSWORD}),
    Action.RESET_PASSWORD: frozenset({GLOBAL, USER, HELPDESK, PASSWORD}),
    Action.BLOCK: frozenset({GLOBAL, USER}),
    Action.DELETE: frozenset({GLOBAL, USER}),
    Action.PURGE: frozenset({GLOBAL, USER}),
    Action.LICENCES: frozenset({GLOBAL, USER, LICENCE}),
    Action.USAGE_LOCATION: frozenset({GLOBAL, USER, LICENCE}),
    Action.TENANT_LICENCES: frozenset({GLOBAL}),
    Action.GROUPS: frozenset({GLOBAL, USER, GROUPS}),
    Action.GROUP_MEMBERS: frozenset({GLOBAL, USER, GROUPS}),
    Action.ADMIN_ROLES: frozenset({GLOBAL, PRIVILEGED_ROLE}),
    Action.APP_REGISTRATIONS: frozenset({GLOBAL, APPLICATION}),
    Action.GRANT_CONSENT: frozenset({GLOBAL, PRIVILEGED_ROLE}),  # Graph application permissions
    Action.LOAD_TENANT_FILE: frozenset({GLOBAL}),  # the whole directory and every environment at once
}

# Table A (reset password): for each acting role, the target roles it may act on. A target with
# no admin role is allowed to all of them; a target is allowed when every role it holds is.
RESET_TARGETS: dict[str, frozenset[str]] = {
    GLOBAL: frozenset(ALL_ROLES),
    USER: frozenset({USER, HELPDESK, PASSWORD, GROUPS}),
    HELPDESK: frozenset({HELPDESK, PASSWORD}),
    PASSWORD: frozenset({PASSWORD}),
}
# Table B (sensitive actions: block, delete and restore, user name, phones, other e-mails).
SENSITIVE_TARGETS: dict[str, frozenset[str]] = {
    GLOBAL: frozenset(ALL_ROLES),
    USER: frozenset({USER, HELPDESK, PASSWORD, GROUPS}),
}
# Actions whose targets are limited, and by which table. EDIT_SENSITIVE: Helpdesk and Password
# administrators edit phones and other e-mails of the users whose password they may reset.
TARGETED: dict[Action, dict[str, frozenset[str]]] = {
    Action.RESET_PASSWORD: RESET_TARGETS,
    Action.EDIT_USER_NAME: SENSITIVE_TARGETS,
    Action.EDIT_SENSITIVE: {**RESET_TARGETS, **SENSITIVE_TARGETS},
    Action.BLOCK: SENSITIVE_TARGETS,
    Action.DELETE: SENSITIVE_TARGETS,
    Action.PURGE: SENSITIVE_TARGETS,
}


def _names(roles) -> str:
    names = [NAMES.get(r, r) for r in ALL_ROLES if r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def may(roles: frozenset[str], action: Action) -> bool:
    return bool(roles & ALLOWED[action])


def refusal(roles: frozenset[str], action: Action, *, target_roles: frozenset[str] | None = None,
            target_name: str = "this user") -> str | None:
    """None when a holder of `roles` may take `action` (on a target holding `target_roles`)."""
    allowed = ALLOWED[action]
    if not roles & allowed:
        return f"You don't have permission to {action.value}{' users' if action in TARGETED else ''}: " \
               f"that needs the {_names(allowed)} role."
    if target_roles is None or action not in TARGETED:
        return None
    table = TARGETED[action]
    for role in roles:
        targets = table.get(role)
        if targets is not None and target_roles <= targets:
            return None
    return (f"You don't have permission to {action.value} {target_name}: "
            f"a {_names(roles & allowed)} cannot act on a {_names(target_roles)}.")


def check(roles: frozenset[str], action: Action, **target) -> None:
    """Raise RuleViolation("DIR-05", ...) when `refusal` says no."""
    reason = refusal(roles, action, **target)
    if reason:
        raise RuleViolation(DIR_05, reason)


def role_change_refusal(roles: frozenset[str], *, added: frozenset[str], removed: frozenset[str],
                        self_change: bool) -> str | None:
    """Assigning or removing admin roles: Global and Privileged Role administrators only; a Global
    administrator cannot remove its own Global Administrator assignment."""
    if not (added or removed):
        return None
    reason = refusal(roles, Action.ADMIN_ROLES)
    if reason:
        return reason
    if self_change and GLOBAL in removed:
        return "A Global administrator cannot remove their own Global administrator assignment."
    return None


def check_role_change(roles: frozenset[str], *, added, removed, self_change: bool) -> None:
    """Raise RuleViolation("DIR-05", ...) when `role_change_refusal` says no."""
    reason = role_change_refusal(roles, added=frozenset(added), removed=frozenset(removed), self_change=self_change)
    if reason:
        raise RuleViolation(DIR_05, reason)


def check_known_role(role: str) -> str:
    """DIR-05: only the admin roles of choices.AdminRole are assigned; returns the role."""
    if role not in AdminRole.values:
        raise RuleViolation(DIR_05, f"Unknown admin role {role!r}; the roles are {', '.join(AdminRole.values)}.")
    return role


# --- the Power Platform admin center ---------------------------------------------------------

# Tenant-level Power Platform pages (environments list, new environment) and environment pages.
PP_SERVICE_ADMINS = frozenset({GLOBAL, POWER_PLATFORM, DYNAMICS_365})
PP_READERS = PP_SERVICE_ADMINS | {GLOBAL_READER}
# Self-elevation to System Administrator (Membership > Add me).
SELF_ELEVATION_ROLES = PP_SERVICE_ADMINS


def environment_refusal(roles: frozenset[str], *, write: bool, in_security_group: bool,
                        has_security_group: bool, is_system_administrator: bool = False) -> str | None:
    """An environment's pages. Global and Power Platform administrators manage every environment; a
    Dynamics 365 administrator only those without a security group or whose group it belongs to; a
    Global reader reads every environment and changes nothing; a System Administrator of the
    environment manages that environment."""
    if is_system_administrator or roles & {GLOBAL, POWER_PLATFORM}:
        return None
    if DYNAMICS_365 in roles and (not has_security_group or in_security_group):
        return None
    if GLOBAL_READER in roles and not write:
        return None
    if GLOBAL_READER in roles:
        return "A Global reader can read every environment but change nothing."
    if DYNAMICS_365 in roles:
        return ("A Dynamics 365 administrator manages an environment with a security group only as a member "
                "of that group: ask to be added to it.")
    return ("This page needs the Global administrator, Power Platform administrator or Dynamics 365 "
            "administrator role, or the System Administrator security role in this environment.")


def tenant_pp_refusal(roles: frozenset[str], *, write: bool) -> str | None:
    """Tenant-wide Power Platform pages (environments list, new environment)."""
    if roles & PP_SERVICE_ADMINS:
        return None
    if GLOBAL_READER in roles:
        return None if not write else "A Global reader can read every environment but change nothing."
    return ("This page needs the Global administrator, Power Platform administrator or Dynamics 365 "
            "administrator role.")


def self_elevation_refusal(roles: frozenset[str]) -> str | None:
    if roles & SELF_ELEVATION_ROLES:
        return None
    return ("Only a Global administrator, Power Platform administrator or Dynamics 365 administrator can add "
            "themselves as System Administrator.")
