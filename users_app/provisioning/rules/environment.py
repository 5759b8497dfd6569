"""ENV and ONPREM: what an environment's kind allows, the roles it gives on add, and Sync now (SYNC-01)."""
from __future__ import annotations

from collections.abc import Collection

from environments_app.choices import TYPES_WITHOUT_SECURITY_GROUP, EnvironmentType, StandardRole
from users_app.choices import GroupType

from ..types import DEFAULT, TEAMS, EnvironmentSnapshot, UserSnapshot
from .ids import ENV_02, ENV_05, ENV_06, ENV_07, ONPREM_01
from .violation import RuleViolation


def check_online(*, on_premises: bool) -> None:
    """ONPREM-01: on-premises environments take no directory users."""
    if on_premises:
        raise RuleViolation(ONPREM_01, "An on-premises environment reads its users from Active Directory once; "
                                       "sign-in, admin add, sync and diagnostics do not apply to it.")


def check_has_dataverse(*, dataverse: bool) -> None:
    """ENV-02: without a Dataverse database there is no user table to act on."""
    if not dataverse:
        raise RuleViolation(ENV_02, "The environment has no Dataverse database, so it has no user records.")


def check_dataverse_kept(*, name: str, had_dataverse: bool, dataverse: bool) -> None:
    """ENV-02: a Dataverse database, once added, is never removed."""
    if had_dataverse and not dataverse:
        raise RuleViolation(ENV_02, f"{name} has a Dataverse database; it cannot be removed.")


def check_business_units_need_dataverse(*, name: str, dataverse: bool) -> None:
    """ENV-02: business units live in the Dataverse database."""
    if not dataverse:
        raise RuleViolation(ENV_02, f"{name} has no Dataverse database, so it has no business units.")


def check_not_root_business_unit(*, name: str, is_root: bool) -> None:
    """ENV-05: the root business unit is part of the environment's scaffolding; it stays."""
    if is_root:
        raise RuleViolation(ENV_05, f"{name} is the root business unit of the environment; it cannot be deleted.")


def check_security_group_allowed(*, env_type: str, has_security_group: bool) -> None:
    """ENV-06: Default, Developer and Teams environments take no security group."""
    if has_security_group and env_type in TYPES_WITHOUT_SECURITY_GROUP:
        raise RuleViolation(ENV_06, f"A {EnvironmentType(env_type).label} environment cannot have a security group.")


def security_group_refusal(*, env_type: str) -> RuleViolation | None:
    """ENV-06 asked ahead, without raising: the refusal a security group would meet in an
    environment of this type (the settings disable the field and say why), or None if it may have one."""
    try:
        check_security_group_allowed(env_type=env_type, has_security_group=True)
    except RuleViolation as refusal:
        return refusal
    return None


def check_one_default_environment(*, defaults: Collection[str], adding: bool = False) -> None:
    """ENV-06: a tenant has at most one Default environment. `defaults`: the names of the Default
    environments there are (or would be); `adding`: one more is about to become Default."""
    if adding and defaults:
        raise RuleViolation(ENV_06, f"The tenant already has a Default environment ({next(iter(defaults))}); "
                                    "there is at most one.")
    if len(defaults) > 1:
        raise RuleViolation(ENV_06, f"The tenant can have only one Default environment; there would be {len(defaults)}.")


def check_teams_group_type(*, group_name: str, group_type: str) -> None:
    """ENV-07: a Dataverse for Teams environment belongs to a Microsoft 365 group (the team)."""
    if group_type != GroupType.M365:
        raise RuleViolation(ENV_07, f"{group_name} is a security group; a Dataverse for Teams environment "
                                    "belongs to a Microsoft 365 group (the team).")


def check_ad_users_on_premises(*, name: str, on_premises: bool, has_ad_users: bool = True) -> None:
    """ONPREM-01: only an on-premises environment reads users from an Active Directory export."""
    if has_ad_users and not on_premises:
        raise RuleViolation(ONPREM_01, f"{name} is online: it takes its users from the directory, "
                                       "not from an Active Directory export.")


def default_roles_on_add(user: UserSnapshot, env: EnvironmentSnapshot) -> tuple[str, ...]:
    """ENV-06: Basic User and Environment Maker in the Default environment.
    ENV-07: in a Teams environment, owners System Administrator, members Teams Member,
    guests Teams Guest; Global / PP admins System Administrator."""
    if env.type == DEFAULT:
        return (StandardRole.BASIC_USER, StandardRole.ENVIRONMENT_MAKER)
    if env.type == TEAMS:
        group = env.teams_group_id
        if group is not None and group in user.owned_groups:
            return (StandardRole.SYSTEM_ADMINISTRATOR,)
        if group is not None and group in user.direct_groups:
            return (StandardRole.TEAMS_GUEST,) if user.is_guest else (StandardRole.TEAMS_MEMBER,)
        if user.bypasses_security_group:
            return (StandardRole.SYSTEM_ADMINISTRATOR,)
    return ()


