"""The review's bugs H6 fixed, in a real Chromium: the sort after a search (B3), Sync history at
1366 px (B6, B7), the environment's Edit settings page (B15) and its disabled security group (B16)."""
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from environments_app.choices import EnvironmentType
from environments_app.models import Environment
from tests.browser.conftest import sign_in
from tests.conftest import portal_upn
from users_app.models import DirectoryUser
from users_app.provisioning.sync import environment_users_add
from users_app.services.environments import environment_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sort_after_a_search_keeps_both_b3(page, live_server, tenant, console_errors, shot):
    """B3: type a search, wait, click a sortable header: the rows are sorted and the URL has both the
    search and the sort, every time (the search box's blur no longer sends a second search)."""
    for name, kind in (("Hudson", "Trial"), ("Jackson", "Production"), ("Sonoma", "Sandbox"), ("Addison", "Developer")):
        environment_create(name=name, type=kind)
    sign_in(page, live_server)
    for _attempt in range(3):
        page.goto(f"{live_server.url}/environments/")
        search = page.locator("#filterbar-environment-table input[type=search]")
        search.fill("son")
        expect(page).to_have_url(re.compile(r"q=son"))
        expect(page.locator("#environment-table tbody tr")).to_have_count(4)
        page.wait_for_timeout(1000)
        page.locator("#environment-table thead th a", has_text="Type").click()
        expect(page.locator("#environment-table th[aria-sort='ascending']")).to_have_text(re.compile("Type"))
        page.wait_for_timeout(1000)  # a late second request would have reverted the rows by now
        names = page.locator("#environment-table tbody tr td:first-child").all_inner_texts()
        assert [n.strip() for n in names] == ["Addison", "Jackson", "Sonoma", "Hudson"]
        query = parse_qs(urlparse(page.url).query)
        assert query.get("q") == ["son"] and query.get("sort") == ["type"], page.url
    # The search after the sort keeps the sort.
    page.locator("#filterbar-environment-table input[type=search]").fill("sonom")
    expect(page).to_have_url(re.compile(r"q=sonom"))
    assert parse_qs(urlparse(page.url).query).get("sort") == ["type"], page.url
    expect(page.locator("#environment-table th[aria-sort='ascending']")).to_have_text(re.compile("Type"))
    shot("environments-sorted-search")


def test_sync_history_fits_1366_with_one_row_per_add_b6_b7(page, live_server, tenant, console_errors, shot):
    """B6: Sync history fits a 1366 px window; B7: an Add user of three users is one row with a Refused count."""
    sales = Environment.objects.get(name="Sales")
    users = [DirectoryUser.objects.get(user_principal_name=portal_upn(n)) for n in ("olivia", "greader", "plain")]
    environment_users_add(environment=sales, directory_users=users, initiated_by=portal_upn("global"))
    sign_in(page, live_server)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/environments/{sales.environment_id}/sync-history/")
    rows = page.locator("#sync-run-table tbody tr")
    expect(rows.filter(has_text="Add user")).to_have_count(1)
    expect(rows.filter(has_text="Add user").locator(".badge-red")).to_have_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot("sync-history")
    rows.filter(has_text="Add user").locator("a").first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Add user ·"))
    badge = page.locator(".sync-decisions .badge").first
    assert badge.evaluate("b => getComputedStyle(b).whiteSpace") == "nowrap"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_settings_page_opens_by_url_and_as_a_panel_b15(page, live_server, tenant, console_errors, shot):
    """B15: the settings URL is a page with the Edit settings panel open; from the overview it opens over it."""
    sales = Environment.objects.get(name="Sales")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/{sales.environment_id}/settings/")
    dialog = page.get_by_role("dialog", name="Edit settings")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Allow role assignment on disabled users")).to_be_visible()
    page.goto(f"{live_server.url}/environments/{sales.environment_id}/")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("link", name="Edit settings").first.click()
    expect(page.get_by_role("dialog", name="Edit settings")).to_be_visible()
    shot("environment-settings-panel")
    dialog = page.get_by_role("dialog", name="Edit settings")
    dialog.get_by_label("Allow role assignment on disabled users").check()
    dialog.get_by_role("button", name="Save").click()
    page.locator("#preview-panel").get_by_role("button", name="Save").click()  # the impact preview's Confirm
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#environment-org-settings")).to_contain_text("Allow role assignment on disabled users")
    sales.refresh_from_db()
    assert sales.allow_role_assignment_on_disabled_users


def test_default_environment_security_group_disabled_with_the_reason_b16(page, live_server, tenant, console_errors, shot):
    """B16: on a Default environment the security group list is disabled and says why (ENV-06)."""
    default = environment_create(name="Contoso (default)", type=EnvironmentType.DEFAULT)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/{default.environment_id}/settings/")
    field = page.get_by_label("Security group")
    expect(field).to_be_disabled()
    help_text = page.locator("#id_security_group_helptext")
    expect(help_text).to_contain_text("cannot have a security group")
    expect(help_text.locator("a.rule-chip")).to_have_text("ENV-06")
    shot("settings-default-environment")


def test_new_environment_is_a_side_panel_that_creates_and_refreshes_the_list(page, live_server, tenant, console_errors, shot):
    """New environment opens as a side panel over the list (Escape closes it); Save adds the row."""
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/environments/")
    page.get_by_role("link", name="New environment").click()
    dialog = page.get_by_role("dialog", name="New environment")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("link", name="New environment").click()
    dialog = page.get_by_role("dialog", name="New environment")
    dialog.get_by_label("Name", exact=True).fill("Research")
    dialog.get_by_role("button", name="Save").click()
    page.locator("#preview-panel").get_by_role("button", name="Create").click()  # the impact preview's Confirm
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#environment-table")).to_contain_text("Research")
    expect(page.locator("#environment-table")).to_contain_text("United States")


def test_my_environments_open_only_where_allowed_and_one_message_b13(page, live_server, tenant, console_errors, shot):
    """B13: olivia@ is not in Sales-Env: Sales shows the refusing rule instead of Open; opening Service says
    so once, in the card, with no toast repeating it."""
    sign_in(page, live_server, "olivia")
    page.goto(f"{live_server.url}/my/environments/")
    sales_row = page.locator("#my-environment-table tbody tr", has_text="Sales")
    expect(sales_row.get_by_role("button")).to_have_count(0)
    expect(sales_row.locator("a.rule-chip")).to_have_text("ELIG-04")
    page.get_by_role("button", name="Open Service").click()
    expect(page.locator("#my-environments")).to_contain_text("You were added to Service.")
    expect(page.get_by_text("You were added to Service")).to_have_count(1)
    expect(page.locator("#messages .toast")).to_have_count(0)
    expect(sales_row).to_contain_text("United States")
    shot("my-environments-open")
