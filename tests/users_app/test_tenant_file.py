"""load_tenant and the tenant file (cli.md, "Tenant file"): the demo tenant, idempotency,
every refusal (whole file, nothing written), and the deletion lifecycle across files."""
import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from environments_app.models import Environment
from users_app.models import DirectoryGroup, DirectoryUser, GroupMembership, LicenceAssignment, Sku, SystemUser, Tenant
from users_app.services.directory import directory_user_find
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "users_app" / "demo" / "contoso.json"
DOMAIN = "contoso.onmicrosoft.com"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def row_counts() -> dict:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def run(path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("load_tenant", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, data, name="tenant.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def base() -> dict:
    return {
        "tenant": {"name": "Contoso", "domain": DOMAIN, "marketing_licence": False},
        "skus": [{"sku": "DYN365_SALES", "name": "Dynamics 365 Sales Enterprise", "seats": 2, "kind": "dataverse"},
                 {"sku": "ENTERPRISEPACK", "name": "Office 365 E3", "seats": 10, "kind": "m365"}],
        "users": [
            {"upn": f"alice@{DOMAIN}", "given_name": "Alice", "surname": "Ng", "mail": "alice@contoso.com",
             "job_title": "Buyer", "usage_location": "US", "licences": ["DYN365_SALES"]},
            {"upn": f"bob@{DOMAIN}", "usage_location": "GB", "licences": ["ENTERPRISEPACK"]},
            {"upn": f"dana@{DOMAIN}"},
        ],
        "groups": [{"name": "Sales-Env", "members": [f"alice@{DOMAIN}", "Sales-Interns"], "owners": [f"bob@{DOMAIN}"]},
                   {"name": "Sales-Interns", "members": [f"bob@{DOMAIN}"]}],
        "apps": [{"name": "ERP connector", "app_id": "00000000-0000-0000-0000-000000000001"}],
        "environments": [{"name": "Sales", "security_group": "Sales-Env"},
                         {"name": "Contoso (default)", "type": "Default"}],
    }


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
    load_tenant(json.loads(DEMO.read_text()))
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
    from django.contrib.auth import authenticate

    for local in ("admin", "ppadmin", "d365admin", "useradmin", "licadmin", "alice"):
        assert authenticate(username=f"{local}@{DOMAIN}", password="Demo-Pass-2026!") is not None
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
    for user in data["users"]:
        if user["upn"] == upn:
            user.update(kw)
            return data
    data["users"].append({"upn": upn, **kw})
    return data


def _env(data, name, **kw):
    data["environments"].append({"name": name, **kw})
    return data


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
