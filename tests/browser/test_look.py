"""The Fluent 2 look in Chromium: the environments list and Active users at 1366 and 390 px, the rail
behind the menu button on a phone, the primary button's fill (B4), a visible focus ring in the header
(B8), and the header's search over users and environments."""
import re

import pytest
from playwright.sync_api import expect

from tests.builders import person
from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn
from users_app.provisioning.sync import directory_sync
from users_app.tenant_file import load_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRAND = "rgb(15, 108, 189)"  # colorBrandBackground, #0f6cbd
PEOPLE = [("adele.vance", "Adele", "Vance"), ("megan.bowen", "Megan", "Bowen"), ("lee.gu", "Lee", "Gu"),
          ("nestor.wilke", "Nestor", "Wilke"), ("diego.siciliani", "Diego", "Siciliani")]


@pytest.fixture
def tenant(live_server):
    data = portal_tenant_data()
    for local, given, surname in PEOPLE:
        data["users"].append(person(local, given_name=given, surname=surname, display_name=f"{given} {surname}",
                                    licences=["DYN"], password=PORTAL_PASSWORD))
    data["environments"] += [{"name": "Contoso (default)", "type": "Default"},
                             {"name": "Marketing trial", "type": "Trial", "region": "europe"}]
    load_tenant(data)
    directory_sync()
    return data


def sign_in(page, live_server, local="global"):
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("User name").fill(portal_upn(local))
    page.get_by_label("Password").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".avatar-menu")).to_be_visible()


def no_horizontal_scroll(page):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide in a {width[1]} px window"


@pytest.mark.parametrize("width", [1366, 390])
def test_the_main_lists_in_the_fluent_look(page, live_server, tenant, console_errors, shot, width):
    page.set_viewport_size({"width": width, "height": 860 if width > 900 else 844})
    sign_in(page, live_server)
    for path, name, heading in (("/environments/", "environments", "Environments"),
                                ("/m365/users/", "active-users", "Active users")):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        shot(f"look-{name}-{width}")
        if width < 900:
            no_horizontal_scroll(page)
            expect(page.locator("#rail")).to_be_hidden()
            header = page.locator(".topbar").bounding_box()
            assert header["height"] <= 48, "the header wrapped onto a second line"


def test_the_menu_button_opens_the_rail_on_a_phone(page, live_server, tenant, console_errors, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/")
    button = page.get_by_role("button", name="Navigation")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    rail = page.get_by_role("navigation", name="Main")
    expect(rail).to_be_visible()
    shot("look-rail-open-390")
    # Focus is in the rail (on the current page's link); the next links are reached with Tab.
    expect(rail.get_by_role("link", name="Environments", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(rail.get_by_role("link", name="My environments")).to_be_focused()
    for _ in range(2):
        page.keyboard.press("Tab")
    expect(rail.get_by_role("link", name="Groups")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/m365/groups/$"))
    no_horizontal_scroll(page)
    # Escape closes it and gives focus back to the button.
    page.get_by_role("button", name="Navigation").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Navigation")).to_be_focused()


def test_buttons_and_focus_ring(page, live_server, tenant, console_errors, shot):
    sign_in(page, live_server)
    # B4: a primary button inside a command bar keeps its brand fill.
    page.goto(f"{live_server.url}/search/?q=Sales")
    page.evaluate("""() => {
        const bar = document.createElement('div'); bar.className = 'commandbar';
        bar.innerHTML = '<button type="button" class="btn btn-primary" id="probe">Save</button>'
                      + '<button type="button" id="subtle">Refresh</button>';
        document.querySelector('#main').prepend(bar);
    }""")
    background = page.locator("#probe").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == BRAND
    assert page.locator("#subtle").evaluate("el => getComputedStyle(el).backgroundColor") in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.get_by_role("button", name="Search", exact=True).last.evaluate(
        "el => getComputedStyle(el).backgroundColor") == BRAND
    # B8: the header's focused link has a visible ring in a colour other than the header's.
    page.goto(f"{live_server.url}/environments/")
    for _ in range(3):  # Skip to content, the app launcher, the app name
        page.keyboard.press("Tab")
    brand = page.locator(".topbar a.brand")
    expect(brand).to_be_focused()
    ring = brand.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    header = page.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert ring[0] != "none" and float(ring[1].rstrip("px")) >= 2 and ring[2] != header, (ring, header)
    shot("look-header-focus")
    # The app launcher: a menu of the two admin centers, opened from the keyboard.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    launcher = page.locator(".app-launcher")
    expect(launcher.get_by_role("link", name="Microsoft 365 admin center")).to_be_visible()
    page.keyboard.press("Escape")
    expect(launcher.get_by_role("link", name="Microsoft 365 admin center")).to_be_hidden()


def test_the_header_search_finds_a_user_and_an_environment(page, live_server, tenant, console_errors, shot):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/")
    box = page.get_by_role("searchbox", name="Search users and environments")
    box.fill("Adele")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Adele"))
    users = page.get_by_role("region", name="Users")
    expect(users.get_by_role("link", name="Adele Vance")).to_be_visible()
    expect(page.get_by_role("region", name="Environments")).to_contain_text("No environment matches")
    users.get_by_role("link", name="Adele Vance").click()
    expect(page).to_have_url(re.compile(r"/m365/users/[0-9a-f-]+/$"))
    box = page.get_by_role("searchbox", name="Search users and environments")
    box.fill("market")
    box.press("Enter")
    environments = page.get_by_role("region", name="Environments")
    expect(environments.get_by_role("link", name="Marketing trial")).to_be_visible()
    shot("look-search-1366")
    environments.get_by_role("link", name="Marketing trial").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marketing trial")
    # A phone: the search is an icon button that leads to the search page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Search", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/search/"))
    page.get_by_label("Search users and environments").last.fill("megan")
    page.get_by_role("button", name="Search", exact=True).last.click()
    expect(page.get_by_role("region", name="Users").get_by_role("link", name="Megan Bowen")).to_be_visible()
    no_horizontal_scroll(page)
    shot("look-search-390")
