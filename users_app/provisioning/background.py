"""The background sync of one environment, set-based (SYNC-01, SYNC-05, SYNC-07, SYNC-08).

Cost follows the changes, not the tenant:
- it reads only the directory users whose rows changed since the environment's last completed
  run (change numbers, users_app.changes), or every user on a full pass, one query per table;
- it decides once per distinct combination of what the rules read, not once per user:
  `engine.decide` over a representative snapshot whose name is the placeholder `{upn}`
  (the rules read a user's name only in their texts, and the profile never; the property
  tests prove the result equal to deciding user by user, `sync.environment_sync_reference`);
- it writes with one `executemany` per statement shape (inserts, updates by set of changed
  columns, default team and roles), in the run's one transaction.

The decision log (SYNC-07) keeps one entry per distinct decision, listing the users it
changed (`SyncRun.decision_log` expands it, one row per user, for the screens).
"""
from __future__ import annotations

import dataclasses
import json
import uuid
from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import DirectoryUserType, UserType
from users_app.models import (
    AdminRoleAssignment,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    SyncRun,
    SystemUser,
    SystemUserRole,
    Team,
    TeamMembership,
)

from . import rules, snapshots
from .engine import decide
from .outcomes import OUTCOME_OF_ACTION, REPORTED_COLUMNS, conflict_entry, conflicts_among, diff, moving_name, target_values
from .types import NOT_SYNCHRONISED_TYPES, Action, EnvironmentSnapshot, RecordSnapshot, Trigger, UserSnapshot

UPN_PLACEHOLDER = "{upn}"
NOT_THE_CREATOR = uuid.UUID(int=0)
# Beyond this share of the directory, reading by change numbers costs more than a full pass.
FULL_PASS_SHARE = 0.2

PROFILE_FIELDS = tuple(field for _, field in rules.FIELD_MAP)
DIRECTORY_COLUMNS = ("id", "user_principal_name", "account_enabled", "deleted_state", "user_type",
                     "home_tenant_licences") + PROFILE_FIELDS


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


def _raw(queryset) -> list[tuple]:
    """The rows of a values_list queryset as the driver returns them: no per-value converters
    (ids stay in the database's own form, as they are written back)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _executemany(sql: str, rows: list) -> None:
    """One statement for many rows in the run's transaction. On PostgreSQL through a cursor with
    server-side binding, which psycopg pipelines (Django's client-side cursor sends one row at a time)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def db_uuid(value):
    """A UUID in the database's own form (the hex text SQLite stores, a UUID elsewhere)."""
    if value is None or connection.features.has_native_uuid_field:
        return value
    return value.hex


def _descendants(roots: set) -> dict:
    """For each root group, the groups nested in it at any depth (DIR-06); database-form ids."""
    children: dict = defaultdict(set)
    for group_id, child_id in _raw(GroupMembership.objects.filter(member_group__isnull=False)
                                   .values_list("group_id", "member_group_id")):
        children[group_id].add(child_id)
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
    groups = {db_uuid(g) for g in (env.security_group_id, env.teams_group_id) if g}
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
        rows=_raw(users.values_list(*DIRECTORY_COLUMNS)),
        kinds=_by_user(_raw(licences.values_list("user_id", "sku__kind"))),
        admin=_by_user(_raw(roles.values_list("user_id", "role"))),
        direct=_by_user(_raw(members.values_list("user_id", "group_id"))) if relevant else {},
        owned=_by_user(_raw(owners.values_list("user_id", "group_id"))) if groups else {},
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
        self.uuid_of_group = {db_uuid(g): g for g in (env.security_group_id, env.teams_group_id) if g}
        self.creator = db_uuid(env.created_by_object_id)
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


# --- Writing --------------------------------------------------------------------------------


class _BulkWriter:
    """Collects a run's inserts and updates; writes each statement shape with one executemany."""

    def __init__(self, environment: Environment, now):
        self.environment = environment
        self.now = now
        self.root_bu = BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
        self.default_team_id = Team.objects.filter(businessunit=self.root_bu, isdefault=True).values_list("id", flat=True).first()
        self.roles_by_name = dict(SecurityRole.objects.filter(business_unit=self.root_bu).values_list("name", "id"))
        self.fields = [f for f in SystemUser._meta.concrete_fields if f.column != "id"]
        self.inserts: list[dict] = []
        self.insert_roles: list[tuple[str, ...]] = []
        self.updates: dict[tuple, list[tuple]] = defaultdict(list)
        self.converted: list[tuple[int, tuple[str, ...]]] = []

    def add(self, object_id, values: dict, default_roles: tuple[str, ...]) -> None:
        """A new record; `object_id` in the database's form."""
        self.inserts.append({**values, "azureactivedirectoryobjectid": object_id})
        self.insert_roles.append(default_roles)

    def update(self, record_id: int, changes: dict) -> None:
        if changes:
            names = tuple(sorted(changes))
            self.updates[names].append(tuple(changes[n] for n in names) + (record_id,))

    def convert_stub(self, record_id: int, object_id, values: dict, default_roles) -> None:
        """STUB-05: the stub becomes the real user in place; its records stay."""
        self.update(record_id, {**values, "azureactivedirectoryobjectid": object_id, "issyncwithdirectory": True})
        self.converted.append((record_id, default_roles))

    def _prep(self, name: str, value):
        field = SystemUser._meta.get_field(name)
        return field.get_db_prep_save(value, connection)

    def flush(self) -> None:
        table = connection.ops.quote_name(SystemUser._meta.db_table)
        now = self._prep("modifiedon", self.now)
        # Updates first: a deleted user's record gives its UPN up (DIR-11) before a new record takes it (SYNC-08).
        # Records that change their name step aside under a name of their own first, so that the
        # order of the updates never matters (a name passed along a chain, or two users swapping).
        moving = [(moving_name(row[-1]), row[-1]) for names, rows in self.updates.items() if "domainname" in names
                  for row in rows]
        _executemany(f"UPDATE {table} SET domainname = %s WHERE id = %s", moving)
        for names, rows in self.updates.items():
            sets = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in (*names, "modifiedon", "last_synced_on"))
            _executemany(f"UPDATE {table} SET {sets} WHERE id = %s", [row[:-1] + (now, now, row[-1]) for row in rows])
        new_ids: list[tuple[int, tuple[str, ...]]] = list(self.converted)
        if self.inserts:
            self._insert(table, now)
        self._memberships(table, now, new_ids)

    def _insert(self, table: str, now) -> None:
        constants = {
            "environment_id": self.environment.pk, "businessunit_id": self.root_bu.pk, "applicationid": None,
            "issyncwithdirectory": True, "invitestatuscode": 0, "deletedstate": 0, "non_interactive_slot": None,
            "internalemailaddress_edited": False, "homephone": "", "custom_fields": self._prep("custom_fields", {}),
            "parentsystemuser_id": None, "position_id": None, "createdon": now, "modifiedon": now,
            "last_synced_on": now, "change_number": 0,
        }
        columns = [f.column for f in self.fields]
        per_row = [c for c in columns if c not in constants]
        template = [constants.get(c) for c in columns]
        slots = [columns.index(c) for c in per_row]
        rows = []
        for values in self.inserts:
            row = list(template)
            values["systemuserid"] = db_uuid(uuid.uuid4())
            for slot, column in zip(slots, per_row):
                row[slot] = values[column]
            rows.append(row)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        _executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)

    def _memberships(self, table: str, now, converted: list[tuple[int, tuple[str, ...]]]) -> None:
        """The default team (every new record, one INSERT ... SELECT) and the default roles."""
        if self.inserts and self.default_team_id:
            teams = connection.ops.quote_name(TeamMembership._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {teams} (team_id, systemuser_id) SELECT %s, id FROM {table} "
                               "WHERE environment_id = %s AND createdon = %s",
                               [self.default_team_id, self.environment.pk, now])
        if converted and self.default_team_id:
            TeamMembership.objects.bulk_create([TeamMembership(team_id=self.default_team_id, systemuser_id=rid)
                                                for rid, _ in converted], ignore_conflicts=True)
        new_ids = list(converted)
        if any(self.insert_roles):
            ids_by_object = dict(_raw(SystemUser.objects.order_by().filter(environment=self.environment, createdon=self.now)
                                      .values_list("azureactivedirectoryobjectid", "id")))
            new_ids += [(ids_by_object[v["azureactivedirectoryobjectid"]], roles)
                        for v, roles in zip(self.inserts, self.insert_roles) if roles]
        role_rows = [(rid, self.roles_by_name[name]) for rid, names in new_ids for name in names if name in self.roles_by_name]
        if role_rows:
            roles_table = connection.ops.quote_name(SystemUserRole._meta.db_table)
            _executemany(f"INSERT INTO {roles_table} (systemuser_id, role_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", role_rows)


# --- The run --------------------------------------------------------------------------------


def _log_key(entry: dict) -> tuple:
    return (entry["outcome"], tuple(entry["rules"]), tuple(entry["changed_fields"]), entry["level"], entry["text"])


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
        by_object = {db_uuid(r["azureactivedirectoryobjectid"]): r for r in records if r["azureactivedirectoryobjectid"]}
        stubs = _stubs(environment, None if full else [row[1].lower() for row in directory.rows])
        decider = _Decider(env, directory)
        writer = _BulkWriter(environment, timezone.now())
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
        conflicts = conflicts_among([(_write_key(row[0], target), target["domainname"] if target else None, row[1])
                                     for row, target, _decision in planned], environment, rows=records if full else None)
        for row, target, decision in planned:
            object_id, upn = row[0], row[1]
            key = _write_key(object_id, target)
            if key in conflicts:
                counts["not_entitled" if target is None else "unchanged"] += 1
                log[("conflict", upn)] = {**conflict_entry(upn, conflicts[key], creating=target is None),
                                          "object_id": str(_as_uuid(object_id))}
                continue
            profile = {column: value for (column, _), value in zip(rules.FIELD_MAP, row[6:])}
            values = target_values(decision, profile, target)
            if target is None:
                writer.add(object_id, values, decision.default_roles)
                outcome, changed = "added", list(REPORTED_COLUMNS)
            elif target["user_type"] == UserType.STUB:
                writer.convert_stub(target["id"], object_id, values, decision.default_roles)
                outcome, changed = "added", diff(target, values)
            else:
                changed = diff(target, values)
                writer.update(target["id"], {n: values[n] for n in changed})
                outcome = OUTCOME_OF_ACTION.get(decision.action) or ("updated" if changed else "unchanged")
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


def _write_key(object_id, target: dict | None):
    """How SYNC-06's check names a planned write: the record's id, or the new record's object id."""
    return target["id"] if target is not None else ("new", object_id)


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
    with_record = SystemUser.objects.filter(environment_id=environment.pk).exclude(user_type__in=NOT_SYNCHRONISED_TYPES).count()
    counts["unchanged"] = with_record - counts["added"] - counts["enabled"] - counts["disabled"] - counts["updated"]
    counts["not_entitled"] = directory_users - with_record
