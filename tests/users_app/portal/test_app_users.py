"""Application users (APP): the list, + New app user, details, edit, Activate / Deactivate, Delete.

Every URL's sign-in redirect, refusal and page and fragment: the battery of tests/portal/test_pages.py.
Every POST action: the HTMX answer and the plain redirect; a refused
action writes nothing and its message names the rule. The list keeps a fixed number of queries."""
import uuid

import pytest
from django.urls import reverse

from users_app.choices import UserType
from users_app.models import AppRegistration, SystemUser
from users_app.provisioning.rules import APP_USER_DISABLE_WARNING
from users_app.services import directory, records
from users_app.services.environments import environment_update
from users_app.tables.app_users import AppUserTable

from tests.builders import HX

PP_ROLE_TEXT = "System Administrator security role in this environment"


# Every URL's sign-in redirect, refusal (naming the role) and page and fragment: the battery of
# tests/portal/test_pages.py.


def test_app_user_list_refuses_the_system_administrator_of_another_environment(sign_in, portal_tenant):
    """sysadmin@ is System Administrator in Sales only: Service's pages are closed to it."""
    response = sign_in("sysadmin").get(reverse("app_users:app_user_list", args=[portal_tenant["service"].environment_id]))
    assert response.status_code == 403
    assert PP_ROLE_TEXT in response.content.decode()


def _create_payload(tenant, app, roles=("Basic User",)):
    sales = tenant["sales"]
    root = sales.business_units.get(parentbusinessunit__isnull=True)
    return {"app": str(app.app_id), "business_unit": str(root.businessunitid), "email": "app@contoso.com",
            "roles": [str(r.roleid) for r in sales.security_roles.filter(name__in=roles, business_unit=root)]}


def test_app_user_list_shows_the_columns_of_the_real_page(sign_in, portal_tenant, erp_app_user):
    text = sign_in("ppadmin").get(reverse("app_users:app_user_list", args=[portal_tenant["sales"].environment_id])).content.decode()
    for label in ("Name", "App ID", "State", "Business unit", "Email address", "Security roles", "New app user"):
        assert label in text
    assert "# ERP connector" in text and "00000000-0000-0000-0000-000000000001" in text and "Basic User" in text


def test_app_user_list_search_narrows_rows(sign_in, portal_tenant, erp_app_user):
    app, _ = directory.app_registration_create(name="Payroll bridge")
    records.app_user_create(environment=portal_tenant["sales"], app=app)
    url = reverse("app_users:app_user_list", args=[portal_tenant["sales"].environment_id])
    text = sign_in("ppadmin").get(url, {"q": "payroll"}, **HX).content.decode()
    assert "Payroll bridge" in text and "ERP connector" not in text


def test_app_user_create_htmx_redirects_to_the_new_user_app_01(sign_in, portal_tenant):
    """APP-01/APP-02: from an app registration, a business unit and roles; first name '#'."""
    app = AppRegistration.objects.get(name="ERP connector")
    url = reverse("app_users:app_user_create", args=[portal_tenant["sales"].environment_id])
    response = sign_in("ppadmin").post(url, _create_payload(portal_tenant, app), **HX)
    assert response.status_code == 200
    user = SystemUser.objects.get(environment=portal_tenant["sales"], applicationid=app.app_id)
    assert response["HX-Redirect"] == reverse("app_users:app_user_detail", args=[portal_tenant["sales"].environment_id, user.systemuserid])
    assert user.firstname == "#" and user.lastname == "ERP connector" and user.user_type == UserType.APPLICATION
    assert [r.name for r in user.roles.all()] == ["Basic User"]


def test_app_user_create_plain_post_redirects(sign_in, portal_tenant, followed_text):
    app = AppRegistration.objects.get(name="ERP connector")
    client = sign_in("sysadmin")
    response = client.post(reverse("app_users:app_user_create", args=[portal_tenant["sales"].environment_id]),
                           _create_payload(portal_tenant, app))
    user = SystemUser.objects.get(environment=portal_tenant["sales"], applicationid=app.app_id)
    assert response.status_code == 302
    assert response["Location"] == reverse("app_users:app_user_detail", args=[portal_tenant["sales"].environment_id, user.systemuserid])
    assert "created" in followed_text(client, response)


def test_app_user_create_duplicate_refused_writes_nothing_app_05(sign_in, portal_tenant, erp_app_user, followed_text):
    """APP-05: one application user per app registration per environment."""
    app = AppRegistration.objects.get(name="ERP connector")
    url = reverse("app_users:app_user_create", args=[portal_tenant["sales"].environment_id])
    client = sign_in("ppadmin")
    before = SystemUser.objects.count()
    response = client.post(url, _create_payload(portal_tenant, app, roles=("Basic User", "System Customizer")), **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="app-user-form"' in text and "APP-05" in text and 'hx-swap-oob="true"' in text
    assert SystemUser.objects.count() == before
    assert [r.name for r in SystemUser.objects.get(pk=erp_app_user.pk).roles.all()] == ["Basic User"]
    plain = client.post(url, _create_payload(portal_tenant, app))
    assert "APP-05" in followed_text(client, plain)
    assert SystemUser.objects.count() == before


def test_app_user_detail_shows_the_details_of_the_real_page(sign_in, portal_tenant, erp_app_user):
    url = reverse("app_users:app_user_detail", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    text = sign_in("ppadmin").get(url).content.decode()
    for label in ("Name", "Microsoft Entra application ID", "State", "Assigned security roles", "App type",
                  "Business unit", "Email address", "erp@contoso.com"):
        assert label in text
    assert "not one of the seven" not in text and 'href="/rules/APP-01/"' in text  # plain words and a chip


def test_app_user_update_htmx_and_plain_app_05(sign_in, portal_tenant, erp_app_user, followed_text):
    """APP-05: business unit, e-mail and roles are the editable fields."""
    url = reverse("app_users:app_user_update", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    payload = _create_payload(portal_tenant, AppRegistration.objects.get(name="ERP connector"),
                              roles=("Basic User", "System Customizer"))
    payload["email"] = "integration@contoso.com"
    response = client.post(url, payload, **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="app-user-panel"' in text and "Saved: email address, security roles." in text
    erp_app_user.refresh_from_db()
    assert erp_app_user.internalemailaddress == "integration@contoso.com"
    assert sorted(r.name for r in erp_app_user.roles.all()) == ["Basic User", "System Customizer"]
    payload["roles"] = payload["roles"][:1]
    plain = client.post(url, payload)
    assert plain.status_code == 302
    assert "Saved: security roles." in followed_text(client, plain)


def test_app_user_update_refused_on_inactive_user_writes_nothing_role_02(sign_in, portal_tenant, erp_app_user):
    """ROLE-02: a role goes to an inactive application user only with allowRoleAssignmentOnDisabledUsers;
    the form saves all or nothing, so the e-mail does not change either."""
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    url = reverse("app_users:app_user_update", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    payload = _create_payload(portal_tenant, AppRegistration.objects.get(name="ERP connector"),
                              roles=("Basic User", "System Customizer"))
    payload["email"] = "changed@contoso.com"
    response = sign_in("ppadmin").post(url, payload, **HX)
    assert "ROLE-02" in response.content.decode()
    erp_app_user.refresh_from_db()
    assert erp_app_user.internalemailaddress == "erp@contoso.com"
    assert [r.name for r in erp_app_user.roles.all()] == ["Basic User"]


def test_app_user_deactivate_refused_unless_setting_app_03(sign_in, portal_tenant, erp_app_user, followed_text):
    """APP-03: the status is locked on the default form; refused with the rule named, nothing written."""
    url = reverse("app_users:app_user_status", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    response = client.post(url, {"action": "deactivate", "confirm": "on"}, **HX)
    assert response.status_code == 409
    assert "APP-03" in response.content.decode() and 'id="confirm-panel"' in response.content.decode()
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False
    plain = client.post(url, {"action": "deactivate", "confirm": "on"})
    assert "APP-03" in followed_text(client, plain)
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False


def test_app_user_deactivate_asks_for_confirmation_with_the_warning_app_03(sign_in, portal_tenant, erp_app_user):
    """APP-03: disabling warns that every integration using it breaks; without the tick nothing changes."""
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    env_id = portal_tenant["sales"].environment_id
    client = sign_in("ppadmin")
    detail = reverse("app_users:app_user_detail", args=[env_id, erp_app_user.systemuserid])
    confirm_page = client.get(detail, {"confirm": "deactivate"}).content.decode()
    assert APP_USER_DISABLE_WARNING.replace(" (APP-03)", "") in confirm_page and 'id="confirm-panel" data-panel' in confirm_page
    assert 'type="checkbox"' not in client.get(detail, {"confirm": "deactivate"}, **HX).content.decode()  # B14: asked once
    url = reverse("app_users:app_user_status", args=[env_id, erp_app_user.systemuserid])
    unconfirmed = client.post(url, {"action": "deactivate"})
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].endswith("?confirm=deactivate")
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False
    response = client.post(url, {"action": "deactivate", "confirm": "on"}, **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == detail
    assert "is inactive" in client.get(detail).content.decode()
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is True
    plain = client.post(url, {"action": "activate"})
    assert plain.status_code == 302
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False


def test_app_user_delete_refused_while_active_then_deleted_when_inactive_app_05(sign_in, portal_tenant, erp_app_user):
    """APP-05: deleted only while inactive."""
    env_id = portal_tenant["sales"].environment_id
    url = reverse("app_users:app_user_delete", args=[env_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    refused = client.post(url, {"confirm": "on"}, **HX)
    assert refused.status_code == 409 and "APP-05" in refused.content.decode()
    assert SystemUser.objects.filter(pk=erp_app_user.pk).exists()
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].endswith("?confirm=delete")
    assert SystemUser.objects.filter(pk=erp_app_user.pk).exists()
    response = client.post(url, {"confirm": "on"}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("app_users:app_user_list", args=[env_id])
    assert not SystemUser.objects.filter(pk=erp_app_user.pk).exists()


def test_app_user_delete_plain_redirects_to_the_list(sign_in, portal_tenant, erp_app_user):
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    env_id = portal_tenant["sales"].environment_id
    response = sign_in("ppadmin").post(reverse("app_users:app_user_delete", args=[env_id, erp_app_user.systemuserid]), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("app_users:app_user_list", args=[env_id])


# --- Table, filters and query budget ----------------------------------------------------------------


def test_app_user_table_sorts_by_every_orderable_column(sign_in, portal_tenant, erp_app_user, assert_sorts_both_ways):
    assert_sorts_both_ways(sign_in("ppadmin"), AppUserTable,
                           reverse("app_users:app_user_list", args=[portal_tenant["sales"].environment_id]))


def test_app_user_state_filter_narrows_rows(sign_in, portal_tenant, erp_app_user):
    app, _ = directory.app_registration_create(name="Old bridge")
    old = records.app_user_create(environment=portal_tenant["sales"], app=app)
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=old, enabled=False)
    url = reverse("app_users:app_user_list", args=[portal_tenant["sales"].environment_id])
    client = sign_in("ppadmin")
    inactive = client.get(url, {"state": "inactive"}, **HX).content.decode()
    assert "Old bridge" in inactive and "ERP connector" not in inactive
    active = client.get(url, {"state": "active"}, **HX).content.decode()
    assert "ERP connector" in active and "Old bridge" not in active
    by_app_id = client.get(url, {"q": "00000000000000000000000000000001"}, **HX).content.decode()
    assert "ERP connector" in by_app_id and "Old bridge" not in by_app_id


def _app_users(environment, n):
    for _ in range(n):
        app, _ = directory.app_registration_create(name=f"App {uuid.uuid4().hex[:8]}")
        records.app_user_create(environment=environment, app=app, roles=["Basic User", "System Customizer"])


def test_app_user_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries, queries_of):
    sales = portal_tenant["sales"]
    url = reverse("app_users:app_user_list", args=[sales.environment_id])
    client = sign_in("ppadmin")
    _app_users(sales, 5)
    small = queries_of(client, url)
    _app_users(sales, 25)
    with django_assert_max_num_queries(small):
        client.get(url)


# --- B17: a command the rules would refuse is disabled, with the reason -------------------------------


def test_app_user_status_command_disabled_with_the_reason_when_app_03_locks_it(sign_in, portal_tenant, erp_app_user):
    """B17 / APP-03: with status edits off, Deactivate is a disabled button with the rule's reason and chip,
    never a confirmation that is then refused; with them on, it opens the confirmation panel."""
    env_id = portal_tenant["sales"].environment_id
    detail = reverse("app_users:app_user_detail", args=[env_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    locked = client.get(detail).content.decode()
    assert 'disabled aria-describedby="status-refusal"' in locked and "?confirm=deactivate" not in locked
    assert 'id="status-refusal"' in locked and 'href="/rules/APP-03/"' in locked
    assert 'id="delete-refusal"' in locked and "deactivate it first" in locked  # APP-05: delete only while inactive
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    unlocked = client.get(detail).content.decode()
    assert 'id="status-refusal"' not in unlocked and "?confirm=deactivate" in unlocked


@pytest.mark.parametrize("headers", [HX, {}])
def test_new_app_user_is_a_side_panel_and_a_full_page(sign_in, portal_tenant, headers):
    url = reverse("app_users:app_user_create", args=[portal_tenant["sales"].environment_id])
    body = sign_in("ppadmin").get(url, **headers).content.decode()
    assert 'id="app-user-form" data-panel' in body and "Create a new app user" in body and 'role="dialog"' in body
    assert ("<html" in body and 'id="app-user-table"' in body) if not headers else "<html" not in body
