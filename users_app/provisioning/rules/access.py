"""ELIG and MODE: who gets into an environment, in DIAG-01 order, and with which access mode.

Each check takes plain snapshots and answers with a CheckResult naming its rule, a result
(pass / fail / n/a), a one-line reason and a fix. ACCESS_RULES fixes the order diagnostics
report them in (DIAG-01). Nothing here touches the database.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from users_app.choices import MAX_NON_INTERACTIVE_USERS, UserType

from ..types import (
    ADMINISTRATIVE,
    DEVELOPER,
    DYNAMICS_365_ADMIN,
    FAIL,
    GLOBAL_ADMIN,
    M365,
    NA,
    NON_INTERACTIVE,
    PASS,
    POWER_PLATFORM_ADMIN,
    READ_WRITE,
    REGULAR,
    SETUP,
    TEAMS,
    TRIAL,
    CheckResult,
    EnvironmentSnapshot,
    Mode,
    RecordSnapshot,
    UserSnapshot,
)

from .ids import ELIG_01, ELIG_02, ELIG_03, ELIG_04, ELIG_05, ELIG_06, MODE_03, MODE_04, MODE_05, MODE_07, ROLE_01
from .violation import RuleViolation


def _admin_label(user: UserSnapshot) -> str:
    names = [r.label for r in (GLOBAL_ADMIN, POWER_PLATFORM_ADMIN, DYNAMICS_365_ADMIN) if r in user.admin_roles]
    return " and ".join(names)


# --- ELIG: the checks, in DIAG-01 order --------------------------------------------


def check_dataverse_database(user, env: EnvironmentSnapshot, record, mode) -> CheckResult:
    """ELIG-01 (ENV-02): no Dataverse database, no SystemUser table."""
    if env.dataverse:
        return CheckResult(ELIG_01, PASS, f"{env.name} has a Dataverse database.")
    return CheckResult(
        ELIG_01, FAIL,
        f"{env.name} has no Dataverse database, so it has no user records: users are not added to it.",
        "Add a Dataverse database to the environment, or give access through the Environment Maker / Admin roles.",
    )


def check_account_enabled(user: UserSnapshot, env, record, mode) -> CheckResult:
    """ELIG-02 (DIR-04): enabled, neither deleted nor soft-deleted."""
    if user.deleted == "hard":
        return CheckResult(ELIG_02, FAIL, f"{user.upn} has been permanently deleted from the directory.",
                           "Create the user again in the Microsoft 365 admin center (a new object id, a new record).")
    if user.deleted:
        return CheckResult(ELIG_02, FAIL, f"{user.upn} is deleted in the directory (restorable for 30 days).",
                           "Restore the user in Microsoft 365 admin center > Deleted users.")
    if not user.account_enabled:
        return CheckResult(ELIG_02, FAIL, f"Sign-in is blocked for {user.upn} in the directory.",
                           "Unblock sign-in on the user's page in the Microsoft 365 admin center.")
    return CheckResult(ELIG_02, PASS, "The directory account is enabled and not deleted.")


def licence_basis(user: UserSnapshot, env: EnvironmentSnapshot, record: RecordSnapshot | None, mode: Mode) -> str | None:
    """Why the user needs no more licence than they have (ELIG-03 and its exceptions a-e),
    as a short key, or None when the check fails. Checked in the order a tenant admin
    would reason: a full licence first, then the exceptions."""
    on_demand = mode == Mode.ON_DEMAND
    if user.has_dataverse_licence:
        return "dataverse"
    if env.type == TEAMS and M365 in user.licence_kinds:
        return "teams_m365"  # ELIG-05: a dataverse or m365 licence counts in Teams environments
    if record is not None and record.accessmode == NON_INTERACTIVE:
        return "non_interactive"  # d, MODE-03
    if record is not None and record.admin_chosen_mode(user) == ADMINISTRATIVE:
        return "administrative"  # d, MODE-02
    if user.is_service_admin:
        return "admin"  # a, MODE-02
    if on_demand and M365 in user.licence_kinds:
        return "m365"  # e (before b and c, so that no app-pass unit is spent on a licensed user)
    if on_demand and env.marketing_licence:
        return "marketing"  # c
    if on_demand and record is not None and holds_app_pass_unit(record):
        return "app_pass"  # b, the unit this user already holds (while the capacity still covers it)
    if on_demand and env.app_pass_capacity_left > 0:
        return "app_pass"  # b
    return None


def holds_app_pass_unit(record: RecordSnapshot) -> bool:
    """ELIG-03 b: a unit counts as held while the record is enabled, uses one, and the capacity
    still covers it (at capacity 0 nobody holds one)."""
    return record.uses_app_pass and not record.isdisabled and not record.app_pass_unit_lost


def app_pass_holders_keeping(holders: Iterable[tuple], capacity: int) -> tuple[frozenset, frozenset]:
    """ELIG-03 b, when the capacity shrinks below the units held: which holders keep their unit.
    `holders` are (created on, record id) of the enabled records using a unit. The earliest
    admitted keep theirs, by the record's creation time then id (a stable order every path reads
    the same, that a later sign-in cannot jump); the rest lose it and fail ELIG-03 at their next
    sync, refresh or sign-in. Answers (ids keeping, ids losing). docs/rules-decisions.md."""
    ordered = [record_id for _created, record_id in sorted(holders)]
    keep = max(capacity, 0)
    return frozenset(ordered[:keep]), frozenset(ordered[keep:])


LICENCE_REASONS = {
    "dataverse": "Holds a Power Apps / Dynamics 365 licence assigned in this tenant.",
    "teams_m365": "Holds a Microsoft 365 licence, which counts in a Dataverse for Teams environment (ELIG-05).",
    "non_interactive": "Non-interactive users need no licence (MODE-03).",
    "administrative": "Users in Administrative access mode need no licence (MODE-02).",
    "admin": "{admin} need no licence: without one they get Administrative access as a setup user (MODE-02).",
    "app_pass": "No licence, but admitted through the environment's app-pass capacity (on demand only).",
    "marketing": "No licence, but the tenant holds a Marketing licence (on demand only).",
    "m365": "The free Dataverse plan of a Microsoft 365 licence counts (on demand only).",
}


def check_licence(user: UserSnapshot, env: EnvironmentSnapshot, record, mode: Mode) -> CheckResult:
    """ELIG-03 with exceptions a-e; for guests only this tenant's licences count (DIR-07)."""
    basis = licence_basis(user, env, record, mode)
    if basis is not None:
        return CheckResult(ELIG_03, PASS, LICENCE_REASONS[basis].format(admin=_admin_label(user) or "Admins"))
    reason = f"{user.upn} holds no Power Apps or Dynamics 365 licence"
    if user.is_guest and user.home_tenant_licences:
        reason += " in this tenant (licences from the guest's home tenant never count here, DIR-07)"
    elif user.licence_kinds & {M365}:
        reason += " (a Microsoft 365 licence counts on demand only)"
    elif user.licence_kinds:
        reason += " (an Office-only licence gives no Dataverse rights)"
    fix = "Assign a Power Apps or Dynamics 365 licence on the user's Licences and apps tab."
    if record is not None and record.app_pass_unit_lost and mode == Mode.ON_DEMAND:
        reason += ("; the environment's app-pass capacity shrank below the units held, and this user's unit is not "
                   "among those kept (the users admitted first keep theirs)")
        fix = fix[:-1] + ", or raise the environment's app-pass capacity."
    elif env.app_pass_capacity_left <= 0 and env.licence_type == "app_pass" and mode == Mode.ON_DEMAND:
        reason += "; the environment's app-pass capacity is used up"
    return CheckResult(ELIG_03, FAIL, reason + ".", fix)


def check_security_group(user: UserSnapshot, env: EnvironmentSnapshot, record, mode: Mode) -> CheckResult:
    """ELIG-04 (ENV-03): direct members of the environment's group; Global and Power
    Platform admins bypass it; on demand, owners and nested members count too."""
    group = env.security_group_id
    if group is None:
        return CheckResult(ELIG_04, NA, "The environment has no security group.")
    name = env.security_group_name or "the environment's security group"
    if user.bypasses_security_group:
        return CheckResult(ELIG_04, PASS, f"{_admin_label(user)}s need not be members of {name}.")
    if group in user.direct_groups:
        return CheckResult(ELIG_04, PASS, f"Direct member of security group {name}.")
    if mode == Mode.ON_DEMAND and group in user.owned_groups:
        return CheckResult(ELIG_04, PASS, f"Owner of security group {name} (counts on demand only).")
    if mode == Mode.ON_DEMAND and group in user.nested_groups:
        return CheckResult(ELIG_04, PASS, f"Member of {name} through a nested group (counts on demand only).")
    reason = f"Not a member of security group {name}"
    if DYNAMICS_365_ADMIN in user.admin_roles:
        reason += " (Dynamics 365 service administrators must be members)"
    elif group in user.owned_groups or group in user.nested_groups:
        reason += " (owners and nested members count only on demand, not for the background sync)"
    return CheckResult(ELIG_04, FAIL, reason + ".", f"Add them on the Members tab of group {name}.")


def check_environment_type(user: UserSnapshot, env: EnvironmentSnapshot, record, mode: Mode) -> CheckResult:
    """ELIG-05: Trial on demand only; Developer only its creator; Teams only its team, on demand."""
    if env.type == TRIAL:
        if mode == Mode.ON_DEMAND:
            return CheckResult(ELIG_05, PASS, "Trial environment: users are added on demand only.")
        return CheckResult(ELIG_05, FAIL, "Trial environment: the background sync adds nobody.",
                           "Add the user from the environment's Users page, or let them sign in.")
    if env.type == DEVELOPER:
        if env.created_by_object_id is not None and user.object_id == env.created_by_object_id:
            return CheckResult(ELIG_05, PASS, "Created this Developer environment.")
        return CheckResult(ELIG_05, FAIL, "Only the user who created a Developer environment is added to it.",
                           "Use a Sandbox or Production environment to share work.")
    if env.type == TEAMS:
        team = env.teams_group_name or "the environment's team"
        if mode == Mode.BACKGROUND:
            return CheckResult(ELIG_05, FAIL, "Dataverse for Teams environment: users are added on first access only.",
                               "Let the user open the team's environment, or add them on demand.")
        if user.bypasses_security_group:
            return CheckResult(ELIG_05, PASS, f"{_admin_label(user)}s get in without being members of {team}.")
        group = env.teams_group_id
        if group is not None and (group in user.direct_groups or group in user.owned_groups):
            kind = "owner" if group in user.owned_groups else ("guest" if user.is_guest else "member")
            return CheckResult(ELIG_05, PASS, f"{kind.capitalize()} of the team {team}.")
        reason = f"Not an owner, member or guest of the team {team}"
        if DYNAMICS_365_ADMIN in user.admin_roles:
            reason += " (Dynamics 365 service administrators must be members)"
        return CheckResult(ELIG_05, FAIL, reason + ".", f"Add them to the team {team} in Microsoft Teams.")
    return CheckResult(ELIG_05, NA, f"{env.type} environments have no type-specific limit.")


def on_demand_only_cases(user: UserSnapshot, env: EnvironmentSnapshot, record: RecordSnapshot | None) -> list[str]:
    """ELIG-06: the cases that keep the background sync from adding the user."""
    cases = []
    if env.type == TEAMS:
        cases.append("a Dataverse for Teams environment")
    if env.licence_type == "app_pass":
        cases.append("an app-pass environment")
    if M365 in user.licence_kinds and licence_basis(user, env, record, Mode.BACKGROUND) is None:
        cases.append("their only licence is the free Dataverse plan of Microsoft 365")
    return cases


def check_on_demand_only(user: UserSnapshot, env: EnvironmentSnapshot, record, mode: Mode) -> CheckResult:
    """ELIG-06: pass with "added on demand only" when it applies (never blocks on demand); blocks the background sync."""
    cases = on_demand_only_cases(user, env, record)
    if not cases:
        return CheckResult(ELIG_06, NA, "The background sync may add this user.")
    text = "; ".join(cases)
    if mode == Mode.ON_DEMAND:
        return CheckResult(ELIG_06, PASS, f"Added on demand only ({text}).")
    return CheckResult(ELIG_06, FAIL, f"The background sync does not add this user ({text}).",
                       "Add the user on demand from the Users page, or let them sign in.")


def check_security_role(user, env, record: RecordSnapshot | None, mode) -> CheckResult:
    """ROLE-01 (DIAG-03): a role held directly or through a team."""
    if record is None:
        return CheckResult(ROLE_01, NA, "No user record in the environment yet.")
    if record.direct_roles:
        return CheckResult(ROLE_01, PASS, "Holds security roles directly: " + ", ".join(sorted(record.direct_roles)) + ".")
    if record.team_roles:
        via = ", ".join(sorted(f"{role} (team {team})" for team, role in record.team_roles))
        return CheckResult(ROLE_01, PASS, f"Holds security roles through teams: {via}. "
                           "The real service counts only directly assigned roles.")
    return CheckResult(ROLE_01, FAIL, "Holds no security role, directly or through a team: the user cannot open apps.",
                       "Assign a role with Manage security roles, or add the user to a team that holds one.")


ACCESS_RULES: tuple[Callable[..., CheckResult], ...] = (
    check_dataverse_database,
    check_account_enabled,
    check_licence,
    check_security_group,
    check_environment_type,
    check_on_demand_only,
)
ACCESS_RULE_IDS = (ELIG_01, ELIG_02, ELIG_03, ELIG_04, ELIG_05, ELIG_06)


def evaluate(user: UserSnapshot, env: EnvironmentSnapshot, record: RecordSnapshot | None, mode: Mode) -> list[CheckResult]:
    """ELIG-01..06 in order; every check after ELIG-01 is n/a when it fails (DIAG-01)."""
    first = ACCESS_RULES[0](user, env, record, mode)
    if first.failed:
        return [first] + [CheckResult(rule, NA, "Not checked: the environment has no Dataverse database.")
                          for rule in ACCESS_RULE_IDS[1:]]
    return [first] + [check(user, env, record, mode) for check in ACCESS_RULES[1:]]


# --- MODE: access mode and user type ----------------------------------------------------


def access_mode_for(user: UserSnapshot, record: RecordSnapshot | None) -> tuple[int, str, bool]:
    """MODE-01/02: (accessmode, user_type, setupuser) of a synchronised record.
    An access mode an admin chose is kept; an unlicensed Global / PP / D365 admin is a
    setup user with Administrative access; everyone else is Read-Write."""
    chosen = record.admin_chosen_mode(user) if record is not None else None
    if chosen == NON_INTERACTIVE:
        return NON_INTERACTIVE, "non_interactive", False
    if chosen is not None:
        return chosen, REGULAR, False
    if user.is_service_admin and not user.has_dataverse_licence:
        return ADMINISTRATIVE, SETUP, True
    return READ_WRITE, REGULAR, False


def check_sign_in_allowed(record: RecordSnapshot | None) -> CheckResult:
    """MODE-03: non-interactive users never sign in to the web interface."""
    if record is not None and record.accessmode == NON_INTERACTIVE:
        return CheckResult(MODE_03, FAIL, "Non-interactive users reach Dataverse only through the API; sign-in is refused.",
                           "Set the access mode to Read-Write if the user needs the web interface.")
    return CheckResult(MODE_03, PASS if record is not None else NA, "Interactive access mode." if record else "No record yet.")


def check_non_interactive_capacity(non_interactive_count: int, limit: int = MAX_NON_INTERACTIVE_USERS) -> None:
    """MODE-03: at most MAX_NON_INTERACTIVE_USERS non-interactive records per environment, enabled or not."""
    if non_interactive_count >= limit:
        raise RuleViolation(MODE_03, f"At most {limit} non-interactive users per environment, enabled or not, "
                                     "and every one of them is taken.")


def check_may_change_access_mode(*, is_system_administrator: bool, admin_roles: frozenset[str]) -> None:
    """MODE-04: System Administrator in the environment, or Global / Power Platform admin."""
    if not (is_system_administrator or admin_roles & {GLOBAL_ADMIN, POWER_PLATFORM_ADMIN}):
        raise RuleViolation(MODE_04, "Changing the access mode needs the System Administrator role in this environment, "
                                     "or the Global or Power Platform administrator role.")


# --- MODE-05, MODE-07: the placeholders ---------------------------------------------------------


def _placeholder(user_type: str) -> tuple[str, str] | None:
    """(rule, label) of a placeholder user type, or None for a person's record."""
    if user_type == UserType.DELEGATED_ADMIN:
        return MODE_05, UserType.DELEGATED_ADMIN.label.lower()
    if user_type == UserType.SUPPORT:
        return MODE_07, UserType.SUPPORT.label.lower()
    return None


def check_placeholder_editable(*, user_type: str, action: str) -> None:
    """MODE-05 (delegated admin), MODE-07 (support user): the placeholders are neither edited nor deleted."""
    placeholder = _placeholder(user_type)
    if placeholder is not None:
        rule, label = placeholder
        raise RuleViolation(rule, f"The {label} placeholder cannot be edited or deleted ({action}).")


def check_placeholder_synchronised(*, user_type: str, action: str) -> None:
    """MODE-05, MODE-07: the placeholders follow no directory user (refresh, diagnose, sign in as)."""
    placeholder = _placeholder(user_type)
    if placeholder is not None:
        rule, label = placeholder
        raise RuleViolation(rule, f"The {label} placeholder is not synchronised with the directory "
                                  f"({action} does not apply).")


# --- ELIG on a record --------------------------------------------------------------------------


def check_directory_user_exists(*, exists: bool) -> None:
    """ELIG-02: a record whose directory user is gone has nothing to refresh or diagnose."""
    if not exists:
        raise RuleViolation(ELIG_02, "The directory user of this record no longer exists.")


def check_admitted(refused_by: Sequence[str], *, user_name: str, environment_name: str) -> None:
    """The rules that refused a user's admin add (ELIG, MODE-03...), as one refusal naming the first."""
    if refused_by:
        raise RuleViolation(refused_by[0], f"{user_name} cannot be added to {environment_name}: "
                                           f"{', '.join(refused_by)} refused.")
