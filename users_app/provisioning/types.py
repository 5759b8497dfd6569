"""Plain, frozen snapshots the rules decide over. No ORM here (the choices are plain enums)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from environments_app.choices import EnvironmentType
from users_app.choices import AccessMode, AdminRole, SkuKind, SyncTrigger, UserType

# Rule results (the `result` of a check in the diagnose JSON).
PASS = "pass"
FAIL = "fail"
NA = "n/a"


# What asks for a decision (rules.md, table at the top of ELIG): the run triggers of choices.py.
Trigger = SyncTrigger


class Mode(StrEnum):
    """Which entitlement a check computes."""

    ON_DEMAND = "on_demand"
    BACKGROUND = "background"


class Action(StrEnum):
    ADD = "add"
    ENABLE = "enable"
    DISABLE = "disable"
    UPDATE = "update"  # keep the record's state, update its fields
    LEAVE = "leave"  # no record and none made (background), or a record sync never touches
    REFUSE = "refuse"  # an on-demand request refused


# The vocabulary is choices.py's (one list of each); these names are the engine's short forms.
# Kinds of licence (SKU kinds of the tenant file).
DATAVERSE, M365, OFFICE = SkuKind.DATAVERSE, SkuKind.M365, SkuKind.OFFICE

# Admin roles (DIR-05), named as the tenant file names them.
GLOBAL_ADMIN = AdminRole.GLOBAL
POWER_PLATFORM_ADMIN = AdminRole.POWER_PLATFORM
DYNAMICS_365_ADMIN = AdminRole.DYNAMICS_365
SERVICE_ADMIN_ROLES = frozenset({GLOBAL_ADMIN, POWER_PLATFORM_ADMIN, DYNAMICS_365_ADMIN})
GROUP_BYPASS_ROLES = frozenset({GLOBAL_ADMIN, POWER_PLATFORM_ADMIN})

# Environment types.
PRODUCTION, SANDBOX, TRIAL, DEVELOPER, DEFAULT, TEAMS = (
    EnvironmentType.PRODUCTION, EnvironmentType.SANDBOX, EnvironmentType.TRIAL, EnvironmentType.DEVELOPER,
    EnvironmentType.DEFAULT, EnvironmentType.TEAMS)

# Access modes (MODE-01).
READ_WRITE, ADMINISTRATIVE, READ, SUPPORT_USER, NON_INTERACTIVE, DELEGATED_ADMIN = (
    AccessMode.READ_WRITE, AccessMode.ADMINISTRATIVE, AccessMode.READ, AccessMode.SUPPORT_USER,
    AccessMode.NON_INTERACTIVE, AccessMode.DELEGATED_ADMIN)

# SystemUser user types.
REGULAR, SETUP, NON_INTERACTIVE_TYPE, APPLICATION, STUB = (
    UserType.REGULAR, UserType.SETUP, UserType.NON_INTERACTIVE, UserType.APPLICATION, UserType.STUB)
DELEGATED_ADMIN_TYPE, SUPPORT_TYPE = UserType.DELEGATED_ADMIN, UserType.SUPPORT
NOT_SYNCHRONISED_TYPES = frozenset({APPLICATION, STUB, DELEGATED_ADMIN_TYPE, SUPPORT_TYPE})


@dataclass(frozen=True)
class UserSnapshot:
    """A directory user as the rules see it. `profile` holds the directory's
    values of the mapped FIELD columns, keyed by Dataverse column."""

    object_id: UUID
    upn: str
    account_enabled: bool = True
    deleted: str = ""  # "", "soft" or "hard"
    is_guest: bool = False
    licence_kinds: frozenset[str] = frozenset()  # kinds of the licences assigned in this tenant
    home_tenant_licences: tuple[str, ...] = ()
    admin_roles: frozenset[str] = frozenset()
    direct_groups: frozenset[UUID] = frozenset()  # groups the user is a direct member of
    nested_groups: frozenset[UUID] = frozenset()  # groups reached only through nested groups
    owned_groups: frozenset[UUID] = frozenset()
    profile: tuple[tuple[str, str], ...] = ()

    @property
    def is_service_admin(self) -> bool:
        return bool(self.admin_roles & SERVICE_ADMIN_ROLES)

    @property
    def bypasses_security_group(self) -> bool:
        return bool(self.admin_roles & GROUP_BYPASS_ROLES)

    @property
    def has_dataverse_licence(self) -> bool:
        return DATAVERSE in self.licence_kinds

    def profile_dict(self) -> dict[str, str]:
        return dict(self.profile)


@dataclass(frozen=True)
class EnvironmentSnapshot:
    name: str
    type: str = PRODUCTION
    dataverse: bool = True
    on_premises: bool = False
    security_group_id: UUID | None = None
    security_group_name: str = ""
    teams_group_id: UUID | None = None
    teams_group_name: str = ""
    created_by_object_id: UUID | None = None
    licence_type: str = "standard"  # or "app_pass"
    app_pass_capacity_left: int = 0
    marketing_licence: bool = False  # tenant-level Marketing licence


@dataclass(frozen=True)
class RecordSnapshot:
    """The user's existing SystemUser in the environment, if any."""

    isdisabled: bool
    accessmode: int = READ_WRITE
    user_type: str = REGULAR
    uses_app_pass: bool = False
    direct_roles: tuple[str, ...] = ()
    team_roles: tuple[tuple[str, str], ...] = ()  # (team, role)
    non_interactive_slot: int | None = None
    # ELIG-03 b: the record holds a unit (uses_app_pass, enabled) but the environment's capacity
    # shrank below the units held and this holder is not among those who keep theirs
    # (rules.app_pass_holders_keeping; docs/rules-decisions.md).
    app_pass_unit_lost: bool = False

    def admin_chosen_mode(self, user: UserSnapshot) -> int | None:
        """An access mode an admin chose, which every sync keeps (MODE-02, MODE-03): non-interactive,
        read, and administrative for a non-admin. For Global / PP / D365 admins the sync manages
        the mode between Read-Write and Administrative as their licences change."""
        if self.accessmode in (READ, NON_INTERACTIVE):
            return self.accessmode
        if self.accessmode == ADMINISTRATIVE and self.user_type != SETUP and not user.is_service_admin:
            return self.accessmode
        return None


@dataclass(frozen=True)
class CheckResult:
    rule: str
    result: str  # PASS, FAIL or NA
    reason: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.result == FAIL

    def as_dict(self) -> dict:
        return {"rule": self.rule, "result": self.result, "reason": self.reason, "fix": self.fix}


@dataclass(frozen=True)
class Decision:
    action: Action
    status: str  # "enabled", "disabled" or "absent" afterwards
    checks: tuple[CheckResult, ...] = ()  # the on-demand checks, in DIAG-01 order
    refused_by: tuple[str, ...] = ()
    accessmode: int | None = None  # for a record kept or added
    user_type: str | None = None
    setupuser: bool = False
    uses_app_pass: bool = False
    default_roles: tuple[str, ...] = ()  # roles an add assigns (ENV-06, ENV-07)
    reason: str = ""
    extra: tuple[CheckResult, ...] = field(default=())

    @property
    def entitled(self) -> bool:
        """No ELIG check fails (DIAG-01): ROLE-01 is reported but never decides."""
        return not any(c.failed and c.rule.startswith("ELIG-") for c in self.checks)
