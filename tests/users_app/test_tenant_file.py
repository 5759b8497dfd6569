"""load_tenant and the tenant file (cli.md, "Tenant file"): the demo tenant, idempotency,
every refusal (whole file, nothing written), and the deletion lifecycle across files."""
import copy
from collections import defaultdict
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from environments_app.models import Environment
from users_app.models import DirectoryGroup, DirectoryUser, GroupMembership, LicenceAssignment, Sku, SystemUser, Tenant
from users_app.services.directory import directory_user_find
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "users_app" / "demo" / "contoso.json"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

from tests import builders
from tests.builders import DOMAIN, set_env, set_user, tenant_file, user
from tests.conftest import row_counts, run_command


def run(path) -> tuple[int, str, str]:
    return run_command("load_tenant", str(path))


def writes(ctx) -> list[str]:
    """The writing statements run (an executemany is logged as "N times: <sql>")."""
    sqls = [re.sub(r"^\d+ times: ", "", q["sql"]) for q in ctx.captured_queries]
    return [sql for sql in sqls if sql.lstrip().upper().startswith(WRITES)]




def write(tmp_path, data, name="tenant.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def base() -> dict:
    return tenant_file(
        marketing_licence=False,
        skus=[builders.sku("DYN365_SALES", "Dynamics 365 Sales Enterprise", seats=2),
              builders.sku("ENTERPRISEPACK", "Office 365 E3", seats=10, kind="m365")],
        users=[
            user("alice", given_name="Alice", surname="Ng", mail="alice@contoso.com", job_title="Buyer",
                 usage_location="US", licences=["DYN365_SALES"]),
            user("bob", usage_location="GB", licences=["ENTERPRISEPACK"]),
            user("dana"),
        ],
        groups=[{"name": "Sales-Env", "members": [f"alice@{DOMAIN}", "Sales-Interns"], "owners": [f"bob@{DOMAIN}"]},
                {"name": "Sales-Interns", "members": [f"bob@{DOMAIN}"]}],
        apps=[{"name": "ERP connector", "app_id": "00000000-0000-0000-0000-000000000001"}],
        environments=[{"name": "Sales", "security_group": "Sales-Env"},
                      {"name": "Contoso (default)", "type": "Default"}],
    )


# --- the demo tenant ----------------------------------------------------------------------------------


def test_demo_tenant_loads_and_second_load_writes_nothing():
    """cli.md: loading the same file twice changes nothing the second time (no INSERT, UPDATE
    or DELETE at all)."""
    code, out, err = run(DEMO)
    assert (code, err) == (0, "") and "users: " in out
    data = json.loads(DEMO.read_text())
    assert DirectoryUser.objects.count() == len(data["users"]) >= 250
    assert Environment.objects.count() == len(data["environments"])
    counts = row_counts()
    with CaptureQueriesContext(connection) as ctx:
        summary = load_tenant(data)
    assert writes(ctx) == []
    assert row_counts() == counts
    assert all(c["created"] == 0 and c["updated"] == 0 for c in summary.values())


def test_demo_tenant_covers_the_rules():
    """The demo exercises DIR, ENV, MODE and ONPREM rules (see users_app/demo/build_contoso.py)."""
    data = json.loads(DEMO.read_text())
    assert not any("password" in u for u in data["users"])  # seed_demo generates them per install (finding 8)
    load_tenant(data)
    tenant = Tenant.objects.get()
    assert (tenant.name, tenant.domain, tenant.marketing_licence) == ("Contoso", DOMAIN, True)  # ELIG-03 c
    assert set(Sku.objects.values_list("kind", flat=True)) == {"dataverse", "m365", "office"}  # DIR-09
    for sku in Sku.objects.all():  # DIR-02: within seats
        assert LicenceAssignment.objects.filter(sku=sku, user__deleted_state="").count() <= sku.seats
    assert not DirectoryUser.objects.filter(licence_assignments__isnull=False, usage_location=None).exists()  # DIR-10
    assert DirectoryUser.objects.filter(deleted_state="soft").count() >= 3  # DIR-04
    assert DirectoryUser.objects.filter(account_enabled=False).exists()
    assert DirectoryUser.objects.filter(user_type="Guest").exclude(home_tenant_licences=[]).exists()  # DIR-07
    roles = set(DirectoryUser.objects.values_list("admin_roles__role", flat=True))
    assert {"Global Administrator", "Power Platform Administrator", "Dynamics 365 Administrator",
            "User Administrator", "License Administrator"} <= roles  # DIR-05
    sales_env = DirectoryGroup.objects.get(name="Sales-Env")
    assert GroupMembership.objects.filter(group=sales_env, member_group__name="Sales-Interns").exists()  # DIR-06
    assert sales_env.ownerships.exists()
    by_name = {e.name: e for e in Environment.objects.all()}
    assert {e.type for e in by_name.values()} == {"Production", "Sandbox", "Trial", "Developer", "Default", "Teams"}
    assert by_name["Sales"].security_group_object_id == sales_env.id and by_name["Sales"].sales_installed
    assert by_name["Dev - Dana"].created_by_object_id == directory_user_find(f"dana@{DOMAIN}").id
    assert by_name["Marketing Team"].teams_group_object_id == DirectoryGroup.objects.get(name="Marketing Team").id
    assert by_name["Analytics"].dataverse is False and not by_name["Analytics"].system_users.exists()
    assert by_name["Field Ops"].licence_type == "app_pass" and by_name["Field Ops"].app_pass_capacity == 5
    assert by_name["Partners"].app_user_status_editable and by_name["Partners"].allow_delete_disabled_users
    legacy = by_name["Legacy CRM"]
    assert legacy.is_on_premises and legacy.system_users.filter(user_type="regular").count() == 5  # ONPREM-01
    assert legacy.system_users.filter(user_type="regular", homephone="+1 425 555 0191").exists()
    for env in by_name.values():  # ENV-05, MODE-05, MODE-07
        placeholders = set(env.system_users.filter(user_type__in=["delegated_admin", "support"])
                           .values_list("domainname", flat=True))
        assert placeholders == (set() if not env.dataverse else {"crmoln2@microsoft.com", "crmoln@microsoft.com"})


def test_demo_builder_is_deterministic():
    sys.path.insert(0, str(DEMO.parent))
    try:
        import build_contoso
    finally:
        sys.path.pop(0)
    assert build_contoso.build() == json.loads(DEMO.read_text())


# --- refusals -------------------------------------------------------------------------------------


def _set_user(data, upn, **kw):
    return set_user(data, upn, new=user, **kw)


def _env(data, name, **kw):
    """An environment added to the file (the base has only Sales and the default)."""
    assert not any(e["name"] == name for e in data["environments"]), name
    return set_env(data, name, **kw)


def _two_more_sales_users(d):
    _set_user(d, f"carol@{DOMAIN}", usage_location="US", licences=["DYN365_SALES"])
    return _set_user(d, f"erin@{DOMAIN}", usage_location="US", licences=["DYN365_SALES"])


# case: (expected rule ID or field, change to the base file)
REFUSALS = {
    # cli.md: licences beyond a SKU's seats (DIR-02): 3 users for 2 seats
    "DIR-02": ("DIR-02", _two_more_sales_users),
    # a licence for a user without usage location (DIR-10; null or empty)
    "DIR-10-null": ("DIR-10", lambda d: _set_user(d, f"dana@{DOMAIN}", licences=["ENTERPRISEPACK"])),
    "DIR-10-empty": ("DIR-10", lambda d: _set_user(d, f"bob@{DOMAIN}", usage_location="")),
    # a usage location that is not two letters
    "usage_location": ("usage_location", lambda d: _set_user(d, f"dana@{DOMAIN}", usage_location="USA")),
    # a security group on a Default, Developer or Teams environment (ENV-06)
    "ENV-06-default-group": ("ENV-06", lambda d: {**d, "environments": [
        {"name": "Contoso (default)", "type": "Default", "security_group": "Sales-Env"}]}),
    "ENV-06-developer-group": ("ENV-06", lambda d: _env(d, "Dev", type="Developer", security_group="Sales-Env")),
    "ENV-06-teams-group": ("ENV-06", lambda d: _env(d, "Team", type="Teams", security_group="Sales-Env")),
    # a second Default environment (ENV-06)
    "ENV-06-second-default": ("ENV-06", lambda d: _env(d, "Another default", type="Default")),
    # an unknown name in a reference
    "not-found-sku": ("not-found", lambda d: _set_user(d, f"bob@{DOMAIN}", licences=["NO_SUCH_SKU"])),
    "not-found-member": ("not-found", lambda d: {**d, "groups": d["groups"] + [
        {"name": "X", "members": ["ghost@contoso.com"]}]}),
    "not-found-owner": ("not-found", lambda d: {**d, "groups": d["groups"] + [
        {"name": "X", "owners": ["Sales-Env"]}]}),
    "not-found-purged-member": ("not-found", lambda d: _set_user(d, f"alice@{DOMAIN}", deleted="hard")),
    "not-found-group": ("not-found", lambda d: _env(d, "Service", security_group="No such group")),
    "not-found-creator": ("not-found", lambda d: _env(d, "Dev", type="Developer", created_by=f"ghost@{DOMAIN}")),
    # DIR-06: nested groups never form a cycle
    "DIR-06": ("DIR-06", lambda d: {**d, "groups": d["groups"][:1] + [
        {"name": "Sales-Interns", "members": ["Sales-Env"]}]}),
    # a malformed file: wrong types, unknown enum values, unknown keys, wrong shape
    "tenant-file-type": ("tenant-file", lambda d: _set_user(d, f"bob@{DOMAIN}", enabled="yes")),
    "tenant-file-seats": ("tenant-file", lambda d: {**d, "skus": [{"sku": "X", "seats": "ten"}]}),
    "tenant-file-enum": ("tenant-file", lambda d: _env(d, "Service", type="Prod")),
    "tenant-file-kind": ("tenant-file", lambda d: {**d, "skus": [{"sku": "X", "kind": "premium"}]}),
    "tenant-file-deleted": ("tenant-file", lambda d: _set_user(d, f"bob@{DOMAIN}", deleted="gone")),
    "tenant-file-key": ("tenant-file", lambda d: _set_user(d, f"bob@{DOMAIN}", favourite_colour="blue")),
    "tenant-file-shape": ("tenant-file", lambda d: {**d, "users": {"upn": "x"}}),
    "tenant-file-no-upn": ("tenant-file", lambda d: {**d, "users": d["users"] + [{"given_name": "Nobody"}]}),
    "tenant-file-role": ("tenant-file", lambda d: _set_user(d, f"bob@{DOMAIN}", admin_roles=["Supreme Leader"])),
    "tenant-file-duplicate": ("tenant-file", lambda d: {**d, "users": d["users"] + [{"upn": f"ALICE@{DOMAIN}"}]}),
    # a profile value longer than its column (department: 64, office: 128)
    "tenant-file-department": ("tenant-file", lambda d: _set_user(d, f"bob@{DOMAIN}", department="x" * 65)),
    "tenant-file-office": ("tenant-file", lambda d: _set_user(d, f"new.person@{DOMAIN}", office="x" * 129)),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusal_whole_file_nothing_written(case, tmp_path):
    """cli.md refusals: exit 1, one line `error: <ID>: ...` on stderr, nothing on stdout,
    and nothing written (every table's row count unchanged, earlier changes rolled back)."""
    assert run(write(tmp_path, base(), "base.json"))[0] == 0
    expected, change = REFUSALS[case]
    data = copy.deepcopy(base())
    data["tenant"]["name"] = "Renamed"  # met before the refusal: must be rolled back
    _set_user(data, f"alice@{DOMAIN}", job_title="Changed")
    _set_user(data, f"new.person@{DOMAIN}", job_title="New")
    data = change(data)
    counts = row_counts()
    code, out, err = run(write(tmp_path, data))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {expected}: ") and err.count("\n") == 1, err
    assert row_counts() == counts
    assert Tenant.objects.get().name == "Contoso"
    assert DirectoryUser.objects.get(user_principal_name=f"alice@{DOMAIN}").job_title == "Buyer"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "null"])
def test_malformed_json_is_a_tenant_file_error(content, tmp_path):
    code, out, err = run(write(tmp_path, content))
    assert (code, out) == (1, "") and err.startswith("error: tenant-file: ")


def test_missing_file_is_a_tenant_file_error(tmp_path):
    code, out, err = run(tmp_path / "nope.json")
    assert (code, out) == (1, "") and err.startswith("error: tenant-file: ")


def test_argparse_error_exits_2():
    """cli.md: malformed arguments exit 2 (argparse's usage error)."""
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "load_tenant"]).execute()
    assert exc.value.code == 2


@pytest.mark.slow
def test_real_process_exit_codes(tmp_path):
    """The command as scripts run it: its own process, DATABASE_URL honoured; a refusal exits 1
    with `error: DIR-02: ...` and nothing on stdout; a good file exits 0; bad arguments exit 2."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    assert manage("migrate", "-v0").returncode == 0
    bad = copy.deepcopy(base())
    _set_user(bad, f"carol@{DOMAIN}", usage_location="US", licences=["DYN365_SALES"])
    _set_user(bad, f"erin@{DOMAIN}", usage_location="US", licences=["DYN365_SALES"])
    refused = manage("load_tenant", str(write(tmp_path, bad, "bad.json")))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: DIR-02: ") and refused.stderr.count("\n") == 1
    ok = manage("load_tenant", str(write(tmp_path, base(), "good.json")))
    assert ok.returncode == 0 and ok.stderr == "" and "users: 3 created" in ok.stdout
    again = manage("load_tenant", str(tmp_path / "good.json"), "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["users"]["created"] == 0
    assert manage("load_tenant").returncode == 2
    assert manage("load_tenant", "a.json", "--bogus").returncode == 2


# --- semantics of successive files ---------------------------------------------------------------------


def test_keys_left_out_keep_values_and_lists_replace():
    """cli.md: a key left out keeps its current value; given lists replace the current ones."""
    load_tenant(base())
    load_tenant({"users": [{"upn": f"ALICE@{DOMAIN}", "licences": [], "admin_roles": ["User Administrator"]}],
                 "groups": [{"name": "Sales-Env", "members": [f"bob@{DOMAIN}"]}]})
    alice = DirectoryUser.objects.get(user_principal_name__iexact=f"alice@{DOMAIN}")
    assert alice.job_title == "Buyer" and alice.usage_location == "US"  # kept
    assert alice.user_principal_name == f"ALICE@{DOMAIN}"  # matched ignoring case; the file's spelling
    assert not alice.licence_assignments.exists()  # replaced by []
    assert list(alice.admin_roles.values_list("role", flat=True)) == ["User Administrator"]
    sales = DirectoryGroup.objects.get(name="Sales-Env")
    assert list(sales.memberships.values_list("user__user_principal_name", flat=True)) == [f"bob@{DOMAIN}"]
    assert sales.ownerships.count() == 1  # owners left out: kept
    assert Environment.objects.get(name="Sales").security_group_object_id == sales.id


def test_department_and_office_load_update_and_are_kept_when_left_out():
    """cli.md: `department` and `office` (Graph's department and officeLocation) are optional profile
    keys: set on a new user and on an existing one, kept when left out; a second load writes nothing."""
    data = base()
    _set_user(data, f"alice@{DOMAIN}", department="Purchasing", office="Building 4")
    _set_user(data, f"new.person@{DOMAIN}", department="Sales", office="Paris 2/110")
    load_tenant(data)
    rows = dict((upn, (department, office)) for upn, department, office in DirectoryUser.objects.values_list(
        "user_principal_name", "department", "office_location"))
    assert rows[f"alice@{DOMAIN}"] == ("Purchasing", "Building 4")
    assert rows[f"new.person@{DOMAIN}"] == ("Sales", "Paris 2/110")
    assert rows[f"bob@{DOMAIN}"] == ("", "")
    with CaptureQueriesContext(connection) as ctx:
        load_tenant(data)
    assert writes(ctx) == []
    summary = load_tenant({"users": [{"upn": f"alice@{DOMAIN}", "office": "Building 5"},
                                     {"upn": f"new.person@{DOMAIN}", "department": "", "office": None}]})
    assert summary["users"]["updated"] == 2
    alice = DirectoryUser.objects.get(user_principal_name=f"alice@{DOMAIN}")
    assert (alice.department, alice.office_location, alice.job_title) == ("Purchasing", "Building 5", "Buyer")
    person = DirectoryUser.objects.get(user_principal_name=f"new.person@{DOMAIN}")
    assert (person.department, person.office_location) == ("", "")


def test_licences_move_between_users_at_full_seats():
    """DIR-02 is checked on the file's final state: a seat freed by one user can go to another
    in the same file."""
    data = base()
    _set_user(data, f"carol@{DOMAIN}", usage_location="US", licences=["DYN365_SALES"])  # 2 of 2 seats
    load_tenant(data)
    _set_user(data, f"alice@{DOMAIN}", licences=[])
    _set_user(data, f"erin@{DOMAIN}", usage_location="FR", licences=["DYN365_SALES"])
    data["users"].insert(0, data["users"].pop())  # erin first: the seat is freed later in the file
    load_tenant(data)
    assert set(LicenceAssignment.objects.values_list("user__user_principal_name", flat=True)
               .filter(sku__sku_part_number="DYN365_SALES")) == {f"carol@{DOMAIN}", f"erin@{DOMAIN}"}


def test_soft_delete_restore_hard_delete_and_recreate_sync08():
    """DIR-04 / DIR-11 through files: soft delete (UPN altered, seat freed, licence kept), restore
    with the same object id, hard delete (tombstone), then a new user with a new object id (SYNC-08)."""
    data = base()
    load_tenant(data)
    alice = DirectoryUser.objects.get(user_principal_name=f"alice@{DOMAIN}")
    object_id = alice.id

    _set_user(data, f"alice@{DOMAIN}", deleted="soft")
    load_tenant(data)
    alice.refresh_from_db()
    assert alice.deleted_state == "soft" and alice.user_principal_name == f"{object_id.hex}alice@{DOMAIN}"  # DIR-11
    assert alice.mail == f"{object_id.hex}alice@contoso.com"
    assert directory_user_find(f"alice@{DOMAIN}") == alice  # found by its original UPN
    assert alice.licence_assignments.count() == 1  # kept ...
    assert LicenceAssignment.objects.filter(sku__sku_part_number="DYN365_SALES", user__deleted_state="").count() == 0
    with CaptureQueriesContext(connection) as ctx:  # loading it again changes nothing
        load_tenant(data)
    assert writes(ctx) == []

    _set_user(data, f"alice@{DOMAIN}", deleted=None)
    load_tenant(data)
    alice.refresh_from_db()
    assert alice.id == object_id and alice.deleted_state == "" and alice.user_principal_name == f"alice@{DOMAIN}"
    assert alice.mail == "alice@contoso.com" and alice.licence_assignments.count() == 1

    _set_user(data, f"alice@{DOMAIN}", deleted="hard")
    data["groups"][0]["members"].remove(f"alice@{DOMAIN}")  # a permanently deleted user is no member
    load_tenant(data)
    alice.refresh_from_db()
    assert alice.deleted_state == "hard" and not alice.licence_assignments.exists()
    assert not GroupMembership.objects.filter(user=alice).exists()
    with CaptureQueriesContext(connection) as ctx:
        load_tenant(data)
    assert writes(ctx) == []

    _set_user(data, f"alice@{DOMAIN}", deleted=None)
    data["groups"][0]["members"].append(f"alice@{DOMAIN}")
    load_tenant(data)
    again = DirectoryUser.objects.get(user_principal_name=f"alice@{DOMAIN}")
    assert again.id != object_id and again.deleted_state == ""  # SYNC-08: a new object id
    assert DirectoryUser.objects.filter(pk=object_id, deleted_state="hard").exists()  # the tombstone stays
    assert GroupMembership.objects.filter(group__name="Sales-Env", user=again).exists()


def test_soft_deleted_user_listed_under_original_upn_stays_soft():
    """DIR-11: a soft-deleted user is matched by its original UPN; the file's other keys apply to it."""
    data = base()
    _set_user(data, f"alice@{DOMAIN}", deleted="soft")
    load_tenant(data)
    _set_user(data, f"alice@{DOMAIN}", job_title="Former buyer", mail="alice.ng@contoso.com")
    data["users"][0].pop("deleted")  # left out: stays soft-deleted
    load_tenant(data)
    alice = DirectoryUser.objects.get(original_user_principal_name=f"alice@{DOMAIN}")
    assert alice.deleted_state == "soft" and alice.job_title == "Former buyer"
    assert alice.original_mail == "alice.ng@contoso.com" and alice.mail == f"{alice.id.hex}alice.ng@contoso.com"
    assert DirectoryUser.objects.count() == 3


def test_password_key_and_guests():
    """cli.md `password`: usable at once; DIR-07: a guest's home-tenant licences are recorded."""
    data = base()
    _set_user(data, f"alice@{DOMAIN}", password="Demo-Pass-2026!")
    _set_user(data, f"kim_fabrikam.com#EXT#@{DOMAIN}", user_type="Guest", home_tenant_licences=["DYN365_SALES"])
    load_tenant(data)
    from django.contrib.auth import authenticate

    assert authenticate(username=f"alice@{DOMAIN}", password="Demo-Pass-2026!") is not None
    assert DirectoryUser.objects.get(user_principal_name=f"bob@{DOMAIN}").account is None  # no password key
    guest = DirectoryUser.objects.get(user_type="Guest")
    assert guest.home_tenant_licences == ["DYN365_SALES"] and not guest.licence_assignments.exists()
    with CaptureQueriesContext(connection) as ctx:
        load_tenant(data)
    assert writes(ctx) == []


def test_onprem02_ad_users_read_once_through_files():
    """ONPREM-01 / ONPREM-02: a later file adds new logon names and changes nothing of existing ones."""
    data = base()
    ad = {"logon_name": "CONTOSO\\jsmith", "first_name": "John", "last_name": "Smith", "city": "Redmond"}
    _env(data, "Legacy CRM", deployment="on_premises", ad_users=[ad])
    load_tenant(data)
    data["environments"][-1]["ad_users"] = [{**ad, "city": "Paris"}, {"logon_name": "CONTOSO\\new"}]
    load_tenant(data)
    records = SystemUser.objects.filter(environment__name="Legacy CRM", user_type="regular")
    assert dict(records.values_list("domainname", "address1_city")) == {"CONTOSO\\jsmith": "Redmond",
                                                                      "CONTOSO\\new": ""}


def test_environment_defaults_and_settings_through_files():
    """ENV-04 defaults for a new environment; a later file changes only the given settings."""
    data = base()
    load_tenant(data)
    sales = Environment.objects.get(name="Sales")
    assert sales.type == "Production" and sales.dataverse and sales.licence_type == "standard"
    assert not sales.allow_role_assignment_on_disabled_users and sales.deployment == "online"
    load_tenant({"environments": [{"name": "sales", "allow_role_assignment_on_disabled_users": True}]})
    sales.refresh_from_db()
    assert sales.allow_role_assignment_on_disabled_users and sales.security_group_object_id is not None
    assert sales.name == "sales"


def test_demo_file_is_the_settings_demo_file():
    assert Path(settings.DEMO_TENANT_FILE) == DEMO


# --- change numbers (users_app.changes) and bulk loading -------------------------------------------------

from users_app.changes import change_counter  # noqa: E402
from users_app.models import AdminRoleAssignment, GroupOwner  # noqa: E402

NUMBERED = (DirectoryUser, LicenceAssignment, GroupMembership, GroupOwner, AdminRoleAssignment)


def numbers(model) -> set[int]:
    return set(model.objects.values_list("change_number", flat=True))


def test_first_load_stamps_every_directory_row_with_one_tenant_wide_number():
    """One number for the whole load (not one per row): every user, licence, membership,
    ownership and role row carries it, and it is tenant-wide (new SKUs, groups, tenant)."""
    data = base()
    _set_user(data, f"alice@{DOMAIN}", admin_roles=["User Administrator"])
    load_tenant(data)
    number = DirectoryUser.objects.get(user_principal_name=f"alice@{DOMAIN}").change_number
    assert number > 0
    for model in NUMBERED:
        assert numbers(model) == {number}, model.__name__
    assert numbers(DirectoryGroup) == numbers(Sku) == numbers(Tenant) == {number}
    value, tenant_wide = change_counter()
    assert tenant_wide == number
    assert min(numbers(Environment)) > number and value >= max(numbers(Environment))  # their services' own numbers


def test_second_load_takes_no_number():
    data = base()
    load_tenant(data)
    before = change_counter()
    load_tenant(data)
    assert change_counter() == before


def test_profile_changes_take_one_number_and_are_not_tenant_wide():
    """1 change number for the load, on exactly the users it changes; the next sync stays
    incremental (the tenant-wide mark does not move)."""
    data = base()
    for i in range(20):
        _set_user(data, f"user{i}@{DOMAIN}", job_title="Clerk")
    load_tenant(data)
    value, tenant_wide = change_counter()
    old = dict(DirectoryUser.objects.values_list("user_principal_name", "change_number"))
    changed = {f"user{i}@{DOMAIN}" for i in range(0, 20, 3)}
    for upn in changed:
        _set_user(data, upn, job_title="Senior clerk")
    with CaptureQueriesContext(connection) as ctx:
        summary = load_tenant(data)
    assert change_counter() == (value + 1, tenant_wide)
    assert summary["users"]["updated"] == len(changed)
    now = dict(DirectoryUser.objects.values_list("user_principal_name", "change_number"))
    assert {upn for upn, n in now.items() if n != old[upn]} == changed
    assert {now[upn] for upn in changed} == {value + 1}
    updates = [q for q in writes(ctx) if q.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 2  # the counter, then one statement for every changed user (executemany)
    assert set(DirectoryUser.objects.filter(user_principal_name__in=changed).values_list("job_title", flat=True)) == {"Senior clerk"}


def test_removals_stamp_their_users_with_the_loads_one_number():
    """A removed licence, membership, ownership or admin role leaves no row to stamp: its user
    gets the load's number (one UPDATE of the users, then the DELETEs; no number per row)."""
    data = base()
    _set_user(data, f"dana@{DOMAIN}", admin_roles=["User Administrator", "License Administrator"])
    load_tenant(data)
    value, tenant_wide = change_counter()
    untouched = DirectoryUser.objects.get(user_principal_name=f"dana@{DOMAIN}").change_number
    _set_user(data, f"alice@{DOMAIN}", licences=[])  # licence removed
    data["groups"][1]["members"] = []  # bob leaves Sales-Interns
    data["groups"][0]["owners"] = []  # bob no longer owns Sales-Env
    _set_user(data, f"dana@{DOMAIN}", admin_roles=["License Administrator"])  # one role removed
    load_tenant(data)
    assert change_counter() == (value + 1, tenant_wide)
    stamped = dict(DirectoryUser.objects.values_list("user_principal_name", "change_number"))
    assert stamped == {f"alice@{DOMAIN}": value + 1, f"bob@{DOMAIN}": value + 1, f"dana@{DOMAIN}": value + 1}
    assert untouched < value + 1
    assert not LicenceAssignment.objects.filter(user__user_principal_name=f"alice@{DOMAIN}").exists()
    assert not GroupOwner.objects.exists()
    assert list(AdminRoleAssignment.objects.values_list("role", "change_number")) == [("License Administrator", untouched)]


@pytest.mark.parametrize("change", ["rename", "type", "nesting", "new group", "sku seats", "new sku", "tenant"])
def test_group_sku_and_tenant_changes_are_tenant_wide(change):
    data = base()
    load_tenant(data)
    value, _ = change_counter()
    if change == "rename":
        data["groups"][1]["name"] = "SALES-INTERNS"
        data["groups"][0]["members"][1] = "SALES-INTERNS"
    elif change == "type":
        data["groups"][1]["type"] = "m365"
    elif change == "nesting":
        data["groups"][0]["members"] = [f"alice@{DOMAIN}"]
    elif change == "new group":
        data["groups"].append({"name": "Finance"})
    elif change == "sku seats":
        data["skus"][1]["seats"] = 11
    elif change == "new sku":
        data["skus"].append({"sku": "O365_APPS", "kind": "office", "seats": 3})
    else:
        data["tenant"]["marketing_licence"] = True
    load_tenant(data)
    assert change_counter() == (value + 1, value + 1)


def test_lifecycle_changes_go_through_the_directory_services():
    """Passwords, soft deletions and restores keep the services' rules (DIR-01, DIR-04, DIR-11)
    and their own numbers, above the load's."""
    data = base()
    load_tenant(data)
    value, _ = change_counter()
    _set_user(data, f"alice@{DOMAIN}", deleted="soft")
    _set_user(data, f"bob@{DOMAIN}", password="Demo-Pass-2026!")
    load_tenant(data)
    alice = DirectoryUser.objects.get(original_user_principal_name=f"alice@{DOMAIN}")
    bob = DirectoryUser.objects.get(user_principal_name=f"bob@{DOMAIN}")
    assert alice.deleted_state == "soft" and alice.change_number > value
    assert bob.account is not None and bob.change_number > value
    assert change_counter()[1] < value + 1  # not tenant-wide


# A bigger generated tenant: what is loaded equals what was asked, and so after changes.


def asked(data: dict) -> dict:
    """The directory a tenant file asks for (every key the generator writes)."""
    users = {}
    for u in data["users"]:
        users[u["upn"].lower()] = (
            u["upn"], u.get("given_name", ""), u.get("surname", ""), u.get("display_name", ""), u.get("mail", ""),
            u.get("job_title", ""), u.get("office_phone", ""), u.get("city", ""), u.get("country", ""),
            u.get("usage_location"), sorted(s.lower() for s in u.get("licences", [])), sorted(u.get("admin_roles", [])),
        )
    groups = {g["name"]: (g.get("type", "security"), sorted(m.lower() for m in g.get("members", [])),
                          sorted(o.lower() for o in g.get("owners", []))) for g in data["groups"]}
    return {"users": users, "groups": groups}


def loaded() -> dict:
    """The live directory, in the shape of asked()."""
    licences, roles, members, owners = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for upn, part in LicenceAssignment.objects.values_list("user__user_principal_name", "sku__sku_part_number"):
        licences[upn.lower()].append(part.lower())
    for upn, role in AdminRoleAssignment.objects.values_list("user__user_principal_name", "role"):
        roles[upn.lower()].append(role)
    for group, upn, child in GroupMembership.objects.values_list("group__name", "user__user_principal_name",
                                                                 "member_group__name"):
        members[group].append((upn or child).lower())
    for group, upn in GroupOwner.objects.values_list("group__name", "user__user_principal_name"):
        owners[group].append(upn.lower())
    users = {}
    for u in DirectoryUser.objects.filter(deleted_state=""):
        key = u.user_principal_name.lower()
        users[key] = (u.user_principal_name, u.given_name, u.surname, u.display_name, u.mail, u.job_title,
                      u.business_phone, u.city, u.country, u.usage_location, sorted(licences[key]), sorted(roles[key]))
    groups = {g.name: (g.group_type, sorted(members[g.name]), sorted(owners[g.name])) for g in DirectoryGroup.objects.all()}
    return {"users": users, "groups": groups}


def test_generated_tenant_of_2000_users_loads_exactly_and_idempotently():
    from users_app.benchmarks.tenant import generate_tenant

    data = generate_tenant(2000, seed=7)
    summary = load_tenant(data)
    assert summary["users"]["created"] == 2001 and summary["groups"]["created"] == len(data["groups"])
    assert loaded() == asked(data)
    assert SystemUser.objects.filter(user_type="regular").count() == 0  # loading adds nobody to environments

    before = change_counter()
    with CaptureQueriesContext(connection) as ctx:
        load_tenant(data)
    assert writes(ctx) == [] and change_counter() == before

    # A second file: 300 job titles, 50 licences removed, 40 users leave All-Staff, 25 new users,
    # an admin role moved, and one Dept group's owners replaced.
    users = data["users"]
    for u in users[1:301]:
        u["job_title"] = "Principal " + u["job_title"]
    for u in users[301:351]:
        u["licences"] = [s for s in u["licences"] if s != "ENTERPRISEPACK"] or ["DYN365_SALES"]
    gone = {u["upn"] for u in users[400:440]}
    all_staff = next(g for g in data["groups"] if g["name"] == "All-Staff")
    all_staff["members"] = [m for m in all_staff["members"] if m not in gone]
    for i in range(25):
        upn = f"new{i}@{DOMAIN}"
        users.append({"upn": upn, "given_name": "New", "surname": f"Hire{i}", "usage_location": "FR",
                      "licences": ["POWERAPPS_PER_USER"]})
        all_staff["members"].append(upn)
    users[500]["admin_roles"] = ["User Administrator"]
    users[18]["admin_roles"] = []
    dept = next(g for g in data["groups"] if g["name"].startswith("Dept-"))
    dept["owners"] = [users[600]["upn"]]
    value, tenant_wide = change_counter()
    summary = load_tenant(data)
    assert change_counter() == (value + 1, tenant_wide)  # one number; no group-level change
    assert summary["users"]["created"] == 25
    assert loaded() == asked(data)
    changed = set(DirectoryUser.objects.filter(change_number=value + 1).values_list("user_principal_name", flat=True))
    assert {u["upn"] for u in users[1:301]} | gone | {f"new{i}@{DOMAIN}" for i in range(25)} <= changed
    with CaptureQueriesContext(connection) as ctx:
        load_tenant(data)
    assert writes(ctx) == []
