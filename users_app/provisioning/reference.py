"""The definition the set-based background sync (background.py) is proven equal to, by the property
tests (tests/users_app/provisioning/test_properties.py, test_set_based_sync.py): the same sync decided
user by user. A test oracle, kept out of the production modules; it writes through the same
writer (writes.py), so the tests compare what is decided."""
from __future__ import annotations

import dataclasses

from django.db import transaction
from django.utils import timezone

from environments_app.models import Environment
from users_app import bulk
from users_app.choices import UserType
from users_app.models import SyncRun

from . import snapshots
from .engine import decide
from .outcomes import conflict_entry, conflicts_among, decision_entry
from .types import Action, Trigger
from .writes import RecordWriter, apply_decision, write_key


def environment_sync_reference(*, environment: Environment) -> tuple[dict, list[dict]]:
    """The background sync decided user by user with engine.decide, with nothing shared between
    users but the app-pass capacity: the definition the set-based sync is proven equal to
    (tests/users_app/provisioning/test_properties.py). Writes like the real one; no run is recorded."""
    counts = dict.fromkeys(SyncRun.COUNT_FIELDS, 0)
    if not environment.dataverse or environment.is_on_premises:
        return counts, []
    decisions: list[dict] = []
    with transaction.atomic():
        env = snapshots.environment_snapshot(environment)
        users = snapshots.directory_snapshots()
        rows = snapshots.records_of(environment)
        direct_roles, team_roles = snapshots.role_names_by_record(None, environment)
        lost = snapshots.app_pass_units_lost(environment)  # ELIG-03 b: units the capacity no longer covers
        by_object = {r["azureactivedirectoryobjectid"]: r for r in rows if r["azureactivedirectoryobjectid"]}
        stubs = {r["domainname"].lower(): r for r in rows if r["user_type"] == UserType.STUB}
        writer = RecordWriter(environment, timezone.now())
        capacity_left = env.app_pass_capacity_left
        ordered = sorted(users.values(), key=lambda u: not (by_object.get(u.object_id) or {}).get("uses_app_pass"))
        planned: list[tuple] = []
        for user in ordered:
            row = by_object.get(user.object_id)
            record = None
            if row is not None:
                record = snapshots.record_snapshot(row, direct_roles.get(row["id"], ()), team_roles.get(row["id"], ()),
                                                   app_pass_lost=lost)
            decision = decide(user=user, environment=dataclasses.replace(env, app_pass_capacity_left=capacity_left),
                              record=record, trigger=Trigger.SCHEDULE)
            if decision.uses_app_pass and not (row and row["uses_app_pass"] and not row["isdisabled"]):
                capacity_left -= 1
            if row is None and decision.action != Action.ADD:
                counts["not_entitled"] += 1
                continue
            target_row = row if row is not None else stubs.get(user.upn.lower())
            planned.append((user, target_row, decision))
        # SYNC-06: writes that would give a record a name another record keeps are refused first.
        conflicts = conflicts_among(
            [(write_key(user.object_id, target), target["domainname"] if target else None, user.upn)
             for user, target, decision in planned if decision.action not in (Action.LEAVE, Action.REFUSE)],
            environment, rows=rows)
        for user, target_row, decision in planned:
            key = write_key(user.object_id, target_row)
            if key in conflicts:
                counts["not_entitled" if target_row is None else "unchanged"] += 1
                decisions.append({**conflict_entry(user.upn, conflicts[key], creating=target_row is None),
                                  "object_id": str(user.object_id)})
                continue
            outcome, changed = apply_decision(writer, bulk.db_id(user.object_id), user.profile_dict(), target_row, decision)
            counts[outcome if outcome in counts else "unchanged"] += 1
            if outcome != "unchanged":
                decisions.append(decision_entry(user.upn, outcome, decision, changed))
        writer.flush()
    return counts, decisions
