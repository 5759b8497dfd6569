"""The background sync of one environment, set-based (SYNC-01, SYNC-05, SYNC-07, SYNC-08).

Cost follows the changes, not the tenant:
- it reads only the directory users whose rows changed since the environment's last completed
  run (change numbers, users_app.changes), or every user on a full pass, one query per table;
- it decides once per distinct combination of what the rules read, not once per user:
  `engine.decide` over a representative snapshot whose name is the placeholder `{upn}`
  (the rules read a user's name only in their texts, and the profile never; the property
  tests prove the result equal to deciding user by user, `reference.environment_sync_reference`);
- it writes through writes.RecordWriter, the writer of every trigger: one statement per shape
  (inserts, updates by set of changed columns, default team and roles), in the run's one transaction.

The decision log (SYNC-07) keeps one entry per distinct decision, listing the users it
changed (`SyncRun.decision_log` expands it, one row per user, for the screens).
"""
from __future__ import annotations

import dataclasses
import json
import uuid
from collections import defaultdict

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from environments_app.models import Environment
from users_app import bulk
from users_app.choices import DirectoryUserType, UserType
from users_app.models import (
    AdminRoleAssignment,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    SyncRun,
    SystemUser,
)

from . import rules, snapshots
from .engine import decide
from .outcomes import conflict_entry, conflicts_among
from .types import NOT_SYNCHRONISED_TYPES, Action, EnvironmentSnapshot, RecordSnapshot, Trigger, UserSnapshot
from .writes import RecordWriter, apply_decision, write_key

UPN_PLACEHOLDER = "{upn}"
NOT_THE_CREATOR = uuid.UUID(int=0)
# Beyond this share of the directory, reading by change numbers costs more than a full pass.
FULL_PASS_SHARE = 0.2

# Where each synchronised column's directory value sits in a row read with snapshots.DIRECTORY_FIELDS.
PROFILE_SLOTS = tuple((column, snapshots.DIRECTORY_FIELDS.index(field)) for column, field in rules.FIELD_MAP)


# --- Reading --------------------------------------------------------------------------------


def changed_user_ids(environment: Environment, since: int) -> set[uuid.UUID]:
    """Directory users whose decision may differ from the last run's: their own row, licences,
    memberships, ownerships or admin roles changed, or their record here was edited."""
    ids: set[uuid.UUID] = set(DirectoryUser.objects.filter(change_number__gt=since).values_list("id", flat=True))
    for model in (LicenceAssignment, GroupOwner, AdminRoleAssignment):
        ids.update(model.objects.filter(change_number__gt=since).values_list("user_id", flat=True))
    ids.update(GroupMembership.objects.filter(change_number__gt=since, user__isnull=False).values_list("user_id", flat=True))
    edited = SystemUser.objects.filter(environment_id=environment.pk, change_number__gt=since)
    ids.update(edited.exclude(azureactivedirectoryobjectid=None).values_list("azureactivedirectoryobjectid", flat=True))
    stub_names = [name.lower() for name in edited.filter(user_type=UserType.STUB).values_list("domainname", flat=True)]
    if stub_names:  # STUB-05: a new stub may be the record of a directory user who has none yet
        ids.update(DirectoryUser.objects.annotate(upn_lower=Lower("user_principal_name"))
                   .filter(upn_lower__in=stub_names).values_list("id", flat=True))
    return ids


def _descendants(roots: set) -> dict:
    """For each root group, the groups nested in it at any depth (DIR-06); database-form ids.
    Read level by level from the roots down (an index seek on (group, member group) per level),
    never every nesting of the directory."""
    children: dict = defaultdict(set)
    frontier, seen = set(roots), set(roots)
    while frontier:
        rows = bulk.raw(GroupMembership.objects.order_by().filter(group_id__in=list(frontier), member_group__isnull=False)
                        .values_list("group_id", "member_group_id"))
        for group_id, child_id in rows:
            children[group_id].add(child_id)
        frontier = {child_id for _group_id, child_id in rows} - seen
        seen |= frontier
    return {root: snapshots.reachable([root], children) for root in roots}


@dataclasses.dataclass
class _Directory:
    """What the rules read of each user, restricted to the environment's own groups (the only
    groups the rules look at), keyed by object id in the database's form."""

    rows: list[tuple]
    kinds: dict
    admin: dict
    direct: dict
    owned: dict
    nested_in: dict  # environment group -> groups nested in it


def _by_user(pairs) -> dict:
    sets: dict = defaultdict(set)
    for user_id, value in pairs:
        sets[user_id].add(value)
    interned: dict = {}
    return {user_id: interned.setdefault(frozenset(values), frozenset(values)) for user_id, values in sets.items()}


def _read_directory(env: EnvironmentSnapshot, user_ids: set | None) -> _Directory:
    groups = {bulk.db_id(g) for g in (env.security_group_id, env.teams_group_id) if g}
    nested_in = _descendants(groups) if groups else {}
    relevant = set(groups).union(*nested_in.values()) if groups else set()
    users = DirectoryUser.objects.order_by()
    licences = LicenceAssignment.objects.order_by()
    roles = AdminRoleAssignment.objects.order_by()
    members = GroupMembership.objects.order_by().filter(user__isnull=False, group_id__in=relevant)
    owners = GroupOwner.objects.order_by().filter(group_id__in=groups)
    if user_ids is not None:
        ids = list(user_ids)
        users, licences, roles = users.filter(id__in=ids), licences.filter(user_id__in=ids), roles.filter(user_id__in=ids)
        members, owners = members.filter(user_id__in=ids), owners.filter(user_id__in=ids)
    return _Directory(
        rows=bulk.raw(users.values_list(*snapshots.DIRECTORY_FIELDS)),
        kinds=_by_user(bulk.raw(licences.values_list("user_id", "sku__kind"))),
        admin=_by_user(bulk.raw(roles.values_list("user_id", "role"))),
        direct=_by_user(bulk.raw(members.values_list("user_id", "group_id"))) if relevant else {},
        owned=_by_user(bulk.raw(owners.values_list("user_id", "group_id"))) if groups else {},
        nested_in=nested_in,
    )


def _home_licences(value) -> tuple:
    if isinstance(value, str):
        value = json.loads(value) if value != "[]" else ()
    return tuple(value or ())


# --- Deciding -------------------------------------------------------------------------------

EMPTY = frozenset()


class _Decider:
    """engine.decide once per distinct (user as the rules see it, record, capacity) combination."""

    def __init__(self, env: EnvironmentSnapshot, directory: _Directory):
        self.env = env
        self.directory = directory
        self.groups = frozenset(directory.nested_in)
        self.uuid_of_group = {bulk.db_id(g): g for g in (env.security_group_id, env.teams_group_id) if g}
        self.creator = bulk.db_id(env.created_by_object_id)
        self.memo: dict = {}

    def user_key(self, row: tuple) -> tuple:
        uid, _upn, enabled, deleted, user_type, home = row[:6]
        d = self.directory
        direct = d.direct.get(uid, EMPTY)
        nested = frozenset(g for g, inside in d.nested_in.items() if direct & inside) - direct if direct else EMPTY
        return (bool(enabled), deleted, user_type == DirectoryUserType.GUEST, d.kinds.get(uid, EMPTY),
                _home_licences(home), d.admin.get(uid, EMPTY),
                direct & self.groups, nested, d.owned.get(uid, EMPTY), uid == self.creator)

    def decide(self, user_key: tuple, record: RecordSnapshot | None, capacity_left: int):
        key = (user_key, record, capacity_left > 0)
        decision = self.memo.get(key)
        if decision is None:
            enabled, deleted, guest, kinds, home, admin, direct, nested, owned, creator = user_key
            as_uuids = lambda ids: frozenset(self.uuid_of_group[g] for g in ids)  # noqa: E731
            user = UserSnapshot(object_id=self.env.created_by_object_id if creator else NOT_THE_CREATOR,
                                upn=UPN_PLACEHOLDER, account_enabled=enabled, deleted=deleted, is_guest=guest,
                                licence_kinds=kinds, home_tenant_licences=home, admin_roles=admin,
                                direct_groups=as_uuids(direct), nested_groups=as_uuids(nested),
                                owned_groups=as_uuids(owned))
            env = dataclasses.replace(self.env, app_pass_capacity_left=capacity_left)
            decision = self.memo[key] = decide(user=user, environment=env, record=record, trigger=Trigger.SCHEDULE)
        return decision


def _record_key(row: dict, app_pass_lost: frozenset[int]) -> RecordSnapshot:
    # Security roles never change what the background sync writes (they only add a check to
    # the checklist of diagnostics), so they are not read here.
    return snapshots.record_snapshot(row, app_pass_lost=app_pass_lost)


# --- The run --------------------------------------------------------------------------------


def _log_key(entry: dict) -> tuple:
    return (entry["outcome"], entry.get("status"), tuple(entry["rules"]), tuple(entry["changed_fields"]), entry["level"],
            entry["text"])


def sync_body(environment: Environment, *, since: int | None, entry_for,
              recheck: frozenset = frozenset()) -> tuple[dict, list[dict], bool]:
    """Decide and write for the users changed since `since` (every user when None), and the users
    in `recheck` (those whose write SYNC-06 refused last time: a full pass would log them again).
    Answers (counts, compact decision log, whether it was a full pass)."""
    counts = dict.fromkeys(SyncRun.COUNT_FIELDS, 0)
    env = snapshots.environment_snapshot(environment)
    user_ids = None
    if since is not None:
        user_ids = changed_user_ids(environment, since) | set(recheck)
        if len(user_ids) > FULL_PASS_SHARE * max(DirectoryUser.objects.count(), 1):
            user_ids = None
    full = user_ids is None
    log: dict[tuple, dict] = {}
    entries: dict[tuple, dict] = {}
    if full or user_ids:
        directory = _read_directory(env, user_ids)
        records = snapshots.records_of(environment, filters=None if full else Q(azureactivedirectoryobjectid__in=list(user_ids)))
        by_object = {bulk.db_id(r["azureactivedirectoryobjectid"]): r for r in records if r["azureactivedirectoryobjectid"]}
        stubs = _stubs(environment, None if full else [row[1].lower() for row in directory.rows])
        decider = _Decider(env, directory)
        writer = RecordWriter(environment, timezone.now())
        capacity_left = env.app_pass_capacity_left
        # ELIG-03 b: units held beyond a shrunk capacity (only a full pass follows a capacity change).
        lost = snapshots.app_pass_units_lost(environment) if full else frozenset()
        rows = directory.rows
        if env.app_pass_capacity_left or any(r["uses_app_pass"] for r in by_object.values()):
            # Records that hold an app-pass unit first, so that units already held are kept (ELIG-03 b).
            rows = sorted(rows, key=lambda r: not (by_object.get(r[0]) or {}).get("uses_app_pass"))
        planned: list[tuple] = []
        for row in rows:
            object_id, upn = row[0], row[1]
            record_row = by_object.get(object_id)
            record = _record_key(record_row, lost) if record_row is not None else None
            decision = decider.decide(decider.user_key(row), record, capacity_left)
            if decision.uses_app_pass and not (record_row and record_row["uses_app_pass"] and not record_row["isdisabled"]):
                capacity_left -= 1
            if record_row is None and decision.action != Action.ADD:
                counts["not_entitled"] += 1
                continue
            if decision.action in (Action.LEAVE, Action.REFUSE):
                counts["unchanged"] += 1
                continue
            planned.append((row, record_row if record_row is not None else stubs.get(upn.lower()), decision))
        # SYNC-06: a write that would give a record a user name another record keeps is refused
        # before anything is written; the others land (outcomes.upn_conflicts). The name a write
        # gives is the directory's UPN (domainname <- userPrincipalName).
        conflicts = conflicts_among([(write_key(row[0], target), target["domainname"] if target else None, row[1])
                                     for row, target, _decision in planned], environment, rows=records if full else None)
        for row, target, decision in planned:
            object_id, upn = row[0], row[1]
            key = write_key(object_id, target)
            if key in conflicts:
                counts["not_entitled" if target is None else "unchanged"] += 1
                log[("conflict", upn)] = {**conflict_entry(upn, conflicts[key], creating=target is None),
                                          "object_id": str(_as_uuid(object_id))}
                continue
            profile = {column: row[slot] for column, slot in PROFILE_SLOTS}
            outcome, changed = apply_decision(writer, object_id, profile, target, decision)
            counts[outcome] += 1
            if outcome != "unchanged":
                entry_key = (id(decision), outcome, tuple(changed))
                group = entries.get(entry_key)
                if group is None:
                    entry = entry_for(decision, outcome, changed)
                    group = entries[entry_key] = log.setdefault(_log_key(entry), {**entry, "users": []})
                group["users"].append(upn)
        writer.flush()
    if not full:
        _count_everyone(environment, counts)
    return counts, list(log.values()), full


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _stubs(environment: Environment, names: list[str] | None) -> dict[str, dict]:
    """STUB-05: the environment's stub users (those named, when given), by lower-case user name."""
    if names is not None and not names:
        return {}
    qs = SystemUser.objects.filter(environment=environment, user_type=UserType.STUB)
    if names is not None:
        qs = qs.annotate(name_lower=Lower("domainname")).filter(name_lower__in=names)
    return {r["domainname"].lower(): r for r in qs.values(*snapshots.RECORD_FIELDS)}


def _count_everyone(environment: Environment, counts: dict) -> None:
    """An incremental run counts every directory user as a full one would (cli.md): those with a
    record not changed by this run are unchanged, those without are not entitled. Records of the
    synchronised types are the directory users' records (counted from an index, not joined)."""
    directory_users = DirectoryUser.objects.count()
    # Every record (the environment's index alone) less the few of the other types (their partial
    # index: the rare types, those not "regular"), not a test of every record's type.
    records = SystemUser.objects.filter(environment_id=environment.pk)
    others = records.filter(user_type__in=NOT_SYNCHRONISED_TYPES).exclude(user_type=UserType.REGULAR)
    with_record = records.count() - others.count()
    counts["unchanged"] = with_record - counts["added"] - counts["enabled"] - counts["disabled"] - counts["updated"]
    counts["not_entitled"] = directory_users - with_record
