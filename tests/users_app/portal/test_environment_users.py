"""The environment's Users list and user profile (area B): every URL both ways, every action
answering over HTMX and by redirect, refusals that name their rule and write nothing."""
import pytest
from django.urls import reverse

from tests.conftest import portal_upn
from users_app.models import SystemUser, SystemUserRole
from users_app.services import records
from users_app.services.imports import records_import
from users_app.tenant_file import load_tenant

HX = {"HTTP_HX_REQUEST": "true"}
PP_ROLE_TEXT = "System Administrator security role in this environment"


def record(env, local):
    return SystemUser.objects.get(environment=env, domainname=portal_upn(local))


def list_url(env, **query):
    from urllib.parse import urlencode
    return reverse("users:environment_user_list", args=[env.environment_id]) + (f"?{urlencode(query)}" if query else "")


def user_url(env, user, name="environment_user_detail"):
    return reverse(f"users:{name}", args=[env.environment_id, user.systemuserid])


GET_PAGES = ["environment_user_detail", "environment_user_roles", "environment_user_teams", "environment_user_business_unit",
             "environment_user_manager", "environment_user_position", "environment_user_form", "environment_user_reassign"]


def test_list_anonymous_wrong_role_right_role(client, portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    assert client.get(list_url(sales)).status_code == 302 and "/signin/" in client.get(list_url(sales))["Location"]
    plain = sign_in("plain")
    denied = plain.get(list_url(sales))
    assert denied.status_code == 403 and PP_ROLE_TEXT in denied.content.decode()
    admin = sign_in("ppadmin")
    page = admin.get(list_url(sales))
    assert page.status_code == 200 and b"<html" in page.content and b'id="user-table"' in page.content
    fragment = admin.get(list_url(sales), **HX)
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b'id="user-table"' in fragment.content


def test_system_administrator_of_the_environment_only(portal_tenant, sign_in):
    """MODE-04 / product: System Administrator in that environment opens that environment's pages only."""
    client = sign_in("sysadmin")
    assert client.get(list_url(portal_tenant["sales"])).status_code == 200
    assert client.get(list_url(portal_tenant["service"])).status_code == 403


@pytest.mark.parametrize("name", GET_PAGES)
def test_profile_pages_full_and_fragment(portal_tenant, sign_in, client, name):
    sales = portal_tenant["sales"]
    url = user_url(sales, record(sales, "plain"), name)
    assert client.get(url).status_code == 302
    assert sign_in("olivia").get(url).status_code == 403
    admin = sign_in("global")
    assert b"<html" in admin.get(url).content
    fragment = admin.get(url, **HX)
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b'id="user-profile"' in fragment.content


def test_views_and_search_narrow_the_list(portal_tenant, sign_in):
    """Views Enabled (placeholders hidden, MODE-05/MODE-07) / Disabled / Stub / All; search; 'stub users' (STUB-02)."""
    sales = portal_tenant["sales"]
    records_import(environment=sales, rows=[{"name": "Acme", "owner": "ghost@fabrikam.com"}])
    client = sign_in("global")

    def names(**query):
        table = client.get(list_url(sales, **query)).context["table"]
        return {row.record.domainname for row in table.paginated_rows}
    enabled = names()
    assert portal_upn("plain") in enabled and "crmoln2@microsoft.com" not in enabled and "ghost@fabrikam.com" not in enabled
    assert "crmoln@microsoft.com" in names(view="all") and "ghost@fabrikam.com" in names(view="all")
    assert names(view="stub") == {"ghost@fabrikam.com"} == names(q="stub users")
    assert names(q="plain") == {portal_upn("plain")}
    assert "ghost@fabrikam.com" in names(view="disabled") or names(view="disabled") == set()


def test_list_query_count_does_not_grow(portal_tenant, sign_in, django_assert_max_num_queries):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    client.get(list_url(sales))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as few:
        client.get(list_url(sales, view="all"))
    data = {"tenant": {"name": "Contoso", "domain": "contoso.onmicrosoft.com"},
            "users": [{"upn": portal_upn(f"bulk{i}"), "usage_location": "US", "licences": ["DYN"]} for i in range(12)],
            "groups": [{"name": "Sales-Env", "members": [portal_upn(n) for n in ("sysadmin", "plain", "d365admin")]
                        + [portal_upn(f"bulk{i}") for i in range(12)]}]}
    load_tenant(data)
    from users_app.provisioning.sync import environment_sync
    environment_sync(environment=sales)
    with django_assert_max_num_queries(len(few)):
        client.get(list_url(sales, view="all"))


def test_add_user_panel_reports_each_refusing_rule(portal_tenant, sign_in):
    """SYNC-03: per user, added or refused with every refusing rule."""
    sales = portal_tenant["sales"]
    client = sign_in("global")
    url = reverse("users:environment_user_add", args=[sales.environment_id])
    assert client.get(url, **HX).status_code == 200
    before = SystemUser.objects.count()
    response = client.post(url, {"users": f"{portal_upn('olivia')}\nnobody@nowhere.com"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and "ELIG-04" in text and "not found" in text
    assert SystemUser.objects.count() == before
    plain = client.post(url, {"users": portal_upn("olivia")})
    assert plain.status_code == 302


def test_run_diagnostics_htmx_and_plain(portal_tenant, sign_in):
    """DIAG-01: every check listed; over HTMX the panel, otherwise a redirect."""
    sales = portal_tenant["sales"]
    plain_user = record(sales, "plain")
    client = sign_in("global")
    url = user_url(sales, plain_user, "environment_user_diagnose")
    response = client.post(url, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="diagnostics-panel"' in text and "<html" not in text
    for rule in ("ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01"):
        assert f'data-rule="{rule}"' in text
    assert client.post(url).status_code == 302


def test_refresh_shows_changed_fields_and_the_deciding_rule(portal_tenant, sign_in):
    """SYNC-04: the changed fields; without a licence the user is disabled by ELIG-03."""
    from tests.conftest import portal_tenant_data
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    for user in data["users"]:
        if user["upn"] == portal_upn("plain"):
            user["job_title"] = "Buyer"
            user["licences"] = []
    load_tenant(data)
    client = sign_in("global")
    response = client.post(user_url(sales, record(sales, "plain"), "environment_user_refresh"), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and "jobtitle" in text and "ELIG-03" in text
    assert record(sales, "plain").isdisabled


def test_eighth_non_interactive_user_refused_and_nothing_written(portal_tenant, sign_in):
    """MODE-03: the eighth non-interactive user is refused by the Dynamics 365 user form."""
    from tests.conftest import portal_tenant_data
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    data["users"] += [{"upn": portal_upn(f"svc{i}"), "usage_location": "US", "licences": ["DYN"]} for i in range(8)]
    data["groups"][0]["members"] += [portal_upn(f"svc{i}") for i in range(8)]
    load_tenant(data)
    from users_app.provisioning.sync import environment_sync
    environment_sync(environment=sales)
    for i in range(7):
        records.access_mode_set(systemuser=record(sales, f"svc{i}"), mode="non-interactive")
    client = sign_in("global")
    eighth = record(sales, "svc7")
    response = client.post(user_url(sales, eighth, "environment_user_form"),
                           {"accessmode": "non-interactive", "internalemailaddress": eighth.internalemailaddress}, **HX)
    assert response.status_code == 409 and "MODE-03" in response.content.decode()
    assert record(sales, "svc7").accessmode == 0


def test_access_mode_needs_system_administrator_or_admin(portal_tenant, sign_in):
    """MODE-04: a Dynamics 365 administrator who is not System Administrator there is refused."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    response = sign_in("d365admin").post(user_url(sales, target, "environment_user_form"),
                                         {"accessmode": "read", "internalemailaddress": target.internalemailaddress}, **HX)
    assert response.status_code == 409 and "MODE-04" in response.content.decode()
    ok = sign_in("sysadmin").post(user_url(sales, target, "environment_user_form"),
                                  {"accessmode": "read", "internalemailaddress": target.internalemailaddress})
    assert ok.status_code == 302 and record(sales, "plain").accessmode == 2


def test_role_assignment_to_disabled_user_refused(portal_tenant, sign_in):
    """ROLE-02: roleFailureDuetoUserIsDisabled, nothing written."""
    from tests.conftest import portal_tenant_data
    sales = portal_tenant["sales"]
    data = portal_tenant_data()
    data["groups"][0]["members"].remove(portal_upn("plain"))
    load_tenant(data)
    from users_app.provisioning.sync import environment_sync
    environment_sync(environment=sales)
    target = record(sales, "plain")
    assert target.isdisabled
    basic = sales.security_roles.get(name="Basic User")
    before = SystemUserRole.objects.count()
    response = sign_in("global").post(user_url(sales, target, "environment_user_roles"), {"roles": [basic.pk]}, **HX)
    assert response.status_code == 409 and "roleFailureDuetoUserIsDisabled" in response.content.decode()
    assert SystemUserRole.objects.count() == before


def test_removing_the_last_role_asks_for_confirmation(portal_tenant, sign_in):
    """ROLE-03: discouraged; confirmed, the user stays enabled without roles."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    client = sign_in("global")
    url = user_url(sales, target, "environment_user_roles")
    first = client.post(url, {}, **HX)
    assert first.status_code == 400 and "ROLE-03" in first.content.decode() and target.roles.count() == 1
    confirmed = client.post(url, {"confirm_no_roles": "on"})
    assert confirmed.status_code == 302 and target.roles.count() == 0 and not record(sales, "plain").isdisabled


def test_stub_user_has_no_refresh_or_diagnostics(portal_tenant, sign_in):
    """STUB-02: the buttons are absent and the POSTs are refused."""
    sales = portal_tenant["sales"]
    records_import(environment=sales, rows=[{"name": "Acme", "owner": "ghost@fabrikam.com"}])
    stub = SystemUser.objects.get(environment=sales, user_type="stub")
    client = sign_in("global")
    page = client.get(user_url(sales, stub)).content.decode()
    assert user_url(sales, stub, "environment_user_refresh") not in page
    assert user_url(sales, stub, "environment_user_diagnose") not in page
    for name in ("environment_user_refresh", "environment_user_diagnose"):
        response = client.post(user_url(sales, stub, name), **HX)
        assert response.status_code == 409 and "STUB-02" in response.content.decode()


def test_profile_panels_save(portal_tenant, sign_in):
    """ROLE-04: teams, business unit, manager and position from the profile (plain redirects)."""
    sales = portal_tenant["sales"]
    target, manager = record(sales, "plain"), record(sales, "sysadmin")
    team = records.team_create(environment=sales, name="Buyers")
    client = sign_in("global")
    assert client.post(user_url(sales, target, "environment_user_teams"), {"teams": [team.pk]}).status_code == 302
    assert client.post(user_url(sales, target, "environment_user_manager"), {"manager": manager.pk}).status_code == 302
    target.refresh_from_db()
    assert target.parentsystemuser == manager and team in target.teams.all()
    response = client.post(user_url(sales, target, "environment_user_business_unit"),
                           {"business_unit": target.businessunit.pk}, **HX)
    assert response.status_code == 200 and 'id="user-profile"' in response.content.decode()


def test_placeholders_cannot_be_edited(portal_tenant, sign_in):
    """MODE-05: the delegated admin placeholder refuses edits."""
    sales = portal_tenant["sales"]
    placeholder = SystemUser.objects.get(environment=sales, domainname="crmoln2@microsoft.com")
    response = sign_in("global").post(user_url(sales, placeholder, "environment_user_manager"), {"manager": ""}, **HX)
    assert response.status_code == 409 and "MODE-05" in response.content.decode()


def test_invitation_and_sign_in_as_user(portal_tenant, sign_in):
    """LIFE-01 invitation mail; SYNC-02 sign in as the user."""
    from django.core import mail
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    client = sign_in("global")
    assert client.post(user_url(sales, target, "environment_user_invite")).status_code == 302
    assert len(mail.outbox) == 1 and record(sales, "plain").invitestatuscode == 1
    response = client.post(user_url(sales, target, "environment_user_sign_in"), **HX)
    assert response.status_code == 200 and "Sign-in as" in response.content.decode()


def test_delete_refused_while_directory_user_lives(portal_tenant, sign_in):
    """LIFE-05: Delete is refused until the directory user is permanently deleted."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    response = sign_in("global").post(user_url(sales, target, "environment_user_delete"), **HX)
    assert response.status_code == 409 and "LIFE-05" in response.content.decode()
    assert record(sales, "plain").deletedstate == 0
