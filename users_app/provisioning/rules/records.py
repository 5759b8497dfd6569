"""ROLE, APP, LIFE, STUB: the rules of an admin's actions on a SystemUser record."""
from __future__ import annotations

from .ids import APP_03, APP_05, LIFE_05, ROLE_02, ROLE_03, STUB_01, STUB_02
from .violation import ROLE_FAILURE_USER_DISABLED, RuleViolation

# --- ROLE, APP, LIFE, STUB: rules of admin actions ------------------------------------


def check_role_assignable(*, isdisabled: bool, allow_on_disabled: bool, by_system: bool = False, role_name: str = "") -> None:
    """ROLE-02: roles go to enabled users only, unless allowRoleAssignmentOnDisabledUsers
    is on; an import's default role is the system's assignment (STUB-03)."""
    if isdisabled and not allow_on_disabled and not by_system:
        raise RuleViolation(ROLE_02, f"Failed to assign role '{role_name}': the user is disabled "
                                     "(turn on allowRoleAssignmentOnDisabledUsers to allow it).",
                            code=ROLE_FAILURE_USER_DISABLED)


ROLE_03_WARNING = ("Removing every security role keeps the user enabled and licensed, but unable to open apps (ROLE-03). "
                   "To remove access, remove the user from the environment's security group instead.")


def check_role_removal_confirmed(*, had_roles: bool, keeps_any: bool, confirmed: bool) -> None:
    """ROLE-03: removing every role is discouraged; the screens ask for confirmation."""
    if had_roles and not keeps_any and not confirmed:
        raise RuleViolation(ROLE_03, ROLE_03_WARNING)


def roles_kept_on_business_unit_change(do_not_remove_roles: bool) -> bool:
    """ROLE-06: a business unit change removes roles unless DoNotRemoveRolesOnChangeBusinessUnit."""
    return do_not_remove_roles


def check_app_user_status_change(*, status_editable: bool) -> None:
    """APP-03: an application user's status is locked unless the environment unlocks it."""
    if not status_editable:
        raise RuleViolation(APP_03, "An application user's status cannot be changed on the default form; "
                                    "turn on 'application user form allows status edits' for the environment.")


APP_USER_DISABLE_WARNING = "Every integration that uses this application user stops working while it is disabled (APP-03)."


def check_app_user_deletable(*, isdisabled: bool) -> None:
    """APP-05: an application user can be deleted only while inactive."""
    if not isdisabled:
        raise RuleViolation(APP_05, "An application user can be deleted only while it is inactive: deactivate it first.")


def check_delete_allowed(*, directory_state: str, deletedstate: int, isdisabled: bool) -> None:
    """LIFE-05: Delete is offered once the directory user is permanently deleted."""
    if deletedstate:
        raise RuleViolation(LIFE_05, "The user is already deleted in the environment.")
    if directory_state != "hard":
        state = "soft-deleted (restorable)" if directory_state == "soft" else "still in the directory"
        raise RuleViolation(LIFE_05, f"Delete is offered only once the directory user is permanently deleted; it is {state}.")
    if not isdisabled:
        raise RuleViolation(LIFE_05, "Only a disabled user can be deleted.")


def check_permanent_delete_allowed(*, deletedstate: int, owned_records: int, allow_delete_disabled_users: bool) -> None:
    """LIFE-05: Permanently delete needs Delete first, records reassigned and the environment setting on."""
    if not deletedstate:
        raise RuleViolation(LIFE_05, "Permanently delete is offered only after Delete.")
    if owned_records:
        raise RuleViolation(LIFE_05, f"The user still owns {owned_records} records; reassign them first.")
    if not allow_delete_disabled_users:
        raise RuleViolation(LIFE_05, "The environment does not allow deleting disabled users "
                                     "(Settings > Features > Enable delete disabled users).")


def check_not_stub(*, user_type: str, action: str) -> None:
    """STUB-01/02: a stub user cannot sign in, be enabled, refreshed or diagnosed."""
    if user_type == "stub":
        rule = STUB_02 if action in ("refresh", "diagnose") else STUB_01
        raise RuleViolation(rule, f"{action.capitalize()} is not offered for stub users.")


def import_default_role(*, sales_installed: bool) -> str:
    """STUB-03: Salesperson where Dynamics 365 Sales is installed, Basic User elsewhere."""
    return "Salesperson" if sales_installed else "Basic User"


