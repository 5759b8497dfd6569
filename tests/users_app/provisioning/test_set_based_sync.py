"""The set-based background sync (provisioning/background.py) against the rules decided user by user.

SYNC-01: over generated tenants, the set-based sync writes the same records, roles and team
memberships, counts the same and logs the same decisions as `reference.environment_sync_reference`,
which calls engine.decide once per user.
SYNC-05: an incremental sync after directory edits (reading only what changed, by change
numbers) leaves the same state as a full pass.
SYNC-07: the log stores one entry per distinct decision and expands to one row per changed user.
"""
import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from environments_app.models import Environment
from users_app.models import DirectoryGroup, SyncRun, SystemUser, SystemUserRole, TeamMembership
from users_app.provisioning import reference as oracle
from users_app.provisioning import sync
from users_app.services import directory
from users_app.services.directory import directory_user_find
from users_app.tenant_file import load_tenant

from .test_properties import ADMIN_ROLES, Rollback, build, env_st, users_st

pytestmark = pytest.mark.django_db(transaction=False)

VOLATILE = {"id", "systemuserid", "createdon", "modifiedon", "last_synced_on", "change_number"}


def state(env) -> dict:
    records = {r["domainname"]: {k: v for k, v in r.items() if k not in VOLATILE}
               for r in SystemUser.objects.filter(environment=env).values()}
    roles = sorted(SystemUserRole.objects.filter(systemuser__environment=env).values_list("systemuser__domainname", "role__name"))
    teams = sorted(TeamMembership.objects.filter(team__environment=env).values_list("systemuser__domainname", "team__name"))
    return {"records": records, "roles": roles, "teams": teams}


def log_rows(entries) -> list[dict]:
    return sorted(({k: v for k, v in e.items() if k != "object_id"} for e in entries), key=lambda e: e["upn"])


def in_savepoint(fn):
    """Run fn, keep what it answers, undo what it wrote."""
    result = {}
    try:
        with transaction.atomic():
            result["value"] = fn()
            raise Rollback
    except Rollback:
        pass
    return result["value"]


def reference(env):
    counts, decisions = oracle.environment_sync_reference(environment=env)
    return counts, log_rows(decisions), state(env)


def set_based(env, *, full=True):
    run = sync.environment_sync(environment=env, full=full)
    return run.counts(), log_rows(run.decision_log), state(env)


@settings(max_examples=60)
@given(users=users_st, environment=env_st, signed_in=st.lists(st.integers(0, 4), max_size=3))
def test_sync_01_set_based_equals_deciding_user_by_user(users, environment, signed_in):
    try:
        with transaction.atomic():
            data = build(users, environment)
            load_tenant(data)
            env = Environment.objects.get(name="Gen")
            for i in signed_in:  # records that exist before the run, some disabled later by it
                sync.user_sign_in(environment=env, directory_user=directory_user_find(data["users"][i % len(users)]["upn"]))
            expected = in_savepoint(lambda: reference(env))
            assert set_based(env) == expected
            raise Rollback
    except Rollback:
        pass


edit_st = st.lists(st.tuples(
    st.sampled_from(["licence+", "licence-", "role+", "role-", "disable", "enable", "job", "group+", "group-", "delete"]),
    st.integers(0, 4), st.sampled_from(["DV", "M365", "OFF"]), st.sampled_from(ADMIN_ROLES)), max_size=6)


def apply_edit(data, kind, index, sku, role):
    user = directory_user_find(data["users"][index % len(data["users"])]["upn"])
    if user is None or user.is_deleted:
        return
    group = DirectoryGroup.objects.get(name="Env-Group")
    match kind:
        case "licence+":
            if not user.licence_assignments.filter(sku__sku_part_number=sku).exists():
                directory.licence_assign(user=user, sku=sku)
        case "licence-":
            directory.licence_remove(user=user, sku=sku)
        case "role+":
            if not user.admin_roles.filter(role=role).exists():
                directory.admin_role_assign(user=user, role=role)
        case "role-":
            directory.admin_role_remove(user=user, role=role)
        case "disable" | "enable":
            directory.directory_user_update(user=user, account_enabled=kind == "enable")
        case "job":
            directory.directory_user_update(user=user, job_title=f"Title {index}")
        case "group+":
            if not group.memberships.filter(user=user).exists():
                directory.group_member_add(group=group, user=user)
        case "group-":
            directory.group_member_remove(group=group, user=user)
        case "delete":
            directory.directory_user_delete(user=user)


@settings(max_examples=60)
@given(users=users_st, environment=env_st, edits=edit_st)
def test_sync_05_incremental_equals_full_pass(users, environment, edits):
    try:
        with transaction.atomic():
            data = build(users, environment)
            load_tenant(data)
            env = Environment.objects.get(name="Gen")
            sync.environment_sync(environment=env)
            for edit in edits:
                apply_edit(data, *edit)
            full = in_savepoint(lambda: set_based(env, full=True))
            incremental = set_based(env, full=False)
            assert incremental == full
            raise Rollback
    except Rollback:
        pass


def test_sync_05_incremental_reads_only_what_changed(django_assert_max_num_queries):
    data = build([{"licences": ["DV"], "admin_roles": [], "enabled": True, "deleted": None, "user_type": "Member",
                   "home_tenant_licences": [], "security_group": "none", "team": "none"}] * 5,
                 {"type": "Production", "dataverse": True, "with_group": False, "licence_type": "standard",
                  "app_pass_capacity": 0, "marketing": False, "creator": 0, "synced_first": False})
    load_tenant(data)
    env = Environment.objects.get(name="Gen")
    first = sync.environment_sync(environment=env, full=False)
    assert first.full and first.added == 5  # no earlier run: a full pass
    quiet = sync.environment_sync(environment=env, full=False)
    assert not quiet.full and quiet.counts() == {"added": 0, "enabled": 0, "disabled": 0, "updated": 0,
                                                 "unchanged": 5, "not_entitled": 0}
    directory.directory_user_update(user=directory_user_find(data["users"][1]["upn"]), job_title="Pilot")
    run = sync.environment_sync(environment=env, full=False)
    assert not run.full and run.updated == 1 and run.unchanged == 4
    assert [(e["upn"], e["changed_fields"]) for e in run.decision_log] == [(data["users"][1]["upn"], ["jobtitle"])]
    directory.group_create(name="Renamed")  # a tenant-wide change: the next run is a full pass
    assert sync.environment_sync(environment=env, full=False).full


def test_sync_07_log_is_one_entry_per_distinct_decision():
    data = build([{"licences": ["DV"], "admin_roles": [], "enabled": True, "deleted": None, "user_type": "Member",
                   "home_tenant_licences": [], "security_group": "none", "team": "none"}] * 4,
                 {"type": "Production", "dataverse": True, "with_group": False, "licence_type": "standard",
                  "app_pass_capacity": 0, "marketing": False, "creator": 0, "synced_first": False})
    load_tenant(data)
    run = sync.environment_sync(environment=Environment.objects.get(name="Gen"))
    run = SyncRun.objects.get(pk=run.pk)
    assert len(run.decisions) == 1 and sorted(run.decisions[0]["users"]) == sorted(u["upn"] for u in data["users"])
    rows = run.decision_log
    assert len(rows) == 4 and {r["upn"] for r in rows[1:3]} <= {u["upn"] for u in data["users"]}
    assert all(r["outcome"] == "added" and "{upn}" not in r["text"] for r in rows)
