"""A Microsoft 365 user's page: the flyout-like sheet (header, commands, tabs swapped in place) and its
commands in side panels: Block / Unblock sign-in (the real panel's box), Reset password, Delete user
(the one confirmation, B14)."""
from django.urls import reverse

from tests.builders import HX_HEADERS as HX
from tests.conftest import portal_upn
from users_app.choices import DeletedState
from users_app.models import DirectoryUser, Sku


def dir_user(local: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def test_the_sheet_has_the_header_commands_and_tabs_with_the_current_one_marked(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    text = client.get(reverse("m365:active_user_roles", args=[user.pk])).content.decode()
    assert 'class="user-avatar"' in text and portal_upn("olivia") in text
    for command in ("Block sign-in", "Reset password", "Delete user", "Manage username and email"):
        assert command in text
    assert 'aria-current="page">Roles</a>' in text and 'aria-current="page">Account' not in text
    fragment = client.get(reverse("m365:active_user_licences", args=[user.pk]), headers=HX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="user-sheet"')
    assert 'aria-current="page">Licenses and apps</a>' in fragment and 'id="licence-form"' in fragment


def test_licences_tab_lists_the_apps_under_each_licence(portal_tenant, sign_in):
    Sku.objects.filter(sku_part_number="E3").update(service_plans=["EXCHANGE_S_ENTERPRISE", "TEAMS1"])
    text = sign_in("useradmin").get(reverse("m365:active_user_licences", args=[dir_user("olivia").pk])).content.decode()
    assert "Apps (2)" in text and "EXCHANGE_S_ENTERPRISE" in text and "TEAMS1" in text
    assert 'aria-label="Apps of Office 365 E3"' in text


def test_block_sign_in_is_a_panel_with_its_box_and_save(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_block", args=[user.pk])
    panel = client.get(url, headers=HX).content.decode()
    assert 'id="sign-in-panel"' in panel and "Block this user?" in panel and "<html" not in panel
    assert "Block this user from signing in" in panel and 'name="blocked"' in panel and "checked" in panel
    page = client.get(url).content.decode()  # without JS: the user's page with the panel shown
    assert "<html" in page and 'id="user-summary"' in page and 'id="sign-in-panel"' in page
    # Saved with the box cleared: nothing changes.
    response = client.post(url, {})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.account_enabled
    client.post(url, {"blocked": "on", "confirm": "1"})
    user.refresh_from_db()
    assert not user.account_enabled
    panel = client.get(reverse("m365:active_user_unblock", args=[user.pk]), headers=HX).content.decode()
    assert "Unblock this user?" in panel and "checked" not in panel.split('name="blocked"')[1].split(">")[0]


def test_a_refused_block_shows_in_its_panel(portal_tenant, sign_in):
    """DIR-05: a User administrator cannot block a Global administrator; the panel says so."""
    admin = dir_user("global")
    response = sign_in("useradmin").post(reverse("m365:active_user_block", args=[admin.pk]), {"blocked": "on"},
                                         headers=HX)
    text = response.content.decode()
    assert response.status_code == 409 and 'id="sign-in-panel"' in text and 'href="/rules/DIR-05/"' in text
    admin.refresh_from_db()
    assert admin.account_enabled


def test_delete_is_one_confirmation_panel(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_delete", args=[user.pk])
    panel = client.get(url, headers=HX).content.decode()
    assert 'id="delete-confirm"' in panel and "Delete Olivia" in panel and 'class="btn btn-danger"' in panel
    assert "hx-confirm" not in panel and "I understand" not in panel and 'href="/rules/DIR-04/"' in panel
    response = client.post(url, {"confirm": "1"}, headers=HX)
    assert response["HX-Redirect"] == reverse("m365:deleted_user_list")
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.SOFT


def test_reset_password_is_a_panel_showing_the_password_once(portal_tenant, sign_in):
    user = dir_user("olivia")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_password_reset", args=[user.pk])
    panel = client.get(url, headers=HX).content.decode()
    assert 'id="password-reset"' in panel and 'role="dialog"' in panel and "Email the new password to" in panel
    response = client.post(url, {}, headers=HX)
    text = response.content.decode()
    assert 'id="temporary-password"' in text and "data-copy" in text and "no-store" in response["Cache-Control"]
    assert 'id="temporary-password"' not in client.get(url).content.decode()


def test_deleted_users_keep_their_search_after_restore_and_show_one_sort_arrow(portal_tenant, sign_in):
    """B11: after Restore the rows still match the search box; one column is marked sorted."""
    from users_app.services import audit, directory
    with audit.acting_as(audit.OPERATOR_ACTOR):
        for local in ("olivia", "plain", "helpdesk"):
            directory.directory_user_delete(user=dir_user(local))
    client = sign_in("useradmin")
    listing = reverse("m365:deleted_user_list")
    text = client.get(listing).content.decode()
    assert text.count("aria-sort=") == 1
    text = client.get(listing, {"q": "olivia", "sort": "original_user_principal_name"}).content.decode()
    assert text.count("aria-sort=") == 1 and 'name="query" value="q=olivia&amp;sort=original_user_principal_name"' in text
    olivia = DirectoryUser.objects.get(original_user_principal_name=portal_upn("olivia"))
    restore = reverse("m365:active_user_restore", args=[olivia.pk])
    response = client.post(restore, {"query": "q=plain", "confirm": "1"}, headers=HX)
    rows = response.content.decode()
    assert response.status_code == 200 and "was restored" in rows
    assert portal_upn("plain") in rows and portal_upn("helpdesk") not in rows  # still filtered by "plain"
    helpdesk = DirectoryUser.objects.get(original_user_principal_name=portal_upn("helpdesk"))
    response = client.post(reverse("m365:active_user_restore", args=[helpdesk.pk]), {"query": "q=plain", "confirm": "1"})
    assert response["Location"] == f"{listing}?q=plain"  # without JS: back to the same filtered list
