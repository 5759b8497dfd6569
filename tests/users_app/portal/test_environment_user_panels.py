"""The environment user's page as side panels: each command's URL answers its panel over HTMX and the
profile with the panel over it without (a full page), results in a panel rather than a repeated toast,
warnings in warning colours (B12), one confirmation for Delete (B14), the Manage security roles filter.
Every URL's permission battery is tests/portal/test_pages.py."""
import pytest
from django.urls import reverse

from tests.builders import HX
from tests.conftest import portal_tenant_data, portal_upn
from users_app.models import SystemUser
from users_app.services import records
from users_app.tenant_file import load_tenant

PANELS = {"environment_user_roles": "Manage security roles", "environment_user_teams": "Manage teams",
          "environment_user_business_unit": "Change business unit", "environment_user_manager": "Change manager",
          "environment_user_position": "Change position", "environment_user_form": "Manage user in Dynamics 365",
          "environment_user_reassign": "Reassign records"}


def record(environment, local):
    return SystemUser.objects.get(environment=environment, domainname=portal_upn(local))


def user_url(environment, user, name="environment_user_detail"):
    return reverse(f"users:{name}", args=[environment.environment_id, user.systemuserid])


@pytest.mark.parametrize("name, title", PANELS.items())
def test_each_command_is_a_side_panel_and_a_full_page(portal_tenant, sign_in, name, title):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    client = sign_in("global")
    fragment = client.get(user_url(sales, target, name), **HX).content.decode()
    assert fragment.lstrip().startswith('<div class="flyout" id="user-panel" data-panel>')
    assert f">{title}</h2>" in fragment and 'aria-modal="true"' in fragment and "<html" not in fragment
    assert 'hx-target="#user-panel"' in fragment and "data-panel-close" in fragment
    page = client.get(user_url(sales, target, name)).content.decode()
    assert "<html" in page and 'id="user-summary"' in page and 'id="user-panel" data-panel' in page
    assert f'href="{user_url(sales, target)}" data-panel-close' in page  # the close link goes back to the profile


def test_profile_commands_open_panels_with_icons_and_no_inline_panel(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    page = sign_in("global").get(user_url(sales, target)).content.decode()
    assert 'id="user-panel"' not in page  # a panel loaded into #panel-host is the only one with its id
    for command in ("cmd-diagnosis", "cmd-refresh", "cmd-roles", "cmd-teams", "cmd-business-unit", "cmd-reassign"):
        assert f'id="{command}"' in page
    assert page.count('hx-target="#panel-host"') >= 8 and "hx-confirm" not in page
    assert page.count('<svg class="icon"') >= 10  # every command has its Fluent icon
    assert "Microsoft Entra object ID" in page and "Azure AD object id" not in page


def test_roles_panel_shows_the_business_unit_and_a_filter_that_needs_javascript(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    panel = sign_in("global").get(user_url(sales, target, "environment_user_roles"), **HX).content.decode()
    assert f"Business unit: <strong>{target.businessunit}</strong>" in panel
    assert 'data-filter-box hidden' in panel and 'data-filter="#roles-choices"' in panel  # shown by the JS only
    assert panel.count("data-filter-item") == target.environment.security_roles.filter(
        business_unit=target.businessunit).count()


def test_removing_the_last_role_asks_once(portal_tenant, sign_in):
    """ROLE-03: one question (a warning toast and one box in the panel), never a repeated callout."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    text = sign_in("global").post(user_url(sales, target, "environment_user_roles"), {}, **HX).content.decode()
    assert 'class="toast toast-warning' in text and text.count('name="confirm_no_roles"') == 1
    assert text.count("security group instead") == 1


def test_diagnostics_not_entitled_is_a_warning_and_says_the_status_change(portal_tenant, sign_in):
    """B12, B20: not entitled is never green; a run that changes the status says so."""
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    data["groups"][0]["members"].remove(portal_upn("plain"))
    load_tenant(data)  # the directory changes; no sync yet: the record is still enabled
    target = record(sales, "plain")
    assert not target.isdisabled
    text = sign_in("global").post(user_url(sales, target, "environment_user_diagnose"), **HX).content.decode()
    assert "panel-status-warning" in text and "panel-status-success" not in text
    assert "not entitled" in text and "Status changed: Enabled → Disabled" in text
    assert "toast-success" not in text  # the panel is the result: no green bar


def test_refresh_that_changes_nothing_opens_what_changed(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    text = sign_in("global").post(user_url(sales, target, "environment_user_refresh"), **HX).content.decode()
    assert ">What changed</h2>" in text and 'id="refresh-result"' in text and "Status changed" not in text


def test_business_unit_change_warns_with_a_button_to_assign_roles(portal_tenant, sign_in):
    """ROLE-06, B12: the roles removed are a warning toast whose button opens Manage security roles."""
    from environments_app.models import BusinessUnit
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    east = BusinessUnit.objects.create(environment=sales, name="East", parentbusinessunit=target.businessunit)
    client = sign_in("global")
    panel = client.get(user_url(sales, target, "environment_user_business_unit"), **HX).content.decode()
    assert "panel-status-warning" in panel and 'href="/rules/ROLE-06/"' in panel
    text = client.post(user_url(sales, target, "environment_user_business_unit"), {"business_unit": east.pk}, **HX)
    body = text.content.decode()
    assert text.status_code == 200 and '<div id="user-panel"></div>' in body  # the panel closes
    assert 'class="toast toast-warning' in body and "1 security roles removed" in body
    roles_url = user_url(sales, target, "environment_user_roles")
    assert f'hx-get="{roles_url}" hx-target="#panel-host"' in body and ">Manage security roles</a>" in body


def test_delete_is_one_confirmation_panel(portal_tenant, sign_in):
    """LIFE-05, B14: GET answers the confirmation (what goes, the rule, Cancel, a danger button)."""
    from users_app.models import DirectoryUser
    from users_app.provisioning.sync import environment_sync
    from users_app.services import directory
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    directory.directory_user_delete(user=plain)
    directory.directory_user_purge(user=DirectoryUser.objects.get(pk=plain.pk))
    environment_sync(environment=sales)
    panel = sign_in("global").get(user_url(sales, target, "environment_user_delete"), **HX).content.decode()
    assert 'id="user-panel" data-panel' in panel and 'class="btn btn-danger"' in panel and "Basic User" in panel
    assert 'href="/rules/LIFE-05/"' in panel and "data-autofocus>Cancel</a>" in panel and 'type="checkbox"' not in panel
