"""Side panels in a real Chromium, with the keyboard only: every quick action of an environment user's
page opens as a panel (B9: focus moves into it, Tab stays inside, Escape closes it and focus goes back
to its command), Manage security roles filters, ticks and saves, Delete asks once in the confirmation
panel (B14), Create team is a panel (B13: one message), and every panel URL is a full page without
JavaScript."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import portal_upn
from users_app.models import DirectoryUser, SystemUser
from users_app.provisioning.sync import environment_sync
from users_app.services import directory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The commands of the user page that open a side panel: element id -> the panel's title.
USER_PANELS = {
    "cmd-roles": "Manage security roles", "cmd-teams": "Manage teams", "cmd-business-unit": "Change business unit",
    "cmd-manager": "Change manager", "cmd-position": "Change position", "cmd-user-form": "Manage user in Dynamics 365",
    "cmd-reassign": "Reassign records", "cmd-diagnosis": "Run diagnostics", "cmd-refresh": "What changed",
}
PANEL_PATHS = ("roles", "teams", "business-unit", "manager", "position", "form", "reassign")
OPEN = "#panel-host [data-panel]"


def sales():
    from environments_app.models import Environment
    return Environment.objects.get(name="Sales")


def user_url(live_server, local="plain", suffix=""):
    env = sales()
    record = SystemUser.objects.get(environment=env, domainname=portal_upn(local))
    return f"{live_server.url}/environments/{env.environment_id}/users/{record.systemuserid}/{suffix}"


def focus_is_in_panel(page) -> bool:
    return page.evaluate("() => !!(document.activeElement && document.activeElement.closest('[data-panel]'))")


def open_with_keyboard(page, command_id: str):
    """Focus the command and press Enter; the panel is open and holds the focus (B9)."""
    page.focus(f"#{command_id}")
    page.keyboard.press("Enter")
    expect(page.locator(OPEN)).to_be_visible()
    try:
        page.wait_for_function("() => !!(document.activeElement && document.activeElement.closest('[data-panel]'))",
                               timeout=5000)
    except Exception as exc:
        where = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"{command_id}: focus is not in the panel but on {where}") from exc


def tab_stays_inside(page, presses: int = 12):
    for _ in range(presses):
        page.keyboard.press("Tab")
        assert focus_is_in_panel(page), "Tab left the open panel"
    page.keyboard.press("Shift+Tab")
    assert focus_is_in_panel(page), "Shift+Tab left the open panel"


def escape_returns_focus(page, command_id: str):
    page.keyboard.press("Escape")
    expect(page.locator(OPEN)).to_have_count(0)
    page.wait_for_function(f"() => document.activeElement && document.activeElement.id === '{command_id}'")


def test_every_panel_of_the_user_page_opens_and_closes_with_the_keyboard(page, live_server, tenant, console_errors,
                                                                        shot, axe):
    sign_in(page, live_server)
    page.goto(user_url(live_server))
    for command_id, title in USER_PANELS.items():
        open_with_keyboard(page, command_id)
        panel = page.locator(OPEN)
        expect(panel.locator("h2").first).to_have_text(title)
        expect(panel.locator("[role=dialog]")).to_have_attribute("aria-modal", "true")
        expect(page.locator(".flyout-overlay")).to_be_visible()
        if command_id == "cmd-diagnosis":
            expect(panel.locator("tr[data-rule=ELIG-04]")).to_be_visible()
            expect(panel.locator(".panel-status")).to_be_visible()
            shot("panel-run-diagnostics")
        axe(f"panel {title}", include=["#panel-host"])
        tab_stays_inside(page)
        escape_returns_focus(page, command_id)


def test_manage_security_roles_filter_tick_save(page, live_server, tenant, console_errors, shot):
    sign_in(page, live_server)
    page.goto(user_url(live_server))
    open_with_keyboard(page, "cmd-roles")
    panel = page.locator(OPEN)
    expect(panel).to_contain_text("Business unit: Sales")
    search = panel.get_by_label(re.compile("Filter security roles"))
    expect(search).to_be_visible()
    search.fill("basic")
    items = panel.locator("[data-filter-item]")
    expect(items.filter(has_text="Basic User")).to_be_visible()
    expect(items.filter(has_text="System Administrator")).to_be_hidden()
    shot("panel-manage-roles")
    box = panel.get_by_role("checkbox", name="Basic User")
    box.focus()
    if not box.is_checked():
        page.keyboard.press("Space")
    expect(box).to_be_checked()
    panel.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".toast-success")).to_contain_text("Security roles saved")
    expect(page.locator(OPEN)).to_have_count(0)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'cmd-roles'")
    expect(page.locator("#user-access")).to_contain_text("Basic User")
    env = sales()
    record = SystemUser.objects.get(environment=env, domainname=portal_upn("plain"))
    assert record.roles.filter(name="Basic User").exists()


def test_delete_asks_once_in_the_confirmation_panel(page, live_server, tenant, console_errors, shot, axe):
    """LIFE-05 / B14: the directory user is gone for good; Delete opens one confirmation panel."""
    url = user_url(live_server)  # the record's user name changes once its directory user is gone
    record = SystemUser.objects.get(environment=sales(), domainname=portal_upn("plain"))
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    directory.directory_user_delete(user=plain)
    directory.directory_user_purge(user=DirectoryUser.objects.get(pk=plain.pk))
    environment_sync(environment=sales())
    sign_in(page, live_server)
    page.goto(url)
    open_with_keyboard(page, "cmd-delete")
    panel = page.locator(OPEN)
    expect(panel.locator("h2").first).to_contain_text("Delete")
    expect(panel.locator(".rule-chip")).to_have_text("LIFE-05")
    page.wait_for_function("() => document.activeElement && document.activeElement.textContent.trim() === 'Cancel'")
    shot("panel-confirm-delete")
    axe("panel confirm delete", include=["#panel-host"])
    tab_stays_inside(page, 6)
    escape_returns_focus(page, "cmd-delete")
    open_with_keyboard(page, "cmd-delete")
    page.locator(OPEN).get_by_role("button", name="Delete").click()
    expect(page.locator(".toast-success")).to_contain_text("soft-deleted")
    expect(page.locator(OPEN)).to_have_count(0)
    assert SystemUser.objects.get(pk=record.pk).deletedstate == 1


def test_create_team_panel(page, live_server, tenant, console_errors, axe):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/{sales().environment_id}/teams/")
    open_with_keyboard(page, "cmd-team-create")
    expect(page.locator(OPEN).locator("h2").first).to_have_text("Create team")
    expect(page.locator(OPEN).locator("a.flyout-close")).to_be_visible()
    axe("panel create team", include=["#panel-host"])
    tab_stays_inside(page)
    escape_returns_focus(page, "cmd-team-create")
    open_with_keyboard(page, "cmd-team-create")
    page.locator(OPEN).get_by_label("Team name").fill("Key Accounts")
    page.locator(OPEN).get_by_role("button", name="Save").click()
    expect(page.locator(".toast-success")).to_contain_text("Team Key Accounts created.")
    expect(page.locator(OPEN)).to_have_count(0)
    expect(page.locator("#team-table-region")).to_contain_text("Key Accounts")
    expect(page.get_by_text("Key Accounts created")).to_have_count(1)  # B13: said once


def test_panels_are_full_pages_without_javascript(browser, live_server, tenant):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        for suffix in PANEL_PATHS:
            page.goto(user_url(live_server, suffix=f"{suffix}/"))
            panel = page.locator("[data-panel]")
            expect(panel).to_be_visible()
            expect(panel.locator("[role=dialog] h2").first).to_be_visible()
            expect(panel.locator("a.flyout-close")).to_have_attribute("href", re.compile(r"/users/[0-9a-f-]+/$"))
        env_id = sales().environment_id
        for path, title in ((f"teams/new/", "Create team"), ("business-units/new/", "New business unit"),
                            ("application-users/new/", "Create a new app user")):
            page.goto(f"{live_server.url}/environments/{env_id}/{path}")
            expect(page.locator("[data-panel] h2").first).to_have_text(title)
        # A panel's form posts without JavaScript and comes back to the page (Post/Redirect/Get).
        page.goto(user_url(live_server, suffix="roles/"))
        expect(page.locator("[data-filter-box]")).to_be_hidden()  # no filter without JavaScript: every role shows
        expect(page.locator("[data-filter-item]").filter(has_text="System Administrator")).to_be_visible()
        page.get_by_role("checkbox", name="Basic User").check()
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/users/[0-9a-f-]+/$"))
        expect(page.locator(".toast-success")).to_contain_text("Security roles saved")
        expect(page.locator("[data-panel]")).to_have_count(0)
        # Cancel is a link back to the page.
        page.goto(user_url(live_server, suffix="teams/"))
        page.locator("[data-panel]").get_by_role("link", name="Cancel").click()
        expect(page).to_have_url(re.compile(r"/users/[0-9a-f-]+/$"))
    finally:
        context.close()


def test_a_panel_is_a_full_width_sheet_on_a_phone(page, live_server, tenant, console_errors):
    """Below 900 px a panel takes the whole width; nothing is wider than a 390 px window."""
    from tests.browser.conftest import no_horizontal_scroll
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(reduced_motion="reduce")  # no slide-in: the panel is where it stays
    sign_in(page, live_server)
    page.goto(user_url(live_server, suffix="roles/"))
    box = page.locator("[data-panel] [role=dialog]").bounding_box()
    assert box is not None and box["x"] == 0 and round(box["width"]) == 390
    expect(page.locator("[data-panel]").get_by_role("button", name="Save")).to_be_in_viewport()
    no_horizontal_scroll(page, "Manage security roles panel at 390 px")
