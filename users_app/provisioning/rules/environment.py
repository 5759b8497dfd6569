"""ENV and ONPREM: what an environment's kind allows, and the roles it gives on add."""
from __future__ import annotations

from ..types import (
    DEFAULT,
    TEAMS,
    EnvironmentSnapshot,
    UserSnapshot,
)

from .ids import ENV_02, ONPREM_01
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


def default_roles_on_add(user: UserSnapshot, env: EnvironmentSnapshot) -> tuple[str, ...]:
    """ENV-06: Basic User and Environment Maker in the Default environment.
    ENV-07: in a Teams environment, owners System Administrator, members Teams Member,
    guests Teams Guest; Global / PP admins System Administrator."""
    if env.type == DEFAULT:
        return ("Basic User", "Environment Maker")
    if env.type == TEAMS:
        group = env.teams_group_id
        if group is not None and group in user.owned_groups:
            return ("System Administrator",)
        if group is not None and group in user.direct_groups:
            return ("Teams Guest",) if user.is_guest else ("Teams Member",)
        if user.bypasses_security_group:
            return ("System Administrator",)
    return ()


