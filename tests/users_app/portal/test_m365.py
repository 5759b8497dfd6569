"""The Microsoft 365 admin center screens (area D): permissions, full pages and HTMX fragments,
every POST action both ways, refusals that name the rule and write nothing, query budgets."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import portal_upn
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole, DeletedState
from users_app.models import (
    AdminRoleAssignment,
    AppRegistration,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
)
from users_app.services import directory

from tests.builders import HX_HEADERS as HX

M365_MISSING = "You don&#x27;t have permission to"  # DIR-05 (admin_roles.refusal), as the page escapes it
GLOBAL_ROLE_ID = ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL]


def dir_user(local: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def sales_group() -> DirectoryGroup:
    return DirectoryGroup.objects.get(name="Sales-Env")


def sku(part: str) -> Sku:
    return Sku.objects.get(sku_part_number=part)


def fill_seats(part: str) -> None:
    """Take every free seat of a SKU (DIR-02) with fresh users."""
    target = sku(part)
    i = 0
    while directory.seats_used(target) < target.seats:
        directory.directory_user_create(user_principal_name=f"filler{i}@contoso.onmicrosoft.com", usage_location="US",
                                        licences=[part], temporary_password=False)
        i += 1


# Every URL's sign-in redirect, refusal and page and fragment: the battery of tests/portal/test_pages.py.


def test_licence_administrator_reads_users_but_cannot_add_one(portal_tenant, sign_in):
    """DIR-05: a License administrator reads the admin center (basic properties) and manages licences,
    but adding users is for Global and User administrators."""
    client = sign_in("licadmin")
    assert client.get(reverse("m365:licence_list")).status_code == 200
    page = client.get(reverse("m365:active_user_list"))
    assert page.status_code == 200
    assert reverse("m365:active_user_create") not in page.content.decode()  # the command is hidden
    response = client.get(reverse("m365:active_user_create"))
    assert response.status_code == 403
    assert M365_MISSING in response.content.decode()


def test_licence_detail_links_users_for_every_reader(portal_tenant, sign_in):
    url = reverse("m365:licence_detail", args=[sku("DYN").sku_id])
    plain_url = reverse("m365:active_user_detail", args=[dir_user("plain").pk])
    assert plain_url in sign_in("licadmin").get(url).content.decode()
    assert plain_url in sign_in("global").get(url).content.decode()


def test_service_information_opens_for_every_signed_in_user(portal_tenant, sign_in):
    response = sign_in("plain").get(reverse("m365:service_information"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "contoso.onmicrosoft.com" in text and portal_upn("plain") in text
    assert "Dynamics 365 Sales" in text
    assert re.search(r"<dt>Environments</dt><dd>2</dd>", text)


def test_service_information_refuses_a_superuser_without_directory_user(portal_tenant, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    response = client.get(reverse("m365:service_information"))
    assert response.status_code == 403
    assert "superuser" in response.content.decode()


# --- Active users list ---------------------------------------------------------------------------------


def test_active_user_list_shows_licences_status_and_searches(portal_tenant, sign_in):
    directory.directory_user_update(user=dir_user("olivia"), account_enabled=False)
    client = sign_in("useradmin")
    text = client.get(reverse("m365:active_user_list")).content.decode()
    assert "Olivia Test" in text and "Office 365 E3" in text and "Sign-in blocked" in text
    assert reverse("m365:active_user_detail", args=[dir_user("olivia").pk]) in text
    text = client.get(reverse("m365:active_user_list"), {"q": "olivia"}, headers=HX).content.decode()
    assert "Olivia Test" in text and "Plain Test" not in text


@pytest.mark.parametrize("sort", ["display_name", "-display_name", "user_principal_name", "-account_enabled",
                                  "user_type"])
def test_active_user_list_sorts_by_each_orderable_column(portal_tenant, sign_in, sort):
    response = sign_in("useradmin").get(reverse("m365:active_user_list"), {"sort": sort})
    assert response.status_code == 200 and "Plain Test" in response.content.decode()


def _make_users(count: int, prefix: str = "bulk") -> None:
    Sku.objects.create(sku_part_number=f"{prefix.upper()}SKU", name=f"{prefix} licence", seats=100, kind="dataverse")
    for i in range(count):
        directory.directory_user_create(user_principal_name=f"{prefix}{i:03}@contoso.onmicrosoft.com",
                                        display_name=f"{prefix} {i:03}", usage_location="US",
                                        licences=[f"{prefix.upper()}SKU", "E3"] if i < 10 else [f"{prefix.upper()}SKU"],
                                        temporary_password=False)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["active_user_list", "deleted_user_list", "licence_detail", "group_list",
                                  "licence_list", "role_list", "app_registration_list", "group_detail",
                                  "role_detail"])
def test_m365_list_pages_use_a_fixed_number_of_queries(portal_tenant, sign_in, django_assert_max_num_queries, name):
    """5 rows and 30 rows cost the same number of queries (no N+1)."""
    client = sign_in("global")

    def grow(count, prefix):
        _make_users(count, prefix)
        for i in range(count):
            user = DirectoryUser.objects.get(user_principal_name=f"{prefix}{i:03}@contoso.onmicrosoft.com")
            directory.admin_role_assign(user=user, role=AdminRole.USER)
            group = directory.group_create(name=f"{prefix} group {i}")
            directory.group_member_add(group=group, user=user)
            directory.group_member_add(group=sales_group(), user=user)
            directory.group_member_add(group=sales_group(), member_group=group)
            directory.group_owner_add(group=group, user=user)
            directory.app_registration_create(name=f"{prefix} app {i}")
            Sku.objects.create(sku_part_number=f"{prefix.upper()}{i}", name=f"{prefix} sku {i}", seats=3,
                               kind="m365")
            if name == "deleted_user_list":
                directory.directory_user_delete(user=user)

    def url():
        if name == "licence_detail":
            return reverse("m365:licence_detail", args=[sku("E3").sku_id])
        if name == "group_detail":
            return reverse("m365:group_detail", args=[sales_group().pk])
        if name == "role_detail":
            return reverse("m365:role_detail", args=[ADMIN_ROLE_TEMPLATE_IDS[AdminRole.USER]])
        return reverse(f"m365:{name}")

    grow(5, "small")
    few = _queries(client, url())
    grow(25, "large")
    target = url()
    with django_assert_max_num_queries(few):
        assert client.get(target).status_code == 200


# --- Add a user (DIR-01, DIR-02, DIR-10) ---------------------------------------------------------------


# Add a user (the wizard): tests/users_app/portal/test_m365_wizard.py.


# --- User page: Account, Licences and apps, Roles, command bar --------------------------------------------


def test_account_tab_saves_profile_fields(portal_tenant, sign_in):
    """DIR-03: the directory's profile fields are edited on the Account tab."""
    user = dir_user("olivia")
    directory.directory_user_update(user=user, custom_attributes={"extensionAttribute1": "Blue"})
    client = sign_in("useradmin")
    url = reverse("m365:active_user_detail", args=[user.pk])
    page = client.get(url).content.decode()
    assert "extensionAttribute1" in page and "FIELD-05" in page
    # Job title, Department, Office, Office phone: the real contact information panel's order.
    names = re.findall(r'name="(\w+)"', page)
    assert names.index("job_title") + 1 == names.index("department") == names.index("office_location") - 1
    assert names.index("office_location") < names.index("business_phone")
    data = {"user_principal_name": user.user_principal_name, "display_name": "Olivia Renamed", "job_title": "Buyer",
            "department": "Purchasing", "office_location": "Building 4, 2nd floor", "usage_location": "FR",
            "city": "Lyon"}
    response = client.post(url, data, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="account-form"' in text
    assert "Saved the account" in text
    assert 'value="Purchasing"' in text and 'value="Building 4, 2nd floor"' in text  # read back after the write
    user.refresh_from_db()
    assert (user.display_name, user.job_title, user.usage_location, user.city) == ("Olivia Renamed", "Buyer", "FR", "Lyon")
    assert (user.department, user.office_location) == ("Purchasing", "Building 4, 2nd floor")
    shown = client.get(url).content.decode()
    assert ">Department</label>" in shown and ">Office</label>" in shown and 'value="Purchasing"' in shown
    response = client.post(url, {**data, "display_name": "Olivia Again"})
    assert response.status_code == 302 and response["Location"] == url


def test_account_tab_clearing_usage_location_of_licensed_user_is_refused_dir10(portal_tenant, sign_in):
    user = dir_user("olivia")
    url = reverse("m365:active_user_detail", args=[user.pk])
    data = {"user_principal_name": user.user_principal_name, "display_name": "Changed", "usage_location": ""}
    response = sign_in("useradmin").post(url, data, headers=HX)
    assert response.status_code == 409 and "DIR-10" in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.usage_location) == ("Olivia Test", "US")


def test_licences_tab_ticks_and_unticks(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_licences", args=[user.pk])
    response = client.post(url, {"skus": ["DYN"], "confirm": "1"}, headers=HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="licence-form"' in text and "Saved the licenses" in text
    assert set(user.licence_assignments.values_list("sku__sku_part_number", flat=True)) == {"DYN"}
    response = client.post(url, {"skus": ["E3"], "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == url
    assert set(user.licence_assignments.values_list("sku__sku_part_number", flat=True)) == {"E3"}


def test_licences_tab_beyond_seats_is_refused_dir02_writing_nothing(portal_tenant, sign_in):
    fill_seats("DYN")
    user = dir_user("olivia")
    before = LicenceAssignment.objects.count()
    response = sign_in("useradmin").post(reverse("m365:active_user_licences", args=[user.pk]), {"skus": ["DYN"]},
                                         headers=HX)
    assert response.status_code == 409
    assert "DIR-02" in response.content.decode()
    assert LicenceAssignment.objects.count() == before
    assert set(user.licence_assignments.values_list("sku__sku_part_number", flat=True)) == {"E3"}


def test_licences_tab_without_usage_location_is_refused_dir10(portal_tenant, sign_in):
    user, _ = directory.directory_user_create(user_principal_name="nowhere@contoso.onmicrosoft.com",
                                              temporary_password=False)
    client = sign_in("useradmin")
    url = reverse("m365:active_user_licences", args=[user.pk])
    response = client.post(url, {"skus": ["E3"]})
    assert response.status_code == 302
    assert "DIR-10" in client.get(url).content.decode()
    assert not user.licence_assignments.exists()


def test_roles_tab_sets_admin_roles(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("global")
    url = reverse("m365:active_user_roles", args=[user.pk])
    response = client.post(url, {"roles": [AdminRole.LICENCE, AdminRole.POWER_PLATFORM], "confirm": "1"}, headers=HX)
    assert response.status_code == 200 and 'id="role-form"' in response.content.decode()
    assert set(user.admin_roles.values_list("role", flat=True)) == {AdminRole.LICENCE, AdminRole.POWER_PLATFORM}
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert not user.admin_roles.exists()


def test_groups_tab_lists_memberships(portal_tenant, sign_in):
    text = sign_in("useradmin").get(reverse("m365:active_user_groups", args=[dir_user("plain").pk])).content.decode()
    assert "Sales-Env" in text


def test_block_and_unblock_sign_in(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    response = client.post(reverse("m365:active_user_block", args=[user.pk]), {"blocked": "on", "confirm": "1"},
                           headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("m365:active_user_detail", args=[user.pk])
    text = client.get(response["HX-Redirect"]).content.decode()
    assert "Sign-in is blocked" in text and "Unblock sign-in" in text
    user.refresh_from_db()
    assert not user.account_enabled and not user.account.is_active
    response = client.post(reverse("m365:active_user_unblock", args=[user.pk]), {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("m365:active_user_detail", args=[user.pk])
    user.refresh_from_db()
    assert user.account_enabled


def test_reset_password_shows_new_password_once_and_mails_with_warning(portal_tenant, sign_in):
    """DIR-01: a reset makes a new temporary password, shown once; the mail carries the clear-text warning."""
    user = dir_user("olivia")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_password_reset", args=[user.pk])
    assert directory.CLEAR_TEXT_WARNING in client.get(url).content.decode()
    response = client.post(url, {"email_password_to": "olivia.manager@contoso.com"}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="password-reset"' in text and "<html" not in text
    password = re.search(r'id="temporary-password">([^<]+)<', text).group(1)
    user.refresh_from_db()
    assert user.must_change_password and user.account.check_password(password)
    assert len(mail.outbox) == 1 and directory.CLEAR_TEXT_WARNING in mail.outbox[0].body
    assert password in mail.outbox[0].body
    plain = client.post(url, {})
    assert plain.status_code == 200 and 'id="temporary-password"' in plain.content.decode()
    assert len(mail.outbox) == 1


def test_delete_asks_for_confirmation_then_restore_brings_the_user_back(portal_tenant, sign_in):
    """DIR-04 delete (soft) and restore; DIR-11 UPN altered while deleted and put back."""
    user = dir_user("olivia")
    client = sign_in("useradmin")
    delete_url = reverse("m365:active_user_delete", args=[user.pk])
    text = client.get(delete_url, headers=HX).content.decode()
    assert 'id="delete-confirm"' in text and "I understand" not in text and "hx-confirm" not in text
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.NONE
    response = client.post(delete_url, {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("m365:deleted_user_list")
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.SOFT and user.user_principal_name != portal_upn("olivia")
    deleted_page = client.get(reverse("m365:deleted_user_list")).content.decode()
    assert portal_upn("olivia") in deleted_page and "Restore" in deleted_page
    assert "Olivia Test" not in client.get(reverse("m365:active_user_list")).content.decode()
    restore_url = reverse("m365:active_user_restore", args=[user.pk])
    response = client.post(restore_url, {"confirm": "1"}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="deleted-user-table"' in text and "was restored" in text
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.NONE and user.user_principal_name == portal_upn("olivia")
    assert set(user.licence_assignments.values_list("sku__sku_part_number", flat=True)) == {"E3"}


def test_delete_over_htmx_redirects_the_whole_page(portal_tenant, sign_in):
    user = dir_user("olivia")
    response = sign_in("useradmin").post(reverse("m365:active_user_delete", args=[user.pk]), {"confirm": "1"},
                                         headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("m365:deleted_user_list")


def test_restore_from_user_page_redirects_to_the_user(portal_tenant, sign_in):
    user = directory.directory_user_delete(user=dir_user("olivia"))
    client = sign_in("useradmin")
    page = client.get(reverse("m365:active_user_detail", args=[user.pk])).content.decode()
    assert "Restore user" in page and "Block sign-in" not in page
    response = client.post(reverse("m365:active_user_restore", args=[user.pk]), {"return": "detail", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("m365:active_user_detail", args=[user.pk])


def test_restore_when_upn_taken_is_refused_dir04_writing_nothing(portal_tenant, sign_in):
    user = directory.directory_user_delete(user=dir_user("olivia"))
    directory.directory_user_create(user_principal_name=portal_upn("olivia"), temporary_password=False)
    response = sign_in("useradmin").post(reverse("m365:active_user_restore", args=[user.pk]), headers=HX)
    assert response.status_code == 409 and "DIR-04" in response.content.decode()
    assert 'id="deleted-user-table"' in response.content.decode()
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.SOFT
    response = sign_in("useradmin").post(reverse("m365:active_user_restore", args=[user.pk]))
    assert response.status_code == 302


def test_restore_beyond_seats_is_refused_dir02(portal_tenant, sign_in):
    user = directory.directory_user_delete(user=dir_user("olivia"))
    fill_seats("E3")
    response = sign_in("useradmin").post(reverse("m365:active_user_restore", args=[user.pk]), headers=HX)
    assert response.status_code == 409 and "DIR-02" in response.content.decode()
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.SOFT


# --- Groups (DIR-06) ----------------------------------------------------------------------------------------


def test_group_create_then_open(portal_tenant, sign_in):
    client = sign_in("useradmin")
    response = client.post(reverse("m365:group_create"), {"name": "Finance", "group_type": "security"})
    group = DirectoryGroup.objects.get(name="Finance")
    assert response.status_code == 302 and response["Location"] == reverse("m365:group_detail", args=[group.pk])
    response = client.post(reverse("m365:group_create"), {"name": "Legal", "group_type": "m365"}, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/m365/groups/")


def test_group_create_duplicate_name_is_refused_writing_nothing(portal_tenant, sign_in):
    before = DirectoryGroup.objects.count()
    response = sign_in("useradmin").post(reverse("m365:group_create"), {"name": "sales-env", "group_type": "security"},
                                         headers=HX)
    assert response.status_code == 409 and "already exists" in response.content.decode()
    assert DirectoryGroup.objects.count() == before


def test_group_list_searches_and_counts(portal_tenant, sign_in):
    directory.group_create(name="Finance")
    text = sign_in("useradmin").get(reverse("m365:group_list"), {"q": "sales"}, headers=HX).content.decode()
    assert "Sales-Env" in text and "Finance" not in text
    assert re.search(r"<td[^>]*>3</td>", text)  # three members


def test_group_members_add_users_and_nested_groups_then_remove(portal_tenant, sign_in):
    """DIR-06: members are users or groups; add members, Save; remove."""
    group = sales_group()
    nested = directory.group_create(name="Sales-Interns")
    client = sign_in("useradmin")
    url = reverse("m365:group_member_add", args=[group.pk])
    olivia = dir_user("olivia")
    response = client.post(url, {"users": [str(olivia.pk)], "groups": [str(nested.pk)], "confirm": "1"}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="group-members"' in text and "Added 2 members" in text
    assert "Sales-Interns" in text and "Olivia Test" in text
    assert GroupMembership.objects.filter(group=group).count() == 5
    membership = GroupMembership.objects.get(group=group, member_group=nested)
    response = client.post(reverse("m365:group_member_remove", args=[group.pk]), {"membership": membership.pk, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("m365:group_detail", args=[group.pk])
    assert GroupMembership.objects.filter(group=group).count() == 4
    response = client.post(url, {"users": [str(dir_user("global").pk)], "confirm": "1"})
    assert response.status_code == 302
    response = client.post(reverse("m365:group_member_remove", args=[group.pk]),
                           {"membership": GroupMembership.objects.get(group=group, user=olivia).pk, "confirm": "1"},
                           headers=HX)
    assert response.status_code == 200 and "Removed" in response.content.decode()


def test_group_member_cycle_is_refused_dir06_writing_nothing(portal_tenant, sign_in):
    outer = sales_group()
    inner = directory.group_create(name="Inner")
    directory.group_member_add(group=outer, member_group=inner)
    before = GroupMembership.objects.count()
    response = sign_in("useradmin").post(reverse("m365:group_member_add", args=[inner.pk]),
                                         {"groups": [str(outer.pk)], "users": [str(dir_user("olivia").pk)]}, headers=HX)
    assert response.status_code == 409 and "DIR-06" in response.content.decode()
    assert GroupMembership.objects.count() == before


def test_group_member_add_needs_a_selection(portal_tenant, sign_in):
    response = sign_in("useradmin").post(reverse("m365:group_member_add", args=[sales_group().pk]), {}, headers=HX)
    assert response.status_code == 400 and "Select at least one" in response.content.decode()


def test_group_owners_add_and_remove(portal_tenant, sign_in):
    group = sales_group()
    client = sign_in("useradmin")
    olivia, plain = dir_user("olivia"), dir_user("plain")
    response = client.post(reverse("m365:group_owner_add", args=[group.pk]),
                           {"users": [str(olivia.pk), str(plain.pk)], "confirm": "1"}, headers=HX)
    assert response.status_code == 200 and 'id="group-owners"' in response.content.decode()
    assert GroupOwner.objects.filter(group=group).count() == 2
    response = client.post(reverse("m365:group_owner_remove", args=[group.pk]), {"user": str(olivia.pk), "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("m365:group_owners", args=[group.pk])
    assert list(GroupOwner.objects.filter(group=group).values_list("user_id", flat=True)) == [plain.pk]
    response = client.post(reverse("m365:group_owner_add", args=[group.pk]), {"users": [str(olivia.pk)], "confirm": "1"})
    assert response.status_code == 302
    response = client.post(reverse("m365:group_owner_remove", args=[group.pk]), {"user": str(plain.pk), "confirm": "1"},
                           headers=HX)
    assert response.status_code == 200 and "no longer an owner" in response.content.decode()


# --- Licences, roles, app registrations -------------------------------------------------------------------------


def test_licence_list_shows_seats_used_total_available(portal_tenant, sign_in):
    used = directory.seats_used(sku("E3"))
    directory.directory_user_delete(user=dir_user("olivia"))  # frees a seat (DIR-02)
    text = sign_in("licadmin").get(reverse("m365:licence_list"), headers=HX).content.decode()
    row = re.search(r"Office 365 E3.*?</tr>", text, re.S).group(0)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[-3:] == [str(used - 1), "20", str(20 - used + 1)]


def test_role_list_and_holders(portal_tenant, sign_in):
    client = sign_in("useradmin")
    text = client.get(reverse("m365:role_list")).content.decode()
    for label in ("Global administrator", "Power Platform administrator", "Dynamics 365 service administrator",
                  "User administrator", "License administrator"):
        assert label in text
    assert "Global Test" in text


def test_role_holder_add_and_remove(portal_tenant, sign_in):
    client = sign_in("global")
    olivia = dir_user("olivia")
    add = reverse("m365:role_holder_add", args=[GLOBAL_ROLE_ID])
    remove = reverse("m365:role_holder_remove", args=[GLOBAL_ROLE_ID])
    response = client.post(add, {"user": str(olivia.pk), "confirm": "1"}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="role-holders"' in text and "now holds Global administrator" in text
    assert olivia.admin_roles.filter(role=AdminRole.GLOBAL).exists()
    response = client.post(remove, {"user": str(olivia.pk), "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("m365:role_detail", args=[GLOBAL_ROLE_ID])
    assert not olivia.admin_roles.exists()
    assert client.post(add, {"user": str(olivia.pk), "confirm": "1"}).status_code == 302
    response = client.post(remove, {"user": str(olivia.pk), "confirm": "1"}, headers=HX)
    assert response.status_code == 200 and "no longer holds" in response.content.decode()


def test_role_holder_add_needs_a_user(portal_tenant, sign_in):
    before = AdminRoleAssignment.objects.count()
    response = sign_in("global").post(reverse("m365:role_holder_add", args=[GLOBAL_ROLE_ID]), {"user": ""},
                                         headers=HX)
    assert response.status_code == 400 and AdminRoleAssignment.objects.count() == before


def test_app_registration_create_shows_secret_once(portal_tenant, sign_in):
    """DIR-08: app (client) id and object id; the secret is shown once and only its hash kept."""
    client = sign_in("global")
    response = client.post(reverse("m365:app_registration_create"), {"name": "Payroll sync"}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="app-registration-create"' in text
    secret = re.search(r'id="client-secret">([^<]+)<', text).group(1)
    app = AppRegistration.objects.get(name="Payroll sync")
    assert str(app.app_id) in text and str(app.object_id) in text
    assert secret not in app.secret_hash
    assert secret not in client.get(reverse("m365:app_registration_list")).content.decode()
    plain = client.post(reverse("m365:app_registration_create"), {"name": "Second app"})
    assert plain.status_code == 200 and 'id="client-secret"' in plain.content.decode()


def test_app_registration_create_without_name_writes_nothing(portal_tenant, sign_in):
    before = AppRegistration.objects.count()
    response = sign_in("global").post(reverse("m365:app_registration_create"), {"name": ""}, headers=HX)
    assert response.status_code == 400 and AppRegistration.objects.count() == before


# --- Delete permanently and the tenant Marketing licence, added by the lead ----------------------------


def test_dir_04_delete_permanently_from_deleted_users(portal_tenant, sign_in):
    """DIR-04: a soft-deleted user is deleted for good (with confirmation); LIFE-05 Delete then opens."""
    from tests.conftest import portal_upn
    from users_app.models import DirectoryUser
    from users_app.services import directory
    user = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    directory.directory_user_delete(user=user)
    admin = sign_in("global")
    url = reverse("m365:active_user_purge", args=[user.pk])
    panel = admin.get(url, HTTP_HX_REQUEST="true").content.decode()  # the one confirmation panel (B14)
    assert 'id="purge-confirm"' in panel and "can never be restored" in panel and "hx-confirm" not in panel
    user.refresh_from_db()
    assert user.deleted_state == "soft"
    response = admin.post(url, {"query": "q=plain"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("m365:deleted_user_list") + "?q=plain"
    user.refresh_from_db()
    assert user.deleted_state == "hard"
    assert sign_in("licadmin").post(url, {"confirm": "1"}).status_code == 403


def test_elig_03_tenant_marketing_licence_toggle(portal_tenant, sign_in):
    """ELIG-03 c: the tenant-level Marketing licence is held or not, from the Licences page."""
    from users_app.models import Tenant
    client = sign_in("global")
    url = reverse("m365:tenant_licence_update")
    response = client.post(url, {"marketing_licence": "1", "confirm": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="tenant-licences"' in response.content.decode()
    assert Tenant.objects.get().marketing_licence
    assert client.post(url, {"marketing_licence": "0", "confirm": "1"}).status_code == 302
    assert not Tenant.objects.get().marketing_licence
    assert sign_in("plain").post(url, {"marketing_licence": "1"}).status_code == 403
