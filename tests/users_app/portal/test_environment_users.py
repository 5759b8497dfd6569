"""The environment's Users list and user profile (area B): every action answering over HTMX and by
redirect, refusals that name their rule and write nothing (every URL both ways and each role: the
battery of tests/portal/test_pages.py)."""
from urllib.parse import urlencode

import pytest
from django.utils.html import strip_tags
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from environments_app.models import Environment
from tests import builders
from tests.builders import HX
from tests.conftest import portal_tenant_data, portal_upn
from users_app.models import Account, AppRegistration, DirectoryGroup, DirectoryUser, SyncRun, SystemUser, SystemUserRole, TeamMembership
from users_app.provisioning.sync import environment_sync
from users_app.services import directory, environments, records
from users_app.services.imports import records_import
from users_app.tenant_file import load_tenant

PP_ROLE_TEXT = "System Administrator security role in this environment"


# --- helpers -------------------------------------------------------------------------------------


def record(env, local):
    return SystemUser.objects.get(environment=env, domainname__iexact=portal_upn(local))


def list_url(env, **query):
    return reverse("users:environment_user_list", args=[env.environment_id]) + (f"?{urlencode(query)}" if query else "")


def add_url(env):
    return reverse("users:environment_user_add", args=[env.environment_id])


def user_url(env, user, name="environment_user_detail"):
    return reverse(f"users:{name}", args=[env.environment_id, user.systemuserid])


def reload_tenant(change):
    """Change the portal tenant's directory (through load_tenant, as an admin would) and sync Sales."""
    data = portal_tenant_data()
    change(data)
    load_tenant(data)
    environment_sync(environment=Environment.objects.get(name="Sales"))


def with_users(data, locals_, *, licences=("DYN",), in_group=True):
    data["skus"][0]["seats"] = 100
    data["users"] += [builders.user(local, display_name=local.capitalize(), usage_location="US", licences=list(licences))
                      for local in locals_]
    if in_group:
        data["groups"][0]["members"] += [portal_upn(local) for local in locals_]


def make_stub(env, upn="ghost@fabrikam.com"):
    records_import(environment=env, rows=[{"name": "Acme", "owner": upn}])
    return SystemUser.objects.get(environment=env, domainname=upn)


def listed(client, env, **query):
    table = client.get(list_url(env, **query)).context["table"]
    return {row.record.domainname for row in table.paginated_rows}


# --- Who may open what: every URL both ways and each role is the battery of tests/portal/test_pages.py


def test_system_administrator_opens_only_their_environment(portal_tenant, sign_in):
    """MODE-04 / product: System Administrator in that environment opens that environment's pages only."""
    client = sign_in("sysadmin")
    assert client.get(list_url(portal_tenant["sales"])).status_code == 200
    denied = client.get(list_url(portal_tenant["service"]))
    assert denied.status_code == 403 and PP_ROLE_TEXT in denied.content.decode()


def test_profile_breadcrumbs_and_command_bar(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    page = sign_in("global").get(user_url(sales, record(sales, "plain"))).content.decode()
    assert 'aria-label="Breadcrumb"' in page and ">Environments<" in page and ">Sales<" in page and ">Users<" in page
    assert 'role="toolbar"' in page
    for label in ("Run diagnostics", "Refresh user", "Manage security roles", "Manage teams", "Change business unit",
                  "Change manager", "Change position", "Manage user in Dynamics 365", "Reassign records",
                  "Send invitation", "Sign in as this user"):
        assert label in page
    assert "Dynamics 365 Sales" in page  # the licence summary from the directory


# --- The list: views, search, sorting, paging, query budget ------------------------------------------


def test_views_and_search_narrow_the_list(portal_tenant, sign_in):
    """Views Enabled (placeholders hidden, MODE-05/MODE-07; stubs hidden) / Disabled / Application / Stub / All;
    search over full name, user name and mail; typing "stub users" lists the stub users (STUB-02)."""
    sales = portal_tenant["sales"]
    make_stub(sales)
    records.app_user_create(environment=sales, app=AppRegistration.objects.get(name="ERP connector"))
    reload_tenant(lambda data: data["groups"][0]["members"].remove(portal_upn("plain")))  # plain becomes disabled
    client = sign_in("global")
    enabled = listed(client, sales)
    assert portal_upn("sysadmin") in enabled and portal_upn("plain") not in enabled
    assert not enabled & {"crmoln@microsoft.com", "crmoln2@microsoft.com", "ghost@fabrikam.com"}
    assert not any(name.startswith("00000000-") for name in enabled)  # no application user
    assert listed(client, sales, view="disabled") == {portal_upn("plain")}
    assert {u.split("@")[0] for u in listed(client, sales, view="application")} == {"00000000-0000-0000-0000-000000000001"}
    assert listed(client, sales, view="stub") == {"ghost@fabrikam.com"} == listed(client, sales, q="stub users")
    everyone = listed(client, sales, view="all")
    assert {"crmoln@microsoft.com", "crmoln2@microsoft.com", "ghost@fabrikam.com", portal_upn("plain")} <= everyone
    assert listed(client, sales, q="sysadm") == {portal_upn("sysadmin")}  # user name
    assert listed(client, sales, q="Sysadmin Test") == {portal_upn("sysadmin")}  # full name
    assert listed(client, sales, q="sysadmin@contoso.com") == {portal_upn("sysadmin")}  # mail
    assert listed(client, sales, q="plain", view="disabled") == {portal_upn("plain")}
    assert listed(client, sales, q="plain") == set()


def test_views_are_tabs_and_the_search_keeps_the_view(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    page = sign_in("global").get(list_url(sales, view="disabled", q="x")).content.decode()
    assert 'class="views"' in page
    assert 'aria-current="page">Disabled users<' in page and "view=disabled&amp;q=x" in page
    for label in ("Enabled users", "Disabled users", "Application users", "Stub users", "All users"):
        assert label in page
    assert 'name="view" value="disabled"' in page  # the search form keeps the view
    assert 'hx-target="#user-table"' in page and 'hx-push-url="true"' in page


@pytest.mark.parametrize("column", ["fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on"])
def test_every_column_sorts_both_ways(portal_tenant, sign_in, column):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    for sort in (column, f"-{column}"):
        response = client.get(list_url(sales, view="all", sort=sort), **HX)
        assert response.status_code == 200 and b'id="user-table"' in response.content
        assert response.context["table"].order_by == (sort,)


def test_paging_keeps_the_search_in_the_url(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, [f"bulk{i:02}" for i in range(30)]))
    client = sign_in("global")
    first = client.get(list_url(sales, q="bulk"))
    assert len(first.context["table"].page.object_list) == 25 and "q=bulk&amp;page=2" in first.content.decode()
    second = client.get(list_url(sales, q="bulk", page=2))
    assert len(second.context["table"].page.object_list) == 5


def test_list_query_count_does_not_grow_with_rows(portal_tenant, sign_in, django_assert_max_num_queries):
    """5 users listed vs 30 (25 on the page): the same number of queries."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, [f"bulk{i:02}" for i in range(5)]))
    client = sign_in("global")
    client.get(list_url(sales, q="bulk"))
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(list_url(sales, q="bulk")).context["table"].page.object_list) == 5
    reload_tenant(lambda data: with_users(data, [f"bulk{i:02}" for i in range(30)]))
    with django_assert_max_num_queries(len(five)):
        assert len(client.get(list_url(sales, q="bulk")).context["table"].page.object_list) == 25


def test_environment_without_dataverse_has_no_user_records(portal_tenant, sign_in):
    """ENV-02: the page says so and offers no actions."""
    bare = environments.environment_create(name="No database", dataverse=False)
    page = sign_in("global").get(list_url(bare)).content.decode()
    assert "no user records" in page and "ENV-02" in page
    assert "Add user" not in page and 'id="user-table"' in page


# --- Add user (SYNC-03) ---------------------------------------------------------------------


def test_add_user_reports_each_user_and_every_refusing_rule(portal_tenant, sign_in):
    """SYNC-03: per user, added or refused with every refusing rule and its reason, in the Add user panel
    when nobody was added (an error toast); a name the directory does not know is the picker's error."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, ["newcomer"], in_group=False) or with_users(data, ["joiner"], licences=()))
    client = sign_in("global")
    panel = client.get(add_url(sales), **HX).content.decode()
    assert 'id="user-add-panel" data-panel' in panel and "<datalist" not in panel  # a side panel, one picker
    before = SystemUser.objects.filter(environment=sales).count()
    response = client.post(add_url(sales), {"users": f"{portal_upn('newcomer')}\n{portal_upn('joiner')}"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="user-add-panel"' in text and 'id="messages"' in text
    assert "ELIG-04" in text and "Sales-Env" in text  # newcomer: not in the security group, with the reason
    assert "ELIG-03" in text  # joiner: no licence
    assert "toast-error" in text and "0 of 2" in text
    assert SystemUser.objects.filter(environment=sales).count() == before
    unknown = client.post(add_url(sales), {"users": "nobody@nowhere.com"}, **HX)
    assert unknown.status_code == 400 and "nobody@nowhere.com" in unknown.content.decode()


def test_add_user_adds_and_shows_the_results_after_a_redirect(portal_tenant, sign_in):
    """SYNC-03 without HTMX: redirect to Manage security roles for the added users (selected in the
    grid), which shows the Add user results once."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, ["newcomer"], in_group=False))
    group = DirectoryGroup.objects.get(name="Sales-Env")
    directory.group_member_add(group=group, user=DirectoryUser.objects.get(user_principal_name=portal_upn("newcomer")))
    client = sign_in("global")
    empty = client.post(add_url(sales), {"pick": "", "users": " "}, **HX)
    assert empty.status_code == 400 and "Enter at least one user name" in empty.content.decode()
    response = client.post(add_url(sales), {"pick": portal_upn("newcomer"), "users": portal_upn("newcomer")})
    roles_url = reverse("users:environment_user_bulk_roles", args=[sales.environment_id])
    assert response.status_code == 302 and response["Location"] == roles_url
    assert not record(sales, "newcomer").isdisabled
    page = client.get(roles_url).content.decode()
    assert "Add user: results" in page and "added" in page and 'id="bulk-roles-panel"' in page
    assert "Newcomer" in page  # the added user is the selection the roles go to
    assert "Add user: results" not in client.get(roles_url).content.decode()


# --- Run diagnostics (DIAG-01) and Refresh user (SYNC-04) -------------------------------------------


def test_run_diagnostics_htmx_lists_every_check(portal_tenant, sign_in):
    """DIAG-01: every check with its result, in a wide side panel; the summary out of band."""
    sales = portal_tenant["sales"]
    client = sign_in("global")
    response = client.post(user_url(sales, record(sales, "plain"), "environment_user_diagnose"), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div class="flyout flyout-wide" id="user-panel" data-panel>')
    assert '<div id="user-summary" class="user-profile" hx-swap-oob="true">' in text
    assert 'id="messages"' in text and "entitled" in text
    for rule in ("ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01"):
        assert f'data-rule="{rule}"' in text


def test_run_diagnostics_plain_redirects_and_shows_the_checks_once(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    client = sign_in("global")
    response = client.post(user_url(sales, target, "environment_user_diagnose"))
    assert response.status_code == 302 and response["Location"] == user_url(sales, target)
    page = client.get(user_url(sales, target)).content.decode()
    assert 'data-rule="ELIG-04"' in page and 'id="user-panel" data-panel' in page
    assert 'data-rule="ELIG-04"' not in client.get(user_url(sales, target)).content.decode()


def test_failing_checks_link_to_the_screen_of_the_fix(portal_tenant, sign_in):
    """DIAG-01: ELIG-04 links to the group's Members tab, ELIG-03 to the user's Licences tab."""
    sales = portal_tenant["sales"]

    def unlicensed_outsider(data):
        data["groups"][0]["members"].remove(portal_upn("plain"))
        next(u for u in data["users"] if u["upn"] == portal_upn("plain"))["licences"] = []
    reload_tenant(unlicensed_outsider)
    text = sign_in("global").post(user_url(sales, record(sales, "plain"), "environment_user_diagnose"), **HX).content.decode()
    group = DirectoryGroup.objects.get(name="Sales-Env")
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    assert reverse("m365:group_detail", args=[group.id]) in text
    assert reverse("m365:active_user_licences", args=[plain.id]) in text
    assert "not entitled" in text and "check-fail" in text


def test_refresh_shows_changed_fields_and_the_deciding_rule(portal_tenant, sign_in):
    """SYNC-04: the changed fields; without a licence the user is disabled by ELIG-03 (SYNC-05)."""
    sales = portal_tenant["sales"]

    def new_title_no_licence(data):
        user = next(u for u in data["users"] if u["upn"] == portal_upn("plain"))
        user["job_title"], user["licences"] = "Buyer", []
    data = portal_tenant_data()
    new_title_no_licence(data)
    load_tenant(data)  # the directory changes; no sync yet
    client = sign_in("global")
    response = client.post(user_url(sales, record(sales, "plain"), "environment_user_refresh"), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="user-summary"' in text and 'id="refresh-result"' in text
    assert "jobtitle" in text and "ELIG-03" in text and 'id="messages"' in text
    assert record(sales, "plain").isdisabled and record(sales, "plain").jobtitle == "Buyer"


def test_refresh_plain_redirects_and_shows_what_changed(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    next(u for u in data["users"] if u["upn"] == portal_upn("plain"))["job_title"] = "Buyer"
    load_tenant(data)
    target = record(sales, "plain")
    client = sign_in("global")
    response = client.post(user_url(sales, target, "environment_user_refresh"))
    assert response.status_code == 302 and response["Location"] == user_url(sales, target)
    page = client.get(user_url(sales, target)).content.decode()
    assert 'id="refresh-result"' in page and "jobtitle" in page


def test_refresh_says_which_rule_kept_an_unlicensed_admin_enabled(portal_tenant, sign_in):
    """LIFE-03: a Dynamics 365 administrator who loses the licence stays enabled as Administrative (MODE-02)."""
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    next(u for u in data["users"] if u["upn"] == portal_upn("d365admin"))["licences"] = []
    load_tenant(data)
    text = sign_in("global").post(user_url(sales, record(sales, "d365admin"), "environment_user_refresh"), **HX).content.decode()
    assert "Kept enabled by ELIG-03" in strip_tags(text) and "MODE-02" in text
    assert not record(sales, "d365admin").isdisabled


# --- Manage user in Dynamics 365: access mode and primary e-mail --------------------------------------


def test_eighth_non_interactive_user_refused_and_nothing_written(portal_tenant, sign_in):
    """MODE-03: the eighth non-interactive user is refused by the Dynamics 365 user form."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, [f"svc{i}" for i in range(8)]))
    for i in range(7):
        records.access_mode_set(systemuser=record(sales, f"svc{i}"), mode="non-interactive")
    eighth = record(sales, "svc7")
    before = SystemUser.objects.filter(environment=sales, accessmode=4).count()
    client = sign_in("global")
    url = user_url(sales, eighth, "environment_user_form")
    form = client.get(url).content.decode()
    assert "Client Access License (CAL) Information" in form and "Non-interactive" in form and "Primary Email" in form
    response = client.post(url, {"accessmode": "non-interactive", "internalemailaddress": "svc7@contoso.com"}, **HX)
    assert response.status_code == 409 and "MODE-03" in response.content.decode()
    assert record(sales, "svc7").accessmode == 0
    assert record(sales, "svc7").internalemailaddress == eighth.internalemailaddress  # all or nothing
    assert SystemUser.objects.filter(environment=sales, accessmode=4).count() == before == 7


def test_access_mode_needs_system_administrator_or_admin(portal_tenant, sign_in):
    """MODE-04: a Dynamics 365 administrator who is not System Administrator there is refused."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    response = sign_in("d365admin").post(user_url(sales, target, "environment_user_form"),
                                         {"accessmode": "read", "internalemailaddress": target.internalemailaddress}, **HX)
    assert response.status_code == 409 and "MODE-04" in response.content.decode()
    assert record(sales, "plain").accessmode == 0
    ok = sign_in("sysadmin").post(user_url(sales, target, "environment_user_form"),
                                  {"accessmode": "read", "internalemailaddress": target.internalemailaddress})
    assert ok.status_code == 302 and record(sales, "plain").accessmode == 2


def test_primary_email_edit_is_kept_by_sync(portal_tenant, sign_in):
    """FIELD-04: an edited primary e-mail is no longer synchronised."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    response = sign_in("global").post(user_url(sales, target, "environment_user_form"),
                                      {"accessmode": "read-write", "internalemailaddress": "buyer@contoso.com"}, **HX)
    assert response.status_code == 200 and "primary e-mail" in response.content.decode()
    environment_sync(environment=sales)
    target = record(sales, "plain")
    assert target.internalemailaddress == "buyer@contoso.com" and target.internalemailaddress_edited


# --- Security roles, teams, business unit, manager, position, reassign ---------------------------------


def test_roles_assigned_htmx_and_plain(portal_tenant, sign_in):
    """ROLE-04: roles from the profile; HTMX answers the summary, plain redirects."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    basic, maker = sales.security_roles.get(name="Basic User"), sales.security_roles.get(name="Environment Maker")
    client = sign_in("global")
    url = user_url(sales, target, "environment_user_roles")
    assert 'type="checkbox"' in client.get(url, **HX).content.decode()
    response = client.post(url, {"roles": [basic.pk]}, **HX)
    assert response.status_code == 200 and "Basic User" in response.content.decode() and 'id="messages"' in response.content.decode()
    assert client.post(url, {"roles": [basic.pk, maker.pk]}).status_code == 302
    assert set(target.roles.values_list("name", flat=True)) == {"Basic User", "Environment Maker"}


def test_role_assignment_to_disabled_user_refused(portal_tenant, sign_in):
    """ROLE-02: roleFailureDuetoUserIsDisabled, nothing written."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: data["groups"][0]["members"].remove(portal_upn("plain")))
    target = record(sales, "plain")
    assert target.isdisabled
    basic = sales.security_roles.get(name="Basic User")
    before = SystemUserRole.objects.count()
    response = sign_in("global").post(user_url(sales, target, "environment_user_roles"), {"roles": [basic.pk]}, **HX)
    text = response.content.decode()
    assert response.status_code == 409 and "ROLE-02" in text and "roleFailureDuetoUserIsDisabled" in text
    assert SystemUserRole.objects.count() == before


def test_removing_the_last_role_asks_for_confirmation(portal_tenant, sign_in):
    """ROLE-03: discouraged (remove from the security group instead); confirmed, the user stays enabled without roles."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    client = sign_in("global")
    url = user_url(sales, target, "environment_user_roles")
    first = client.post(url, {}, **HX)
    text = first.content.decode()
    assert first.status_code == 400 and "ROLE-03" in text and "security group" in text and 'name="confirm_no_roles"' in text
    assert target.roles.count() == 1
    confirmed = client.post(url, {"confirm_no_roles": "on"})
    assert confirmed.status_code == 302 and target.roles.count() == 0 and not record(sales, "plain").isdisabled


def test_teams_manager_position_panels_save(portal_tenant, sign_in):
    """ROLE-04: teams (owner and access only, ROLE-07), manager and position from the profile."""
    sales = portal_tenant["sales"]
    target, manager = record(sales, "plain"), record(sales, "sysadmin")
    team = records.team_create(environment=sales, name="Buyers")
    client = sign_in("global")
    teams_panel = client.get(user_url(sales, target, "environment_user_teams"), **HX).content.decode()
    assert "Buyers" in teams_panel and "ROLE-07" in teams_panel
    assert client.post(user_url(sales, target, "environment_user_teams"), {"teams": [team.pk]}).status_code == 302
    response = client.post(user_url(sales, target, "environment_user_manager"), {"manager": manager.domainname}, **HX)
    assert response.status_code == 200 and "Manager saved" in response.content.decode()
    assert client.post(user_url(sales, target, "environment_user_position"), {"position": ""}).status_code == 302
    target.refresh_from_db()
    assert target.parentsystemuser == manager and team in target.teams.all()
    assert client.post(user_url(sales, target, "environment_user_teams"), {}, **HX).status_code == 200
    assert not TeamMembership.objects.filter(team=team, systemuser=target).exists()


def test_business_unit_change_says_roles_are_removed(portal_tenant, sign_in):
    """ROLE-06: the panel says roles go unless DoNotRemoveRolesOnChangeBusinessUnit; the answer counts them."""
    from environments_app.models import BusinessUnit
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    root = target.businessunit
    east = BusinessUnit.objects.create(environment=sales, name="East", parentbusinessunit=root)
    client = sign_in("global")
    url = user_url(sales, target, "environment_user_business_unit")
    panel = client.get(url).content.decode()
    assert "ROLE-06" in panel and "Move records to new business unit" in panel
    response = client.post(url, {"business_unit": east.pk, "move_records": "on"}, **HX)
    assert response.status_code == 200 and "security roles removed (ROLE-06)" in strip_tags(response.content.decode())
    target.refresh_from_db()
    assert target.businessunit == east and target.roles.count() == 0
    assert client.post(url, {"business_unit": root.pk}).status_code == 302


def test_reassign_records_to_another_user(portal_tenant, sign_in):
    """STUB-04 / Reassign records: every record moves to the chosen user."""
    sales = portal_tenant["sales"]
    stub = make_stub(sales)
    target = record(sales, "sysadmin")
    client = sign_in("global")
    response = client.post(user_url(sales, stub, "environment_user_reassign"), {"target": target.domainname}, **HX)
    assert response.status_code == 200 and "1 records reassigned" in response.content.decode()
    assert Account.objects.get(name="Acme").owner == target
    assert client.post(user_url(sales, target, "environment_user_reassign"),
                       {"target": record(sales, "plain").domainname}).status_code == 302


# --- Stub users, placeholders, application users -------------------------------------------------------


def test_stub_user_has_no_refresh_or_diagnostics(portal_tenant, sign_in):
    """STUB-02: the buttons are absent and the POSTs are refused, writing nothing."""
    sales = portal_tenant["sales"]
    stub = make_stub(sales)
    client = sign_in("global")
    page = client.get(user_url(sales, stub)).content.decode()
    assert "Stub user" in page and "STUB-02" in page
    assert user_url(sales, stub, "environment_user_refresh") not in page
    assert user_url(sales, stub, "environment_user_diagnose") not in page
    runs = SyncRun.objects.count()
    for name in ("environment_user_refresh", "environment_user_diagnose"):
        response = client.post(user_url(sales, stub, name), **HX)
        assert response.status_code == 409 and "STUB-02" in response.content.decode()
        assert client.post(user_url(sales, stub, name)).status_code == 302
    assert SyncRun.objects.count() == runs
    assert record_stub(sales).isdisabled


def record_stub(env):
    return SystemUser.objects.get(environment=env, user_type="stub")


@pytest.mark.parametrize("upn, rule", [("crmoln2@microsoft.com", "MODE-05"), ("crmoln@microsoft.com", "MODE-07")])
def test_placeholders_offer_no_edit_actions(portal_tenant, sign_in, upn, rule):
    """MODE-05 / MODE-07: the placeholders have no edit actions and refuse edits, writing nothing."""
    sales = portal_tenant["sales"]
    placeholder = SystemUser.objects.get(environment=sales, domainname=upn)
    client = sign_in("global")
    page = client.get(user_url(sales, placeholder)).content.decode()
    assert rule in page and "Manage security roles" not in page and "Run diagnostics" not in page
    panel = client.get(user_url(sales, placeholder, "environment_user_roles")).content.decode()
    assert rule in panel and 'name="roles"' not in panel
    roles = set(placeholder.roles.all())
    for name, data in (("environment_user_manager", {"manager": ""}), ("environment_user_roles", {"confirm_no_roles": "on"}),
                       ("environment_user_refresh", {})):
        response = client.post(user_url(sales, placeholder, name), data, **HX)
        assert response.status_code == 409 and rule in response.content.decode()
    assert set(placeholder.roles.all()) == roles


def test_application_user_profile_links_to_its_page(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    app_user = records.app_user_create(environment=sales, app=AppRegistration.objects.get(name="ERP connector"))
    page = sign_in("global").get(user_url(sales, app_user)).content.decode()
    assert reverse("app_users:app_user_detail", args=[sales.environment_id, app_user.systemuserid]) in page
    assert "Application user" in page and "Run diagnostics" not in page


# --- Invitation, sign in as this user, delete ----------------------------------------------------------


def test_invitation_htmx_and_plain(portal_tenant, sign_in):
    """LIFE-01: Send invitation is offered while not sent, and sends a mail."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    client = sign_in("global")
    assert "Send invitation" in client.get(user_url(sales, target)).content.decode()
    response = client.post(user_url(sales, target, "environment_user_invite"), **HX)
    assert response.status_code == 200 and "Invitation sent" in response.content.decode()
    assert len(mail.outbox) == 1 and record(sales, "plain").invitestatuscode == 1
    assert "Send invitation" not in client.get(user_url(sales, target)).content.decode()
    other = record(sales, "sysadmin")
    assert client.post(user_url(sales, other, "environment_user_invite")).status_code == 302 and len(mail.outbox) == 2


def test_sign_in_as_this_user(portal_tenant, sign_in):
    """SYNC-02: what the user gets on first access; a refused sign-in names the rule."""
    sales = portal_tenant["sales"]
    client = sign_in("global")
    response = client.post(user_url(sales, record(sales, "plain"), "environment_user_sign_in"), **HX)
    assert response.status_code == 200 and 'id="refresh-result"' in response.content.decode()
    reload_tenant(lambda data: data["groups"][0]["members"].remove(portal_upn("plain")))
    refused = client.post(user_url(sales, record(sales, "plain"), "environment_user_sign_in"), **HX).content.decode()
    assert "ELIG-04" in refused
    assert client.post(user_url(sales, record(sales, "plain"), "environment_user_sign_in")).status_code == 302


def test_delete_refused_while_the_directory_user_lives(portal_tenant, sign_in):
    """LIFE-05: Delete is not offered, and refused, until the directory user is permanently deleted."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    client = sign_in("global")
    assert 'id="cmd-delete"' not in client.get(user_url(sales, target)).content.decode()
    response = client.post(user_url(sales, target, "environment_user_delete"), **HX)
    assert response.status_code == 409 and "LIFE-05" in response.content.decode()
    assert record(sales, "plain").deletedstate == 0


def test_delete_then_permanently_delete(portal_tenant, sign_in):
    """LIFE-05: permanently deleted in the directory -> Delete (roles removed) -> Permanently delete once allowed."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    directory.directory_user_delete(user=plain)
    directory.directory_user_purge(user=DirectoryUser.objects.get(pk=plain.pk))
    environment_sync(environment=sales)
    client = sign_in("global")
    page = client.get(user_url(sales, target)).content.decode()
    assert 'id="cmd-delete"' in page and " Delete</a>" in page and "Permanently delete" not in page
    response = client.post(user_url(sales, target, "environment_user_delete"), **HX)
    assert response.status_code == 200 and 'id="user-summary"' in response.content.decode()
    target = SystemUser.objects.get(pk=target.pk)
    assert target.deletedstate == 1 and target.roles.count() == 0
    assert "Permanently delete" in client.get(user_url(sales, target)).content.decode()
    refused = client.post(user_url(sales, target, "environment_user_delete"), {"permanent": "1"}, **HX)
    assert refused.status_code == 409 and "LIFE-05" in refused.content.decode()
    assert SystemUser.objects.filter(pk=target.pk).exists()
    environments.environment_update(environment=sales, allow_delete_disabled_users=True)
    gone = client.post(user_url(sales, target, "environment_user_delete"), {"permanent": "1"})
    assert gone.status_code == 302 and gone["Location"] == list_url(sales)
    assert not SystemUser.objects.filter(pk=target.pk).exists()
