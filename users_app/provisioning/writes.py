"""What a sync writes into an environment's records, for every trigger: the set-based background
sync (background.py) and the one-user triggers (sync.py: sign-in, add, refresh, diagnostics).

`apply_decision` turns one decision into queued writes; `RecordWriter` writes a run's queue in
one go with the bulk toolkit (users_app.bulk): one INSERT for the new records, one UPDATE per set
of changed columns, then the default team and roles of the new records (SYNC-03, ROLE-01).
A sync's writes take no change number: they are the sync's answer, not a change to decide over.
"""
from __future__ import annotations

import uuid

from django.db import connection

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app import bulk
from users_app.choices import UserType
from users_app.models import SystemUser, SystemUserRole, Team, TeamMembership

from .outcomes import REPORTED_COLUMNS, diff, moving_name, outcome_of, target_values
from .types import Action, Decision


def apply_decision(writer: RecordWriter, object_id: bulk.DbId, profile: dict, target: dict | None,
                   decision: Decision) -> tuple[str, list[str]]:
    """Queue the writes of one decision for the record `target` (None: a new record; a stub: STUB-05
    converts it); answers (outcome, changed columns). `object_id` in the database's form."""
    if decision.action in (Action.LEAVE, Action.REFUSE):
        return outcome_of(decision, []), []
    values = target_values(decision, profile, target)
    if target is None:
        writer.add(object_id, values, decision.default_roles)
        return "added", list(REPORTED_COLUMNS)
    if target["user_type"] == UserType.STUB:
        writer.convert_stub(target["id"], object_id, values, decision.default_roles)
        return "added", diff(target, values)
    changed = diff(target, values)
    writer.update(target["id"], {name: values[name] for name in changed})
    return outcome_of(decision, changed), changed


def write_key(object_id, target: dict | None):
    """How SYNC-06's check names a planned write: the record's id, or the new record's object id."""
    return target["id"] if target is not None else ("new", object_id)


class RecordWriter:
    """Collects a run's inserts and updates of one environment's records and writes them in bulk."""

    def __init__(self, environment: Environment, now):
        self.environment = environment
        self.bulk = bulk.Writer(now=now)
        self.root_bu = BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
        self.default_team_id = Team.objects.filter(businessunit=self.root_bu, isdefault=True).values_list("id", flat=True).first()
        self.roles_by_name = dict(SecurityRole.objects.filter(business_unit=self.root_bu).values_list("name", "id"))
        self.inserts: list[dict] = []
        self.insert_roles: list[tuple[str, ...]] = []
        self.updates: dict[int, dict] = {}
        self.converted: list[tuple[int, tuple[str, ...]]] = []

    def add(self, object_id: bulk.DbId, values: dict, default_roles: tuple[str, ...]) -> None:
        """A new record; `object_id` in the database's form."""
        self.inserts.append({**values, "azureactivedirectoryobjectid": object_id})
        self.insert_roles.append(default_roles)

    def update(self, record_id: int, changes: dict) -> None:
        if changes:
            self.updates.setdefault(record_id, {}).update(changes)

    def convert_stub(self, record_id: int, object_id: bulk.DbId, values: dict, default_roles) -> None:
        """STUB-05: the stub becomes the real user in place; its records stay."""
        self.update(record_id, {**values, "azureactivedirectoryobjectid": object_id, "issyncwithdirectory": True})
        self.converted.append((record_id, default_roles))

    def flush(self) -> None:
        """Write the queue. A unique constraint the writes break raises Django's IntegrityError on
        every engine (SYNC-06: the callers decide again or refuse)."""
        with connection.wrap_database_errors:
            # Updates first: a deleted user's record gives its UPN up (DIR-11) before a new record takes it (SYNC-08).
            # Records that change their name step aside under a name of their own first, so that the
            # order of the updates never matters (a name passed along a chain, or two users swapping).
            table = connection.ops.quote_name(SystemUser._meta.db_table)
            bulk.executemany(f"UPDATE {table} SET domainname = %s WHERE id = %s",
                             [(moving_name(rid), rid) for rid, changes in self.updates.items() if "domainname" in changes])
            self.bulk.update(SystemUser, self.updates.items(), extra={"last_synced_on": self.bulk.now})
            if self.inserts:
                self._insert()
            self._memberships(table)

    def _insert(self) -> None:
        now = self.bulk.now
        defaults = {"environment_id": self.environment.pk, "businessunit_id": self.root_bu.pk,
                    "issyncwithdirectory": True, "last_synced_on": now}
        by_columns: dict[tuple, list[dict]] = {}
        for values in self.inserts:
            values["systemuserid"] = bulk.db_id(uuid.uuid4())
            by_columns.setdefault(tuple(values), []).append(values)
        for rows in by_columns.values():
            self.bulk.insert(SystemUser, rows, defaults=defaults)

    def _memberships(self, table: str) -> None:
        """The default team (every new record, one INSERT ... SELECT) and the default roles."""
        now = bulk.prep(SystemUser._meta.get_field("createdon"))(self.bulk.now)
        if self.inserts and self.default_team_id:
            teams = connection.ops.quote_name(TeamMembership._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {teams} (team_id, systemuser_id) SELECT %s, id FROM {table} "
                               "WHERE environment_id = %s AND createdon = %s",
                               [self.default_team_id, self.environment.pk, now])
        if self.converted and self.default_team_id:
            TeamMembership.objects.bulk_create([TeamMembership(team_id=self.default_team_id, systemuser_id=rid)
                                                for rid, _ in self.converted], ignore_conflicts=True)
        new_ids = list(self.converted)
        if any(self.insert_roles):
            ids_by_object = dict(bulk.raw(SystemUser.objects.order_by().filter(environment=self.environment,
                                                                                createdon=self.bulk.now)
                                          .values_list("azureactivedirectoryobjectid", "id")))
            new_ids += [(ids_by_object[v["azureactivedirectoryobjectid"]], roles)
                        for v, roles in zip(self.inserts, self.insert_roles) if roles]
        role_rows = [(rid, self.roles_by_name[name]) for rid, names in new_ids for name in names if name in self.roles_by_name]
        if role_rows:
            roles_table = connection.ops.quote_name(SystemUserRole._meta.db_table)
            bulk.executemany(f"INSERT INTO {roles_table} (systemuser_id, role_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                             role_rows)
