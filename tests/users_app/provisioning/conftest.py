"""Hand-built snapshots for the pure tests of the engine and the rules (no database).

Import them: `from tests.users_app.provisioning.conftest import ALICE, env, grouped, rec, user`.
Each builder fills what every table leaves alone and takes the rest as keywords.
"""
from __future__ import annotations

from uuid import UUID

from users_app.provisioning.types import (
    DATAVERSE,
    M365,
    OFFICE,
    TEAMS,
    EnvironmentSnapshot,
    RecordSnapshot,
    UserSnapshot,
)

ALICE = UUID("11111111-1111-1111-1111-111111111111")
CREATOR = UUID("22222222-2222-2222-2222-222222222222")
GROUP = UUID("33333333-3333-3333-3333-333333333333")
OTHER_GROUP = UUID("44444444-4444-4444-4444-444444444444")
TEAM = UUID("55555555-5555-5555-5555-555555555555")

# Licence kinds held: a Dataverse, a Microsoft 365 or an Office licence only (ELIG-03).
DV, MS, OF = frozenset({DATAVERSE}), frozenset({M365}), frozenset({OFFICE})


def user(**kw) -> UserSnapshot:
    """Alice, with no licence, role or group unless given."""
    kw.setdefault("object_id", ALICE)
    kw.setdefault("upn", "alice@contoso.onmicrosoft.com")
    return UserSnapshot(**kw)


def env(**kw) -> EnvironmentSnapshot:
    """The Sales environment (a Production environment with Dataverse, no security group)."""
    kw.setdefault("name", "Sales")
    return EnvironmentSnapshot(**kw)


def grouped(**kw) -> EnvironmentSnapshot:
    """Sales restricted to the security group Sales-Env (ELIG-04)."""
    return env(security_group_id=GROUP, security_group_name="Sales-Env", **kw)


def teams_env(**kw) -> EnvironmentSnapshot:
    """A Teams environment of the team Project X."""
    return env(type=TEAMS, teams_group_id=TEAM, teams_group_name="Project X", **kw)


def rec(**kw) -> RecordSnapshot:
    """An enabled record, with no role unless given."""
    kw.setdefault("isdisabled", False)
    return RecordSnapshot(**kw)


def ids(results) -> list[str]:
    """The rule IDs of a list of check results, in order."""
    return [c.rule for c in results]
