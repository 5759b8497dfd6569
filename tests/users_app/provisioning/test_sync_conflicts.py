"""One record per user name, always (STUB-05, SYNC-06, DIR-11), and one user's conflict never stops
the others.

- An account import that names a soft-deleted user's original UPN attaches the accounts to that
  user's record (the one the command line finds by the original UPN), instead of making a stub
  beside it; the restore and every sync after it go through.
- A name conflict the directory can still make (a stub holding a name the directory later gives back
  to a user who has a record) is found before anything is written: that user's write is skipped and
  logged with SYNC-06, every other user's changes land, the commands answer without a traceback,
  and the next sync changes nothing.
"""
from __future__ import annotations

import json

import pytest
from django.db import transaction

from tests.builders import DOMAIN, sku, tenant_file, upn, user
from tests.conftest import run_command
from environments_app.models import Environment
from users_app.models import Account, SyncRun, SystemUser
from users_app.provisioning import sync
from users_app.services import directory, imports
from users_app.services.directory import directory_user_find
from users_app.tenant_file import load_tenant

from .test_properties import Rollback
from .test_set_based_sync import in_savepoint, reference, set_based

pytestmark = pytest.mark.django_db
D = DOMAIN


def tenant() -> dict:
    return tenant_file(
        skus=[sku("DYN", "Dynamics 365", seats=10)],
        users=[user(n, given_name=n.capitalize(), usage_location="US", licences=["DYN"]) for n in ("alice", "bob", "carl")],
        environments=[{"name": "Sales"}],
    )


@pytest.fixture
def sales():
    load_tenant(tenant())
    env = Environment.objects.get(name="Sales")
    sync.environment_sync(environment=env)
    return env


run = run_command


def record_of(env, name) -> SystemUser:
    return SystemUser.objects.get(environment=env, azureactivedirectoryobjectid=directory_user_find(upn(name)).id)


def names(env) -> list[str]:
    return sorted(n.lower() for n in SystemUser.objects.filter(environment=env).values_list("domainname", flat=True))


def assert_one_record_per_name(env):
    all_names = names(env)
    assert len(all_names) == len(set(all_names))


# --- Finding 15: the import attaches to the soft-deleted user's record ------------------------------------


def test_stub_05_import_of_a_soft_deleted_users_upn_uses_its_record_and_the_restore_syncs(sales, tmp_path):
    """The issue's sequence: synced, soft-deleted (DIR-11), an import names the original UPN, restored,
    sync_directory and sign_in: no stub beside the disabled record, no traceback, the accounts kept."""
    alice = directory.directory_user_delete(user=directory_user_find(upn("alice")))
    sync.environment_sync(environment=sales)
    altered = record_of(sales, "alice")
    assert altered.isdisabled and altered.domainname.lower() != upn("alice")

    preview = imports.records_import_preview(environment=sales, rows=[{"name": "Fabrikam", "owner": upn("alice")}])
    assert [(o.outcome, o.rules) for o in preview.owners] == [(imports.OWNER_EXISTING, ("STUB-05",))]
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"name,owner\nFabrikam,{upn('alice')}\nContoso,{upn('ALICE')}\n")
    code, out, err = run("import_records", str(csv_file), environment="Sales", format="json")
    assert (code, err) == (0, "") and json.loads(out)["stub_users"] == []
    assert not SystemUser.objects.filter(environment=sales, user_type="stub").exists()
    assert set(Account.objects.filter(environment=sales).values_list("owner_id", flat=True)) == {altered.id}

    directory.directory_user_restore(user=directory_user_find(upn("alice")))
    code, out, err = run("sync_directory", environment="Sales", format="json")
    assert (code, err) == (0, ""), err
    assert json.loads(out)["environments"][0]["enabled"] == 1
    restored = record_of(sales, "alice")
    assert restored.id == altered.id and restored.domainname == upn("alice") and not restored.isdisabled
    assert restored.owned_accounts.count() == 2
    code, out, err = run("sign_in", environment="Sales", user=upn("alice"), format="json")
    assert code == 0 and json.loads(out)["status"] == "enabled"
    assert alice.id == restored.azureactivedirectoryobjectid
    assert_one_record_per_name(sales)


def test_stub_05_import_before_the_sync_saw_the_delete_uses_the_record_too(sales):
    """Deleted but not yet synced: the record still holds the original UPN, the import attaches to it."""
    directory.directory_user_delete(user=directory_user_find(upn("bob")))
    result = imports.records_import(environment=sales, rows=[{"name": "Fabrikam", "owner": upn("bob")}])
    assert result.stub_users == [] and Account.objects.get(name="Fabrikam").owner == record_of(sales, "bob")
    sync.environment_sync(environment=sales)
    directory.directory_user_restore(user=directory_user_find(upn("bob")))
    run_ = sync.environment_sync(environment=sales)
    assert run_.enabled == 1 and Account.objects.get(name="Fabrikam").owner.domainname == upn("bob")


def test_stub_05_import_of_a_renamed_users_new_upn_uses_its_record(sales):
    """A live user renamed in the directory and not yet synced: its new UPN names its record."""
    directory.directory_user_update(user=directory_user_find(upn("carl")), user_principal_name=upn("carlos"))
    result = imports.records_import(environment=sales, rows=[{"name": "Fabrikam", "owner": upn("carlos")}])
    assert result.stub_users == [] and Account.objects.get(name="Fabrikam").owner == record_of(sales, "carlos")
    assert sync.environment_sync(environment=sales).updated == 1
    assert record_of(sales, "carlos").domainname == upn("carlos")


def test_stub_05_a_permanently_deleted_users_upn_is_free_for_a_stub(sales):
    """SYNC-08: a purged user's record keeps its altered name; its original UPN is free, so an import
    that names it makes a stub (which a new user of that name later takes over, STUB-05)."""
    directory.directory_user_purge(user=directory_user_find(upn("carl")))
    sync.environment_sync(environment=sales)
    result = imports.records_import(environment=sales, rows=[{"name": "Fabrikam", "owner": upn("carl")}])
    assert result.stub_users == [upn("carl")]
    assert_one_record_per_name(sales)


# --- SYNC-06: a conflict is isolated, logged, and never a traceback --------------------------------------


def make_stub_conflict(env):
    """alice renamed to alice2 and synced; an import names alice@ (no record, no directory user holds it:
    a stub); alice renamed back. Her record wants a name the stub keeps."""
    directory.directory_user_update(user=directory_user_find(upn("alice")), user_principal_name=upn("alice2"))
    sync.environment_sync(environment=env)
    result = imports.records_import(environment=env, rows=[{"name": "Fabrikam", "owner": upn("alice")}])
    assert result.stub_users == [upn("alice")]
    directory.directory_user_update(user=directory_user_find(upn("alice2")), user_principal_name=upn("alice"))


def test_sync_06_conflict_skips_that_user_and_the_others_changes_land(sales):
    make_stub_conflict(sales)
    directory.licences_set(user=directory_user_find(upn("bob")), skus=[])  # another user's change in the same run
    directory.directory_user_update(user=directory_user_find(upn("carl")), job_title="Buyer")
    run_ = sync.environment_sync(environment=sales)
    assert (run_.disabled, run_.updated) == (1, 1)
    assert record_of(sales, "bob").isdisabled and record_of(sales, "carl").jobtitle == "Buyer"
    alice = SystemUser.objects.get(environment=sales, azureactivedirectoryobjectid=directory_user_find(upn("alice")).id)
    assert alice.domainname == upn("alice2")  # left as it was
    [conflict] = [e for e in run_.decision_log if e["outcome"] == "conflict"]
    assert conflict["upn"] == upn("alice") and conflict["rules"] == ["SYNC-06"] and conflict["level"] == "warning"
    assert "stub user" in conflict["text"]
    assert_one_record_per_name(sales)
    # The next runs, full or changes only, change nothing and log the conflict again.
    for full in (True, False):
        again = sync.environment_sync(environment=sales, full=full)
        assert (again.added, again.enabled, again.disabled, again.updated) == (0, 0, 0, 0)
        assert [e["upn"] for e in again.decision_log if e["outcome"] == "conflict"] == [upn("alice")]


def test_sync_06_conflict_the_commands_answer_without_a_traceback(sales):
    make_stub_conflict(sales)
    code, out, err = run("sync_directory", format="json")
    assert (code, err) == (0, "")
    assert SyncRun.objects.filter(environment=sales, status="succeeded").latest("id").decisions[-1]["rules"] == ["SYNC-06"]
    for command in ("sign_in", "add_user", "refresh_user"):
        code, out, err = run(command, environment="Sales", user=upn("alice"), format="json")
        assert (code, err) == (0, ""), (command, err)
        answer = json.loads(out)
        assert (answer["outcome"], answer["refused_by"]) == ("refused", ["SYNC-06"]), (command, answer)
    code, out, err = run("diagnose", environment="Sales", user=upn("alice"), format="json")
    assert code == 0 and json.loads(out)["status"] == "enabled"
    assert_one_record_per_name(sales)


def test_sync_06_conflict_both_sync_paths_decide_alike(sales):
    """SYNC-01: the set-based sync and the per-user reference skip and log the same conflict."""
    try:
        with transaction.atomic():
            make_stub_conflict(sales)
            directory.licences_set(user=directory_user_find(upn("bob")), skus=[])
            expected = in_savepoint(lambda: reference(sales))
            assert set_based(sales) == expected
            assert [e["outcome"] for e in expected[1] if e["upn"] == upn("alice")] == ["conflict"]
            raise Rollback
    except Rollback:
        pass


def test_sync_06_swapped_names_refuse_both_and_keep_the_others(sales):
    """Two users swap their UPNs in the directory: within one run each record would take the name the
    other keeps until it moves; the check refuses neither wrongly, and no write fails."""
    bob, carl = directory_user_find(upn("bob")), directory_user_find(upn("carl"))
    directory.directory_user_update(user=bob, user_principal_name=upn("tmp"))
    directory.directory_user_update(user=carl, user_principal_name=upn("bob"))
    directory.directory_user_update(user=bob, user_principal_name=upn("carl"))
    run_ = sync.environment_sync(environment=sales)
    assert run_.updated == 2 and not [e for e in run_.decision_log if e["outcome"] == "conflict"]
    assert record_of(sales, "carl").azureactivedirectoryobjectid == bob.id
    assert_one_record_per_name(sales)
