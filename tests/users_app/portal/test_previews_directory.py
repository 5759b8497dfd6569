"""Impact previews of the Microsoft 365 side's directory changes (issue 12, item 3): group members and
owners (nested groups included), admin roles (a role's holders and a user's Roles tab) and Load a
tenant file. A POST without confirm shows what the next sync would do and writes nothing (no row, no
run, no change number, no audit entry); confirm=1 makes the change; a refusal (DIR-06, DIR-02,
tenant-file ...) is shown instead of a preview; a Global reader sees the preview without Confirm."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from environments_app.changes import change_counter
from tests.builders import HX, person
from tests.conftest import portal_upn, row_counts
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole
from users_app.models import (AdminRoleAssignment, AuditEntry, DirectoryGroup, DirectoryUser, GroupMembership,
                              GroupOwner, LicenceAssignment, SystemUser)
from users_app.provisioning.sync import directory_sync
from users_app.services import directory
from users_app.tenant_file import load_tenant


def du(local):
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def sales_group():
    return DirectoryGroup.objects.get(name="Sales-Env")


def written():
    """Everything a preview must leave as it was: every table's rows, the change counter, the audit log."""
    return row_counts(), change_counter(), AuditEntry.objects.count()


def record(local, environment="Sales"):
    return SystemUser.objects.filter(environment__name=environment, domainname=portal_upn(local)).first()


@pytest.fixture
def newbie(portal_tenant):
    """newbie@ holds Dynamics 365 but is in no group: Sales (security group Sales-Env) keeps it out."""
    load_tenant({"users": [person("newbie", licences=["DYN"])]})
    directory_sync()
    return du("newbie")


def preview_of(response) -> str:
    text = response.content.decode()
    assert response.status_code == 200, text[:2000]
    assert 'id="preview-panel"' in text
    return text


# --- Group members -----------------------------------------------------------------------------


def test_elig04_remove_member_previews_disabled_in_sales_then_confirm_removes(portal_tenant, sign_in):
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    url = reverse("m365:group_member_remove", args=[group.pk])
    client = sign_in("useradmin")
    before = written()
    text = preview_of(client.post(url, {"membership": membership.pk}, **HX))
    assert written() == before  # the preview wrote nothing
    assert "Remove Plain Test from Sales-Env?" in text and portal_upn("plain") in text
    assert "Disabled" in text and "ELIG-04" in text and 'name="confirm" value="1"' in text
    assert "Run diagnostics" in text and ">Sales<" in text
    assert not record("plain").isdisabled
    done = client.post(url, {"membership": membership.pk, "confirm": "1"}, **HX)
    assert done.status_code == 200 and not GroupMembership.objects.filter(pk=membership.pk).exists()
    assert 'id="group-members"' in done.content.decode()
    directory_sync()
    assert record("plain").isdisabled  # what the preview said


def test_elig04_add_member_previews_added_then_confirm_adds(newbie, sign_in):
    group = sales_group()
    url = reverse("m365:group_member_add", args=[group.pk])
    client = sign_in("useradmin")
    before = written()
    response = client.post(url, {"users": [str(newbie.pk)]}, **HX)
    text = preview_of(response)
    assert response["HX-Retarget"] == "#panel-host"  # a side panel wherever the form was
    assert written() == before and record("newbie") is None
    assert "Add 1 member to Sales-Env?" in text and portal_upn("newbie") in text and "Added" in text
    client.post(url, {"users": [str(newbie.pk)], "confirm": "1"}, **HX)
    assert GroupMembership.objects.filter(group=group, user=newbie).exists()
    directory_sync()
    assert record("newbie") is not None and not record("newbie").isdisabled


def test_env03_nested_group_previews_no_environment_change(newbie, sign_in):
    """A nested group's members count on demand only: the background sync ignores them (ENV-03)."""
    inner = directory.group_create(name="Sales-Interns")
    directory.group_members_set(group=inner, users=[newbie])
    group = sales_group()
    client = sign_in("useradmin")
    before = written()
    text = preview_of(client.post(reverse("m365:group_member_add", args=[group.pk]), {"groups": [str(inner.pk)]}))
    assert written() == before
    assert "No environment changes." in text


def test_dir06_a_cycle_is_refused_instead_of_previewed(portal_tenant, sign_in):
    inner = directory.group_create(name="Sales-Interns")
    group = sales_group()
    directory.group_members_set(group=group, users=[m.user for m in group.memberships.filter(user__isnull=False)],
                                groups=[inner])
    client = sign_in("useradmin")
    before = written()
    response = client.post(reverse("m365:group_member_add", args=[inner.pk]), {"groups": [str(group.pk)]}, **HX)
    text = response.content.decode()
    assert response.status_code == 409 and "DIR-06" in text and 'id="preview-panel"' not in text
    assert row_counts() == before[0] and change_counter() == before[1]
    confirmed = client.post(reverse("m365:group_member_add", args=[inner.pk]), {"groups": [str(group.pk)], "confirm": "1"})
    assert confirmed.status_code == 302 and not GroupMembership.objects.filter(group=inner, member_group=group).exists()


def test_owners_add_and_remove_preview_then_confirm(newbie, sign_in):
    group = sales_group()
    client = sign_in("useradmin")
    before = written()
    text = preview_of(client.post(reverse("m365:group_owner_add", args=[group.pk]), {"users": [str(newbie.pk)]}))
    assert written() == before and "No environment changes." in text and "Add 1 owner to Sales-Env?" in text
    client.post(reverse("m365:group_owner_add", args=[group.pk]), {"users": [str(newbie.pk)], "confirm": "1"})
    assert GroupOwner.objects.filter(group=group, user=newbie).exists()
    remove = reverse("m365:group_owner_remove", args=[group.pk])
    before = written()
    text = preview_of(client.post(remove, {"user": newbie.pk}))
    assert written() == before and "btn-danger" in text
    client.post(remove, {"user": newbie.pk, "confirm": "1"})
    assert not GroupOwner.objects.filter(group=group, user=newbie).exists()


def test_global_reader_sees_the_preview_without_confirm(portal_tenant, sign_in):
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    client = sign_in("greader")
    before = written()
    text = preview_of(client.post(reverse("m365:group_member_remove", args=[group.pk]), {"membership": membership.pk}))
    assert written() == before
    assert "your role cannot make this change" in text and "Disabled" in text
    assert ">Remove</button>" not in text  # no Confirm
    refused = client.post(reverse("m365:group_member_remove", args=[group.pk]), {"membership": membership.pk, "confirm": "1"})
    assert refused.status_code == 403 and GroupMembership.objects.filter(pk=membership.pk).exists()


def test_preview_is_a_full_page_without_javascript(portal_tenant, sign_in):
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    text = preview_of(sign_in("useradmin").post(reverse("m365:group_member_remove", args=[group.pk]),
                                                {"membership": membership.pk}))
    assert "<html" in text and f'name="membership" value="{membership.pk}"' in text


# --- Admin roles ----------------------------------------------------------------------------------


def test_elig04_assign_global_role_previews_added_in_sales(newbie, sign_in):
    url = reverse("m365:role_holder_add", args=[ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL]])
    client = sign_in("global")
    before = written()
    text = preview_of(client.post(url, {"user": str(newbie.pk)}, **HX))
    assert written() == before
    assert "Assign Global administrator to Newbie Test?" in text and portal_upn("newbie") in text and "Added" in text
    response = client.post(url, {"user": str(newbie.pk), "confirm": "1"}, **HX)
    assert response.status_code == 200 and 'id="role-holders"' in response.content.decode()
    assert AdminRoleAssignment.objects.filter(user=newbie, role=AdminRole.GLOBAL).exists()


def test_mode02_remove_power_platform_role_previews_disabled(portal_tenant, sign_in):
    """ppadmin@ holds no licence: only its role (MODE-02) lets it in; removing it disables it."""
    url = reverse("m365:role_holder_remove", args=[ADMIN_ROLE_TEMPLATE_IDS[AdminRole.POWER_PLATFORM]])
    ppadmin = du("ppadmin")
    assert record("ppadmin") is not None and not record("ppadmin").isdisabled
    client = sign_in("global")
    before = written()
    text = preview_of(client.post(url, {"user": ppadmin.pk}, **HX))
    assert written() == before and "Disabled" in text and portal_upn("ppadmin") in text
    client.post(url, {"user": ppadmin.pk, "confirm": "1"}, **HX)
    assert not AdminRoleAssignment.objects.filter(user=ppadmin, role=AdminRole.POWER_PLATFORM).exists()
    directory_sync()
    assert record("ppadmin").isdisabled


def test_dir05_roles_tab_previews_then_saves_and_reader_gets_no_confirm(newbie, sign_in):
    url = reverse("m365:active_user_roles", args=[newbie.pk])
    client = sign_in("global")
    before = written()
    text = preview_of(client.post(url, {"roles": [AdminRole.POWER_PLATFORM]}, **HX))
    assert written() == before and "Save the admin roles of Newbie Test?" in text and "Added" in text
    reader_client = sign_in("greader")
    before = written()
    reader = preview_of(reader_client.post(url, {"roles": [AdminRole.POWER_PLATFORM]}))
    assert "your role cannot make this change" in reader and written() == before
    response = sign_in("global").post(url, {"roles": [AdminRole.POWER_PLATFORM], "confirm": "1"}, **HX)
    assert response.status_code == 200 and 'id="role-form"' in response.content.decode()
    assert AdminRoleAssignment.objects.filter(user=newbie, role=AdminRole.POWER_PLATFORM).exists()


# --- Load a tenant file ---------------------------------------------------------------------------

TENANT_URL = "m365:tenant_file_load"


def upload(data, name="contoso.json"):
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_elig03_tenant_file_previews_then_loads(portal_tenant, sign_in):
    client = sign_in("global")
    page = client.get(reverse(TENANT_URL)).content.decode()
    assert "Load a tenant file" in page and 'type="file"' in page
    data = {"users": [{"upn": portal_upn("plain"), "licences": []}]}
    before = written()
    text = preview_of(client.post(reverse(TENANT_URL), {"file": upload(data)}, **HX))
    assert written() == before
    assert "Load contoso.json?" in text and portal_upn("plain") in text and "ELIG-03" in text
    assert 'name="tenant_text"' in text and 'name="tenant_name" value="contoso.json"' in text
    assert LicenceAssignment.objects.filter(user=du("plain")).exists()
    response = client.post(reverse(TENANT_URL), {"tenant_text": json.dumps(data), "tenant_name": "contoso.json",
                                                  "confirm": "1"}, **HX)
    assert response.status_code == 200 and "Loaded contoso.json" in response.content.decode()
    assert not LicenceAssignment.objects.filter(user=du("plain")).exists()
    assert AuditEntry.objects.filter(action="Load tenant file", actor=portal_upn("global")).exists()
    directory_sync()
    assert record("plain").isdisabled and record("plain", "Service").isdisabled


@pytest.mark.parametrize(("data", "rule"), [
    ({"skus": [{"sku": "DYN", "seats": 1}]}, "DIR-02"),
    ({"groups": [{"name": "A", "members": ["B"]}, {"name": "B", "members": ["A"]}]}, "DIR-06"),
    ({"environments": [{"name": "Sales", "type": "Developer"}]}, "ENV-06"),
    ({"users": [{"upn": portal_upn("plain"), "colour": "blue"}]}, "tenant-file"),
    (b"{not json", "tenant-file"),
])
def test_tenant_file_refusals_are_named_and_write_nothing(portal_tenant, sign_in, data, rule):
    client = sign_in("global")
    before = written()
    response = client.post(reverse(TENANT_URL), {"file": upload(data)}, **HX)
    text = response.content.decode()
    assert response.status_code == 409 and rule in text and 'id="preview-panel"' not in text
    assert row_counts() == before[0] and change_counter() == before[1]
    confirmed = client.post(reverse(TENANT_URL), {"tenant_text": upload(data).read().decode(), "confirm": "1"})
    assert confirmed.status_code == 409 and row_counts() == before[0]


def test_tenant_file_global_reader_previews_without_load(portal_tenant, sign_in):
    client = sign_in("greader")
    assert "Preview" in client.get(reverse(TENANT_URL)).content.decode()
    before = written()
    text = preview_of(client.post(reverse(TENANT_URL), {"file": upload({"users": [{"upn": portal_upn("plain"),
                                                                                     "licences": []}]})}))
    assert written() == before and "your role cannot make this change" in text and ">Load</button>" not in text
    refused = client.post(reverse(TENANT_URL), {"tenant_text": "{}", "confirm": "1"})
    assert refused.status_code == 403


def test_tenant_file_without_a_file_is_asked_again(portal_tenant, sign_in):
    response = sign_in("global").post(reverse(TENANT_URL), {}, **HX)
    assert response.status_code == 400 and "Choose a tenant file." in response.content.decode()
