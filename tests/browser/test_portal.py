"""The portal in a real Chromium, as a tenant admin uses it."""
import re

import pytest
from playwright.sync_api import expect

from tests import builders
from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn
from users_app.models import DirectoryGroup, DirectoryUser, SystemUser
from users_app.provisioning.sync import directory_sync
from users_app.services import records
from users_app.tenant_file import load_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, local, password=PORTAL_PASSWORD):
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("User name").fill(portal_upn(local))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sales_id():
    from environments_app.models import Environment
    return Environment.objects.get(name="Sales").environment_id


def test_sign_in_and_change_the_temporary_password(page, live_server, tenant, console_errors, shot):
    """DIR-01: a temporary password must be changed at first sign-in."""
    from users_app.services.directory import directory_user_create
    user, temporary = directory_user_create(user_principal_name=portal_upn("newbie"), display_name="New Bie",
                                            usage_location="US")
    page.goto(f"{live_server.url}/environments/")
    expect(page).to_have_url(re.compile(r"/signin/"))
    shot("sign-in")
    sign_in(page, live_server, "newbie", temporary)
    expect(page).to_have_url(re.compile(r"/password/"))
    page.get_by_label("New password", exact=True).fill("A-new-Secret-2026")
    page.get_by_label("New password confirmation").fill("A-new-Secret-2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    user.refresh_from_db()
    assert not user.must_change_password


def test_admin_story_create_license_sync_find_role_diagnose_unlicense_refresh(page, live_server, tenant, console_errors, shot):
    """DIR-01/02, DIR-06, SYNC-01, ROLE-01, DIAG-01, SYNC-04/SYNC-05: the whole path of one new user."""
    sign_in(page, live_server, "global")
    # Microsoft 365 admin center: Add a user with a licence.
    page.goto(f"{live_server.url}/m365/users/new/")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Display name").fill("Nora Quinn")
    page.get_by_label("Username").fill("nora")
    page.get_by_role("button", name="Next").click()  # the wizard: Basics, Product licenses, Optional, Review
    page.get_by_label("Select location").select_option("US")
    page.get_by_role("checkbox", name=re.compile(r"Dynamics 365 Sales")).check()
    shot("m365-add-user")
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Optional settings")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish adding").click()
    expect(page.locator("#temporary-password")).to_be_visible()
    nora = DirectoryUser.objects.get(user_principal_name=portal_upn("nora"))
    # Add her to the environment's security group, on the group's Members tab.
    group = DirectoryGroup.objects.get(name="Sales-Env")
    page.goto(f"{live_server.url}/m365/groups/{group.id}/")
    picker = page.get_by_role("combobox", name="Users")
    picker.press_sequentially("nora", delay=30)
    page.locator("#id_users_listbox [role=option]").filter(has_text="Nora Quinn").click()
    page.get_by_role("button", name="Add members").click()
    page.locator("#preview-panel").get_by_role("button", name="Add members").click()  # the impact preview's Confirm
    expect(page.locator("#group-members")).to_contain_text(portal_upn("nora"))
    shot("m365-group-members")
    # Sync the environment from its sync history.
    env_id = sales_id()
    page.goto(f"{live_server.url}/environments/{env_id}/sync-history/")
    page.get_by_role("button", name=re.compile("Sync now")).click()
    expect(page.locator("body")).to_contain_text("Background sync")
    shot("sync-history")
    # Find her in the users list by typing in the search box.
    page.goto(f"{live_server.url}/environments/{env_id}/users/")
    page.get_by_role("searchbox", name="Search users", exact=True).press_sequentially("nora", delay=30)
    expect(page.locator("#user-table")).to_contain_text("Nora Quinn")
    expect(page.locator("#user-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=nora"))
    shot("users-list")
    page.locator("#user-table").get_by_role("link", name="Nora Quinn").click()  # the quick look
    page.locator("#quick-look-panel").get_by_role("link", name="Open profile").click()
    expect(page.locator("h1")).to_have_text("Nora Quinn")
    # Give her the Basic User role.
    page.get_by_role("link", name="Manage security roles").click()
    page.get_by_label("Basic User").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Basic User")
    # Run diagnostics: every check passes (or does not apply).
    page.get_by_role("button", name="Run diagnostics").click()
    panel = page.locator("#user-panel")  # the Run diagnostics side panel
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("entitled")
    expect(panel.locator(".check-fail")).to_have_count(0)
    for rule in ("ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ROLE-01"):
        expect(panel.locator(f'tr[data-rule="{rule}"] .check-pass')).to_have_count(1)
    shot("run-diagnostics")
    profile_url = page.url
    # Remove the licence on her Licences and apps tab...
    page.goto(f"{live_server.url}/m365/users/{nora.id}/licences/")
    page.get_by_role("checkbox", name=re.compile(r"Dynamics 365 Sales")).uncheck()
    page.get_by_role("button", name="Save changes").click()
    page.locator("#preview-panel").get_by_role("button", name="Save changes").click()  # issue 12: the preview first
    expect(page.locator("#messages")).to_be_visible()
    # ...and Refresh user disables her, naming the rule.
    page.goto(profile_url)
    page.get_by_role("button", name="Refresh user").click()
    expect(page.locator("#user-panel")).to_contain_text("ELIG-03")  # the "What changed" side panel
    expect(page.locator("#user-summary")).to_contain_text("Disabled")
    shot("refresh-user")
    assert SystemUser.objects.get(azureactivedirectoryobjectid=nora.id).isdisabled


def test_eighth_non_interactive_user_is_refused(page, live_server, console_errors, shot):
    """MODE-03: at most seven non-interactive users; the eighth is refused on the user form."""
    data = portal_tenant_data()
    data["users"] += [builders.user(f"svc{i}", display_name=f"Service {i}", usage_location="US", licences=["DYN"])
                      for i in range(8)]
    data["groups"][0]["members"] += [portal_upn(f"svc{i}") for i in range(8)]
    load_tenant(data)
    directory_sync()
    env_id = sales_id()
    for i in range(7):
        records.access_mode_set(systemuser=SystemUser.objects.get(domainname=portal_upn(f"svc{i}"), environment__environment_id=env_id),
                                mode="non-interactive")
    eighth = SystemUser.objects.get(domainname=portal_upn("svc7"), environment__environment_id=env_id)
    sign_in(page, live_server, "global")
    page.goto(f"{live_server.url}/environments/{env_id}/users/{eighth.systemuserid}/")
    page.get_by_role("link", name="Manage user in Dynamics 365").click()
    page.get_by_label("Access Mode").select_option("non-interactive")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("MODE-03")
    shot("non-interactive-refused")
    eighth.refresh_from_db()
    assert eighth.accessmode == 0


def test_import_makes_a_stub_user_without_refresh_or_diagnostics(page, live_server, tenant, console_errors, shot):
    """STUB-01, STUB-02: an unknown owner becomes a stub user; its profile offers no Refresh or Diagnostics."""
    env_id = sales_id()
    sign_in(page, live_server, "global")
    page.goto(f"{live_server.url}/environments/{env_id}/import/")
    page.locator("textarea").first.fill("name,owner\nAcme,ghost@fabrikam.com\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("body")).to_contain_text("ghost@fabrikam.com")
    shot("data-import-preview")
    page.get_by_role("button", name="Import").first.click()
    page.locator("#preview-panel").get_by_role("button", name="Import").click()  # the impact preview's Confirm
    expect(page.locator("#messages")).to_contain_text(re.compile("imported|Imported"))
    page.goto(f"{live_server.url}/environments/{env_id}/users/?view=stub")
    page.locator("#user-table").get_by_role("link").filter(has_text="ghost").first.click()  # the quick look
    page.locator("#quick-look-panel").get_by_role("link", name="Open profile").click()
    expect(page.locator(".warning-box").first).to_contain_text("STUB-02")
    expect(page.get_by_role("button", name="Refresh user")).to_have_count(0)
    expect(page.get_by_role("button", name="Run diagnostics")).to_have_count(0)
    shot("stub-user")


def test_non_admin_is_refused_the_admin_screens(page, live_server, tenant, console_errors, shot):
    """A user without an admin role gets 403 naming the missing role; My environments works."""
    sign_in(page, live_server, "plain")
    expect(page).to_have_url(re.compile(r"/my/environments/"))
    shot("my-environments")
    for path, text in (("/environments/", "Power Platform administrator"), ("/m365/users/", "User administrator")):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403
        expect(page.locator("#forbidden")).to_contain_text(text)
    shot("forbidden")
