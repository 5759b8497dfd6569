"""The relation tabs (group Members and Owners, an admin role's holders): paged and searched,
Add through the people picker, Remove through the one confirmation panel (B14), and the header's
count refreshed with the tab's (B10)."""
from django.urls import reverse

from tests.builders import HX
from tests.conftest import portal_upn
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole
from users_app.models import AdminRoleAssignment, DirectoryGroup, DirectoryUser, GroupMembership, GroupOwner
from users_app.services import directory
from users_app.views.relations import PER_PAGE


def sales_group():
    return DirectoryGroup.objects.get(name="Sales-Env")


def du(local):
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def members_url(group, **query):
    from urllib.parse import urlencode
    return reverse("m365:group_detail", args=[group.pk]) + (f"?{urlencode(query)}" if query else "")


def crowd(group, count):
    users = DirectoryUser.objects.bulk_create([
        DirectoryUser(user_principal_name=f"crowd{i:03}@contoso.onmicrosoft.com", display_name=f"Crowd {i:03}")
        for i in range(count)])
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=user) for user in users])


def test_members_are_paged_and_searched(portal_tenant, sign_in):
    group = sales_group()
    crowd(group, 40)
    client = sign_in("useradmin")
    first = client.get(members_url(group)).content.decode()
    total = GroupMembership.objects.filter(group=group).count()
    assert f"Members ({total})" in first and first.count("Remove</a>") == PER_PAGE
    assert f"Page 1 of {-(-total // PER_PAGE)}" in first and 'rel="next"' in first
    second = client.get(members_url(group, page=2), **HX).content.decode()
    assert "<html" not in second and second.count("Remove</a>") == total - PER_PAGE
    found = client.get(members_url(group, q="crowd 01"), **HX).content.decode()
    assert found.count("Remove</a>") == 10 and f"10 of {total} match" in found
    assert "Crowd 010" in found and "Crowd 020" not in found


def test_add_members_through_the_picker_refreshes_the_header_count(portal_tenant, sign_in):
    group = sales_group()
    before = GroupMembership.objects.filter(group=group).count()
    olivia = du("olivia")
    client = sign_in("useradmin")
    page = client.get(members_url(group)).content.decode()
    assert f'<span id="group-member-count">{before}</span>' in page and 'role="combobox"' in page
    response = client.post(reverse("m365:group_member_add", args=[group.pk]),
                           {"users": [str(olivia.pk), portal_upn("global")], "confirm": "1"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and GroupMembership.objects.filter(group=group).count() == before + 2
    assert f"Members ({before + 2})" in text  # the tab's count ...
    assert f'<span id="group-member-count" hx-swap-oob="true">{before + 2}</span>' in text  # ... and the header's (B10)
    assert "Added 2 members" in text


def test_a_bad_pick_is_named_in_the_field(portal_tenant, sign_in):
    group = sales_group()
    response = sign_in("useradmin").post(reverse("m365:group_member_add", args=[group.pk]),
                                         {"users": "nobody@nowhere.com"}, **HX)
    assert response.status_code == 400 and "No directory user &#x27;nobody@nowhere.com&#x27;." in response.content.decode()


def test_remove_member_asks_once_then_removes(portal_tenant, sign_in):
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    url = reverse("m365:group_member_remove", args=[group.pk])
    client = sign_in("useradmin")
    panel = client.get(f"{url}?membership={membership.pk}", **HX).content.decode()
    assert 'id="confirm-panel"' in panel and "Remove Plain Test from Sales-Env?" in panel and "btn-danger" in panel
    assert GroupMembership.objects.filter(pk=membership.pk).exists()  # asking removes nothing
    full = client.get(f"{url}?membership={membership.pk}").content.decode()  # without JavaScript: the page behind it
    assert "<html" in full and 'id="confirm-panel"' in full and 'id="group-members"' in full
    response = client.post(url, {"membership": membership.pk, "confirm": "1"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and not GroupMembership.objects.filter(pk=membership.pk).exists()
    assert 'id="group-members"' in text and 'id="panel-host" hx-swap-oob="true"' in text
    count = GroupMembership.objects.filter(group=group).count()
    assert f'<span id="group-member-count" hx-swap-oob="true">{count}</span>' in text
    gone = client.post(url, {"membership": membership.pk, "confirm": "1"}, **HX)
    assert gone.status_code == 404


def test_remove_without_javascript_redirects_to_the_tab(portal_tenant, sign_in):
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    response = sign_in("useradmin").post(reverse("m365:group_member_remove", args=[group.pk]),
                                         {"membership": membership.pk, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == members_url(group)


def test_owners_tab_add_and_remove(portal_tenant, sign_in):
    group = sales_group()
    client = sign_in("useradmin")
    add = client.post(reverse("m365:group_owner_add", args=[group.pk]), {"users": portal_upn("olivia"), "confirm": "1"}, **HX)
    assert add.status_code == 200 and GroupOwner.objects.filter(group=group, user=du("olivia")).exists()
    assert '<span id="group-owner-count" hx-swap-oob="true">' in add.content.decode()
    url = reverse("m365:group_owner_remove", args=[group.pk])
    panel = client.get(f"{url}?user={du('olivia').pk}", **HX).content.decode()
    assert "as an owner of Sales-Env?" in panel
    client.post(url, {"user": du("olivia").pk, "confirm": "1"}, **HX)
    assert not GroupOwner.objects.filter(group=group, user=du("olivia")).exists()


def test_removing_a_global_administrator_goes_through_the_confirmation(portal_tenant, sign_in):
    role_id = ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL]
    directory.admin_role_assign(user=du("olivia"), role=AdminRole.GLOBAL)
    client = sign_in("global")
    tab = client.get(reverse("m365:role_detail", args=[role_id])).content.decode()
    remove = reverse("m365:role_holder_remove", args=[role_id])
    assert f'href="{remove}?user={du("olivia").pk}"' in tab and 'role="combobox"' in tab
    panel = client.get(f"{remove}?user={du('olivia').pk}", **HX).content.decode()
    assert "Remove Olivia Test from Global administrator?" in panel and "DIR-05" in panel
    assert AdminRoleAssignment.objects.filter(user=du("olivia"), role=AdminRole.GLOBAL).exists()
    done = client.post(remove, {"user": du("olivia").pk, "confirm": "1"}, **HX)
    assert done.status_code == 200 and "no longer holds" in done.content.decode()
    assert not AdminRoleAssignment.objects.filter(user=du("olivia"), role=AdminRole.GLOBAL).exists()


def test_add_an_admin_through_the_picker(portal_tenant, sign_in):
    role_id = ADMIN_ROLE_TEMPLATE_IDS[AdminRole.USER]
    client = sign_in("global")
    response = client.post(reverse("m365:role_holder_add", args=[role_id]), {"user": "Olivia Test", "confirm": "1"}, **HX)
    assert response.status_code == 200 and "now holds" in response.content.decode()
    assert AdminRoleAssignment.objects.filter(user=du("olivia"), role=AdminRole.USER).exists()
    holders = client.get(reverse("m365:role_detail", args=[role_id]), {"q": "olivia"}, **HX).content.decode()
    assert "Olivia Test" in holders and "Useradmin Test" not in holders


def test_a_reader_gets_the_tab_not_a_confirmation(portal_tenant, sign_in):
    """Global reader: the members without Remove or Add, and the remove URL shows the tab, asking nothing."""
    group = sales_group()
    membership = GroupMembership.objects.get(group=group, user=du("plain"))
    client = sign_in("greader")
    tab = client.get(members_url(group)).content.decode()
    assert "Plain Test" in tab and "Remove</a>" not in tab and 'role="combobox"' not in tab
    url = reverse("m365:group_member_remove", args=[group.pk])
    answer = client.get(f"{url}?membership={membership.pk}").content.decode()
    assert 'id="group-members"' in answer and 'id="confirm-panel"' not in answer
    assert client.post(url, {"membership": membership.pk, "confirm": "1"}).status_code == 403
    assert GroupMembership.objects.filter(pk=membership.pk).exists()
