"""Load the plain snapshots the rules decide over, in a few set-based queries.

For a whole environment: one query per table (directory users, licences, admin
roles, group memberships and ownerships, records, roles), whatever the number
of users. For one user: the same queries narrowed to that user.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from django.db.models import Q
from django.db.models.functions import Lower

from environments_app.models import Environment
from users_app.models import (
    AdminRoleAssignment,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    SystemUser,
    SystemUserRole,
    Team,
    TeamMembership,
    Tenant,
)

from . import rules
from .rules import FIELD_MAP
from .types import EnvironmentSnapshot, RecordSnapshot, UserSnapshot

# What the rules read of a directory user: these six first (the set-based sync reads them by
# position), then the directory field of every synchronised column (FIELD_MAP) not among them.
DIRECTORY_FIELDS = ("id", "user_principal_name", "account_enabled", "deleted_state", "user_type", "home_tenant_licences") + tuple(
    field for _, field in FIELD_MAP if field != "user_principal_name"
)
RECORD_FIELDS = ("id", "azureactivedirectoryobjectid", "isdisabled", "accessmode", "user_type", "uses_app_pass",
                 "non_interactive_slot", "domainname", "internalemailaddress_edited", "setupuser", "invitestatuscode") + tuple(
    column for column, _ in FIELD_MAP if column != "domainname"
)


def tenant_marketing_licence() -> bool:
    return Tenant.objects.filter(marketing_licence=True).exists()


def app_pass_units_used(environment: Environment) -> int:
    return SystemUser.objects.filter(environment=environment, uses_app_pass=True, isdisabled=False).count()


def app_pass_units_lost(environment: Environment) -> frozenset[int]:
    """ELIG-03 b: ids of the records holding a unit the capacity no longer covers
    (rules.app_pass_holders_keeping decides who keeps theirs)."""
    holders = list(SystemUser.objects.filter(environment=environment, uses_app_pass=True, isdisabled=False)
                   .order_by().values_list("createdon", "id"))
    if len(holders) <= environment.app_pass_capacity:
        return frozenset()
    return rules.app_pass_holders_keeping(holders, environment.app_pass_capacity)[1]


def environment_snapshot(environment: Environment, *, units_used: int | None = None) -> EnvironmentSnapshot:
    group_ids = [g for g in (environment.security_group_object_id, environment.teams_group_object_id) if g]
    names = dict(DirectoryGroup.objects.filter(id__in=group_ids).values_list("id", "name")) if group_ids else {}
    if units_used is None:
        units_used = app_pass_units_used(environment) if environment.app_pass_capacity else 0
    return EnvironmentSnapshot(
        name=environment.name,
        type=environment.type,
        dataverse=environment.dataverse,
        on_premises=environment.is_on_premises,
        security_group_id=environment.security_group_object_id,
        security_group_name=names.get(environment.security_group_object_id, ""),
        teams_group_id=environment.teams_group_object_id,
        teams_group_name=names.get(environment.teams_group_object_id, ""),
        created_by_object_id=environment.created_by_object_id,
        licence_type=environment.licence_type,
        app_pass_capacity_left=max(environment.app_pass_capacity - units_used, 0),
        marketing_licence=tenant_marketing_licence(),
    )


def _group_parents() -> dict[UUID, set[UUID]]:
    parents: dict[UUID, set[UUID]] = defaultdict(set)
    for group_id, child_id in GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id"):
        parents[child_id].add(group_id)
    return parents


def reachable(nodes: Iterable, edges: dict) -> set:
    """The nodes reached from `nodes` by one or more `edges` (groups' parents: the groups they are
    nested in; groups' children: the groups nested in them, DIR-06). Cycles end the walk."""
    seen: set = set()
    stack = [n for node in nodes for n in edges.get(node, ())]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def directory_snapshots(user_ids: Iterable[UUID] | None = None) -> dict[UUID, UserSnapshot]:
    """Snapshots of the given directory users (all when None), keyed by object id."""
    users = DirectoryUser.objects.all()
    licences = LicenceAssignment.objects.all()
    roles = AdminRoleAssignment.objects.all()
    members = GroupMembership.objects.filter(user__isnull=False)
    owners = GroupOwner.objects.all()
    if user_ids is not None:
        ids = list(user_ids)
        users, licences, roles = users.filter(id__in=ids), licences.filter(user_id__in=ids), roles.filter(user_id__in=ids)
        members, owners = members.filter(user_id__in=ids), owners.filter(user_id__in=ids)

    kinds: dict[UUID, set[str]] = defaultdict(set)
    for user_id, kind in licences.values_list("user_id", "sku__kind"):
        kinds[user_id].add(kind)
    admin: dict[UUID, set[str]] = defaultdict(set)
    for user_id, role in roles.values_list("user_id", "role"):
        admin[user_id].add(role)
    direct: dict[UUID, set[UUID]] = defaultdict(set)
    for user_id, group_id in members.values_list("user_id", "group_id"):
        direct[user_id].add(group_id)
    owned: dict[UUID, set[UUID]] = defaultdict(set)
    for user_id, group_id in owners.values_list("user_id", "group_id"):
        owned[user_id].add(group_id)
    parents = _group_parents()

    snapshots = {}
    for row in users.values(*DIRECTORY_FIELDS).iterator(chunk_size=5000):
        uid = row["id"]
        groups = direct.get(uid, set())
        snapshots[uid] = UserSnapshot(
            object_id=uid,
            upn=row["user_principal_name"],
            account_enabled=row["account_enabled"],
            deleted=row["deleted_state"],
            is_guest=row["user_type"] == "Guest",
            licence_kinds=frozenset(kinds.get(uid, ())),
            home_tenant_licences=tuple(row["home_tenant_licences"] or ()),
            admin_roles=frozenset(admin.get(uid, ())),
            direct_groups=frozenset(groups),
            nested_groups=frozenset(reachable(groups, parents) - groups) if parents else frozenset(),
            owned_groups=frozenset(owned.get(uid, ())),
            profile=tuple((column, row[field] or "") for column, field in FIELD_MAP),
        )
    return snapshots


def records_of(environment: Environment, *, filters: Q | None = None) -> list[dict]:
    qs = SystemUser.objects.filter(environment=environment)
    if filters is not None:
        qs = qs.filter(filters)
    return list(qs.values(*RECORD_FIELDS))


def records_holding(environment: Environment, names: Iterable[str], *,
                    rows: list[dict] | None = None) -> tuple[dict[str, set[int]], dict[int, str]]:
    """SYNC-06: the records holding each of these lower-case user names now (ids), and their user
    types. From `rows` (every record of the environment) when the caller has them, else read in batches."""
    wanted = set(names)
    holders: dict[str, set[int]] = defaultdict(set)
    types: dict[int, str] = {}
    if not wanted:
        return holders, types
    if rows is None:
        ordered = sorted(wanted)
        rows = []
        for start in range(0, len(ordered), 500):
            rows += (SystemUser.objects.filter(environment=environment).annotate(name_lower=Lower("domainname"))
                     .filter(name_lower__in=ordered[start:start + 500]).values("id", "domainname", "user_type"))
    for row in rows:
        name = row["domainname"].lower()
        if name in wanted:
            holders[name].add(row["id"])
            types[row["id"]] = row["user_type"]
    return holders, types


def role_names_by_record(record_ids: list[int] | None, environment: Environment) -> tuple[dict, dict]:
    """Direct roles and roles held through teams, per record id (ROLE-01, DIAG-03)."""
    direct: dict[int, list[str]] = defaultdict(list)
    assignments = SystemUserRole.objects.filter(systemuser__environment=environment)
    memberships = TeamMembership.objects.filter(team__environment=environment)
    if record_ids is not None:
        assignments = assignments.filter(systemuser_id__in=record_ids)
        memberships = memberships.filter(systemuser_id__in=record_ids)
    for record_id, role in assignments.values_list("systemuser_id", "role__name"):
        direct[record_id].append(role)
    team_roles: dict[int, list[tuple[str, str]]] = defaultdict(list)
    roles_of_team: dict[int, list[str]] = defaultdict(list)
    for team_id, team_name, role in Team.objects.filter(environment=environment, roles__isnull=False).values_list(
        "id", "name", "roles__name"
    ):
        roles_of_team[team_id].append((team_name, role))
    if roles_of_team:
        for record_id, team_id in memberships.filter(team_id__in=list(roles_of_team)).values_list("systemuser_id", "team_id"):
            team_roles[record_id].extend(roles_of_team[team_id])
    return direct, team_roles


def record_snapshot(row: dict, direct_roles=(), team_roles=(), *, app_pass_lost: frozenset[int] = frozenset()) -> RecordSnapshot:
    """`app_pass_lost`: ids of the records whose app-pass unit the capacity no longer covers (ELIG-03 b)."""
    return RecordSnapshot(
        isdisabled=row["isdisabled"],
        accessmode=row["accessmode"],
        user_type=row["user_type"],
        uses_app_pass=row["uses_app_pass"],
        direct_roles=tuple(direct_roles),
        team_roles=tuple(team_roles),
        non_interactive_slot=row["non_interactive_slot"],
        app_pass_unit_lost=row.get("id") in app_pass_lost,
    )
