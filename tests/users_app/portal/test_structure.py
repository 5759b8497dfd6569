"""Area A: an environment's Teams, Security roles, Business units and Sync history pages.
Each POST action answered in place (HTMX) and by redirect, refusals that name the rule (and the
real service's code) and write nothing, query budgets. Every URL both ways and each role: the
battery of tests/portal/test_pages.py."""
import pytest
from django.urls import reverse

from environments_app.models import BusinessUnit, SecurityRole
from users_app.choices import SyncStatus, SyncTrigger, TeamType
from users_app.models import DirectoryGroup, DirectoryUser, SyncRun, SystemUser, SystemUserRole, Team, TeamMembership
from users_app.provisioning.sync import environment_sync
from users_app.services.directory import directory_user_update
from users_app.services.environments import business_unit_create, environment_create
from users_app.services.records import team_create, team_member_add

from tests.builders import HX_HEADERS as HX
from tests.builders import DOMAIN, upn


@pytest.fixture
def sales(portal_tenant):
    """Sales with an Owner team (plain@ a member), a group team on Sales-Env and a child business unit."""
    env = portal_tenant["sales"]
    plain = SystemUser.objects.get(environment=env, domainname=upn("plain"))
    owner_team = team_create(environment=env, name="Field sales")
    team_member_add(team=owner_team, systemuser=plain)
    group = DirectoryGroup.objects.get(name="Sales-Env")
    team_create(environment=env, name="Sales-Env team", teamtype=TeamType.SECURITY_GROUP, group_object_id=group.pk)
    business_unit_create(environment=env, name="North")
    return env


def url(name, env, *args):
    return reverse(f"structure:{name}", args=[env.environment_id, *args])


def team(env, name):
    return Team.objects.get(environment=env, name=name)


def default_team(env):
    return Team.objects.get(environment=env, isdefault=True, businessunit__parentbusinessunit__isnull=True)


def role(env, name):
    return SecurityRole.objects.get(environment=env, name=name)


def unit(env, name):
    return BusinessUnit.objects.get(environment=env, name=name)


def latest_run(env):
    return SyncRun.objects.filter(environment=env).first()


# Every URL's sign-in redirect, refusal and page and fragment (with the breadcrumbs): the battery of
# tests/portal/test_pages.py.


def test_structure_pages_of_another_environment_refuse_its_system_administrator(portal_tenant, sign_in):
    service = portal_tenant["service"]
    assert sign_in("sysadmin").get(url("team_list", service)).status_code == 403


def test_structure_post_actions_refuse_a_user_without_a_role(sales, sign_in):
    before = Team.objects.count()
    response = sign_in("plain").post(url("team_create", sales), {"name": "Nope"})
    assert response.status_code == 403 and Team.objects.count() == before


# --- Teams ---------------------------------------------------------------------------------------


def _team_form(env, **overrides):
    data = {"name": "Key accounts", "description": "", "business_unit": str(unit(env, "Sales").businessunitid),
            "administrator": "", "teamtype": str(TeamType.OWNER), "group": "", "membershiptype": "0"}
    data.update(overrides)
    return data


def test_team_create_htmx_answers_the_panel_with_the_table_and_message(sales, sign_in):
    response = sign_in("global").post(url("team_create", sales), _team_form(sales), headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="team-create-panel"' in body and "Team Key accounts created." in body
    assert body.count("Key accounts created") == 1  # B13: one toast, no callout repeating it
    assert '<div id="team-create-panel"></div>' in body  # the side panel closes
    assert 'id="team-table-region" hx-swap-oob="true"' in body
    assert team(sales, "Key accounts").teamtype == TeamType.OWNER


@pytest.mark.parametrize("headers", [HX, {}])
def test_team_create_is_a_side_panel_and_a_full_page(sales, sign_in, headers):
    """Create team: a {% panel %} (dialog with its close link) over htmx, the list with the panel without."""
    body = sign_in("global").get(url("team_create", sales), headers=headers).content.decode()
    assert 'id="team-create-panel" data-panel' in body and 'role="dialog"' in body and "data-panel-close" in body
    assert ("<html" in body and 'id="team-table-region"' in body) if not headers else "<html" not in body


def test_team_create_plain_post_redirects_to_the_team(sales, sign_in):
    group = DirectoryGroup.objects.get(name="Sales-Env")
    response = sign_in("sysadmin").post(url("team_create", sales), _team_form(
        sales, name="Mirror", teamtype=str(TeamType.OFFICE_GROUP), group=str(group.pk), membershiptype="2"))
    created = team(sales, "Mirror")
    assert response.status_code == 302 and response["Location"] == url("team_detail", sales, created.teamid)
    assert created.azureactivedirectoryobjectid == group.pk and created.membershiptype == 2


@pytest.mark.parametrize("headers", [HX, {}])
def test_team_create_group_team_without_group_refused_role07(sales, sign_in, headers):
    """ROLE-07: a group team mirrors a directory group; without one nothing is written."""
    before = Team.objects.count()
    response = sign_in("global").post(url("team_create", sales), _team_form(
        sales, teamtype=str(TeamType.SECURITY_GROUP)), headers=headers)
    assert response.status_code == 409 and "ROLE-07" in response.content.decode()
    assert Team.objects.count() == before


def test_team_detail_group_team_membership_managed_in_directory_role07(sales, sign_in):
    """ROLE-07: no Add / Remove for a group team; only members who have accessed are shown."""
    body = sign_in("global").get(url("team_detail", sales, team(sales, "Sales-Env team").teamid)).content.decode()
    assert "ROLE-07" in body and "manage its members in the directory" in body
    assert "Only members who have accessed the environment are shown." in body
    assert "+ Add team members" not in body


def test_team_detail_default_team_not_deletable_members_not_manageable(sales, sign_in):
    body = sign_in("global").get(url("team_detail", sales, default_team(sales).teamid)).content.decode()
    assert "can't be deleted" in body and "+ Add team members" not in body and "Delete team</a>" not in body


def test_team_update_htmx_and_plain(sales, sign_in):
    client = sign_in("global")
    field = team(sales, "Field sales")
    admin = SystemUser.objects.get(environment=sales, domainname=upn("sysadmin"))
    response = client.post(url("team_update", sales, field.teamid),
                           {"name": "Field sales EMEA", "description": "EMEA", "administrator": str(admin.systemuserid)},
                           headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="team-summary"' in body and "Team Field sales EMEA updated." in body
    field.refresh_from_db()
    assert field.name == "Field sales EMEA" and field.administrator == admin
    response = client.post(url("team_update", sales, field.teamid), {"name": "Field sales", "description": ""})
    assert response.status_code == 302 and response["Location"] == url("team_detail", sales, field.teamid)
    field.refresh_from_db()
    assert field.name == "Field sales" and field.administrator is None


def test_team_update_renaming_the_default_team_refused_env05(sales, sign_in):
    default = default_team(sales)
    response = sign_in("global").post(url("team_update", sales, default.teamid), {"name": "Renamed"}, headers=HX)
    assert response.status_code == 409 and "ENV-05" in response.content.decode()
    default.refresh_from_db()
    assert default.name == "Sales"


def test_team_delete_htmx_redirects_the_page_and_plain_redirects(sales, sign_in):
    client = sign_in("global")
    field = team(sales, "Field sales")
    response = client.post(url("team_delete", sales, field.teamid), {"confirm": "on"}, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("team_list", sales)
    assert not Team.objects.filter(pk=field.pk).exists()
    mirror = team(sales, "Sales-Env team")
    response = client.post(url("team_delete", sales, mirror.teamid), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("team_list", sales)
    assert not Team.objects.filter(pk=mirror.pk).exists()


@pytest.mark.parametrize("headers", [HX, {}])
def test_team_delete_asks_once_in_the_confirmation_panel(sales, sign_in, headers):
    """B14: GET is the one confirmation (what goes, the rules, Cancel, a danger button): no check box to tick."""
    field = team(sales, "Field sales")
    body = sign_in("global").get(url("team_delete", sales, field.teamid), headers=headers).content.decode()
    assert 'id="confirm-panel" data-panel' in body and 'class="btn btn-danger"' in body and "Cancel</a>" in body
    assert "hx-confirm" not in body and 'href="/rules/ENV-05/"' in body
    assert 'type="checkbox"' not in body if headers else "<html" in body  # the panel alone / over the team's page
    assert Team.objects.filter(pk=field.pk).exists()


@pytest.mark.parametrize("headers", [HX, {}])
def test_team_delete_default_team_refused_env05(sales, sign_in, headers):
    default = default_team(sales)
    client = sign_in("global")
    response = client.post(url("team_delete", sales, default.teamid), {"confirm": "on"}, headers=headers)
    assert Team.objects.filter(pk=default.pk).exists()
    if headers:
        assert response.status_code == 409 and "ENV-05" in response.content.decode()
    else:
        assert response.status_code == 302
        assert "ENV-05" in client.get(response["Location"]).content.decode()


def test_team_member_add_and_remove_htmx_and_plain(sales, sign_in):
    client = sign_in("global")
    field = team(sales, "Field sales")
    d365 = SystemUser.objects.get(environment=sales, domainname=upn("d365admin"))
    response = client.post(url("team_member_add", sales, field.teamid), {"users": [str(d365.systemuserid)]}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="team-members"' in body and "1 member added to Field sales." in body
    assert field.members.filter(pk=d365.pk).exists()
    remove = url("team_member_remove", sales, field.teamid, d365.systemuserid)
    assert remove in client.get(url("team_detail", sales, field.teamid)).content.decode()
    panel = client.get(remove, headers=HX).content.decode()
    assert 'id="confirm-panel"' in panel and "Remove " in panel and "<html" not in panel
    response = client.post(remove)
    assert response.status_code == 302 and response["Location"] == url("team_detail", sales, field.teamid)
    assert not field.members.filter(pk=d365.pk).exists()
    plain = SystemUser.objects.get(environment=sales, domainname=upn("plain"))
    response = client.post(url("team_member_remove", sales, field.teamid, plain.systemuserid), headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("team_detail", sales, field.teamid)
    assert "removed from Field sales" in client.get(url("team_detail", sales, field.teamid)).content.decode()
    response = client.post(url("team_member_add", sales, field.teamid), {"users": [str(d365.systemuserid)]})
    assert response.status_code == 302 and field.members.filter(pk=d365.pk).exists()


@pytest.mark.parametrize("team_name", ["Sales-Env team", "Sales"])
def test_team_member_add_to_group_or_default_team_refused_role07(sales, sign_in, team_name):
    """ROLE-07: group teams follow the directory, the default team its business unit."""
    target = team(sales, team_name)
    d365 = SystemUser.objects.get(environment=sales, domainname=upn("d365admin"))
    TeamMembership.objects.filter(team=target, systemuser=d365).delete()
    before = TeamMembership.objects.count()
    response = sign_in("global").post(url("team_member_add", sales, target.teamid), {"users": [str(d365.systemuserid)]},
                                      headers=HX)
    assert response.status_code == 409 and "ROLE-07" in response.content.decode()
    assert TeamMembership.objects.count() == before


def test_team_roles_update_htmx_and_plain(sales, sign_in):
    client = sign_in("sysadmin")
    field = team(sales, "Field sales")
    basic, maker = role(sales, "Basic User"), role(sales, "Environment Maker")
    response = client.post(url("team_roles_update", sales, field.teamid), {"roles": [str(basic.roleid), str(maker.roleid)]},
                           headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="team-roles"' in body and "2 added, 0 removed" in body
    assert set(field.roles.all()) == {basic, maker}
    response = client.post(url("team_roles_update", sales, field.teamid), {"roles": [str(maker.roleid)]})
    assert response.status_code == 302 and set(field.roles.all()) == {maker}


def test_team_list_filters(sales, sign_in):
    client = sign_in("global")
    body = client.get(url("team_list", sales), {"q": "field"}, headers=HX).content.decode()
    assert "Field sales" in body and "Sales-Env team" not in body
    body = client.get(url("team_list", sales), {"teamtype": str(TeamType.SECURITY_GROUP)}, headers=HX).content.decode()
    assert "Sales-Env team" in body and "Field sales" not in body


# --- Security roles ---------------------------------------------------------------------------------


def test_security_role_list_filtered_by_business_unit(sales, sign_in):
    client = sign_in("global")
    root = unit(sales, "Sales")
    SecurityRole.objects.create(environment=sales, business_unit=unit(sales, "North"), name="North reader")
    body = client.get(url("security_role_list", sales), {"business_unit": str(root.businessunitid)}, headers=HX).content.decode()
    assert "Basic User" in body and "North reader" not in body
    body = client.get(url("security_role_list", sales), {"business_unit": str(unit(sales, "North").businessunitid)},
                      headers=HX).content.decode()
    assert "North reader" in body and "Basic User" not in body


def test_security_role_detail_lists_users_and_teams(sales, sign_in):
    sysadmin_role = role(sales, "System Administrator")
    team(sales, "Field sales").roles.add(sysadmin_role)
    body = sign_in("global").get(url("security_role_detail", sales, sysadmin_role.roleid)).content.decode()
    assert upn("sysadmin") in body and "Field sales" in body


def test_security_role_detail_pages_its_users(sales, sign_in):
    """A role held by many users shows them 50 at a time, with links that keep working without JavaScript."""
    basic = role(sales, "Basic User")
    users = list(SystemUser.objects.filter(environment=sales))
    root = unit(sales, "Sales")
    extra = SystemUser.objects.bulk_create([SystemUser(environment=sales, businessunit=root, domainname=f"bulk{i}@{DOMAIN}",
                                                       fullname=f"Bulk {i:03}") for i in range(60)])
    SystemUserRole.objects.bulk_create([SystemUserRole(systemuser=u, role=basic) for u in extra + users],
                                       ignore_conflicts=True)
    client = sign_in("global")
    target = url("security_role_detail", sales, basic.roleid)
    body = client.get(target).content.decode()
    assert f'href="{target}?page=2"' in body and "Page 1 of 2" in body
    body = client.get(target, {"page": 2}, headers=HX).content.decode()
    assert 'id="security-role-members"' in body and "Page 2 of 2" in body


def test_team_member_list_pages_big_teams(sales, sign_in):
    default = default_team(sales)
    root = unit(sales, "Sales")
    extra = SystemUser.objects.bulk_create([SystemUser(environment=sales, businessunit=root, domainname=f"bulk{i}@{DOMAIN}")
                                            for i in range(60)])
    TeamMembership.objects.bulk_create([TeamMembership(team=default, systemuser=u) for u in extra])
    client = sign_in("global")
    target = url("team_member_list", sales, default.teamid)
    assert f'href="{target}?page=2"' in client.get(url("team_detail", sales, default.teamid)).content.decode()
    body = client.get(target, {"page": 2}, headers=HX).content.decode()
    assert 'id="team-members"' in body and "Page 2 of 2" in body and "<html" not in body


def test_security_role_people_add_htmx_and_plain(sales, sign_in):
    client = sign_in("global")
    customizer = role(sales, "System Customizer")
    plain = SystemUser.objects.get(environment=sales, domainname=upn("plain"))
    d365 = SystemUser.objects.get(environment=sales, domainname=upn("d365admin"))
    response = client.post(url("security_role_people_add", sales, customizer.roleid), {"users": [str(plain.systemuserid)]},
                           headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="security-role-members"' in body
    assert "System Customizer given to 1 user." in body and upn("plain") in body
    response = client.post(url("security_role_people_add", sales, customizer.roleid), {"users": [str(d365.systemuserid)]})
    assert response.status_code == 302 and response["Location"] == url("security_role_detail", sales, customizer.roleid)
    assert set(customizer.users.all()) == {plain, d365}


@pytest.mark.parametrize("headers", [HX, {}])
def test_security_role_people_add_disabled_user_refused_role02(sales, sign_in, headers):
    """ROLE-02: a role goes to enabled users only; the message carries the real service's code
    roleFailureDuetoUserIsDisabled, and no one of the selection gets the role."""
    directory_user_update(user=DirectoryUser.objects.get(user_principal_name=upn("plain")), account_enabled=False)
    environment_sync(environment=sales)
    plain = SystemUser.objects.get(environment=sales, domainname=upn("plain"))
    d365 = SystemUser.objects.get(environment=sales, domainname=upn("d365admin"))
    assert plain.isdisabled
    customizer = role(sales, "System Customizer")
    before = SystemUserRole.objects.count()
    client = sign_in("global")
    response = client.post(url("security_role_people_add", sales, customizer.roleid),
                           {"users": [str(d365.systemuserid), str(plain.systemuserid)]}, headers=headers)
    if headers:
        assert response.status_code == 409
        body = response.content.decode()
    else:
        assert response.status_code == 302
        body = client.get(response["Location"]).content.decode()
    assert "ROLE-02" in body and "roleFailureDuetoUserIsDisabled" in body
    assert SystemUserRole.objects.count() == before


# --- Business units --------------------------------------------------------------------------------


def test_business_unit_create_htmx_and_plain(sales, sign_in):
    client = sign_in("global")
    north = unit(sales, "North")
    response = client.post(url("business_unit_create", sales), {"name": "North East", "parent": str(north.businessunitid)},
                           headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="business-unit-create-panel"' in body
    assert "Business unit North East created under North." in body and 'hx-swap-oob="true"' in body
    assert unit(sales, "North East").parentbusinessunit == north
    response = client.post(url("business_unit_create", sales), {"name": "South"})
    assert response.status_code == 302 and response["Location"] == url("business_unit_list", sales)
    assert unit(sales, "South").parentbusinessunit == unit(sales, "Sales")  # the root by default
    assert Team.objects.filter(businessunit=unit(sales, "South"), isdefault=True).exists()  # ENV-05


def test_business_unit_create_without_dataverse_refused_env02(portal_tenant, sign_in):
    env = environment_create(name="Flows only", dataverse=False)
    before = BusinessUnit.objects.count()
    response = sign_in("global").post(url("business_unit_create", env), {"name": "Nope"}, headers=HX)
    assert response.status_code == 409 and "ENV-02" in response.content.decode()
    assert BusinessUnit.objects.count() == before


def test_business_unit_delete_htmx_and_plain(sales, sign_in):
    client = sign_in("global")
    north = unit(sales, "North")
    panel = client.get(url("business_unit_delete", sales, north.businessunitid), headers=HX).content.decode()
    assert 'id="confirm-panel"' in panel and "Delete business unit North?" in panel
    response = client.post(url("business_unit_delete", sales, north.businessunitid), headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("business_unit_list", sales)
    assert "Business unit North deleted." in client.get(url("business_unit_list", sales)).content.decode()
    assert not BusinessUnit.objects.filter(pk=north.pk).exists()
    south = business_unit_create(environment=sales, name="South")
    response = client.post(url("business_unit_delete", sales, south.businessunitid), {"confirm": "on"})
    assert response.status_code == 302 and not BusinessUnit.objects.filter(pk=south.pk).exists()


@pytest.mark.parametrize("headers", [HX, {}])
def test_business_unit_delete_root_refused_env05(sales, sign_in, headers):
    root = unit(sales, "Sales")
    client = sign_in("global")
    response = client.post(url("business_unit_delete", sales, root.businessunitid), {"confirm": "on"}, headers=headers)
    assert BusinessUnit.objects.filter(pk=root.pk).exists()
    if headers:
        assert response.status_code == 409 and "ENV-05" in response.content.decode()
    else:
        assert response.status_code == 302
        assert "ENV-05" in client.get(response["Location"]).content.decode()


def test_business_unit_list_root_has_no_delete(sales, sign_in):
    body = sign_in("global").get(url("business_unit_list", sales)).content.decode()
    assert "The root business unit can&#x27;t be deleted" in body or "The root business unit can't be deleted" in body
    assert url("business_unit_delete", sales, unit(sales, "North").businessunitid) in body


# --- Sync history -----------------------------------------------------------------------------------


def test_sync_run_list_newest_first_with_counts(sales, sign_in):
    environment_sync(environment=sales, initiated_by="test")
    body = sign_in("global").get(url("sync_run_list", sales), {"show": "all"}).content.decode()
    assert "Not entitled" in body and "Background sync" in body
    newest = latest_run(sales)
    assert body.index(url("sync_run_detail", sales, newest.pk)) < body.index("</tbody>")


def test_sync_run_create_htmx_answers_the_table_and_message_sync01(sales, sign_in):
    """SYNC-01: Sync now runs the environment's background sync and answers in place."""
    before = SyncRun.objects.filter(environment=sales).count()
    response = sign_in("global").post(url("sync_run_create", sales), headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="sync-run-table"' in body
    assert "Sync of Sales finished:" in body
    run = latest_run(sales)
    assert SyncRun.objects.filter(environment=sales).count() == before + 1
    assert run.trigger == SyncTrigger.SCHEDULE and run.initiated_by == upn("global")


def test_sync_run_create_plain_post_redirects(sales, sign_in):
    response = sign_in("sysadmin").post(url("sync_run_create", sales))
    assert response.status_code == 302 and response["Location"] == url("sync_run_list", sales)


@pytest.mark.parametrize(("kind", "rule"), [("no_dataverse", "ENV-02"), ("on_premises", "ONPREM-01")])
def test_sync_run_create_refused_without_dataverse_or_on_premises(portal_tenant, sign_in, kind, rule):
    """ENV-02 / ONPREM-01: no background sync there; the refusal names the rule and records no run."""
    env = environment_create(name="Other", dataverse=False) if kind == "no_dataverse" else \
        environment_create(name="Other", deployment="on_premises")
    response = sign_in("global").post(url("sync_run_create", env), headers=HX)
    assert response.status_code == 409 and rule in response.content.decode()
    assert not SyncRun.objects.filter(environment=env).exists()


def test_sync_run_create_refused_while_a_background_run_is_running_sync01(sales, sign_in):
    SyncRun.objects.create(environment=sales, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING)
    before = SyncRun.objects.count()
    response = sign_in("global").post(url("sync_run_create", sales), headers=HX)
    assert response.status_code == 409 and "SYNC-01" in response.content.decode()
    assert SyncRun.objects.count() == before


def test_sync_run_detail_lists_per_user_decisions(sales, sign_in):
    directory_user_update(user=DirectoryUser.objects.get(user_principal_name=upn("plain")), account_enabled=False)
    run = environment_sync(environment=sales)
    body = sign_in("global").get(url("sync_run_detail", sales, run.pk)).content.decode()
    assert upn("plain") in body and ">disabled<" in body and "ELIG-02" in body and "isdisabled" in body


def test_sync_run_detail_pages_its_decisions(sales, sign_in):
    """SYNC-07: a run that changed many users lists them 100 at a time."""
    run = SyncRun.objects.create(environment=sales, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.SUCCEEDED, added=150,
                                 decisions=[{"upn": f"user{i:03}@{DOMAIN}", "outcome": "added", "rules": ["ELIG-03"],
                                             "changed_fields": [], "level": "info", "text": "Entitled."} for i in range(150)])
    client = sign_in("global")
    target = url("sync_run_detail", sales, run.pk)
    body = client.get(target).content.decode()
    assert "user099@" in body and "user100@" not in body and f'href="{target}?page=2"' in body
    body = client.get(target, {"page": 2}, headers=HX).content.decode()
    assert 'id="sync-run-decisions"' in body and "user149@" in body and "user000@" not in body


def test_sync_status_polls_while_running_and_stops_when_final(sales, sign_in):
    client = sign_in("global")
    running = SyncRun.objects.create(environment=sales, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING)
    body = client.get(url("sync_run_status", sales, running.pk), headers=HX).content.decode()
    assert 'hx-trigger="load delay:500ms, every 2s"' in body and url("sync_run_status", sales, running.pk) in body
    SyncRun.objects.filter(pk=running.pk).update(status=SyncStatus.SUCCEEDED)
    body = client.get(url("sync_run_status", sales, running.pk), headers=HX).content.decode()
    assert 'id="sync-status"' in body and "hx-trigger" not in body


# --- Query budgets: list pages do not grow with their rows ---------------------------------------------


def _grow_teams(env, start, count):
    root = unit(env, "Sales")
    Team.objects.bulk_create([Team(environment=env, businessunit=root, name=f"Bulk team {i:03}") for i in range(start, start + count)])


def _grow_roles(env, start, count):
    root = unit(env, "Sales")
    SecurityRole.objects.bulk_create([SecurityRole(environment=env, business_unit=root, name=f"Bulk role {i:03}")
                                      for i in range(start, start + count)])


def _grow_units(env, start, count):
    root = unit(env, "Sales")
    BusinessUnit.objects.bulk_create([BusinessUnit(environment=env, parentbusinessunit=root, name=f"Bulk unit {i:03}")
                                      for i in range(start, start + count)])


def _grow_runs(env, start, count):
    SyncRun.objects.bulk_create([SyncRun(environment=env, trigger=SyncTrigger.ADMIN, status=SyncStatus.SUCCEEDED,
                                         added=i) for i in range(start, start + count)])


@pytest.mark.parametrize(("name", "grow", "count_of"), [
    ("team_list", _grow_teams, lambda env: Team.objects.filter(environment=env).count()),
    ("security_role_list", _grow_roles, lambda env: SecurityRole.objects.filter(environment=env).count()),
    ("business_unit_list", _grow_units, lambda env: BusinessUnit.objects.filter(environment=env).count()),
    ("sync_run_list", _grow_runs, lambda env: SyncRun.objects.filter(environment=env).count()),
])
def test_structure_list_query_count_does_not_grow_with_rows(sales, sign_in, django_assert_max_num_queries, name, grow, count_of):
    client = sign_in("global")
    grow(sales, 0, max(0, 5 - count_of(sales)))
    assert count_of(sales) >= 5
    with django_assert_max_num_queries(200) as few:
        assert client.get(url(name, sales)).status_code == 200
    grow(sales, 100, 30 - count_of(sales))
    assert count_of(sales) == 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(name, sales)).status_code == 200


@pytest.mark.parametrize(("name", "columns"), [
    ("team_list", ["name", "teamtype", "businessunit", "group_name", "membershiptype", "administrator", "member_count"]),
    ("security_role_list", ["name", "business_unit", "is_system", "user_count", "team_count"]),
    ("business_unit_list", ["name", "parentbusinessunit", "user_count", "child_count"]),
    ("sync_run_list", ["started_at", "trigger", "status", "added", "enabled", "disabled", "updated", "refused",
                       "not_entitled", "initiated_by"]),
])
def test_structure_list_every_column_sorts_both_ways(sales, sign_in, name, columns):
    client = sign_in("global")
    for column in columns:
        for sort, direction, toggle in ((column, "ascending", f"-{column}"), (f"-{column}", "descending", column)):
            response = client.get(url(name, sales), {"sort": sort}, headers=HX)
            body = response.content.decode()
            assert response.status_code == 200 and f'aria-sort="{direction}"' in body, sort
            assert f'href="?sort={toggle}"' in body, sort


# --- Accounts (ROLE-05), added by the lead ---------------------------------------------------------


def test_role_05_accounts_assigned_to_and_shared_with_a_disabled_user(portal_tenant, sign_in, client):
    """ROLE-05: the Accounts page assigns a record to a disabled user and shares it with one."""
    from tests.conftest import portal_tenant_data, portal_upn
    from users_app.models import Account, SystemUser
    from users_app.provisioning.sync import environment_sync
    from users_app.services.records import account_create
    from users_app.tenant_file import load_tenant
    sales = portal_tenant["sales"]
    owner = SystemUser.objects.get(environment=sales, domainname=portal_upn("sysadmin"))
    account = account_create(environment=sales, name="Fabrikam", owner=owner)
    data = portal_tenant_data()
    data["groups"][0]["members"].remove(portal_upn("plain"))
    load_tenant(data)
    environment_sync(environment=sales)
    disabled = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    assert disabled.isdisabled
    list_url = reverse("structure:account_list", args=[sales.environment_id])
    assert client.get(list_url).status_code == 302
    assert sign_in("olivia").get(list_url).status_code == 403
    admin = sign_in("global")
    assert b"<html" in admin.get(list_url).content
    assert b'id="account-table"' in admin.get(list_url, HTTP_HX_REQUEST="true").content
    url = reverse("structure:account_update", args=[sales.environment_id, account.accountid])
    response = admin.post(url, {"user": disabled.pk, "action": "assign"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "ROLE-05" in response.content.decode()
    assert admin.post(url, {"user": disabled.pk, "action": "share"}).status_code == 302
    account = Account.objects.get(pk=account.pk)
    assert account.owner == disabled and disabled in account.shared_with.all()
    refused = admin.post(url, {"user": "", "action": "assign"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409 and Account.objects.get(pk=account.pk).owner == disabled


# --- Security role holders: Remove behind the one confirmation ---------------------------------------


def test_security_role_person_remove_confirms_once_and_says_when_it_is_the_last_role(sales, sign_in):
    client = sign_in("global")
    basic = role(sales, "Basic User")
    plain = SystemUser.objects.get(environment=sales, domainname=upn("plain"))
    SystemUserRole.objects.filter(systemuser=plain).delete()
    SystemUserRole.objects.create(systemuser=plain, role=basic)
    remove = url("security_role_person_remove", sales, basic.roleid, plain.systemuserid)
    assert remove in client.get(url("security_role_detail", sales, basic.roleid)).content.decode()
    panel = client.get(remove, headers=HX).content.decode()
    assert 'id="confirm-panel"' in panel and "last security role" in panel and 'href="/rules/ROLE-03/"' in panel
    response = client.post(remove, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("security_role_detail", sales, basic.roleid)
    assert not SystemUserRole.objects.filter(systemuser=plain, role=basic).exists()
    assert not SystemUser.objects.get(pk=plain.pk).isdisabled  # ROLE-03: access stays (the security group decides)
