"""Microsoft 365 admin center in Chromium: the Add a user wizard end to end (with and without
JavaScript) and a user's page with its Block sign-in panel."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn
from users_app.models import AdminRoleAssignment, DirectoryUser, Sku
from users_app.provisioning.sync import directory_sync
from users_app.tenant_file import load_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tenant(live_server):
    data = portal_tenant_data()
    load_tenant(data)
    directory_sync()
    Sku.objects.filter(sku_part_number="DYN").update(
        service_plans=["DYN365_ENTERPRISE_SALES", "CDS_SALES", "POWERAPPS_DYN_APPS", "FLOW_DYN_APPS"])
    return data


def sign_in(page, live_server, local="global"):
    page.goto(f"{live_server.url}/signin/?next=/m365/users/")
    page.get_by_label("User name").fill(portal_upn(local))
    page.get_by_label("Password").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _wizard(page, live_server, shot=None, js=True, axe=None):
    """Basics (auto password), Product licenses (Dynamics 365 Sales), Optional settings (a role), Review."""
    page.goto(f"{live_server.url}/m365/users/new/")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    if js:
        expect(page.get_by_label("Display name")).to_have_value("Nora Quinn")  # filled as you type
        expect(page.locator("#password-field")).to_be_hidden()
    page.get_by_label("Username").fill("nora")
    expect(page.get_by_label("Automatically create a password")).to_be_checked()
    if shot:
        shot("wizard-basics")
    if axe:
        axe("Add a user: Basics", ["#add-user-wizard"])
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Product licenses")
    page.get_by_label("Select location").select_option("US")
    page.get_by_role("checkbox", name=re.compile(r"Dynamics 365 Sales")).check()
    page.get_by_text("Apps (4)").click()
    expect(page.get_by_text("CDS_SALES")).to_be_visible()
    if shot:
        shot("wizard-licences")
    if axe:
        axe("Add a user: Product licenses", ["#add-user-wizard"])
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Optional settings")
    page.get_by_role("radio", name="Admin center access", exact=True).check()
    page.get_by_role("checkbox", name="License administrator").check()
    page.get_by_label("Job title").fill("Buyer")
    page.get_by_label("Department", exact=True).fill("Purchasing")
    page.get_by_label("Office", exact=True).fill("Seattle 4/321")
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Finish")
    review = page.locator("#add-user-wizard")
    for text in ("Nora Quinn", portal_upn("nora"), "Automatically created", "Dynamics 365 Sales",
                 "License administrator", "Buyer", "Purchasing", "Seattle 4/321"):
        expect(review).to_contain_text(text)
    if shot:
        shot("wizard-review")
    if axe:
        axe("Add a user: Review and finish", ["#add-user-wizard"])


def test_wizard_end_to_end(page, live_server, tenant, console_errors, shot, axe):
    """DIR-01/02/05/10: the four steps, then the password shown once with Copy."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server)
    _wizard(page, live_server, shot, axe=axe)
    # Back keeps what was typed.
    page.get_by_role("link", name="Edit display and username").click()
    expect(page.get_by_label("Display name")).to_have_value("Nora Quinn")
    current = page.locator('[aria-current="step"]')
    page.get_by_role("button", name="Next").click()
    expect(current).to_have_text("Product licenses")
    page.get_by_role("button", name="Next").click()
    expect(current).to_have_text("Optional settings")
    page.get_by_role("button", name="Back").click()
    expect(current).to_have_text("Product licenses")
    expect(page.get_by_label("Select location")).to_have_value("US")
    page.get_by_role("button", name="Next").click()
    expect(current).to_have_text("Optional settings")
    expect(page.get_by_role("checkbox", name="License administrator")).to_be_checked()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish adding").click()
    expect(page.get_by_role("heading", name="Nora Quinn added to active users")).to_be_visible()
    password = page.locator("#temporary-password").inner_text().strip()
    assert len(password) >= 12
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".wizard-copied")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == password
    shot("wizard-finish")
    axe("Add a user: finished", ["#add-user-wizard"])
    nora = DirectoryUser.objects.get(user_principal_name=portal_upn("nora"))
    assert nora.must_change_password and nora.account.check_password(password)
    assert list(nora.licence_assignments.values_list("sku__sku_part_number", flat=True)) == ["DYN"]
    assert AdminRoleAssignment.objects.filter(user=nora, role="License Administrator").exists()


def test_wizard_without_javascript(browser, live_server, tenant):
    """The same wizard with JavaScript off: plain POSTs, the server fills the display name."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        _wizard(page, live_server, js=False)
        page.get_by_role("button", name="Finish adding").click()
        expect(page.get_by_role("heading", name="Nora Quinn added to active users")).to_be_visible()
        expect(page.locator("#temporary-password")).to_be_visible()
        expect(page.get_by_role("button", name="Copy")).to_be_hidden()  # no clipboard without JS: select it
        nora = DirectoryUser.objects.get(user_principal_name=portal_upn("nora"))
        assert nora.display_name == "Nora Quinn"
    finally:
        context.close()


def test_user_page_tabs_and_block_sign_in_through_its_panel(page, live_server, tenant, console_errors, shot, axe):
    """The user page as the details flyout: tabs swapped in place; Block sign-in through its panel,
    with the keyboard: focus in the panel, the box, Save."""
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/m365/users/{olivia.pk}/")
    expect(page.locator(".user-avatar")).to_be_visible()
    page.get_by_role("link", name="Licenses and apps").click()
    expect(page.get_by_role("link", name="Licenses and apps")).to_have_attribute("aria-current", "page")
    expect(page).to_have_url(re.compile(r"/licences/$"))
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("link", name="Account")).to_have_attribute("aria-current", "page")
    shot("m365-user-page")
    axe("User page", ["#user-sheet"])
    page.get_by_role("link", name="Block sign-in").click()
    panel = page.locator("#sign-in-panel")
    expect(panel.get_by_role("dialog")).to_be_visible()
    expect(panel).to_contain_text("Block this user?")
    box = panel.get_by_label("Block this user from signing in")
    expect(box).to_be_checked()
    axe("Block sign-in panel", ["#sign-in-panel"])
    assert page.evaluate("() => document.getElementById('sign-in-panel').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    olivia.refresh_from_db()
    assert olivia.account_enabled
    page.get_by_role("link", name="Block sign-in").click()
    page.locator("#sign-in-panel").get_by_role("button", name="Save").click()
    page.locator("#preview-panel").get_by_role("button", name="Block sign-in").click()  # the impact preview's Confirm
    expect(page.locator("#messages")).to_contain_text("Sign-in is blocked for")
    expect(page.get_by_role("link", name="Unblock sign-in")).to_be_visible()
    olivia.refresh_from_db()
    assert not olivia.account_enabled


def test_wizard_fits_a_phone(page, live_server, tenant, console_errors):
    """Below 900 px the steps go on top; nothing is wider than a 390 px window."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/m365/users/new/")
    steps, body = page.locator(".wizard-steps").bounding_box(), page.locator(".wizard-body").bounding_box()
    assert steps["y"] + steps["height"] <= body["y"] + 1  # the step list above the step
    width = page.evaluate("() => document.querySelector('#add-user-wizard').getBoundingClientRect().right")
    assert width <= 390
