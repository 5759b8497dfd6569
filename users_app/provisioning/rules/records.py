"""ROLE, APP, LIFE, STUB: the rules of an admin's actions on a SystemUser record (and the
record-level ONPREM-02, ENV-05 for default teams, DIR-05 for Membership > Add me)."""
from __future__ import annotations

from environments_app.choices import StandardRole
from users_app.choices import TeamType, UserType

from . import admin_roles
from .ids import (
    APP_01,
    APP_03,
    APP_04,
    APP_05,
    DIR_05,
    ENV_05,
    LIFE_01,
    LIFE_05,
    ONPREM_02,
    ROLE_01,
    ROLE_02,
    ROLE_03,
    ROLE_07,
    STUB_01,
    STUB_02,
    STUB_04,
)
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


def app_user_status_change_refusal(*, status_editable: bool, user_type: str = UserType.APPLICATION) -> RuleViolation | None:
    """What Activate / Deactivate would meet (LIFE-01, then APP-03), without raising: None when the
    change is allowed. The screens disable the command and show the reason instead of asking first."""
    try:
        check_status_set_by_hand(user_type=user_type)
        check_app_user_status_change(status_editable=status_editable)
    except RuleViolation as refusal:
        return refusal
    return None


def app_user_delete_refusal(*, isdisabled: bool, owned_records: int = 0) -> RuleViolation | None:
    """What Delete of an application user would meet (APP-05), without raising: None when allowed."""
    try:
        check_app_user_deletable(isdisabled=isdisabled, owned_records=owned_records)
    except RuleViolation as refusal:
        return refusal
    return None


def check_app_user_deletable(*, isdisabled: bool, owned_records: int = 0) -> None:
    """APP-05: an application user can be deleted only while inactive, once its records are reassigned."""
    if not isdisabled:
        raise RuleViolation(APP_05, "An application user can be deleted only while it is inactive: deactivate it first.")
    if owned_records:
        raise RuleViolation(APP_05, f"The application user still owns {owned_records} records; reassign them first.")


def check_application_user(*, user_type: str) -> None:
    """APP-05: the application user's own actions (edit, delete) act on application users only."""
    if user_type != UserType.APPLICATION:
        raise RuleViolation(APP_05, "Not an application user.")


def check_access_mode_changeable(*, user_type: str) -> None:
    """APP-05: an application user's access mode is fixed; only its business unit, e-mail and
    security roles are editable."""
    if user_type == UserType.APPLICATION:
        raise RuleViolation(APP_05, "Only business unit, e-mail and security roles of an application user are editable.")


def check_one_application_user(*, exists: bool, app_name: str, environment_name: str) -> None:
    """APP-05: an app registration has at most one application user per environment."""
    if exists:
        raise RuleViolation(APP_05, f"{app_name} already has an application user in {environment_name}.")


def check_not_application_user(*, user_type: str, action: str) -> None:
    """APP-01: an application user follows its app registration, not a directory user."""
    if user_type == UserType.APPLICATION:
        raise RuleViolation(APP_01, "An application user follows its app registration, not a directory user "
                                    f"({action} does not apply).")


def check_application_caller(*, found: bool, isdisabled: bool = False, holds_role: bool = True) -> None:
    """APP-04: a call made with an application's credentials needs an enabled application user in
    the environment; ROLE-01: one that holds a security role, directly or through a team."""
    if not found:
        raise RuleViolation(APP_04, "The application has no application user in this environment.")
    if isdisabled:
        raise RuleViolation(APP_04, "The application user is disabled: calls made with this application are refused.")
    if not holds_role:
        raise RuleViolation(ROLE_01, "The application user holds no security role: it can read or change nothing.")


def check_status_set_by_hand(*, user_type: str) -> None:
    """LIFE-01: only application users are enabled and disabled by hand (APP-03 says when)."""
    if user_type != UserType.APPLICATION:
        raise RuleViolation(LIFE_01, "Regular users are enabled and disabled by the directory (licence and security "
                                     "group), not by hand.")


def check_invitable(*, isdisabled: bool) -> None:
    """LIFE-01: an invitation goes to an enabled user only."""
    if isdisabled:
        raise RuleViolation(LIFE_01, "Only an enabled user can be invited.")


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


def check_deleted_this_way(*, user_type: str) -> None:
    """LIFE-05: Delete does not apply to a stub user, whose records are reassigned instead (STUB-04)."""
    if user_type == UserType.STUB:
        raise RuleViolation(LIFE_05, "Stub users are not deleted this way; reassign their records (STUB-04).")


def check_reassign_target(*, user_type: str) -> None:
    """STUB-04: records are reassigned to a real user, never to a stub user."""
    if user_type == UserType.STUB:
        raise RuleViolation(STUB_04, "Records are reassigned to a real user, not to a stub user.")


def check_not_stub(*, user_type: str, action: str) -> None:
    """STUB-01/02: a stub user cannot sign in, be enabled, refreshed or diagnosed."""
    if user_type == "stub":
        rule = STUB_02 if action in ("refresh", "diagnose") else STUB_01
        raise RuleViolation(rule, f"{action.capitalize()} is not offered for stub users.")


def import_default_role(*, sales_installed: bool) -> str:
    """STUB-03: Salesperson where Dynamics 365 Sales is installed, Basic User elsewhere."""
    return StandardRole.SALESPERSON if sales_installed else StandardRole.BASIC_USER


def check_team_members_by_hand(*, isdefault: bool, teamtype: int) -> None:
    """ROLE-07: members are managed by hand in owner and access teams only; a default team follows
    its business unit, a group team its directory group."""
    if isdefault:
        raise RuleViolation(ROLE_07, "Members of a business unit's default team follow the business unit; they cannot "
                                     "be managed by hand.")
    if teamtype not in (TeamType.OWNER, TeamType.ACCESS):
        raise RuleViolation(ROLE_07, "A group team mirrors its directory group: manage its members in the directory.")


def check_group_team_has_group(*, teamtype: int, has_group: bool) -> None:
    """ROLE-07: a group team (security or Microsoft 365 group) needs the directory group it mirrors."""
    if teamtype in (TeamType.SECURITY_GROUP, TeamType.OFFICE_GROUP) and not has_group:
        raise RuleViolation(ROLE_07, "A group team needs the directory group it mirrors.")


def check_default_team_renamed(*, isdefault: bool) -> None:
    """ENV-05: a business unit's default team keeps the business unit's name."""
    if isdefault:
        raise RuleViolation(ENV_05, "The default team of a business unit keeps the business unit's name.")


def check_team_deletable(*, isdefault: bool) -> None:
    """ENV-05: a business unit's default team lives as long as its business unit."""
    if isdefault:
        raise RuleViolation(ENV_05, "The default team of a business unit cannot be deleted.")


def check_edited_by_hand(*, on_premises: bool) -> None:
    """ONPREM-02: only on-premises records are edited by hand; online records follow the directory."""
    if not on_premises:
        raise RuleViolation(ONPREM_02, "Only records of on-premises environments are edited by hand; online records "
                                       "follow the directory.")


# --- DIR-05 on a record: Membership > Add me -------------------------------------------------


def add_me_refusal(*, roles: frozenset[str], has_security_group: bool, in_security_group: bool) -> str | None:
    """DIR-05: why a holder of `roles` may not add themselves as System Administrator of an
    environment (with or without a security group, a member of it or not), or None."""
    return (admin_roles.self_elevation_refusal(roles)
            or admin_roles.environment_refusal(roles, write=True, in_security_group=in_security_group,
                                               has_security_group=has_security_group))


def check_add_me(*, signed_in: bool, roles: frozenset[str] = frozenset(), has_security_group: bool = False,
                 in_security_group: bool = False) -> None:
    """DIR-05: Add me is for a directory user signed in to the portal whose roles allow it (add_me_refusal)."""
    if not signed_in:
        raise RuleViolation(DIR_05, "Only a directory user signed in to the portal can add themselves.")
    reason = add_me_refusal(roles=roles, has_security_group=has_security_group, in_security_group=in_security_group)
    if reason:
        raise RuleViolation(DIR_05, reason)
