"""Impact previews in a real Chromium (issue 12): a change shows what the next background sync will do
in every environment before it is saved, and the sync then does exactly that.

- Remove a licence on a user's Licenses tab: the preview names ELIG-03 in each environment where the
  user has a record; Confirm saves it, the sync runs, and every record is in the state the preview
  showed, counts included (the users lists say so too). Cancel writes nothing.
- The access page of a user lists every environment with its verdict.
- A change made with the command line (load_tenant) is pending on the environment's Sync history
  until the sync runs.
Each also runs axe-core over the preview panel or page it opens, and looks at it at 390 px.
"""
import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from environments_app.models import Environment
from tests.browser.conftest import SCREENSHOTS, no_horizontal_scroll, settle, sign_in
from tests.conftest import portal_upn, run_command
from users_app.models import AuditEntry, DirectoryUser, GroupMembership, LicenceAssignment, SyncRun, SystemUser
from users_app.provisioning.sync import directory_sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PANEL = "#preview-panel"
CONFIRM = 'button[form="preview-panel-confirm"]'  # Confirm, kept in view below the list
# The preview's users, one entry per user row: the environment heading above it, the UPN, the
# outcome, and the rule chips deciding it.
READ_ROWS = """(root) => {
    let environment = null;
    const rows = [];
    for (const li of root.querySelectorAll('.preview-users > li')) {
        if (li.classList.contains('preview-env-heading')) { environment = li.innerText.trim(); continue; }
        rows.push({environment, user: li.querySelector('.preview-upn').innerText.trim(),
                   outcome: li.querySelector('.preview-outcome').innerText.trim().toLowerCase(),
                   rules: Array.from(li.querySelectorAll('a.rule-chip')).map((a) => a.innerText.trim())});
    }
    return rows;
}"""
READ_COUNTS = """(root) => Object.fromEntries(Array.from(root.querySelectorAll('.preview-counts tbody tr')).map((tr) => {
    const cells = Array.from(tr.querySelectorAll('td')).map((td) => parseInt(td.innerText, 10));
    const names = ['added', 'enabled', 'disabled', 'updated', 'unchanged', 'not_entitled'];
    return [tr.querySelector('th').innerText.trim(), Object.fromEntries(names.map((n, i) => [n, cells[i]]))];
}))"""

# What passes the right edge of the open panel (`root`) unless a scroll container inside the panel
# holds it (a wide table may scroll sideways in its frame): [tag and text], none expected.
OUTSIDE = """(root) => {
    const dialog = root.querySelector('[role=dialog]');
    const edge = dialog.getBoundingClientRect().right + 0.5;
    const scrolled = (el) => {
        for (let up = el.parentElement; up && up !== dialog; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible' && up.getBoundingClientRect().right <= edge) return true;
        }
        return false;
    };
    return Array.from(root.querySelectorAll('table, th, td, li, p, form'))
        .filter((el) => el.getBoundingClientRect().right > edge && !scrolled(el))
        .map((el) => el.tagName.toLowerCase() + ' ' + el.innerText.trim().slice(0, 30));
}"""
# Environment names of the counts table drawn on more lines than they have words.
BROKEN_WORDS = """(root) => Array.from(root.querySelectorAll('.preview-counts th')).filter((th) => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return lines.size > th.innerText.trim().split(/\\s+/).length;
}).map((th) => th.innerText.trim())"""


def records() -> dict:
    """Every SystemUser's state: (environment, user name) -> (disabled, access mode)."""
    return {(env, name.lower()): (disabled, mode) for env, name, disabled, mode in SystemUser.objects.values_list(
        "environment__name", "domainname", "isdisabled", "accessmode")}


def database() -> dict:
    """What a preview and a Cancel must leave alone: the directory's licences and memberships, every
    record, the run records and the audit log."""
    return {
        "licences": sorted(LicenceAssignment.objects.values_list("user__user_principal_name", "sku__sku_part_number")),
        "memberships": sorted(GroupMembership.objects.values_list("group__name", "user__user_principal_name")),
        "records": sorted(SystemUser.objects.values_list(
            "environment__name", "domainname", "isdisabled", "accessmode", "fullname", "modifiedon")),
        "runs": SyncRun.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def open_licence_removal(page, live_server, who: DirectoryUser, licence: str):
    """On the user's Licenses tab, untick `licence` and Save changes: the preview panel opens."""
    page.goto(f"{live_server.url}/m365/users/{who.pk}/licences/")
    page.get_by_role("checkbox", name=licence).uncheck()
    page.get_by_role("button", name="Save changes").click()
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    settle(page)
    return panel


def test_removing_a_licence_previews_elig_03_and_the_sync_does_exactly_that(page, live_server, tenant, console_errors,
                                                                           axe):
    """ELIG-03: removing plain@'s only Dataverse licence previews, in each environment where plain@ has
    a record, plain@ disabled by ELIG-03; nothing is written until Confirm. After Confirm and the
    sync, every record is as previewed (each changed user's state, every count of every environment)."""
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    where = sorted(SystemUser.objects.filter(azureactivedirectoryobjectid=plain.pk, isdisabled=False)
                   .values_list("environment__name", flat=True))
    assert len(where) >= 2, where  # Sales (through Sales-Env) and Service
    before, states = database(), records()
    sign_in(page, live_server)
    panel = open_licence_removal(page, live_server, plain, "Dynamics 365 Sales")
    rows = panel.evaluate(READ_ROWS)
    counts = panel.evaluate(READ_COUNTS)
    mine = [row for row in rows if row["user"].lower() == plain.user_principal_name]
    assert sorted(row["environment"] for row in mine) == where, rows
    for row in mine:
        assert row["outcome"] == "disabled" and row["rules"] == ["ELIG-03"], row
        chip = panel.locator(".preview-user", has_text=plain.user_principal_name).first.locator("a.rule-chip").first
        expect(chip).to_have_attribute("href", re.compile(r"/rules/ELIG-03/"))
    assert database() == before, "the preview wrote to the database"
    # caret="initial": Playwright's default hides the caret by a style on every input, left behind as
    # style="", which htmx's settle would then copy on the swap after Confirm (refused by the CSP).
    page.screenshot(path=str(_artifact("preview-licence-removal")), full_page=True, caret="initial")
    axe("the preview of a licence removal", include=[PANEL])

    panel.locator(CONFIRM).click()
    expect(page.locator(PANEL)).to_have_count(0)
    assert not LicenceAssignment.objects.filter(user=plain).exists()
    assert records() == states, "saving changed a record before the sync ran"

    runs = {run.environment.name: run for run in directory_sync()}
    after = records()
    previewed = {(row["environment"], row["user"].lower()): row["outcome"] for row in rows}
    for (environment, name), state in after.items():
        if (environment, name) in previewed:
            assert state[0] is (previewed[environment, name] == "disabled"), (environment, name, state)
        else:
            assert states.get((environment, name)) == state, f"{name} in {environment} changed, not previewed"
    for environment, shown in counts.items():
        assert runs[environment].counts() == shown, (environment, runs[environment].counts(), shown)
    assert {name for name, run in runs.items() if any(run.counts()[k] for k in ("added", "enabled", "disabled", "updated"))} \
        == set(counts)

    # The environments' users lists say the same: plain@ is among the disabled users of each.
    for environment in where:
        record = SystemUser.objects.get(environment__name=environment, azureactivedirectoryobjectid=plain.pk)
        env_id = Environment.objects.get(name=environment).environment_id
        page.goto(f"{live_server.url}/environments/{env_id}/users/?view=disabled")
        expect(page.locator("#user-table")).to_contain_text(record.fullname)
        page.goto(f"{live_server.url}/environments/{env_id}/users/?view=enabled")
        expect(page.locator("#user-table")).not_to_contain_text(record.fullname)


def test_cancel_on_a_preview_writes_nothing(page, live_server, tenant, console_errors):
    """Cancel closes the preview; the licence, every record, the run records and the audit log are as before."""
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    before = database()
    sign_in(page, live_server)
    panel = open_licence_removal(page, live_server, plain, "Dynamics 365 Sales")
    panel.get_by_role("link", name="Cancel").click()
    expect(page.locator(PANEL)).to_have_count(0)
    assert database() == before
    page.goto(f"{live_server.url}/m365/users/{plain.pk}/licences/")
    expect(page.get_by_role("checkbox", name="Dynamics 365 Sales")).to_be_checked()
    directory_sync()  # and the next sync has nothing of it to do
    assert database()["records"] == before["records"]


def test_the_preview_at_390_px(page, live_server, tenant, console_errors, axe):
    """The preview panel is a full-width sheet on a phone; nothing passes the window's edge."""
    page.set_viewport_size(PHONE)
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    sign_in(page, live_server)
    panel = open_licence_removal(page, live_server, plain, "Dynamics 365 Sales")
    expect(panel).to_contain_text("ELIG-03")
    page.screenshot(path=str(_artifact("preview-390")), full_page=True)
    no_horizontal_scroll(page, "the preview panel at 390 px")
    # The panel clips what passes its edge, so the document does not scroll: look inside it too.
    assert panel.evaluate(OUTSIDE) == [], "passes the preview panel's right edge at 390 px"
    assert panel.evaluate(BROKEN_WORDS) == [], "environment names broken inside a word at 390 px"
    axe("the preview panel at 390 px", include=[PANEL])


def test_the_access_page_of_a_user_shows_every_environment_with_its_verdict(page, live_server, tenant, console_errors,
                                                                           axe, shot):
    """ELIG-03, ELIG-04: olivia@ holds only a Microsoft 365 licence and is in no security group. Her
    Access tab (from her user page) lists every environment: Sales keeps her out by ELIG-04 (not in
    Sales-Env), Service lets her in on demand (the free plan of her licence, ELIG-03 e) with no record
    yet, so Add user would add her. plain@, reached from Sales's users list, gets in everywhere, with an
    enabled record."""
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    environments = sorted(Environment.objects.values_list("name", flat=True), key=str.lower)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/m365/users/{olivia.pk}/")
    page.get_by_role("link", name="Access", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/m365/users/{olivia.pk}/access/"))
    table = page.locator("#access-table")
    expect(table).to_be_visible()
    rows = table.locator("tr.access-row")
    assert [name.strip() for name in rows.locator("th a").all_inner_texts()] == environments
    sales, service = rows.filter(has_text="Sales").first, rows.filter(has_text="Service").first
    expect(sales).to_have_attribute("data-verdict", "out")
    expect(sales.locator(".verdict")).to_contain_text("Kept out")
    expect(sales.locator(".verdict a.rule-chip")).to_have_text(["ELIG-04"])
    expect(sales).to_contain_text("No record")
    expect(service).to_have_attribute("data-verdict", "in")
    expect(service.locator(".verdict")).to_contain_text("Gets in")
    expect(service).to_have_attribute("data-state", "absent")
    expect(service.get_by_role("button", name="Add user")).to_be_visible()
    shot("access-user")
    axe("the access page of a user")

    # From an environment's users list: one user selected, the command Access.
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    record = SystemUser.objects.get(environment__name="Sales", azureactivedirectoryobjectid=plain.pk)
    page.goto(f"{live_server.url}/environments/{record.environment.environment_id}/users/")
    page.locator(f"#row-{record.systemuserid}").check()
    page.locator("#grid-commands").get_by_role("link", name="Access").click()
    expect(page).to_have_url(re.compile(rf"/m365/users/{plain.pk}/access/"))
    for name in ("Sales", "Service"):
        row = page.locator("#access-table tr.access-row", has=page.locator(f'th a:text-is("{name}")'))
        expect(row).to_have_attribute("data-verdict", "in")
        expect(row).to_have_attribute("data-state", "enabled")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/m365/users/{olivia.pk}/access/")
    no_horizontal_scroll(page, "the access page at 390 px")
    axe("the access page at 390 px")
    page.screenshot(path=str(_artifact("access-user-390")), full_page=True)


def test_a_change_made_with_the_command_line_is_pending_on_sync_history(page, live_server, tenant, console_errors,
                                                                       axe, tmp_path, shot):
    """ELIG-04, SYNC-01: load_tenant takes plain@ out of Sales-Env (the directory changes, the records
    wait for the background sync). Sales's Sync history shows it pending: plain@ disabled by ELIG-04,
    with nothing else, as `sync_directory --dry-run` says; after the sync runs, the record is
    disabled and nothing is pending."""
    sales = Environment.objects.get(name="Sales")
    history = f"{live_server.url}/environments/{sales.environment_id}/sync-history/"
    sign_in(page, live_server)
    page.goto(history)
    pending = page.locator("#sync-pending")
    expect(pending).to_contain_text("Nothing is pending")

    tenant_file = tmp_path / "out-of-sales-env.json"
    members = [portal_upn(name) for name in ("sysadmin", "d365admin")]
    tenant_file.write_text(json.dumps({"groups": [{"name": "Sales-Env", "members": members}]}))
    before = records()
    call_command("load_tenant", str(tenant_file))
    assert records() == before  # the directory changed, no record yet

    page.goto(history)
    rows = pending.locator("tr.pending-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_have_attribute("data-upn", portal_upn("plain"))
    expect(row).to_have_attribute("data-outcome", "disabled")
    expect(row.locator("a.rule-chip")).to_have_text(["ELIG-04"])
    expect(pending.locator(".pending-counts")).to_contain_text("1 disabled")
    # The same as the command line's dry run of that sync.
    code, out, _err = run_command("sync_directory", environment="Sales", dry_run=True, format="json")
    assert code == 0
    [cli] = json.loads(out)["environments"]
    assert [(c["user"], c["outcome"], c["refused_by"]) for c in cli["changes"]] == [(portal_upn("plain"), "disabled", ["ELIG-04"])]
    shot("sync-history-pending")
    axe("the pending section of Sync history", include=["#sync-pending"])
    page.set_viewport_size(PHONE)
    page.reload()
    no_horizontal_scroll(page, "Sync history with a pending change at 390 px")
    page.screenshot(path=str(_artifact("sync-history-pending-390")), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})

    directory_sync()
    assert SystemUser.objects.get(environment=sales, domainname=portal_upn("plain")).isdisabled
    page.goto(history)
    expect(pending).to_contain_text("Nothing is pending")


def _artifact(name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
