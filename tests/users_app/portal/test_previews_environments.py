"""Impact previews of the Power Platform side's changes (issue 12, item 3): an environment's Edit
settings (security group, licence type, app-pass capacity, org settings), New environment, and the
data import. A POST without confirm shows what the next sync would do and writes nothing (no row, no
run, no change number, no audit entry); confirm=1 saves; a refusal (ENV-06, ONPREM-01 ...) is shown
instead of a preview; a Global reader sees the preview without Confirm."""
import pytest
from django.urls import reverse

from environments_app.changes import change_counter
from environments_app.models import Environment
from tests.builders import HX, person
from tests.conftest import portal_upn, row_counts
from users_app.choices import UserType
from users_app.models import Account, AuditEntry, DirectoryGroup, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning.sync import directory_sync
from users_app.services import directory
from users_app.tenant_file import load_tenant


def written():
    """Everything a preview must leave as it was: every table's rows (SyncRun included), the change
    counter, the audit log."""
    return row_counts(), change_counter(), AuditEntry.objects.count()


def record(local, environment="Sales"):
    return SystemUser.objects.filter(environment__name=environment, domainname__iexact=portal_upn(local)).first()


def update_url(environment):
    return reverse("environments:environment_update", args=[environment.environment_id])


def settings(**overrides):
    return {"licence_type": "standard", "app_pass_capacity": "0", **overrides}


def preview_of(response) -> str:
    text = response.content.decode()
    assert response.status_code == 200, text[:2000]
    assert 'id="preview-panel"' in text
    return text


@pytest.fixture
def newbie(portal_tenant):
    """newbie@ holds Dynamics 365 but is in no group: Sales (security group Sales-Env) keeps it out."""
    load_tenant({"users": [person("newbie", licences=["DYN"])]})
    directory_sync()
    return DirectoryUser.objects.get(user_principal_name=portal_upn("newbie"))


# --- Edit settings ----------------------------------------------------------------------------------


def test_elig04_clearing_the_security_group_previews_who_gets_in(portal_tenant, newbie, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    before = written()
    response = client.post(update_url(sales), settings(security_group=""), **HX)
    text = preview_of(response)
    assert response["HX-Retarget"] == "#panel-host"
    assert written() == before  # nothing saved, no run, no change number, no audit entry
    assert "Save the settings of Sales?" in text and portal_upn("newbie") in text and "Added" in text
    assert "Service" not in text.split("preview-counts")[1].split("</table>")[0]  # only Sales is rehearsed
    sales.refresh_from_db()
    assert sales.security_group_object_id is not None and record("newbie") is None
    done = client.post(update_url(sales), settings(security_group="", confirm="1"), **HX)
    assert done.status_code == 200 and "Settings of Sales saved." in done.content.decode()
    sales.refresh_from_db()
    assert sales.security_group_object_id is None
    directory_sync(environments=[sales], full=False)
    assert record("newbie") is not None and not record("newbie").isdisabled  # what the preview said


def test_elig04_pointing_at_another_group_previews_the_members_disabled(portal_tenant, newbie, sign_in):
    other = directory.group_create(name="Sales-Other")
    directory.group_members_set(group=other, users=[newbie])
    sales = portal_tenant["sales"]
    client = sign_in("global")
    before = written()
    text = preview_of(client.post(update_url(sales), settings(security_group=str(other.pk))))
    assert written() == before
    assert "<html" in text  # without JavaScript: a page
    for local in ("plain", "sysadmin", "d365admin"):  # direct members of Sales-Env, not of Sales-Other
        assert portal_upn(local) in text
    assert "Disabled" in text and "ELIG-04" in text and "Added" in text


def test_elig06_app_pass_licence_type_keeps_the_background_sync_from_adding(portal_tenant, newbie, sign_in):
    """The same group cleared, with the app-pass licence type: the background sync adds nobody (ELIG-06)."""
    sales = portal_tenant["sales"]
    client = sign_in("global")
    before = written()
    text = preview_of(client.post(update_url(sales), settings(security_group="", licence_type="app_pass",
                                                              app_pass_capacity="5"), **HX))
    assert written() == before and portal_upn("newbie") not in text
    client.post(update_url(sales), settings(security_group="", licence_type="app_pass", app_pass_capacity="5",
                                            confirm="1"), **HX)
    sales.refresh_from_db()
    assert sales.licence_type == "app_pass" and sales.app_pass_capacity == 5
    directory_sync(environments=[sales], full=False)
    assert record("newbie") is None


def test_env04_org_setting_previews_no_environment_change(portal_tenant, sign_in):
    """A System Administrator of Sales (no admin role) saves an org setting: nothing changes for the users."""
    sales = portal_tenant["sales"]
    client = sign_in("sysadmin")
    before = written()
    text = preview_of(client.post(update_url(sales), settings(allow_role_assignment_on_disabled_users="on"), **HX))
    assert written() == before and "No environment changes." in text and 'name="confirm" value="1"' in text
    client.post(update_url(sales), settings(allow_role_assignment_on_disabled_users="on", confirm="1"), **HX)
    sales.refresh_from_db()
    assert sales.allow_role_assignment_on_disabled_users


def test_global_reader_previews_settings_without_confirm(portal_tenant, newbie, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("greader")
    panel = client.get(update_url(sales), **HX).content.decode()
    assert "Preview" in panel  # the reader's button: a preview, never a save
    before = written()
    text = preview_of(client.post(update_url(sales), settings(app_pass_capacity="2"), **HX))
    assert written() == before and "your role cannot make this change" in text and ">Save</button>" not in text
    assert client.post(update_url(sales), settings(app_pass_capacity="2", confirm="1")).status_code == 403
    sales.refresh_from_db()
    assert sales.app_pass_capacity == 0


# --- New environment --------------------------------------------------------------------------------

NEW = {"name": "Marketing", "type": "Production", "region": "europe", "dataverse": "on", "deployment": "online",
       "licence_type": "standard", "app_pass_capacity": "0"}


def test_env01_new_environment_previews_the_users_it_would_get(portal_tenant, sign_in):
    client = sign_in("ppadmin")
    before = written()
    text = preview_of(client.post(reverse("environments:environment_create"), NEW, **HX))
    assert written() == before and not Environment.objects.filter(name="Marketing").exists()
    assert "Create the environment Marketing?" in text and ">Marketing<" in text
    assert portal_upn("plain") in text and "Added" in text
    response = client.post(reverse("environments:environment_create"), {**NEW, "confirm": "1"}, **HX)
    assert response.status_code == 200 and "Environment Marketing created." in response.content.decode()
    assert Environment.objects.filter(name="Marketing").exists()


def test_env06_new_developer_environment_with_a_group_is_refused_not_previewed(portal_tenant, sign_in):
    group = DirectoryGroup.objects.get(name="Sales-Env")
    client = sign_in("global")
    before = written()
    response = client.post(reverse("environments:environment_create"),
                           {**NEW, "name": "Dev box", "type": "Developer", "security_group": str(group.pk)}, **HX)
    text = response.content.decode()
    assert response.status_code == 409 and "ENV-06" in text and 'id="preview-panel"' not in text
    assert row_counts() == before[0] and change_counter() == before[1]


def test_global_reader_previews_a_new_environment_without_confirm(portal_tenant, sign_in):
    client = sign_in("greader")
    before = written()
    text = preview_of(client.post(reverse("environments:environment_create"), NEW))
    assert written() == before and "your role cannot make this change" in text and ">Create</button>" not in text
    assert client.post(reverse("environments:environment_create"), {**NEW, "confirm": "1"}).status_code == 403


# --- Data import ------------------------------------------------------------------------------------


@pytest.fixture
def d365new(portal_tenant):
    """An unlicensed Dynamics 365 administrator the background sync has not seen yet: the import
    makes it a stub (no Power Apps licence, STUB-01); the next sync admits it (MODE-02) in place."""
    load_tenant({"users": [person("d365new", admin_roles=["Dynamics 365 Administrator"])]})
    return DirectoryUser.objects.get(user_principal_name=portal_upn("d365new"))


def test_stub_05_import_previews_the_stub_the_next_sync_matches(portal_tenant, d365new, sign_in):
    service = portal_tenant["service"]
    url = reverse("imports:data_import", args=[service.environment_id])
    csv = f"name,owner\nFourth Coffee,{portal_upn('d365new')}\nLitware,ghost@fabrikam.com\n"
    client = sign_in("ppadmin")
    before = written()
    response = client.post(url, {"csv_text": csv}, **HX)
    text = preview_of(response)
    assert response["HX-Retarget"] == "#panel-host"
    assert written() == before and not Account.objects.filter(environment=service).exists()
    assert "Import the accounts into Service?" in text and "STUB-05" in text
    users = text.split('class="preview-users"')[1].split("</ul>")[0]
    assert portal_upn("d365new") in users and "Added" in users and "ghost@fabrikam.com" not in users  # a stub is no sync's
    done = client.post(url, {"csv_text": csv, "confirm": "1"}, **HX)
    assert done.status_code == 200 and "Imported 2 account" in done.content.decode()
    stub = record("d365new", "Service")
    assert stub.user_type == UserType.STUB
    directory_sync(environments=[service], full=False)
    matched = record("d365new", "Service")
    assert matched.systemuserid == stub.systemuserid and matched.user_type != UserType.STUB  # one record (STUB-05)
    assert SystemUser.objects.filter(environment=service, domainname__iexact=portal_upn("d365new")).count() == 1


def test_import_owner_preview_then_impact_for_a_global_reader(portal_tenant, sign_in):
    service = portal_tenant["service"]
    csv = "name,owner\nFourth Coffee,ghost@fabrikam.com\n"
    client = sign_in("greader")
    before = written()
    owners = client.post(reverse("imports:data_import_preview", args=[service.environment_id]), {"csv_text": csv})
    assert owners.status_code == 200 and "Create a stub user" in owners.content.decode()
    assert "Preview the impact" in owners.content.decode()
    url = reverse("imports:data_import", args=[service.environment_id])
    text = preview_of(client.post(url, {"csv_text": csv}))
    assert written() == before and "your role cannot make this change" in text and ">Import</button>" not in text
    assert client.post(url, {"csv_text": csv, "confirm": "1"}).status_code == 403
    assert SyncRun.objects.count() == before[0]["users_app.SyncRun"]


def test_onprem_01_import_refused_instead_of_previewed(portal_tenant, onprem, sign_in):
    client = sign_in("ppadmin")
    before = written()
    response = client.post(reverse("imports:data_import", args=[onprem.environment_id]),
                           {"csv_text": "name,owner\nA,ghost@fabrikam.com\n"}, **HX)
    text = response.content.decode()
    assert "ONPREM-01" in text and 'id="preview-panel"' not in text
    assert row_counts() == before[0] and change_counter() == before[1]
