"""The portal on a phone (390 x 844, an iPhone 12-14's CSS size): no main page is wider than the window,
the navigation is behind a menu button that opens it, and a side panel is a full-width sheet.

Each page is opened by the first identity the registry (tests/pages.py) allows. A page wider than the
window fails, naming the elements that pass the right edge (tests/browser/conftest.py,
no_horizontal_scroll); the failure lists every page at once.
"""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MAIN_PAGES, SCREENSHOTS, Session, axe_report, axe_violations, no_horizontal_scroll, settle
from tests.conftest import portal_upn as portal_tenant_upn
from tests.pages import REGISTRY, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MENU = re.compile(r"navigation|menu", re.IGNORECASE)


def shot(page, name: str, full_page: bool = True) -> None:
    """A screenshot in test-artifacts/screenshots/ (as the `shot` fixture, for a page of a Session)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def test_main_pages_fit_a_390_px_phone(browser, live_server, portal_tenant):
    """B5, B6: every main page fits 390 px (a wide table scrolls inside its own container), and axe-core
    finds nothing in the phone layout either."""
    world, sessions, problems = World(portal_tenant), {}, []
    for name in MAIN_PAGES:
        entry = REGISTRY[name]
        identity = entry.allowed[0]
        if identity not in sessions:
            sessions[identity] = Session(browser, live_server, identity, viewport=PHONE)
        session = sessions[identity]
        url = world.url(entry) + ("?q=plain" if name == "search:search" else "")
        response = session.open(url)
        if response.status != 200:
            problems.append(f"{name} as {identity}: answered {response.status}")
            continue
        try:
            no_horizontal_scroll(session.page, f"{name} ({url})")
        except AssertionError as error:
            problems.append(str(error))
        problems += filter(None, [axe_report(f"{name} at 390 px", axe_violations(session.page))])
        if name == "users:environment_user_list":
            shot(session.page, "mobile-users-390")
    for identity, session in sessions.items():
        problems += [f"console error as {identity}: {error}" for error in dict.fromkeys(session.errors)]
        session.context.close()
    SCREENSHOTS.parent.joinpath("responsive-findings.json").write_text(json.dumps(problems, indent=1))
    assert problems == [], "\n".join(problems)


def test_the_navigation_is_behind_a_menu_button_on_a_phone(browser, live_server, portal_tenant):
    """B5: below 900 px the left navigation collapses behind a menu button. With the keyboard: Enter
    opens it (aria-expanded, focus on its links), Escape closes it and gives the focus back; a click
    opens it too and its links can be followed. The open navigation does not widen the page."""
    world = World(portal_tenant)
    session = Session(browser, live_server, "global", viewport=PHONE)
    page = session.page
    session.open(world.url(REGISTRY["environments:environment_detail"]))
    navigation = page.get_by_role("navigation", name="Main")
    active_users = navigation.get_by_role("link", name="Active users")
    expect(active_users).not_to_be_visible()
    menu = page.get_by_role("button", name=MENU)
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(active_users).to_be_visible()
    settle(page)
    assert page.evaluate("() => !!document.activeElement.closest('nav')"), "the focus is not in the navigation"
    no_horizontal_scroll(page, "the open navigation")
    assert axe_violations(page) == [], axe_report("the open navigation", axe_violations(page))
    shot(page, "mobile-nav-open", full_page=False)
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(active_users).not_to_be_visible()
    expect(menu).to_be_focused()
    menu.click()
    active_users.click()
    expect(page).to_have_url(re.compile(r"/m365/users/"))
    assert session.errors == []
    session.context.close()


def test_a_side_panel_is_a_full_width_sheet_on_a_phone(browser, live_server, portal_tenant):
    """Below 900 px a side panel takes the whole width: nothing of it is off-screen (review m7)."""
    world = World(portal_tenant)
    session = Session(browser, live_server, "global", viewport=PHONE)
    page = session.page
    session.open(world.url(REGISTRY["users:environment_user_detail"]))
    page.locator('[hx-target="#panel-host"][hx-get*="/roles/"]').first.click()
    panel = page.locator("[data-panel] [role=dialog]")
    expect(panel).to_be_visible()
    settle(page)
    box = panel.bounding_box()
    assert box["x"] <= 0.5 and box["x"] + box["width"] >= PHONE["width"] - 0.5, box
    no_horizontal_scroll(page, "the Manage security roles panel")
    assert axe_violations(page) == []
    assert session.errors == []
    session.context.close()


def test_the_access_pages_and_a_pending_sync_fit_a_390_px_phone(browser, live_server, portal_tenant):
    """Issue 12's pages at 390 px: a user's and a group's Access pages, and a Sync history whose
    Pending section lists a change (its table scrolls inside its frame). The preview panel at 390 px:
    tests/browser/test_previews.py."""
    from users_app.models import DirectoryGroup, DirectoryUser
    from users_app.services.directory import groups

    world, problems = World(portal_tenant), []
    groups.group_member_remove(group=DirectoryGroup.objects.get(name="Sales-Env"),
                               user=DirectoryUser.objects.get(user_principal_name=portal_tenant_upn("plain")))
    session = Session(browser, live_server, "global", viewport=PHONE)
    pages = {"m365:active_user_access": world.url(REGISTRY["m365:active_user_access"]),
             "m365:group_access": world.url(REGISTRY["m365:group_access"]),
             "structure:sync_run_list (pending)": f"/environments/{portal_tenant['sales'].environment_id}/sync-history/"}
    for name, url in pages.items():
        assert session.open(url).status == 200, url
        try:
            no_horizontal_scroll(session.page, f"{name} ({url})")
        except AssertionError as error:
            problems.append(str(error))
        problems += filter(None, [axe_report(f"{name} at 390 px", axe_violations(session.page))])
        shot(session.page, "mobile-" + name.split(":")[1].split(" ")[0].replace("_", "-") + "-390")
    assert session.page.locator("#sync-pending tr.pending-row").count() == 1
    problems += [f"console error: {error}" for error in dict.fromkeys(session.errors)]
    session.context.close()
    assert problems == [], "\n".join(problems)
