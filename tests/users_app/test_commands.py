"""The management commands of docs/cli.md: names, arguments, JSON shapes, exit codes
and the one-line `error: <RULE-ID>: ...` on stderr, with nothing written on a refusal.

Tenants are built with load_tenant (cli.md's tenant file); the commands run through
call_command on the test database, and once each as a real `manage.py` subprocess on a
SQLite file (DATABASE_URL), as scripts run them."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import DOMAIN, changed, clerk, hard_delete, set_env, set_user, tenant_file, upn
from tests.conftest import run_command
from environments_app.models import Environment
from users_app.models import Account, DirectoryUser, SyncRun, SystemUser, SystemUserRole, TeamMembership
from users_app.provisioning import sync
from users_app.selectors import environment_user_export
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
APP_ID = "00000000-0000-0000-0000-0000000000a1"
APP_ID_2 = "00000000-0000-0000-0000-0000000000a2"
EXPORT_KEYS = [
    "systemuserid", "domainname", "azureactivedirectoryobjectid", "applicationid", "isdisabled", "accessmode",
    "user_type", "deletedstate", "firstname", "lastname", "fullname", "internalemailaddress", "jobtitle",
    "address1_telephone1", "mobilephone", "homephone", "address1_line1", "address1_city", "address1_stateorprovince",
    "address1_postalcode", "address1_country", "businessunit", "roles", "teams", "owned_records",
]
COUNT_KEYS = ["added", "enabled", "disabled", "updated", "unchanged", "not_entitled"]


user = clerk  # a licensed person (DYN365), job title Clerk

BASE = tenant_file(
    users=[
        user("alice"),
        user("bob"),
        user("carol", licences=["E3"]),  # Microsoft 365 only: a stub when an import names her (STUB-05)
        user("dave", licences=["APPS"]),  # Office only, not in the group: ELIG-03 and ELIG-04 fail
        user("hank"),  # the deletion lifecycle (LIFE-05)
        user("owen"),  # owner of Sales-Env: on demand only, so pre-provisioned by an import (STUB-05)
        *[user(f"u{i}") for i in range(1, 9)],  # non-interactive candidates (MODE-03)
    ],
    groups=[
        {"name": "Sales-Env", "members": [upn("alice"), upn("bob"), upn("carol"), upn("hank")], "owners": [upn("owen")]},
    ],
    apps=[{"name": "ERP connector", "app_id": APP_ID}, {"name": "Mailer", "app_id": APP_ID_2}],
    environments=[
        {"name": "Sales", "type": "Production", "security_group": "Sales-Env"},
        {"name": "Open", "type": "Sandbox", "sales_installed": True},
        {"name": "Portal site", "dataverse": False},
        {"name": "Legacy", "deployment": "on_premises",
         "ad_users": [{"logon_name": "CONTOSO\\ada", "first_name": "Ada", "last_name": "Lee", "city": "Oslo"}]},
    ],
)


def tenant(**changes) -> dict:
    return changed(BASE, **changes)


hard_deleted = hard_delete


@pytest.fixture
def loaded():
    """The base tenant, loaded and synchronised once."""
    load_tenant(tenant())
    sync.directory_sync()
    return Environment.objects.get(name="Sales")


def record(name, environment="Sales") -> SystemUser:
    return SystemUser.objects.get(environment__name=environment, domainname__iexact=upn(name))


run = run_command  # call_command: (exit code, stdout, stderr)


def run_json(command, *args, **options):
    code, out, err = run(command, *args, format="json", **options)
    assert (code, err) == (0, ""), err
    return json.loads(out)


def row_counts() -> dict:
    """Rows of every model but the run records (SyncRun) and the audit log (a refusal is recorded
    there): a refusal writes nothing else."""
    models = [m for label in ("users_app", "environments_app") for m in apps.get_app_config(label).get_models()]
    models.append(get_user_model())
    return {m._meta.label: m.objects.count() for m in models if m._meta.model_name not in ("syncrun", "auditentry")}


def assert_refused(rule: str, command, *args, **options) -> str:
    """Exit 1, exactly one stderr line `error: <rule>: ...`, empty stdout, nothing written."""
    before = row_counts()
    code, out, err = run(command, *args, **options)
    assert code == 1, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {rule}: "), err
    assert row_counts() == before
    return lines[0]


# --- sync_directory (SYNC-01, SYNC-07) ---------------------------------------------------------------


def test_sync_directory_json_lists_every_environment_sorted():
    """SYNC-01, SYNC-07: counts per environment, every environment sorted by name; without
    Dataverse or on premises: zeros."""
    load_tenant(tenant())
    data = run_json("sync_directory")
    assert list(data) == ["environments"]
    names = [e["environment"] for e in data["environments"]]
    assert names == ["Legacy", "Open", "Portal site", "Sales"]
    by_name = {e["environment"]: e for e in data["environments"]}
    for entry in data["environments"]:
        assert list(entry) == ["environment"] + COUNT_KEYS
    assert by_name["Legacy"] == {"environment": "Legacy", **dict.fromkeys(COUNT_KEYS, 0)}
    assert by_name["Portal site"] == {"environment": "Portal site", **dict.fromkeys(COUNT_KEYS, 0)}
    # Sales: alice, bob, hank added; carol (m365, on demand only), dave, owen (owner only), u1-u8 not entitled.
    assert by_name["Sales"]["added"] == 3 and by_name["Sales"]["not_entitled"] == 11
    # Open: every dataverse-licensed user (alice, bob, hank, owen, u1-u8).
    assert by_name["Open"]["added"] == 12
    again = run_json("sync_directory", "--full")
    assert {e["environment"]: e["unchanged"] for e in again["environments"]}["Sales"] == 3
    assert all(e["added"] == 0 for e in again["environments"])


def test_sync_directory_one_environment_and_text(loaded):
    """SYNC-05: a user removed from the group is disabled by the next run; --environment limits the run."""
    data = set_user(tenant(), "alice", licences=[])
    load_tenant(data)
    result = run_json("sync_directory", environment="sales")
    assert result == {"environments": [{"environment": "Sales", "added": 0, "enabled": 0, "disabled": 1, "updated": 0,
                                        "unchanged": 2, "not_entitled": 11}]}
    assert record("alice").isdisabled
    assert not record("alice", "Open").isdisabled  # Open was not synchronised
    code, out, err = run("sync_directory", environment="Open")
    assert code == 0 and err == ""
    assert out.splitlines()[0].split()[:2] == ["Environment", "Added"] and "Open" in out


# --- sign_in, add_user, refresh_user (SYNC-02, SYNC-03, SYNC-04) ---------------------------------------


def test_sign_in_adds_the_user_sync_02(loaded):
    """SYNC-02: first access adds an on-demand-entitled user at once (carol: Microsoft 365 only)."""
    result = run_json("sign_in", environment="SALES", user="Carol@Contoso.onmicrosoft.com")
    assert list(result) == ["environment", "user", "outcome", "status", "refused_by", "changed_fields"]
    assert result["environment"] == "Sales" and result["user"] == upn("carol")
    assert (result["outcome"], result["status"], result["refused_by"]) == ("added", "enabled", [])
    assert "domainname" in result["changed_fields"]
    assert record("carol").isdisabled is False
    again = run_json("sign_in", environment="Sales", user=upn("carol"))
    assert (again["outcome"], again["changed_fields"]) == ("unchanged", [])
    code, out, err = run("sign_in", environment="Sales", user=upn("carol"))
    assert code == 0 and err == "" and "unchanged" in out


def test_sign_in_of_a_non_interactive_user_is_refused_mode_03(loaded):
    """MODE-03: a non-interactive user's sign-in is refused: an answer (exit 0), the record stays."""
    assert run("set_access_mode", environment="Sales", user=upn("alice"), mode="non-interactive")[0] == 0
    before = row_counts()
    result = run_json("sign_in", environment="Sales", user=upn("alice"))
    assert (result["outcome"], result["status"], result["refused_by"]) == ("refused", "enabled", ["MODE-03"])
    assert row_counts() == before


def test_add_user_refused_is_an_answer_elig_03_elig_04(loaded):
    """SYNC-03: add_user reports every rule that refused (ELIG-03 then ELIG-04, DIAG-01 order), exit 0,
    and no record is made."""
    before = row_counts()
    runs = SyncRun.objects.count()
    code, out, err = run("add_user", environment="Sales", user=upn("dave"), format="json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result == {"environment": "Sales", "user": upn("dave"), "outcome": "refused", "status": "absent",
                      "refused_by": ["ELIG-03", "ELIG-04"], "changed_fields": []}
    assert row_counts() == before
    assert SyncRun.objects.count() == runs + 1  # SYNC-07: the refused request is recorded
    code, out, err = run("add_user", environment="Sales", user=upn("dave"))
    assert code == 0 and "refused" in out and "ELIG-03, ELIG-04" in out


def test_add_user_adds_an_owner_on_demand(loaded):
    """SYNC-03, ELIG-04: owners of the group count on demand."""
    result = run_json("add_user", environment="Sales", user=upn("owen"))
    assert (result["outcome"], result["status"]) == ("added", "enabled")


def test_refresh_user_updates_and_never_adds_sync_04(loaded):
    """SYNC-04: refresh applies the directory now and names the changed columns; it never adds."""
    load_tenant(set_user(tenant(), "alice", job_title="Buyer"))
    result = run_json("refresh_user", environment="Sales", user=upn("alice"))
    assert (result["outcome"], result["status"], result["changed_fields"]) == ("updated", "enabled", ["jobtitle"])
    assert record("alice").jobtitle == "Buyer"
    # A directory user with no record: exit 0, outcome unchanged, status absent (refresh never adds).
    absent = run_json("refresh_user", environment="Sales", user=upn("owen"))
    assert (absent["outcome"], absent["status"], absent["refused_by"]) == ("unchanged", "absent", [])
    absent = run_json("refresh_user", environment="Sales", user=upn("dave"))
    assert (absent["outcome"], absent["status"], absent["refused_by"]) == ("unchanged", "absent", ["ELIG-03", "ELIG-04"])
    assert not SystemUser.objects.filter(environment__name="Sales", domainname__iexact=upn("owen")).exists()


def test_refresh_user_of_a_soft_deleted_user_by_original_upn(loaded):
    """SYNC-05, DIR-11: a soft-deleted user is still named by its original UPN; refresh disables the record."""
    load_tenant(set_user(tenant(), "bob", deleted="soft"))
    result = run_json("refresh_user", environment="Sales", user=upn("bob"))
    assert (result["outcome"], result["status"], result["refused_by"]) == ("disabled", "disabled", ["ELIG-02"])


# --- diagnose (DIAG-01, STUB-02, ONPREM-01) ---------------------------------------------------------------


def test_diagnose_json_shape_diag_01(loaded):
    """DIAG-01: ELIG-01..06 then ROLE-01, in that order, each with result, reason and fix."""
    result = run_json("diagnose", environment="Sales", user=upn("dave"))
    assert list(result) == ["environment", "user", "status", "verdict", "checks"]
    assert (result["environment"], result["user"], result["status"], result["verdict"]) == \
        ("Sales", upn("dave"), "absent", "not_entitled")
    rules = [c["rule"] for c in result["checks"]]
    assert rules[:7] == ["ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01"]
    for check in result["checks"]:
        assert list(check) == ["rule", "result", "reason", "fix"] and check["result"] in ("pass", "fail", "n/a")
    results = {c["rule"]: c["result"] for c in result["checks"]}
    assert (results["ELIG-03"], results["ELIG-04"], results["ROLE-01"]) == ("fail", "fail", "n/a")
    # alice: entitled; ROLE-01 fails (no role) but the verdict is about the ELIG checks.
    alice = run_json("diagnose", environment="Sales", user=upn("alice"))
    assert (alice["status"], alice["verdict"]) == ("enabled", "entitled")
    assert [c["result"] for c in alice["checks"] if c["rule"] == "ROLE-01"] == ["fail"]
    code, out, err = run("diagnose", environment="Sales", user=upn("alice"))
    assert code == 0 and err == "" and "ELIG-04" in out and "entitled" in out.splitlines()[0]


def test_diagnose_on_premises_is_refused_onprem_01(loaded):
    """ONPREM-01: diagnostics do not apply on premises (exit 1); sign-in and add answer with the ID (exit 0)."""
    assert_refused("ONPREM-01", "diagnose", environment="Legacy", user=upn("alice"))
    assert_refused("ONPREM-01", "diagnose", environment="Legacy", user="contoso\\ada")
    result = run_json("sign_in", environment="Legacy", user=upn("alice"))
    assert (result["outcome"], result["refused_by"]) == ("refused", ["ONPREM-01"])
    result = run_json("add_user", environment="legacy", user=upn("alice"))
    assert (result["outcome"], result["status"], result["refused_by"]) == ("refused", "absent", ["ONPREM-01"])
    result = run_json("refresh_user", environment="Legacy", user="CONTOSO\\ADA")
    assert (result["outcome"], result["status"], result["refused_by"]) == ("refused", "enabled", ["ONPREM-01"])


def test_refresh_user_and_diagnose_of_a_stub_are_refused_stub_02(loaded, tmp_path):
    """STUB-02: refresh and diagnostics are not offered for stub users (exit 1), whether the stub's
    name is unknown to the directory (zed) or belongs to an unentitled directory user (carol)."""
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('zed')}\nBeta,{upn('carol')}\n")
    assert run("import_records", str(csv_file), environment="Sales")[0] == 0
    for name in ("zed", "carol"):
        assert_refused("STUB-02", "refresh_user", environment="Sales", user=upn(name).upper())
        assert_refused("STUB-02", "diagnose", environment="Sales", user=upn(name))


# --- export_users ---------------------------------------------------------------------------------------


def test_export_users_keys_sort_and_values(loaded, tmp_path):
    """export_users: every SystemUser (placeholders MODE-05/MODE-07, application APP-01, stub STUB-01,
    deleted included), sorted by domainname, exactly cli.md's keys, ids as lower-case GUIDs."""
    run("create_app_user", environment="Sales", app_id=APP_ID, role=["Basic User"])
    csv_file = tmp_path / "a.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('zed')}\nBeta,{upn('alice')}\nGamma,{upn('alice')}\n")
    run("import_records", str(csv_file), environment="Sales")
    run("assign_role", environment="Sales", user=upn("alice"), role="System Customizer")
    run("assign_role", environment="Sales", user=upn("alice"), role="Basic User")
    users = run_json("export_users", environment="Sales")
    names = [u["domainname"] for u in users]
    assert names == sorted(names)
    assert set(names) == {upn("alice"), upn("bob"), upn("hank"), upn("zed"), "crmoln@microsoft.com",
                          "crmoln2@microsoft.com", f"{APP_ID}@{DOMAIN}"}
    for entry in users:
        assert list(entry) == EXPORT_KEYS
        assert entry["systemuserid"] == entry["systemuserid"].lower()
    by_name = {u["domainname"]: u for u in users}
    alice = by_name[upn("alice")]
    alice_du = DirectoryUser.objects.get(user_principal_name=upn("alice"))
    assert alice["azureactivedirectoryobjectid"] == str(alice_du.id).lower()
    assert alice["applicationid"] is None and alice["isdisabled"] is False and alice["deletedstate"] == 0
    assert (alice["accessmode"], alice["user_type"], alice["businessunit"]) == (0, "regular", "Sales")
    assert alice["roles"] == ["Basic User", "System Customizer"] and alice["teams"] == ["Sales"]
    assert alice["owned_records"] == 2 and alice["firstname"] == "Alice" and alice["jobtitle"] == "Clerk"
    assert alice["internalemailaddress"] == "alice@contoso.com" and alice["homephone"] == ""
    for placeholder in ("crmoln@microsoft.com", "crmoln2@microsoft.com"):
        assert by_name[placeholder]["azureactivedirectoryobjectid"] is None
    assert (by_name["crmoln2@microsoft.com"]["accessmode"], by_name["crmoln@microsoft.com"]["accessmode"]) == (5, 3)
    stub = by_name[upn("zed")]
    assert (stub["user_type"], stub["isdisabled"], stub["azureactivedirectoryobjectid"], stub["owned_records"]) == \
        ("stub", True, None, 1)
    app = by_name[f"{APP_ID}@{DOMAIN}"]
    assert app["applicationid"] == APP_ID and app["user_type"] == "application" and app["accessmode"] == 4
    from users_app.models import AppRegistration
    assert app["azureactivedirectoryobjectid"] == str(AppRegistration.objects.get(app_id=APP_ID).object_id).lower()
    legacy = run_json("export_users", environment="Legacy")
    ada = [u for u in legacy if u["domainname"] == "CONTOSO\\ada"][0]
    assert ada["azureactivedirectoryobjectid"] is None and ada["address1_city"] == "Oslo"  # ONPREM-01
    code, out, err = run("export_users", environment="Sales")
    assert code == 0 and err == "" and upn("alice") in out


def test_export_users_runs_a_fixed_number_of_queries(loaded):
    """export_users: the same queries for 5 users as for 14 (no per-user query)."""
    counts = []
    for name in ("Sales", "Open"):
        environment = Environment.objects.get(name=name)
        with CaptureQueriesContext(connection) as queries:
            rows = environment_user_export(environment=environment)
        counts.append((len(rows), len(queries)))
    assert counts[0][0] < counts[1][0]
    assert counts[0][1] == counts[1][1] <= 3


# --- set_access_mode (MODE-03, MODE-04) -------------------------------------------------------------------


def test_set_access_mode_seven_then_the_eighth_is_refused_mode_03(loaded):
    """MODE-03: seven non-interactive users succeed, the eighth is refused (exit 1, nothing changed).
    MODE-04: the command line acts with a Global administrator's rights."""
    for i in range(1, 8):
        code, out, err = run("set_access_mode", environment="Open", user=upn(f"u{i}"), mode="non-interactive")
        assert (code, err) == (0, ""), err
        assert "Non-interactive" in out
    line = assert_refused("MODE-03", "set_access_mode", environment="Open", user=upn("u8"), mode="non-interactive")
    assert "seven" in line or "7" in line
    assert record("u8", "Open").accessmode == 0
    assert SystemUser.objects.filter(environment__name="Open", accessmode=4).count() == 7
    # Back to read-write frees a slot.
    result = run_json("set_access_mode", environment="Open", user=upn("u1"), mode="read-write")
    assert result == {"environment": "Open", "user": upn("u1"), "accessmode": 0, "mode": "read-write",
                      "changed_fields": ["accessmode"]}
    assert run("set_access_mode", environment="Open", user=upn("u8"), mode="non-interactive")[0] == 0


def test_set_access_mode_modes(loaded):
    """MODE-01: the stored values of the modes."""
    for mode, value in (("administrative", 1), ("read", 2), ("read-write", 0)):
        assert run_json("set_access_mode", environment="Sales", user=upn("bob"), mode=mode)["accessmode"] == value
        assert record("bob").accessmode == value


# --- assign_role / remove_role (ROLE-02) --------------------------------------------------------------------


def test_assign_and_remove_role(loaded):
    """ROLE-03: a role assigned directly and removed again; role names ignore case."""
    result = run_json("assign_role", environment="Sales", user=upn("alice"), role="basic user")
    assert result["changed"] is True and result["roles"] == ["Basic User"]
    assert run_json("assign_role", environment="Sales", user=upn("alice"), role="Basic User")["changed"] is False
    code, out, err = run("remove_role", environment="Sales", user=upn("alice"), role="Basic User")
    assert (code, err) == (0, "") and "Removed Basic User" in out
    assert not record("alice").roles.exists()


def test_assign_role_to_a_disabled_user_is_refused_role_02(loaded):
    """ROLE-02: only to enabled users: exit 1, `error: ROLE-02: roleFailureDuetoUserIsDisabled: ...`."""
    load_tenant(set_user(tenant(), "bob", enabled=False))
    sync.directory_sync()
    assert record("bob").isdisabled
    assert_refused("ROLE-02: roleFailureDuetoUserIsDisabled", "assign_role", environment="Sales", user=upn("bob"),
                   role="Basic User")
    # allowRoleAssignmentOnDisabledUsers on: allowed.
    load_tenant(set_env(set_user(tenant(), "bob", enabled=False), "Sales", allow_role_assignment_on_disabled_users=True))
    assert run_json("assign_role", environment="Sales", user=upn("bob"), role="Basic User")["changed"] is True


# --- create_app_user (APP-01, APP-02, APP-05) ------------------------------------------------------------------


def test_create_app_user_app_01_app_02(loaded):
    """APP-01: from a service principal, a business unit and roles; APP-02: first name '#', last name
    the app's name, user name `<app id>@<tenant domain>`, enabled."""
    result = run_json("create_app_user", environment="Sales", app_id=APP_ID, role=["Basic User", "System Customizer"])
    assert result["domainname"] == f"{APP_ID}@{DOMAIN}"
    app_user = SystemUser.objects.get(environment__name="Sales", applicationid=APP_ID)
    assert (app_user.firstname, app_user.lastname, app_user.isdisabled) == ("#", "ERP connector", False)
    assert (app_user.user_type, app_user.accessmode, app_user.non_interactive_slot) == ("application", 4, None)
    assert sorted(app_user.roles.values_list("name", flat=True)) == ["Basic User", "System Customizer"]
    code, out, err = run("create_app_user", environment="Sales", app_id=APP_ID_2, business_unit="sales")
    assert (code, err) == (0, "") and f"{APP_ID_2}@{DOMAIN}" in out


def test_create_app_user_second_for_the_same_app_refused_app_05(loaded):
    """APP-05: one application user per app registration per environment."""
    assert run("create_app_user", environment="Sales", app_id=APP_ID)[0] == 0
    assert_refused("APP-05", "create_app_user", environment="sales", app_id=APP_ID)
    assert run("create_app_user", environment="Open", app_id=APP_ID)[0] == 0  # another environment: fine


def test_app_users_do_not_count_toward_the_seven_app_01_mode_03(loaded):
    """APP-01, MODE-03: application users are non-interactive but not one of the seven."""
    assert run("create_app_user", environment="Open", app_id=APP_ID)[0] == 0
    assert run("create_app_user", environment="Open", app_id=APP_ID_2)[0] == 0
    for i in range(1, 8):
        assert run("set_access_mode", environment="Open", user=upn(f"u{i}"), mode="non-interactive")[0] == 0
    assert_refused("MODE-03", "set_access_mode", environment="Open", user=upn("u8"), mode="non-interactive")


def test_create_app_user_unknown_names_are_not_found(loaded):
    """not-found: unknown app, business unit or role; nothing written."""
    assert_refused("not-found", "create_app_user", environment="Sales", app_id="00000000-0000-0000-0000-000000000999")
    assert_refused("not-found", "create_app_user", environment="Sales", app_id=APP_ID, business_unit="Nowhere")
    assert_refused("not-found", "create_app_user", environment="Sales", app_id=APP_ID, role=["Basic User", "Nope"])
    assert_refused("ENV-02", "create_app_user", environment="Portal site", app_id=APP_ID)


# --- delete_user (LIFE-05) ---------------------------------------------------------------------------------------


def test_delete_user_lifecycle_life_05(loaded, tmp_path):
    """LIFE-05: Delete refused while the directory user is live or soft-deleted; allowed after the hard
    delete (roles and teams removed); Permanently delete refused until the records are reassigned
    and the environment allows deleting disabled users."""
    csv_file = tmp_path / "a.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('hank')}\n")
    assert run("import_records", str(csv_file), environment="Sales")[0] == 0
    run("assign_role", environment="Sales", user=upn("hank"), role="Basic User")
    assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"))  # live
    load_tenant(set_user(tenant(), "hank", deleted="soft"))
    sync.directory_sync()
    soft = DirectoryUser.objects.get(original_user_principal_name=upn("hank"))
    # SYNC-05, DIR-11: disabled, its user name altered; the command line still names it by the original UPN.
    assert SystemUser.objects.get(environment__name="Sales", azureactivedirectoryobjectid=soft.id).isdisabled
    assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"))  # soft-deleted, restorable
    load_tenant(hard_deleted(tenant(), "hank"))
    sync.directory_sync()
    assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"), permanent=True)  # Delete first
    result = run_json("delete_user", environment="Sales", user=upn("hank"))
    assert result["outcome"] == "soft_deleted"
    hank_id = DirectoryUser.objects.get(original_user_principal_name=upn("hank")).id
    hank = SystemUser.objects.get(environment__name="Sales", azureactivedirectoryobjectid=hank_id)
    assert hank.deletedstate == 1 and hank.isdisabled
    assert not SystemUserRole.objects.filter(systemuser=hank).exists()
    assert not TeamMembership.objects.filter(systemuser=hank).exists()
    exported = {u["domainname"]: u for u in run_json("export_users", environment="Sales")}
    assert exported[hank.domainname]["deletedstate"] == 1 and exported[hank.domainname]["roles"] == []
    assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"))  # already deleted
    line = assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"), permanent=True)
    assert "reassign" in line  # still owns a record
    reassign = tmp_path / "r.csv"
    reassign.write_text(f"{upn('hank')},{upn('alice')}\n")
    assert run_json("reassign_records", str(reassign), environment="Sales")["moved"] == 1
    line = assert_refused("LIFE-05", "delete_user", environment="Sales", user=upn("hank"), permanent=True)
    assert "Enable delete disabled users" in line
    load_tenant(set_env(hard_deleted(tenant(), "hank"), "Sales", allow_delete_disabled_users=True))
    code, out, err = run("delete_user", environment="Sales", user=upn("hank"), permanent=True)
    assert (code, err) == (0, "") and "permanently deleted" in out
    assert not SystemUser.objects.filter(pk=hank.pk).exists()
    assert hank.domainname not in {u["domainname"] for u in run_json("export_users", environment="Sales")}


# --- import_records, reassign_records (STUB-01..05) ------------------------------------------------------------------


def test_import_records_stub_users_and_pre_provisioning(loaded, tmp_path):
    """STUB-01: an owner with no record and not pre-provisioned becomes a stub (disabled, access mode 0,
    no directory object). STUB-05: a dataverse-licensed owner passing the on-demand rules (owen, an
    owner of the group) is pre-provisioned; an existing UPN, matched ignoring case, gets no second
    record; a Microsoft 365-only owner (carol) becomes a stub. STUB-03: new users get Basic User."""
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text("name,owner\n"
                        f"Acme,{upn('zed')}\n"
                        f"Beta,{upn('owen')}\n"
                        f"Gamma,{upn('alice').upper()}\n"
                        f"Delta,{upn('carol')}\n"
                        f"Epsilon,{upn('zed')}\n")
    before = SystemUser.objects.filter(environment__name="Sales").count()
    result = run_json("import_records", str(csv_file), environment="Sales")
    assert result == {"imported": 5, "pre_provisioned": [upn("owen")], "stub_users": [upn("zed"), upn("carol")]}
    assert SystemUser.objects.filter(environment__name="Sales").count() == before + 3
    zed = record("zed")
    assert (zed.user_type, zed.isdisabled, zed.accessmode, zed.azureactivedirectoryobjectid) == ("stub", True, 0, None)
    owen = record("owen")
    assert (owen.user_type, owen.isdisabled) == ("regular", False) and owen.azureactivedirectoryobjectid is not None
    for name in ("zed", "owen", "carol"):
        assert list(record(name).roles.values_list("name", flat=True)) == ["Basic User"]  # STUB-03
    assert not record("alice").roles.exists()  # an existing record keeps its roles
    assert SystemUser.objects.filter(environment__name="Sales", domainname__iexact=upn("alice")).count() == 1
    assert Account.objects.filter(owner=record("alice")).count() == 1
    assert Account.objects.filter(owner=zed).count() == 2


def test_import_records_default_role_salesperson_where_sales_installed_stub_03(loaded, tmp_path):
    """STUB-03: Salesperson where Dynamics 365 Sales is installed."""
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('zed')}\n")
    code, out, err = run("import_records", str(csv_file), environment="Open")
    assert (code, err) == (0, "") and "Imported 1 records" in out and upn("zed") in out
    assert list(record("zed", "Open").roles.values_list("name", flat=True)) == ["Salesperson"]


def test_import_records_one_bad_row_refuses_the_whole_file(loaded, tmp_path):
    """STUB-01/05: one bad row refuses the whole file, naming the row; nothing written."""
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('zed')}\nBeta,not-a-upn\nGamma,{upn('owen')}\n")
    line = assert_refused("row 3", "import_records", str(csv_file), environment="Sales")
    assert "row 3" in line
    header = tmp_path / "h.csv"
    header.write_text(f"account,owner\nAcme,{upn('zed')}\n")
    assert_refused("csv", "import_records", str(header), environment="Sales")
    assert_refused("file", "import_records", str(tmp_path / "missing.csv"), environment="Sales")
    good = tmp_path / "ok.csv"
    good.write_text(f"name,owner\nAcme,{upn('zed')}\n")
    assert_refused("ONPREM-01", "import_records", str(good), environment="Legacy")


def test_reassign_records_moves_a_stubs_records_stub_04(loaded, tmp_path):
    """STUB-04: every record owned by the source goes to the target (Add-BulkRecordsToUsers);
    one unknown name refuses the whole file."""
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"name,owner\nAcme,{upn('zed')}\nBeta,{upn('zed')}\nGamma,{upn('yan')}\n")
    run("import_records", str(csv_file), environment="Sales")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"{upn('zed')},{upn('alice')}\n{upn('yan')},{upn('nobody')}\n")
    assert_refused("not-found", "reassign_records", str(pairs), environment="Sales")
    pairs.write_text(f"{upn('ZED')},{upn('alice')}\n{upn('yan')},{upn('bob')}\n")
    result = run_json("reassign_records", str(pairs), environment="Sales")
    assert result == {"environment": "Sales", "moved": 3, "pairs": 2}
    assert Account.objects.filter(owner=record("alice")).count() == 2
    assert not Account.objects.filter(owner=record("zed")).exists()
    pairs.write_text(f"{upn('alice')},{upn('zed')}\n")
    assert_refused("STUB-04", "reassign_records", str(pairs), environment="Sales")  # not to a stub
    pairs.write_text("just-one-column\n")
    assert_refused("line 1", "reassign_records", str(pairs), environment="Sales")


# --- not-found -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command, options", [
    ("sign_in", {"environment": "Nowhere", "user": upn("alice")}),
    ("add_user", {"environment": "Sales", "user": upn("nobody")}),
    ("refresh_user", {"environment": "Sales", "user": upn("nobody")}),
    ("diagnose", {"environment": "nowhere", "user": upn("alice")}),
    ("export_users", {"environment": "Nowhere"}),
    ("sync_directory", {"environment": "Nowhere"}),
    ("set_access_mode", {"environment": "Sales", "user": upn("nobody"), "mode": "read"}),
    ("assign_role", {"environment": "Sales", "user": upn("alice"), "role": "Chief"}),
    ("remove_role", {"environment": "Sales", "user": upn("nobody"), "role": "Basic User"}),
    ("delete_user", {"environment": "Nowhere", "user": upn("alice")}),
])
def test_unknown_names_are_not_found(loaded, command, options):
    """Unknown environment, user or role: exit 1, `error: not-found: ...`, nothing written."""
    assert_refused("not-found", command, **options)


# --- real subprocesses: manage.py with DATABASE_URL -------------------------------------------------------------------


def _manage(db: Path, *args, check=False):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """Migrated once, loaded with the tenant file and synchronised by the real commands."""
    folder = tmp_path_factory.mktemp("cli")
    db = folder / "template.sqlite3"
    tenant_file = folder / "tenant.json"
    tenant_file.write_text(json.dumps(tenant()))
    _manage(db, "migrate", "--noinput", "-v", "0", check=True)
    _manage(db, "load_tenant", str(tenant_file), check=True)
    _manage(db, "sync_directory", check=True)
    return db


@pytest.fixture
def db_file(template_db, tmp_path):
    target = tmp_path / "db.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(template_db) + suffix)
        if source.exists():
            shutil.copy(source, str(target) + suffix)
    return target


def _ok_json(proc):
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return json.loads(proc.stdout)


def _error_line(proc, rule):
    assert proc.returncode == 1 and proc.stdout == "", (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {rule}: "), proc.stderr
    return lines[0]


def test_cli_sync_directory(db_file):
    """SYNC-01: sync_directory --full --format json as a script runs it."""
    data = _ok_json(_manage(db_file, "sync_directory", "--full", "--format", "json"))
    assert [e["environment"] for e in data["environments"]] == ["Legacy", "Open", "Portal site", "Sales"]
    assert all(e["added"] == 0 for e in data["environments"])


def test_cli_sign_in(db_file):
    """SYNC-02: a real sign_in."""
    data = _ok_json(_manage(db_file, "sign_in", "--environment", "sales", "--user", upn("carol"), "--format", "json"))
    assert (data["outcome"], data["status"]) == ("added", "enabled")


def test_cli_add_user_refused_is_exit_0(db_file):
    """SYNC-03: a refusal by the rules is an answer: exit 0."""
    data = _ok_json(_manage(db_file, "add_user", "--environment", "Sales", "--user", upn("dave"), "--format", "json"))
    assert (data["outcome"], data["refused_by"]) == ("refused", ["ELIG-03", "ELIG-04"])


def test_cli_refresh_user(db_file):
    """SYNC-04: a real refresh_user."""
    data = _ok_json(_manage(db_file, "refresh_user", "--environment", "Sales", "--user", upn("alice"), "--format", "json"))
    assert (data["outcome"], data["status"]) == ("unchanged", "enabled")


def test_cli_diagnose(db_file):
    """DIAG-01 as a script sees it; ONPREM-01 refuses on premises with exit 1."""
    data = _ok_json(_manage(db_file, "diagnose", "--environment", "Sales", "--user", upn("alice"), "--format", "json"))
    assert [c["rule"] for c in data["checks"]][:7] == ["ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06",
                                                       "ROLE-01"]
    _error_line(_manage(db_file, "diagnose", "--environment", "Legacy", "--user", upn("alice")), "ONPREM-01")


def test_cli_export_users(db_file):
    """export_users: the JSON list with cli.md's keys."""
    users = _ok_json(_manage(db_file, "export_users", "--environment", "Sales", "--format", "json"))
    assert [u["domainname"] for u in users] == sorted(u["domainname"] for u in users)
    assert all(list(u) == EXPORT_KEYS for u in users) and len(users) == 5
    text = _manage(db_file, "export_users", "--environment", "Sales")
    assert text.returncode == 0 and upn("alice") in text.stdout


def test_cli_set_access_mode(db_file):
    """MODE-03: set_access_mode, a real run; the change is in the database file."""
    proc = _manage(db_file, "set_access_mode", "--environment", "Open", "--user", upn("u1"), "--mode", "non-interactive")
    assert (proc.returncode, proc.stderr) == (0, "") and "Non-interactive" in proc.stdout
    users = _ok_json(_manage(db_file, "export_users", "--environment", "Open", "--format", "json"))
    assert [u["accessmode"] for u in users if u["domainname"] == upn("u1")] == [4]


def test_cli_assign_role(db_file):
    """ROLE-02: assign_role to an enabled user."""
    data = _ok_json(_manage(db_file, "assign_role", "--environment", "Sales", "--user", upn("alice"), "--role",
                            "Basic User", "--format", "json"))
    assert data["roles"] == ["Basic User"]


def test_cli_remove_role(db_file):
    """ROLE-03: remove_role of a role not held changes nothing; of a placeholder's role: MODE-07."""
    data = _ok_json(_manage(db_file, "remove_role", "--environment", "Sales", "--user", upn("alice"), "--role",
                            "Basic User", "--format", "json"))
    assert data["changed"] is False
    _error_line(_manage(db_file, "remove_role", "--environment", "Sales", "--user", "crmoln@microsoft.com", "--role",
                        "Support User"), "MODE-07")


def test_cli_create_app_user(db_file):
    """APP-02 then APP-05, as a script runs them."""
    data = _ok_json(_manage(db_file, "create_app_user", "--environment", "Sales", "--app-id", APP_ID, "--role",
                            "Basic User", "--role", "System Customizer", "--format", "json"))
    assert (data["domainname"], data["firstname"], data["isdisabled"]) == (f"{APP_ID}@{DOMAIN}", "#", False)
    _error_line(_manage(db_file, "create_app_user", "--environment", "Sales", "--app-id", APP_ID), "APP-05")


def test_cli_delete_user(db_file):
    """LIFE-05: Delete of a live directory user's record is refused, exit 1, one stderr line."""
    _error_line(_manage(db_file, "delete_user", "--environment", "Sales", "--user", upn("hank")), "LIFE-05")


def test_cli_import_and_reassign_records(db_file, tmp_path):
    """STUB-01 / STUB-04: import then reassign, real runs."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(f"name,owner\nAcme,{upn('zed')}\n")
    data = _ok_json(_manage(db_file, "import_records", "--environment", "Sales", str(accounts), "--format", "json"))
    assert data == {"imported": 1, "pre_provisioned": [], "stub_users": [upn("zed")]}
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"{upn('zed')},{upn('alice')}\n")
    data = _ok_json(_manage(db_file, "reassign_records", "--environment", "Sales", str(pairs), "--format", "json"))
    assert data["moved"] == 1


def test_cli_not_found_and_stub_02(db_file, tmp_path):
    """not-found for an unknown environment; STUB-02 for a stub's refresh, exit 1."""
    _error_line(_manage(db_file, "export_users", "--environment", "Nowhere"), "not-found")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(f"name,owner\nAcme,{upn('zed')}\n")
    _manage(db_file, "import_records", "--environment", "Sales", str(accounts), check=True)
    _error_line(_manage(db_file, "refresh_user", "--environment", "Sales", "--user", upn("zed")), "STUB-02")


@pytest.mark.parametrize("args", [
    ["export_users"],  # --environment missing
    ["set_access_mode", "--environment", "Sales", "--user", upn("alice"), "--mode", "superuser"],
    ["create_app_user", "--environment", "Sales", "--app-id", "not-a-guid"],
    ["sign_in", "--environment", "Sales"],
    ["export_users", "--environment", "Sales", "--format", "xml"],
    ["import_records", "--environment", "Sales"],
])
def test_cli_malformed_arguments_exit_2(db_file, args):
    """Malformed arguments: argparse's usage error, exit 2."""
    proc = _manage(db_file, *args)
    assert proc.returncode == 2 and proc.stdout == "" and "usage:" in proc.stderr
