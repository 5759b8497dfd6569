"""The README's screenshots, taken from the demo tenant as `make run` seeds it.

Each test seeds the demo into the live server's database, signs in as the demo's Global
administrator and takes one screenshot of what the README shows: the Users grid with a selection,
a side panel, the Add a user wizard, a page at 390 px, the impact preview of a licence removed and
a user's Access page (the README's walk-through "What will this change do?"). The pictures go to test-artifacts/ on every
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
from users_app.models import DirectoryGroup, DirectoryUser, SystemUser, Tenant
from users_app.provisioning.sync import directory_sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README_DIR = Path(__file__).resolve().parents[2] / "static" / "readme"
ADMIN = "admin@contoso.onmicrosoft.com"
# The README's walk-through: Abigail Lee holds one Dataverse licence and has a record in four
# environments; Aiko Wilson is a direct member of Sales-Env, Sales's security group.
WALK_THROUGH_USER = "abigail.lee@contoso.onmicrosoft.com"
WALK_THROUGH_LICENCE = "Dynamics 365 Sales Enterprise"
WALK_THROUGH_MEMBER = "aiko.wilson@contoso.onmicrosoft.com"
PREVIEW = "#preview-panel"
CONFIRM = 'button[form="preview-panel-confirm"]'  # Confirm, kept in view below the list
# The preview's users: [environment, UPN, outcome, [rule chips]] per row (portal/_preview.html).
PREVIEW_ROWS = """(root) => {
    let environment = null;
    const rows = [];
    for (const li of root.querySelectorAll('.preview-users > li')) {
        if (li.classList.contains('preview-env-heading')) { environment = li.innerText.trim(); continue; }
        rows.push([environment, li.querySelector('.preview-upn').innerText.trim(),
                   li.querySelector('.preview-outcome').innerText.trim().toLowerCase(),
                   Array.from(li.querySelectorAll('a.rule-chip')).map((a) => a.innerText.trim())]);
    }
    return rows;
}"""


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


def enabled_records_of(upn: str) -> list[str]:
    return sorted(SystemUser.objects.filter(domainname__iexact=upn, isdisabled=False)
                  .values_list("environment__name", flat=True), key=str.lower)


def save_licences_without(page, live_server, upn: str, licence: str):
    """The user's Licenses tab: untick the licence, Save changes; answers the preview panel."""
    person = DirectoryUser.objects.get(user_principal_name=upn)
    page.goto(f"{live_server.url}/m365/users/{person.pk}/licences/")
    page.get_by_role("checkbox", name=licence).uncheck()
    page.get_by_role("button", name="Save changes").click()
    panel = page.locator(PREVIEW)
    expect(panel).to_be_visible()
    return panel


def test_readme_walk_through_a_licence_removed_with_its_preview_and_the_access_page(page, live_server, demo,
                                                                                     console_errors):
    """The walk-through: with the tenant's Marketing licence (ELIG-03 c) Abigail Lee keeps her records
    when her licence goes (the preview says no environment changes); once the Marketing licence is
    removed (its own preview names who loses access), removing her licence previews her disabled by
    ELIG-03 in each of her four environments (preview.png). Confirm and the sync do exactly that, and
    her Access page says so in every environment (access.png)."""
    where = enabled_records_of(WALK_THROUGH_USER)
    assert where == ["Contoso (default)", "Partners", "Sales", "Service"], where
    sign_in(page, live_server, demo, "/m365/licences/")
    panel = save_licences_without(page, live_server, WALK_THROUGH_USER, WALK_THROUGH_LICENCE)
    expect(panel).to_contain_text("No environment changes")
    panel.get_by_role("link", name="Cancel").click()
    expect(page.locator(PREVIEW)).to_have_count(0)

    page.goto(f"{live_server.url}/m365/licences/")
    page.get_by_role("button", name="Remove the Marketing licence").click()
    panel = page.locator(PREVIEW)
    expect(panel).to_contain_text("ELIG-03")
    outcomes = [(environment, outcome, rules) for environment, _upn, outcome, rules in panel.evaluate(PREVIEW_ROWS)]
    assert outcomes == [("Field Ops", "updated", ["ELIG-03"])] * 2 + [("Marketing Team", "disabled", ["ELIG-03"])], outcomes
    expect(panel.locator(CONFIRM)).to_have_text("Remove")
    panel.locator(CONFIRM).click()
    expect(page.locator(PREVIEW)).to_have_count(0)
    assert not Tenant.objects.get().marketing_licence
    directory_sync()  # the background sync (every minute under `make run`) applies it

    panel = save_licences_without(page, live_server, WALK_THROUGH_USER, WALK_THROUGH_LICENCE)
    rows = panel.evaluate(PREVIEW_ROWS)
    assert rows == [[name, WALK_THROUGH_USER, "disabled", ["ELIG-03"]] for name in where], rows
    expect(panel).to_contain_text("No change in 6 other environments")
    picture(page, "preview")
    expect(panel.locator(CONFIRM)).to_have_text("Save changes")
    panel.locator(CONFIRM).click()
    expect(page.locator(PREVIEW)).to_have_count(0)
    assert enabled_records_of(WALK_THROUGH_USER) == where  # saved; the records wait for the sync
    page.goto(f"{live_server.url}/environments/{sales().environment_id}/sync-history/")
    pending = page.locator("#sync-pending tr.pending-row")
    expect(pending).to_have_count(1)
    expect(pending).to_have_attribute("data-upn", WALK_THROUGH_USER)
    expect(pending.locator("a.rule-chip")).to_have_text(["ELIG-03"])

    directory_sync()
    assert enabled_records_of(WALK_THROUGH_USER) == []
    person = DirectoryUser.objects.get(user_principal_name=WALK_THROUGH_USER)
    page.goto(f"{live_server.url}/m365/users/{person.pk}/")
    page.get_by_role("link", name="Access", exact=True).click()
    table = page.locator("#access-table")
    for name in where:
        row = table.locator("tr.access-row", has=page.locator(f'th a:text-is("{name}")'))
        expect(row).to_have_attribute("data-state", "disabled")
        expect(row).to_have_attribute("data-verdict", "out")
        expect(row.locator(".verdict a.rule-chip")).to_have_text(["ELIG-03"])
    picture(page, "access", full_page=True)


def test_readme_walk_through_a_member_removed_from_sales_env(page, live_server, demo, console_errors):
    """The walk-through's group change: removing Aiko Wilson from Sales-Env previews her disabled in
    Sales by ELIG-04, and nowhere else; nothing is saved before the preview's Remove."""
    group = DirectoryGroup.objects.get(name="Sales-Env")
    member = DirectoryUser.objects.get(user_principal_name=WALK_THROUGH_MEMBER)
    sign_in(page, live_server, demo, f"/m365/groups/{group.pk}/")
    page.get_by_role("link", name=f"Remove {member.display_name}").click()
    page.locator("#panel-host").get_by_role("button", name=re.compile("Remove")).click()
    panel = page.locator(PREVIEW)
    expect(panel).to_be_visible()
    assert panel.evaluate(PREVIEW_ROWS) == [["Sales", WALK_THROUGH_MEMBER, "disabled", ["ELIG-04"]]]
    expect(panel).to_contain_text("No change in 9 other environments")
    assert group.memberships.filter(user=member).exists()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "readme-preview-group.png"), caret="initial")
