"""The README's screenshots, taken from the demo tenant as `make run` seeds it.

Each test seeds the demo into the live server's database, signs in as the demo's Global
administrator and takes one screenshot of what the README shows: the Users grid with a selection,
a side panel, the Add a user wizard, a page at 390 px. The pictures go to test-artifacts/ on every
run; `README_SCREENSHOTS=1` writes them to static/readme/ as well (how the README's are made). Each
test asserts that what the picture shows is what the demo holds.
"""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from environments_app.models import Environment
from tests.browser.conftest import SCREENSHOTS
from users_app.demo.seed import LICENCE_STORY_USER, demo_seed
from users_app.filters.environment_users import USER_VIEWS
from users_app.models import SystemUser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README_DIR = Path(__file__).resolve().parents[2] / "static" / "readme"
ADMIN = "admin@contoso.onmicrosoft.com"


@pytest.fixture
def demo(live_server, tmp_path, settings):
    report = demo_seed(path=settings.DEMO_TENANT_FILE, accounts_file=tmp_path / "demo-accounts.txt")
    return {login: password for login, password, _ in report.accounts}


def picture(page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    targets = [SCREENSHOTS / f"readme-{name}.png"]
    if os.environ.get("README_SCREENSHOTS") == "1":
        README_DIR.mkdir(parents=True, exist_ok=True)
        targets.append(README_DIR / f"{name}.png")
    for target in targets:
        page.screenshot(path=str(target), full_page=full_page, caret="initial")


def sign_in(page, live_server, demo, next_path: str) -> None:
    page.goto(f"{live_server.url}{next_path}")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(demo[ADMIN])
    page.get_by_role("button", name="Sign in").click()


def sales() -> Environment:
    return Environment.objects.get(name="Sales")



def enabled_users_in_list_order(environment: Environment, count: int) -> list[SystemUser]:
    """The first rows of the Users list's default view: enabled users by full name."""
    rows = SystemUser.objects.filter(USER_VIEWS["enabled"], environment=environment)
    return list(rows.order_by("fullname", "id")[:count])


def test_readme_grid_with_a_selection_and_the_bulk_roles_panel(page, live_server, demo, console_errors):
    environment = sales()
    sign_in(page, live_server, demo, f"/environments/{environment.environment_id}/users/")
    grid = page.locator("#user-table")
    expect(grid).to_be_visible()
    chosen = enabled_users_in_list_order(environment, 3)
    for number, record in enumerate(chosen, 1):
        page.locator(f"#row-{record.systemuserid}").check()
        expect(page.locator("#grid-commands")).to_contain_text(f"{number} selected")
    for record in chosen:  # the picture shows the demo's own users
        expect(grid).to_contain_text(record.fullname)
    picture(page, "users-grid-selection")
    page.get_by_role("toolbar", name="User commands").get_by_role("button", name="Manage security roles").click()
    panel = page.locator("#bulk-roles-panel")
    expect(panel).to_contain_text("3 selected users")
    picture(page, "side-panel-manage-roles")


def test_readme_add_a_user_wizard(page, live_server, demo, console_errors):
    sign_in(page, live_server, demo, "/m365/users/new/")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    expect(page.get_by_label("Display name")).to_have_value("Nora Quinn")  # filled from the names
    page.get_by_label("Username").fill("nora.quinn")
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[aria-current="step"]')).to_have_text(re.compile("Product licenses"))
    picture(page, "add-a-user-wizard")


def test_readme_users_list_on_a_phone(page, live_server, demo, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    environment = sales()
    sign_in(page, live_server, demo, f"/environments/{environment.environment_id}/users/")
    expect(page.locator("#user-table")).to_contain_text(enabled_users_in_list_order(environment, 1)[0].fullname)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page is {wide} px wide at 390 px"
    picture(page, "users-list-390")


def test_readme_run_diagnostics_on_the_user_who_lost_a_licence(page, live_server, demo, console_errors):
    """The demo's licence story (LICENCE_STORY_USER): disabled in Service by the background sync."""
    record = SystemUser.objects.get(environment__name="Service", domainname=LICENCE_STORY_USER)
    assert record.isdisabled
    sign_in(page, live_server, demo, f"/environments/{record.environment.environment_id}/users/{record.systemuserid}/")
    page.get_by_role("button", name="Run diagnostics").click()
    panel = page.locator("#user-panel")
    expect(panel).to_contain_text("ELIG-03")
    picture(page, "run-diagnostics")
