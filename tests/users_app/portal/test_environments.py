"""Area A: the environments list (with New environment) and the environment page with its
org settings: each POST action answered in place and by redirect, refusals that name the rule and
write nothing. Every URL both ways and each role: the battery of tests/portal/test_pages.py."""
import uuid

import pytest
from django.urls import reverse

from environments_app.choices import EnvironmentType
from environments_app.models import Environment
from users_app.models import DirectoryGroup
from users_app.services.environments import environment_create

from tests.builders import HX_HEADERS as HX


def _detail(env):
    return reverse("environments:environment_detail", args=[env.environment_id])


def _update(env):
    return reverse("environments:environment_update", args=[env.environment_id])


def _messages(response) -> str:
    return response.content.decode()


# --- Who may open what -------------------------------------------------------------------------
# Every URL's sign-in redirect, refusals (the tenant pages refuse sysadmin@, plain@ and useradmin@,
# naming the Power Platform roles; the environment page refuses plain@ and useradmin@) and page and
# fragment: the battery of tests/portal/test_pages.py.


def test_environment_detail_system_administrator_of_that_environment_only(portal_tenant, sign_in):
    """MODE-04: System Administrator in Sales opens Sales' page, not Service's."""
    client = sign_in("sysadmin")
    assert client.get(_detail(portal_tenant["sales"])).status_code == 200
    assert client.get(_detail(portal_tenant["service"])).status_code == 403


def test_environment_create_panel_fragment_holds_the_form(portal_tenant, sign_in):
    fragment = sign_in("ppadmin").get(reverse("environments:environment_create"), headers=HX).content.decode()
    assert 'id="environment-create-panel"' in fragment and 'name="name"' in fragment
    assert f'hx-post="{reverse("environments:environment_create")}"' in fragment and 'role="dialog"' in fragment


@pytest.mark.parametrize("local", ["global", "sysadmin"])
def test_environment_detail_full_page_and_fragment(portal_tenant, sign_in, local):
    client = sign_in(local)
    sales = portal_tenant["sales"]
    page = client.get(_detail(sales)).content.decode()
    assert "<html" in page and "Sales-Env" in page and f'href="{_update(sales)}"' in page  # Edit settings
    for link in (reverse("structure:team_list", args=[sales.environment_id]),
                 reverse("structure:security_role_list", args=[sales.environment_id]),
                 reverse("structure:business_unit_list", args=[sales.environment_id]),
                 reverse("structure:sync_run_list", args=[sales.environment_id]),
                 reverse("users:environment_user_list", args=[sales.environment_id]),
                 reverse("app_users:app_user_list", args=[sales.environment_id]),
                 reverse("imports:data_import", args=[sales.environment_id])):
        assert f'href="{link}"' in page
    fragment = client.get(_detail(sales), headers=HX)
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and 'id="environment-details"' in body


def test_environment_settings_security_group_field_for_tenant_admins_only(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    assert 'name="security_group"' in sign_in("global").get(_update(sales)).content.decode()
    assert 'name="security_group"' not in sign_in("sysadmin").get(_update(sales)).content.decode()


def test_environment_settings_page_opens_by_url_b15(portal_tenant, sign_in):
    """B15: the settings URL, bookmarked or reloaded, is the page with the Edit settings panel open;
    over HTMX the panel alone."""
    sales = portal_tenant["sales"]
    client = sign_in("global")
    page = client.get(_update(sales))
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body and 'id="environment-settings"' in body
    assert 'role="dialog"' in body and 'id="environment-details"' in body and 'name="allow_role_assignment_on_disabled_users"' in body
    fragment = client.get(_update(sales), headers=HX).content.decode()
    assert "<html" not in fragment and 'id="environment-settings"' in fragment and 'id="environment-details"' not in fragment


def test_environment_overview_shows_settings_read_only_in_plain_words(portal_tenant, sign_in):
    """The overview lists the org settings (no form): plain labels, the Dataverse names small, rule chips."""
    page = sign_in("global").get(_detail(portal_tenant["sales"])).content.decode()
    assert 'name="allow_role_assignment_on_disabled_users"' not in page
    assert "Allow role assignment on disabled users" in page
    assert '<small class="dataverse-name">allowRoleAssignmentOnDisabledUsers</small>' in page
    assert 'class="rule-chip" href="/rules/ROLE-02/"' in page and "United States" in page


def test_environment_detail_without_dataverse_says_so_env02(portal_tenant, sign_in):
    """ENV-02: the page says there are no users instead of offering user actions."""
    env = environment_create(name="Flows only", dataverse=False)
    page = sign_in("global").get(_detail(env)).content.decode()
    assert "ENV-02" in page and "no Dataverse database" in page
    assert reverse("users:environment_user_list", args=[env.environment_id]) not in page


def test_environment_detail_on_premises_users_come_from_active_directory_onprem01(portal_tenant, sign_in):
    env = environment_create(name="Contoso on premises", deployment="on_premises",
                             ad_users=[{"logon_name": "CONTOSO\\ann", "first_name": "Ann"}])
    page = sign_in("global").get(_detail(env)).content.decode()
    assert "ONPREM-01" in page and "Active Directory" in page


# --- List: search, filter, sort, query budget ----------------------------------------------------


def test_environment_list_search_and_type_filter(portal_tenant, sign_in):
    client = sign_in("global")
    url = reverse("environments:environment_list")
    body = client.get(url, {"q": "sales-env"}, headers=HX).content.decode()  # by security group name
    assert ">Sales<" in body and ">Service<" not in body
    body = client.get(url, {"type": "Sandbox"}, headers=HX).content.decode()
    assert ">Service<" in body and ">Sales<" not in body


@pytest.mark.parametrize("column", ["name", "type", "state", "region", "dataverse", "security_group_name", "created_on"])
def test_environment_list_every_column_sorts_both_ways(portal_tenant, sign_in, column):
    client = sign_in("global")
    for sort, direction, toggle in ((column, "ascending", f"-{column}"), (f"-{column}", "descending", column)):
        response = client.get(reverse("environments:environment_list"), {"sort": sort})
        body = response.content.decode()
        assert response.status_code == 200 and f'aria-sort="{direction}"' in body and f'href="?sort={toggle}"' in body


def test_environment_list_query_count_does_not_grow_with_rows(portal_tenant, sign_in, django_assert_max_num_queries):
    """Security group names come from the list's own query, not one query per row."""
    client = sign_in("global")
    group = DirectoryGroup.objects.get(name="Sales-Env")
    url = reverse("environments:environment_list")

    def bulk(count, start):
        Environment.objects.bulk_create([
            Environment(name=f"Bulk {i:03}", security_group_object_id=group.pk, dataverse=False) for i in range(start, start + count)])

    bulk(3, 0)  # 5 environments
    client.get(url)  # the session's first request stamps its sign-in time (idle and absolute timeouts)
    with django_assert_max_num_queries(100) as few:
        assert client.get(url).status_code == 200
    bulk(25, 3)  # 30 environments, 25 on the page
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        body = client.get(url).content.decode()
    assert body.count("Sales-Env") >= 25
    assert len(many.captured_queries) == len(few.captured_queries)


# --- New environment -----------------------------------------------------------------------------


def test_environment_create_htmx_answers_the_panel_and_message(portal_tenant, sign_in):
    response = sign_in("ppadmin").post(reverse("environments:environment_create"),
                                       {"name": "Marketing", "type": "Sandbox", "region": "europe", "dataverse": "on",
                                        "deployment": "online", "licence_type": "standard", "app_pass_capacity": "0",
                                        "confirm": "1"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="environment-create-panel"' in body and "Environment Marketing created." in body
    assert 'id="environment-table-region" hx-swap-oob="true"' in body
    env = Environment.objects.get(name="Marketing")
    assert env.type == "Sandbox" and env.region == "europe" and env.business_units.count() == 1  # ENV-05 scaffolding


def test_environment_create_plain_post_redirects_to_the_new_environment(portal_tenant, sign_in):
    response = sign_in("global").post(reverse("environments:environment_create"),
                                      {"name": "Field service", "type": "Production", "region": "unitedstates",
                                       "deployment": "online", "licence_type": "standard", "app_pass_capacity": "0",
                                       "confirm": "1"})
    env = Environment.objects.get(name="Field service")
    assert response.status_code == 302 and response["Location"] == _detail(env)
    assert env.dataverse is False  # unticked checkbox


@pytest.mark.parametrize("headers", [HX, {}])
def test_environment_create_developer_with_security_group_refused_env06(portal_tenant, sign_in, headers):
    """ENV-06: a Developer environment cannot have a security group; nothing is written."""
    group = DirectoryGroup.objects.get(name="Sales-Env")
    before = Environment.objects.count()
    response = sign_in("global").post(reverse("environments:environment_create"),
                                      {"name": "Dev box", "type": "Developer", "region": "unitedstates", "dataverse": "on",
                                       "deployment": "online", "security_group": str(group.pk),
                                       "licence_type": "standard", "app_pass_capacity": "0"}, headers=headers)
    body = response.content.decode()
    assert response.status_code == 409
    assert "ENV-06" in body and "cannot have a security group" in body
    assert 'value="Dev box"' in body  # the form keeps what was typed
    assert Environment.objects.count() == before


def test_environment_create_invalid_form_shows_errors(portal_tenant, sign_in):
    before = Environment.objects.count()
    response = sign_in("global").post(reverse("environments:environment_create"), {"name": ""}, headers=HX)
    assert response.status_code == 400 and 'id="environment-create-panel"' in response.content.decode()
    assert Environment.objects.count() == before


# --- Org settings (ENV-04) -------------------------------------------------------------------------


def _settings(**overrides):
    data = {"licence_type": "standard", "app_pass_capacity": "0", "confirm": "1"}  # confirm=1: saved, not previewed
    data.update(overrides)
    return data


def test_environment_update_htmx_saves_org_settings_env04(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    group = DirectoryGroup.objects.get(name="Sales-Env")
    response = sign_in("global").post(_update(sales), _settings(
        allow_role_assignment_on_disabled_users="on", app_pass_capacity="3", licence_type="app_pass",
        security_group=str(group.pk)), headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="environment-settings"' in body and "Settings of Sales saved." in body
    assert 'id="environment-details" class="panel"' in body and 'hx-swap-oob="true"' in body
    sales.refresh_from_db()
    assert sales.allow_role_assignment_on_disabled_users and sales.app_pass_capacity == 3 and sales.licence_type == "app_pass"
    assert sales.security_group_object_id == group.pk


def test_environment_update_plain_post_redirects(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    response = sign_in("sysadmin").post(_update(sales), _settings(sales_installed="on"))
    assert response.status_code == 302 and response["Location"] == _detail(sales)
    sales.refresh_from_db()
    assert sales.sales_installed
    assert sales.security_group_object_id is not None  # a System Administrator's form has no group field


def test_environment_update_clearing_the_group_by_tenant_admin(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    sign_in("ppadmin").post(_update(sales), _settings(security_group=""))
    sales.refresh_from_db()
    assert sales.security_group_object_id is None


@pytest.mark.parametrize("env_type", [EnvironmentType.DEVELOPER, EnvironmentType.TEAMS])
def test_environment_settings_security_group_disabled_with_the_reason_b16_env06(portal_tenant, sign_in, env_type):
    """B16, ENV-06: where a security group would be refused, the field is disabled and says why (the
    rule as a chip); a group posted anyway is ignored and the other settings are saved."""
    env = environment_create(name="No group here", type=env_type)
    client = sign_in("global")
    body = client.get(_update(env)).content.decode()
    assert 'name="security_group"' in body and "disabled" in body.split('name="security_group"')[1].split(">")[0]
    assert "environment cannot have a security group." in body and 'href="/rules/ENV-06/"' in body
    group = DirectoryGroup.objects.get(name="Sales-Env")
    response = client.post(_update(env), _settings(security_group=str(group.pk), sales_installed="on"))
    env.refresh_from_db()
    assert response.status_code == 302 and env.security_group_object_id is None and env.sales_installed


def test_environment_settings_security_group_enabled_where_allowed(portal_tenant, sign_in):
    body = sign_in("global").get(_update(portal_tenant["sales"])).content.decode()
    assert "disabled" not in body.split('name="security_group"')[1].split(">")[0]


def test_environment_update_unknown_environment_is_404(portal_tenant, sign_in):
    assert sign_in("global").get(reverse("environments:environment_detail", args=[uuid.uuid4()])).status_code == 404
