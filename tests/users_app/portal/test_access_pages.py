"""The access pages (issue 12): a directory user's Access tab, a group's Access tab, and the Pending
section of an environment's Sync history. Each verdict is the engine's own: the tests hold it equal
to what Run diagnostics and an admin's Add user then do, and the pending list equal to what the
real sync then does; visiting writes nothing."""
import re

import pytest
from django.db import transaction
from django.urls import reverse

from environments_app.models import Environment
from users_app.models import DirectoryGroup, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning.sync import directory_sync, environment_user_add, environment_user_diagnose
from users_app.selectors import access
from users_app.services import audit, directory

from tests.builders import upn
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def person(name: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=upn(name))


def as_operator(change):
    with audit.acting_as(audit.OPERATOR_ACTOR):
        return change()


def rows_of(body: str) -> dict[str, dict]:
    """The access table's rows by environment: verdict, record state, next step, rule IDs shown."""
    found = {}
    for match in re.finditer(r'<tr class="access-row" data-environment="([^"]+)" data-verdict="(\w+)" '
                             r'data-state="(\w+)" data-step="(\w*)">(.*?)</tr>', body, re.S):
        name, verdict, state, step, html = match.groups()
        verdict_cell = re.search(r'<span class="verdict">(.*?)</span>\n', html, re.S).group(1)
        found[name] = {"verdict": verdict, "state": state, "step": step, "html": html,
                       "rules": re.findall(r'class="rule-chip"[^>]*>([A-Z]+-\d\d)</a>', verdict_cell)}
    return found


def access_page(client, user: DirectoryUser, **extra):
    response = client.get(reverse("m365:active_user_access", args=[user.pk]), **extra)
    assert response.status_code == 200
    return response.content.decode()


def truth(environment: Environment, user: DirectoryUser) -> tuple[str, list[str]]:
    """What Run diagnostics reports and Add user does, rolled back: ("in" or "out", failing ELIG rules)."""
    with transaction.atomic():
        diagnosis = as_operator(lambda: environment_user_diagnose(environment=environment, directory_user=user))
        added = as_operator(lambda: environment_user_add(environment=environment, directory_user=user))
        transaction.set_rollback(True)
    failing = [c.rule for c in diagnosis.checks if c.failed and c.rule.startswith("ELIG-")]
    verdict = "in" if diagnosis.verdict == "entitled" else "out"
    # DIAG-02: the verdict agrees with what an admin's add does.
    if verdict == "in":
        assert added.status == "enabled", (environment.name, user.login_name, added)
    else:
        assert added.status != "enabled" and added.refused_by == failing, (environment.name, user.login_name, added)
    return verdict, failing


def assert_page_agrees(client, user: DirectoryUser) -> dict[str, dict]:
    before = row_counts()
    rows = rows_of(access_page(client, user))
    assert row_counts() == before, "visiting the access page wrote something"
    assert set(rows) == set(Environment.objects.values_list("name", flat=True))
    for environment in Environment.objects.exclude(deployment="on_premises"):
        verdict, failing = truth(environment, user)
        assert (rows[environment.name]["verdict"], rows[environment.name]["rules"]) == (verdict, failing), \
            (environment.name, user.login_name)
    return rows


def test_licensed_member_of_the_security_group_gets_in_everywhere(portal_tenant, sign_in):
    """A licensed member of Sales-Env (ELIG-03, ELIG-04 pass) gets in everywhere."""
    rows = assert_page_agrees(sign_in("global"), person("plain"))
    assert (rows["Sales"]["verdict"], rows["Sales"]["state"], rows["Sales"]["rules"]) == ("in", "enabled", [])
    assert rows["Service"]["verdict"] == "in"
    # In, but with no security role (ROLE-01, reported, never deciding): the fix is Manage security roles.
    record = SystemUser.objects.get(environment=portal_tenant["service"], domainname=upn("plain"))
    assert not record.roles.exists() and rows["Service"]["step"] == "fix"
    assert reverse("users:environment_user_roles", args=[portal_tenant["service"].environment_id, record.systemuserid]) \
        in rows["Service"]["html"]


def test_licence_removed_is_kept_out_by_elig_03_with_refresh_and_the_licence_fix(portal_tenant, sign_in):
    """ELIG-03: the licence removed (no sync yet), the enabled record would be disabled by Refresh user;
    the fix is on the user's Licenses tab."""
    plain = person("plain")
    as_operator(lambda: directory.licences_set(user=plain, skus=[]))
    rows = assert_page_agrees(sign_in("global"), plain)
    sales = rows["Sales"]
    assert (sales["verdict"], sales["rules"], sales["state"], sales["step"]) == ("out", ["ELIG-03"], "enabled", "refresh")
    assert reverse("m365:active_user_licences", args=[plain.pk]) in sales["html"]
    record = SystemUser.objects.get(environment=portal_tenant["sales"], domainname=upn("plain"))
    assert reverse("users:environment_user_refresh", args=[portal_tenant["sales"].environment_id, record.systemuserid]) in sales["html"]


def test_not_in_the_security_group_is_kept_out_by_elig_04_and_add_user_is_offered_elsewhere(portal_tenant, sign_in):
    """ELIG-04: olivia@ is in no group: kept out of Sales (the fix is the group's Members tab); in Service,
    where her Microsoft 365 licence counts on demand (ELIG-03 e), Add user would let her in."""
    olivia = person("olivia")
    rows = assert_page_agrees(sign_in("global"), olivia)
    group = DirectoryGroup.objects.get(name="Sales-Env")
    assert (rows["Sales"]["verdict"], rows["Sales"]["rules"], rows["Sales"]["state"]) == ("out", ["ELIG-04"], "absent")
    assert reverse("m365:group_detail", args=[group.pk]) in rows["Sales"]["html"]
    assert (rows["Service"]["verdict"], rows["Service"]["step"]) == ("in", "add")
    assert reverse("users:environment_user_add", args=[portal_tenant["service"].environment_id]) in rows["Service"]["html"]
    assert f'value="{upn("olivia")}"' in rows["Service"]["html"]


def test_unlicensed_non_member_fails_elig_03_and_elig_04_in_order(portal_tenant, sign_in):
    """ELIG-03 then ELIG-04, in the order Run diagnostics and refused_by name them."""
    rows = assert_page_agrees(sign_in("global"), person("greader"))
    assert rows["Sales"]["rules"] == ["ELIG-03", "ELIG-04"] and rows["Service"]["rules"] == ["ELIG-03"]


def test_blocked_sign_in_is_kept_out_by_elig_02_and_unblocking_is_the_fix(portal_tenant, sign_in):
    """ELIG-02: a blocked account; the fix is the user's Account tab."""
    plain = person("plain")
    as_operator(lambda: directory.directory_user_update(user=plain, account_enabled=False))
    rows = assert_page_agrees(sign_in("global"), plain)
    assert rows["Sales"]["rules"] == ["ELIG-02"] and rows["Service"]["rules"] == ["ELIG-02"]
    assert reverse("m365:active_user_detail", args=[plain.pk]) in rows["Sales"]["html"]


def test_disabled_record_entitled_again_is_enabled_by_refresh_user(portal_tenant, sign_in):
    """LIFE-03: the licence removed and synced (disabled), then given back: Refresh user enables the record."""
    plain = person("plain")
    as_operator(lambda: directory.licences_set(user=plain, skus=[]))
    directory_sync(environments=[portal_tenant["sales"]])
    as_operator(lambda: directory.licences_set(user=plain, skus=["DYN"]))
    rows = assert_page_agrees(sign_in("global"), plain)
    assert (rows["Sales"]["verdict"], rows["Sales"]["state"], rows["Sales"]["step"]) == ("in", "disabled", "refresh")


def test_on_premises_environment_says_onprem_01_and_offers_nothing(portal_tenant, onprem, sign_in):
    """ONPREM-01: directory users never get a record on premises."""
    rows = rows_of(access_page(sign_in("global"), person("plain")))
    assert (rows[onprem.name]["verdict"], rows[onprem.name]["rules"], rows[onprem.name]["step"]) == ("out", ["ONPREM-01"], "")


def test_actions_are_offered_only_to_whoever_may_use_them_in_the_environment(portal_tenant, sign_in):
    """A User administrator reads the page but may not Add user in Service: the action is named, not a button."""
    body = access_page(sign_in("useradmin"), person("olivia"))
    service = rows_of(body)["Service"]["html"]
    assert "Add user" in service and "<form" not in service


def test_access_tab_is_a_full_page_and_its_fragment_and_is_reached_from_the_user_page(portal_tenant, sign_in):
    client = sign_in("global")
    plain = person("plain")
    url = reverse("m365:active_user_access", args=[plain.pk])
    assert f'href="{url}"' in client.get(reverse("m365:active_user_detail", args=[plain.pk])).content.decode()
    full = access_page(client, plain)
    fragment = access_page(client, plain, **HX)
    assert "<html" in full and "<html" not in fragment
    assert 'id="user-access"' in fragment and 'aria-current="page">Access</a>' in fragment


def test_the_users_lists_lead_to_the_access_page(portal_tenant, sign_in):
    """One user selected: Active users offers Access; an environment's Users list reaches it through the record."""
    client = sign_in("global")
    plain = person("plain")
    record = SystemUser.objects.get(environment=portal_tenant["sales"], domainname=upn("plain"))
    response = client.get(reverse("m365:record_access", args=[record.systemuserid]))
    assert response.status_code == 302 and response["Location"] == reverse("m365:active_user_access", args=[plain.pk])
    sales = portal_tenant["sales"]
    ids = [str(record.systemuserid)]
    client.post(reverse("users:environment_user_selection", args=[sales.environment_id]), {"page_ids": ids, "selected": ids})
    body = client.get(reverse("users:environment_user_list", args=[sales.environment_id])).content.decode()
    assert reverse("m365:record_access", args=[record.systemuserid]) in body
    ids = [str(plain.pk)]
    client.post(reverse("m365:active_user_selection"), {"page_ids": ids, "selected": ids})
    body = client.get(reverse("m365:active_user_list")).content.decode()
    assert reverse("m365:active_user_access", args=[plain.pk]) in body


# --- The group page ---------------------------------------------------------------------------------


def group_rows(body: str) -> dict[str, tuple[int, int]]:
    return {name: (int(into), int(out)) for name, into, out in re.findall(
        r'<tr class="group-access-row" data-environment="([^"]+)" data-in="(\d+)" data-out="(\d+)">', body)}


@pytest.mark.parametrize("reading", ["whole directory", "in chunks"])
def test_group_page_counts_members_nested_included_and_agrees_with_each_users_page(portal_tenant, sign_in, reading,
                                                                                   monkeypatch):
    """DIR-06: a group nested in Sales-Env brings olivia@ and greader@; each member's verdict on the
    group page is the one of their own access page, and the counts add up, whether the members are
    read with the whole directory (a large share of it) or a few at a time."""
    if reading == "in chunks":
        monkeypatch.setattr(access, "FULL_PASS_SHARE", 1.0)
        monkeypatch.setattr(access, "READ_CHUNK", 2)
    sales_env = DirectoryGroup.objects.get(name="Sales-Env")
    nested = as_operator(lambda: directory.group_create(name="Sales-Interns"))
    as_operator(lambda: directory.group_members_set(group=nested, users=[person("olivia"), person("greader")]))
    as_operator(lambda: directory.group_member_add(group=sales_env, member_group=nested))
    client = sign_in("global")
    before = row_counts()
    url = reverse("m365:group_access", args=[sales_env.pk])
    body = client.get(url).content.decode()
    assert row_counts() == before
    members = ["sysadmin", "plain", "d365admin", "olivia", "greader"]
    expected: dict[str, list] = {}
    for name in members:
        for row in access.user_access(directory_user=person(name)):
            expected.setdefault(row.environment.name, []).append((upn(name), row.gets_in, row.rules))
    counts = group_rows(body)
    for env_name, verdicts in expected.items():
        assert counts[env_name] == (sum(v[1] for v in verdicts), sum(not v[1] for v in verdicts)), env_name
    # greader@ (no licence) is kept out by ELIG-03 everywhere; the members list of Sales says so, paged.
    sales = portal_tenant["sales"]
    kept = client.get(url, {"environment": str(sales.environment_id), "rules": "ELIG-03"}).content.decode()
    shown = re.findall(r'data-upn="([^"]+)" data-verdict="(\w+)"', kept)
    assert shown == [(upn, "out") for upn, into, rules in sorted(expected["Sales"]) if rules == ("ELIG-03",)]
    assert (upn("greader"), "out") in shown
    fragment = client.get(url, {"environment": str(sales.environment_id)}, **HX).content.decode()
    assert "<html" not in fragment and 'id="group-access"' in fragment
    assert sorted(u for u, _ in re.findall(r'data-upn="([^"]+)" data-verdict="(\w+)"', fragment)) == sorted(upn(n) for n in members)
    assert f'href="{url}"' in client.get(reverse("m365:group_detail", args=[sales_env.pk])).content.decode()


def test_group_members_list_is_paged_and_its_queries_do_not_grow_with_the_members(portal_tenant, sign_in, queries_of):
    """Many members: counts first, then 50 a page; the same number of queries for 3 members or all."""
    from users_app.views.m365.access import MEMBERS_PER_PAGE
    sales_env = DirectoryGroup.objects.get(name="Sales-Env")
    others = list(DirectoryUser.objects.exclude(user_principal_name__in=[upn(n) for n in ("sysadmin", "plain", "d365admin")]))
    client = sign_in("global")
    url = reverse("m365:group_access", args=[sales_env.pk])
    few = queries_of(client, url)
    as_operator(lambda: directory.group_members_set(group=sales_env, users=list(DirectoryUser.objects.all())))
    assert queries_of(client, url) <= few
    total = DirectoryUser.objects.count()
    body = client.get(url, {"environment": str(portal_tenant["sales"].environment_id)}).content.decode()
    assert sum(group_rows(body)["Sales"]) == total and others
    assert len(re.findall(r'class="group-member-row"', body)) == min(total, MEMBERS_PER_PAGE)


# --- Pending on the Sync history -----------------------------------------------------------------------


def pending_rows(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="pending-row" data-upn="([^"]+)" data-outcome="(\w+)">', body)


def test_nothing_is_pending_right_after_a_sync(portal_tenant, sign_in):
    client = sign_in("global")
    body = client.get(reverse("structure:sync_run_list", args=[portal_tenant["sales"].environment_id])).content.decode()
    assert "Pending: what the next sync will do" in body and "Nothing is pending" in body


def test_pending_equals_what_the_real_sync_then_does_and_visiting_writes_nothing(portal_tenant, sign_in):
    """The licence removed from plain@ (ELIG-03) and given to olivia@, no sync yet: Pending lists
    plain@ disabled by ELIG-03; then the real sync does exactly that, count by count."""
    sales = portal_tenant["sales"]
    as_operator(lambda: directory.licences_set(user=person("plain"), skus=[]))
    as_operator(lambda: directory.group_member_add(group=DirectoryGroup.objects.get(name="Sales-Env"), user=person("olivia")))
    as_operator(lambda: directory.licences_set(user=person("olivia"), skus=["DYN", "E3"]))
    client = sign_in("global")
    url = reverse("structure:sync_run_list", args=[sales.environment_id])
    before, runs = row_counts(), SyncRun.objects.count()
    body = client.get(url).content.decode()
    pending_fragment = client.get(reverse("structure:sync_run_pending", args=[sales.environment_id]), **HX).content.decode()
    assert row_counts() == before and SyncRun.objects.count() == runs
    shown = pending_rows(body)
    assert shown == pending_rows(pending_fragment) and "<html" not in pending_fragment
    plain_row = re.search(r'data-upn="%s" data-outcome="disabled">(.*?)</tr>' % re.escape(upn("plain")), body, re.S).group(1)
    assert ">ELIG-03</a>" in plain_row
    record = SystemUser.objects.get(environment=sales, domainname=upn("plain"))
    assert reverse("users:environment_user_diagnose", args=[sales.environment_id, record.systemuserid]) in plain_row
    counts = re.search(r'<p class="pending-counts">(.*?)</p>', body, re.S).group(1)
    [run] = directory_sync(environments=[sales], full=False)
    done = sorted((d["upn"], d["outcome"]) for d in run.decision_log if d["outcome"] in ("added", "enabled", "disabled", "updated"))
    assert sorted(shown) == done and (upn("plain"), "disabled") in shown and (upn("olivia"), "added") in shown
    for name in ("added", "enabled", "disabled", "updated"):
        assert f"<strong>{getattr(run, name)}</strong> {name}" in counts, name
    assert "Nothing is pending" in client.get(url).content.decode()


def test_pending_is_not_shown_where_nothing_is_synchronised(portal_tenant, onprem, sign_in):
    """ONPREM-01: an on-premises environment has no background sync, so nothing is pending."""
    body = sign_in("global").get(reverse("structure:sync_run_list", args=[onprem.environment_id])).content.decode()
    assert "Pending: what the next sync will do" not in body


def test_add_user_and_refresh_user_from_the_access_page_do_what_it_said(portal_tenant, sign_in):
    """SYNC-03 and SYNC-04: the page's Add user posts the environment's own Add user for this user, and
    its Refresh user the record's; afterwards the page shows the state it announced."""
    client = sign_in("global")
    olivia, plain = person("olivia"), person("plain")
    service, sales = portal_tenant["service"], portal_tenant["sales"]
    add = re.search(r'<form method="post" action="([^"]+)">.*?name="users" value="([^"]+)"',
                    rows_of(access_page(client, olivia))["Service"]["html"], re.S)
    assert add.group(1) == reverse("users:environment_user_add", args=[service.environment_id])
    client.post(add.group(1), {"users": add.group(2)})
    assert rows_of(access_page(client, olivia))["Service"] | {"html": ""} == \
        {"verdict": "in", "state": "enabled", "step": "fix", "rules": [], "html": ""}  # in; no role yet (ROLE-01)
    as_operator(lambda: directory.licences_set(user=plain, skus=[]))
    refresh = re.search(r'<form method="post" action="([^"]+/refresh/)">', rows_of(access_page(client, plain))["Sales"]["html"])
    client.post(refresh.group(1))
    row = rows_of(access_page(client, plain))["Sales"]
    assert (row["verdict"], row["state"], row["rules"], row["step"]) == ("out", "disabled", ["ELIG-03"], "fix")
    assert SystemUser.objects.get(environment=sales, domainname=upn("plain")).isdisabled


def test_sync_now_over_htmx_swaps_the_pending_section_too(portal_tenant, sign_in):
    """SYNC-01: after Sync now, what was pending is done: the section says so in place."""
    sales = portal_tenant["sales"]
    as_operator(lambda: directory.licences_set(user=person("plain"), skus=[]))
    client = sign_in("global")
    assert (upn("plain"), "disabled") in pending_rows(client.get(reverse("structure:sync_run_list", args=[sales.environment_id])).content.decode())
    text = client.post(reverse("structure:sync_run_create", args=[sales.environment_id]), **HX).content.decode()
    assert 'id="sync-pending" class="panel" aria-labelledby="sync-pending-title" hx-swap-oob="true"' in text
    assert "Nothing is pending" in text and SystemUser.objects.get(environment=sales, domainname=upn("plain")).isdisabled


def test_pending_waits_for_a_running_background_sync_instead_of_blocking(portal_tenant, sign_in):
    """SYNC-01: one background run per environment at a time; while one runs, Pending says so (the
    rehearsal would have to wait for the environment's lock) and the page answers at once."""
    from users_app.choices import SyncStatus, SyncTrigger
    sales = portal_tenant["sales"]
    SyncRun.objects.create(environment=sales, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING)
    client = sign_in("global")
    body = client.get(reverse("structure:sync_run_list", args=[sales.environment_id])).content.decode()
    assert "is running: what is still pending shows when it ends" in body
    fragment = client.get(reverse("structure:sync_run_pending", args=[sales.environment_id]), **HX).content.decode()
    assert 'id="sync-pending"' in fragment and "pending-row" not in fragment


def test_a_global_reader_reads_every_access_page_and_pending_without_any_command(portal_tenant, sign_in):
    """DIR-05: a Global reader reads the user, the group and the Sync history; no Add user, Refresh
    user or Run diagnostics button is offered, and nothing is written."""
    sales = portal_tenant["sales"]
    as_operator(lambda: directory.licences_set(user=person("plain"), skus=[]))
    client = sign_in("greader")
    before = row_counts()
    user_pages = [access_page(client, person("olivia")), access_page(client, person("plain"))]
    group = client.get(reverse("m365:group_access", args=[DirectoryGroup.objects.get(name="Sales-Env").pk]))
    history = client.get(reverse("structure:sync_run_list", args=[sales.environment_id])).content.decode()
    assert row_counts() == before and group.status_code == 200
    shown = [row for page in user_pages for row in rows_of(page).values()]
    assert {row["step"] for row in shown} >= {"add", "refresh"}  # what would change it is still said
    assert not any('method="post"' in row["html"] for row in shown)
    assert (upn("plain"), "disabled") in pending_rows(history) and "Run diagnostics</button>" not in history
