"""Area C screens: application users (APP), data import and bulk reassign (STUB), on-premises
records edited by hand (ONPREM-02) and My environments (SYNC-02).

Every URL: anonymous -> sign-in, wrong role -> 403 naming the role, right role -> 200 as a page
and as an HTMX fragment. Every POST action: the HTMX answer and the plain redirect; a refused
action writes nothing and its message names the rule. Lists keep a fixed number of queries."""
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from environments_app.choices import Deployment
from tests.conftest import portal_upn
from users_app.choices import UserType
from users_app.models import Account, AppRegistration, SyncRun, SystemUser
from users_app.provisioning.rules import APP_USER_DISABLE_WARNING
from users_app.services import directory, records
from users_app.services.environments import environment_create, environment_update
from users_app.services.imports import OWNER_EXISTING, OWNER_PRE_PROVISIONED, OWNER_STUB, records_import_preview

HX = {"HTTP_HX_REQUEST": "true"}
PP_ROLE_TEXT = "System Administrator security role in this environment"


# --- Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def erp_app_user(portal_tenant):
    app = AppRegistration.objects.get(name="ERP connector")
    return records.app_user_create(environment=portal_tenant["sales"], app=app, roles=["Basic User"],
                                   email="erp@contoso.com")


AD_USERS = [
    {"logon_name": "CONTOSO\\ann", "first_name": "Ann", "last_name": "Berg", "telephone": "555-0100",
     "email": "ann@contoso.local", "city": "Oslo", "state": "Oslo", "home_phone": "555-0199"},
    {"logon_name": "CONTOSO\\bob", "first_name": "Bob", "last_name": "Lind", "city": "Bergen"},
]


@pytest.fixture
def onprem(portal_tenant):
    return environment_create(name="Contoso On-Premises", deployment=Deployment.ON_PREMISES, ad_users=AD_USERS)


def _ann(onprem_env):
    return SystemUser.objects.get(environment=onprem_env, domainname="CONTOSO\\ann")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else response.content.decode()


def _followed_text(client, response) -> str:
    """Follow a redirect and answer the page's text (the messages show there)."""
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


# --- Every GET URL: anonymous, wrong role, right role, page and fragment ------------------------------


def _pages(tenant, onprem_env, app_user):
    sales = tenant["sales"].environment_id
    return [
        ("apps:app_user_list", [sales], "app-user-table", "sysadmin"),
        ("apps:app_user_create", [sales], "app-user-form", "sysadmin"),
        ("apps:app_user_detail", [sales, app_user.systemuserid], "app-user-panel", "sysadmin"),
        ("apps:data_import", [sales], "data-import", "sysadmin"),
        ("apps:data_reassign", [sales], "stub-user-table", "ppadmin"),
        ("apps:onprem_user_list", [onprem_env.environment_id], "onprem-user-table", "ppadmin"),
        ("apps:onprem_user_edit", [onprem_env.environment_id, _ann(onprem_env).systemuserid], "onprem-user-form", "d365admin"),
    ]


def test_area_c_pages_anonymous_redirected_to_sign_in(client, portal_tenant, onprem, erp_app_user):
    for name, args, _, _ in _pages(portal_tenant, onprem, erp_app_user) + [("apps:my_environment_list", [], "", "")]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/signin/"), name


def test_area_c_environment_pages_refuse_users_without_the_role(sign_in, portal_tenant, onprem, erp_app_user):
    """MODE-04 / product.md: plain@ holds no admin role and is not System Administrator there."""
    client = sign_in("plain")
    for name, args, _, _ in _pages(portal_tenant, onprem, erp_app_user):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 403, name
        assert PP_ROLE_TEXT in response.content.decode(), name


def test_area_c_system_administrator_of_another_environment_is_refused(sign_in, portal_tenant, onprem):
    """sysadmin@ is System Administrator in Sales only: Service's pages are closed to it."""
    response = sign_in("sysadmin").get(reverse("apps:app_user_list", args=[portal_tenant["service"].environment_id]))
    assert response.status_code == 403
    assert PP_ROLE_TEXT in response.content.decode()


def test_area_c_pages_render_as_page_and_as_fragment(sign_in, portal_tenant, onprem, erp_app_user):
    for name, args, partial, who in _pages(portal_tenant, onprem, erp_app_user) + [
            ("apps:my_environment_list", [], "my-environment-table", "plain")]:
        client = sign_in(who)
        url = reverse(name, args=args)
        page = client.get(url)
        assert page.status_code == 200, name
        assert "<html" in page.content.decode(), name
        assert f'id="{partial}"' in page.content.decode(), name
        fragment = client.get(url, **HX)
        assert fragment.status_code == 200, name
        assert "<html" not in fragment.content.decode(), name
        assert f'id="{partial}"' in fragment.content.decode(), name


def test_my_environments_refuse_a_django_superuser_without_directory_user(client, portal_tenant):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    response = client.get(reverse("apps:my_environment_list"))
    assert response.status_code == 403
    assert "/admin/ only" in response.content.decode()


# --- Application users (APP) --------------------------------------------------------------------------


def _create_payload(tenant, app, roles=("Basic User",)):
    sales = tenant["sales"]
    root = sales.business_units.get(parentbusinessunit__isnull=True)
    return {"app": str(app.app_id), "business_unit": str(root.businessunitid), "email": "app@contoso.com",
            "roles": [str(r.roleid) for r in sales.security_roles.filter(name__in=roles, business_unit=root)]}


def test_app_user_list_shows_the_columns_of_the_real_page(sign_in, portal_tenant, erp_app_user):
    text = sign_in("ppadmin").get(reverse("apps:app_user_list", args=[portal_tenant["sales"].environment_id])).content.decode()
    for label in ("Name", "App ID", "State", "Business unit", "Email address", "Security roles", "+ New app user"):
        assert label in text
    assert "# ERP connector" in text and "00000000-0000-0000-0000-000000000001" in text and "Basic User" in text


def test_app_user_list_search_narrows_rows(sign_in, portal_tenant, erp_app_user):
    app, _ = directory.app_registration_create(name="Payroll bridge")
    records.app_user_create(environment=portal_tenant["sales"], app=app)
    url = reverse("apps:app_user_list", args=[portal_tenant["sales"].environment_id])
    text = sign_in("ppadmin").get(url, {"q": "payroll"}, **HX).content.decode()
    assert "Payroll bridge" in text and "ERP connector" not in text


def test_app_user_create_htmx_redirects_to_the_new_user_app_01(sign_in, portal_tenant):
    """APP-01/APP-02: from an app registration, a business unit and roles; first name '#'."""
    app = AppRegistration.objects.get(name="ERP connector")
    url = reverse("apps:app_user_create", args=[portal_tenant["sales"].environment_id])
    response = sign_in("ppadmin").post(url, _create_payload(portal_tenant, app), **HX)
    assert response.status_code == 200
    user = SystemUser.objects.get(environment=portal_tenant["sales"], applicationid=app.app_id)
    assert response["HX-Redirect"] == reverse("apps:app_user_detail", args=[portal_tenant["sales"].environment_id, user.systemuserid])
    assert user.firstname == "#" and user.lastname == "ERP connector" and user.user_type == UserType.APPLICATION
    assert [r.name for r in user.roles.all()] == ["Basic User"]


def test_app_user_create_plain_post_redirects(sign_in, portal_tenant):
    app = AppRegistration.objects.get(name="ERP connector")
    client = sign_in("sysadmin")
    response = client.post(reverse("apps:app_user_create", args=[portal_tenant["sales"].environment_id]),
                           _create_payload(portal_tenant, app))
    user = SystemUser.objects.get(environment=portal_tenant["sales"], applicationid=app.app_id)
    assert response.status_code == 302
    assert response["Location"] == reverse("apps:app_user_detail", args=[portal_tenant["sales"].environment_id, user.systemuserid])
    assert "created" in _followed_text(client, response)


def test_app_user_create_duplicate_refused_writes_nothing_app_05(sign_in, portal_tenant, erp_app_user):
    """APP-05: one application user per app registration per environment."""
    app = AppRegistration.objects.get(name="ERP connector")
    url = reverse("apps:app_user_create", args=[portal_tenant["sales"].environment_id])
    client = sign_in("ppadmin")
    before = SystemUser.objects.count()
    response = client.post(url, _create_payload(portal_tenant, app, roles=("Basic User", "System Customizer")), **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="app-user-form"' in text and "APP-05" in text and 'hx-swap-oob="true"' in text
    assert SystemUser.objects.count() == before
    assert [r.name for r in SystemUser.objects.get(pk=erp_app_user.pk).roles.all()] == ["Basic User"]
    plain = client.post(url, _create_payload(portal_tenant, app))
    assert "APP-05" in _followed_text(client, plain)
    assert SystemUser.objects.count() == before


def test_app_user_detail_shows_the_details_of_the_real_page(sign_in, portal_tenant, erp_app_user):
    url = reverse("apps:app_user_detail", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    text = sign_in("ppadmin").get(url).content.decode()
    for label in ("Name", "Microsoft Entra application ID", "State", "Assigned security roles", "App type",
                  "Business unit", "Email address", "erp@contoso.com", "Status edits are turned off"):
        assert label in text


def test_app_user_update_htmx_and_plain_app_05(sign_in, portal_tenant, erp_app_user):
    """APP-05: business unit, e-mail and roles are the editable fields."""
    url = reverse("apps:app_user_update", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
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
    assert "Saved: security roles." in _followed_text(client, plain)


def test_app_user_update_refused_on_inactive_user_writes_nothing_role_02(sign_in, portal_tenant, erp_app_user):
    """ROLE-02: a role goes to an inactive application user only with allowRoleAssignmentOnDisabledUsers;
    the form saves all or nothing, so the e-mail does not change either."""
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    url = reverse("apps:app_user_update", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    payload = _create_payload(portal_tenant, AppRegistration.objects.get(name="ERP connector"),
                              roles=("Basic User", "System Customizer"))
    payload["email"] = "changed@contoso.com"
    response = sign_in("ppadmin").post(url, payload, **HX)
    assert "ROLE-02" in response.content.decode()
    erp_app_user.refresh_from_db()
    assert erp_app_user.internalemailaddress == "erp@contoso.com"
    assert [r.name for r in erp_app_user.roles.all()] == ["Basic User"]


def test_app_user_deactivate_refused_unless_setting_app_03(sign_in, portal_tenant, erp_app_user):
    """APP-03: the status is locked on the default form; refused with the rule named, nothing written."""
    url = reverse("apps:app_user_status", args=[portal_tenant["sales"].environment_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    response = client.post(url, {"action": "deactivate", "confirm": "on"}, **HX)
    assert response.status_code == 200
    assert "APP-03" in response.content.decode() and 'id="app-user-panel"' in response.content.decode()
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False
    plain = client.post(url, {"action": "deactivate", "confirm": "on"})
    assert "APP-03" in _followed_text(client, plain)
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False


def test_app_user_deactivate_asks_for_confirmation_with_the_warning_app_03(sign_in, portal_tenant, erp_app_user):
    """APP-03: disabling warns that every integration using it breaks; without the tick nothing changes."""
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    env_id = portal_tenant["sales"].environment_id
    client = sign_in("ppadmin")
    confirm_page = client.get(reverse("apps:app_user_detail", args=[env_id, erp_app_user.systemuserid]), {"confirm": "deactivate"})
    assert APP_USER_DISABLE_WARNING in confirm_page.content.decode()
    assert 'name="confirm"' in confirm_page.content.decode() and "required" in confirm_page.content.decode()
    url = reverse("apps:app_user_status", args=[env_id, erp_app_user.systemuserid])
    unconfirmed = client.post(url, {"action": "deactivate"})
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].endswith("?confirm=deactivate")
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False
    response = client.post(url, {"action": "deactivate", "confirm": "on"}, **HX)
    assert response.status_code == 200 and "is inactive" in response.content.decode()
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is True
    plain = client.post(url, {"action": "activate"})
    assert plain.status_code == 302
    assert SystemUser.objects.get(pk=erp_app_user.pk).isdisabled is False


def test_app_user_delete_refused_while_active_then_deleted_when_inactive_app_05(sign_in, portal_tenant, erp_app_user):
    """APP-05: deleted only while inactive."""
    env_id = portal_tenant["sales"].environment_id
    url = reverse("apps:app_user_delete", args=[env_id, erp_app_user.systemuserid])
    client = sign_in("ppadmin")
    refused = client.post(url, {"confirm": "on"}, **HX)
    assert refused.status_code == 200 and "APP-05" in refused.content.decode()
    assert SystemUser.objects.filter(pk=erp_app_user.pk).exists()
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].endswith("?confirm=delete")
    assert SystemUser.objects.filter(pk=erp_app_user.pk).exists()
    response = client.post(url, {"confirm": "on"}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("apps:app_user_list", args=[env_id])
    assert not SystemUser.objects.filter(pk=erp_app_user.pk).exists()


def test_app_user_delete_plain_redirects_to_the_list(sign_in, portal_tenant, erp_app_user):
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=erp_app_user, enabled=False)
    env_id = portal_tenant["sales"].environment_id
    response = sign_in("ppadmin").post(reverse("apps:app_user_delete", args=[env_id, erp_app_user.systemuserid]), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("apps:app_user_list", args=[env_id])


# --- Data import (STUB) ------------------------------------------------------------------------------


@pytest.fixture
def newcomer(portal_tenant):
    """A directory user holding a `dataverse` licence who has no record in Service yet."""
    user = directory.directory_user_create(user_principal_name=portal_upn("newcomer"), display_name="New Comer",
                                           usage_location="US", licences=["DYN"])
    return user[0] if isinstance(user, tuple) else user


IMPORT_CSV = ("name,owner\n"
              "Fourth Coffee,ghost@fabrikam.com\n"
              "Litware,{newcomer}\n"
              "Adventure Works,{plain}\n"
              "Contoso Pharma,{olivia}\n"
              "Blue Yonder,GHOST@fabrikam.com\n").format(newcomer=portal_upn("newcomer"), plain=portal_upn("plain"),
                                                       olivia=portal_upn("olivia"))


def test_import_preview_decides_each_owner_without_writing_stub_05(portal_tenant, newcomer):
    """STUB-01 / STUB-05: existing record kept, licensed owner pre-provisioned, everyone else a stub;
    the preview writes nothing."""
    from users_app.services.imports import parse_accounts_csv
    before = (SystemUser.objects.count(), Account.objects.count(), SyncRun.objects.count())
    preview = records_import_preview(environment=portal_tenant["service"], rows=parse_accounts_csv(IMPORT_CSV))
    outcomes = {owner.upn.lower(): owner.outcome for owner in preview.owners}
    assert outcomes == {"ghost@fabrikam.com": OWNER_STUB, portal_upn("newcomer"): OWNER_PRE_PROVISIONED,
                        portal_upn("plain"): OWNER_EXISTING, portal_upn("olivia"): OWNER_STUB}
    assert [o.accounts for o in preview.owners if o.upn.lower() == "ghost@fabrikam.com"] == [2]
    assert preview.default_role == "Basic User"  # STUB-03
    assert (SystemUser.objects.count(), Account.objects.count(), SyncRun.objects.count()) == before


def test_import_preview_page_and_fragment(sign_in, portal_tenant, newcomer):
    url = reverse("apps:data_import_preview", args=[portal_tenant["service"].environment_id])
    client = sign_in("ppadmin")
    page = client.post(url, {"file": SimpleUploadedFile("accounts.csv", IMPORT_CSV.encode())})
    text = page.content.decode()
    assert page.status_code == 200 and "<html" in text and 'id="import-preview"' in text
    assert "Create a stub user" in text and "Pre-provision the user" in text and "Use the existing record" in text
    assert 'name="csv_text"' in text and "Fourth Coffee" in text  # the CSV travels in the hidden textarea
    fragment = client.post(url, {"csv_text": IMPORT_CSV}, **HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode() and 'id="import-preview"' in fragment.content.decode()


def test_import_preview_get_is_not_allowed(sign_in, portal_tenant):
    response = sign_in("ppadmin").get(reverse("apps:data_import_preview", args=[portal_tenant["service"].environment_id]))
    assert response.status_code == 405


def test_import_creates_stub_with_default_role_and_pre_provisions_stub_01_03_05(sign_in, portal_tenant, newcomer):
    """STUB-01: the unknown owner becomes a disabled stub with no directory object; STUB-03: it
    gets Basic User (no Sales here); STUB-05: the licensed owner is pre-provisioned as a real,
    enabled user, and the owner with a record keeps it (no second record)."""
    service = portal_tenant["service"]
    url = reverse("apps:data_import", args=[service.environment_id])
    before = SystemUser.objects.filter(environment=service).count()
    response = sign_in("ppadmin").post(url, {"csv_text": IMPORT_CSV}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="import-preview"' in text and "Imported 5 account" in text
    stub = SystemUser.objects.get(environment=service, domainname__iexact="ghost@fabrikam.com")
    assert stub.user_type == UserType.STUB and stub.isdisabled and stub.azureactivedirectoryobjectid is None
    assert [r.name for r in stub.roles.all()] == ["Basic User"]  # STUB-03
    real = SystemUser.objects.get(environment=service, domainname=portal_upn("newcomer"))
    assert real.user_type == UserType.REGULAR and not real.isdisabled and real.azureactivedirectoryobjectid == newcomer.id
    assert "Basic User" in [r.name for r in real.roles.all()]  # STUB-03
    olivia_stub = SystemUser.objects.get(environment=service, domainname=portal_upn("olivia"))
    assert olivia_stub.user_type == UserType.STUB  # Microsoft 365 licence only: no pre-provisioning
    assert SystemUser.objects.filter(environment=service).count() == before + 3
    assert SystemUser.objects.filter(environment=service, domainname__iexact=portal_upn("plain")).count() == 1
    assert Account.objects.filter(environment=service, owner=stub).count() == 2


def test_import_plain_post_redirects_and_shows_the_run(sign_in, portal_tenant, newcomer):
    service = portal_tenant["service"]
    url = reverse("apps:data_import", args=[service.environment_id])
    client = sign_in("ppadmin")
    response = client.post(url, {"csv_text": IMPORT_CSV})
    assert response.status_code == 302 and response["Location"] == url
    text = _followed_text(client, response)
    assert "Imported 5 account(s)" in text and "ghost@fabrikam.com" in text and "STUB-01" in text


def test_import_bad_row_refuses_the_whole_file_naming_the_row(sign_in, portal_tenant, newcomer):
    """One bad row refuses the whole file, naming the row; nothing is written."""
    service = portal_tenant["service"]
    bad = "name,owner\nFourth Coffee,ghost@fabrikam.com\nLitware,not-a-upn\n"
    client = sign_in("ppadmin")
    before = (SystemUser.objects.count(), Account.objects.count())
    preview = client.post(reverse("apps:data_import_preview", args=[service.environment_id]), {"csv_text": bad}, **HX)
    assert preview.status_code == 200 and "row 3" in preview.content.decode() and 'id="data-import"' in preview.content.decode()
    imported = client.post(reverse("apps:data_import", args=[service.environment_id]), {"csv_text": bad})
    assert "row 3" in _followed_text(client, imported)
    assert (SystemUser.objects.count(), Account.objects.count()) == before


def test_import_refused_in_on_premises_environment_onprem_01(sign_in, portal_tenant, onprem):
    """ONPREM-01: an on-premises environment takes no directory users; nothing is written."""
    before = (SystemUser.objects.count(), Account.objects.count())
    response = sign_in("ppadmin").post(reverse("apps:data_import", args=[onprem.environment_id]),
                                       {"csv_text": "name,owner\nA,ghost@fabrikam.com\n"}, **HX)
    assert "ONPREM-01" in response.content.decode()
    assert (SystemUser.objects.count(), Account.objects.count()) == before


# --- Bulk reassign (STUB-04) ---------------------------------------------------------------------------


@pytest.fixture
def imported(portal_tenant):
    from users_app.services.imports import parse_accounts_csv, records_import
    records_import(environment=portal_tenant["service"], rows=parse_accounts_csv(
        "name,owner\nFourth Coffee,ghost@fabrikam.com\nBlue Yonder,ghost@fabrikam.com\nLitware,spirit@fabrikam.com\n"))
    return portal_tenant["service"]


def test_reassign_picked_stub_moves_records_htmx_stub_04(sign_in, imported):
    """STUB-04: records owned by a stub user go to another user in bulk."""
    stub = SystemUser.objects.get(environment=imported, domainname="ghost@fabrikam.com")
    target = SystemUser.objects.get(environment=imported, domainname=portal_upn("plain"))
    response = sign_in("ppadmin").post(reverse("apps:data_reassign", args=[imported.environment_id]),
                                       {"mode": "pick", "source": str(stub.systemuserid), "target": str(target.systemuserid)}, **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="reassign-panel"' in text and "Reassigned 2 record(s)" in text
    assert Account.objects.filter(owner=target).count() == 2 and not Account.objects.filter(owner=stub).exists()


def test_reassign_file_moves_records_plain_redirect_stub_04(sign_in, imported):
    """STUB-04: `sourceUPN,targetUPN` lines as Add-BulkRecordsToUsers takes them."""
    url = reverse("apps:data_reassign", args=[imported.environment_id])
    lines = f"ghost@fabrikam.com,{portal_upn('plain')}\nspirit@fabrikam.com,{portal_upn('global')}\n"
    client = sign_in("ppadmin")
    response = client.post(url, {"mode": "file", "file": SimpleUploadedFile("users.csv", lines.encode())})
    assert response.status_code == 302 and response["Location"] == url
    assert "Reassigned 3 record(s)" in _followed_text(client, response)
    assert Account.objects.filter(environment=imported, owner__domainname=portal_upn("plain")).count() == 2
    assert Account.objects.filter(environment=imported, owner__domainname=portal_upn("global")).count() == 1


def test_reassign_unknown_user_refuses_every_line(sign_in, imported):
    """STUB-04: one unknown user name refuses the whole file; nothing moves."""
    owners = dict(Account.objects.filter(environment=imported).values_list("pk", "owner_id"))
    lines = f"ghost@fabrikam.com,{portal_upn('plain')}\nspirit@fabrikam.com,nobody@contoso.com\n"
    response = sign_in("ppadmin").post(reverse("apps:data_reassign", args=[imported.environment_id]),
                                       {"mode": "file", "csv_text": lines}, **HX)
    assert "not-found" in response.content.decode() and "nobody@contoso.com" in response.content.decode()
    assert dict(Account.objects.filter(environment=imported).values_list("pk", "owner_id")) == owners


# --- On-premises records (ONPREM-02) -----------------------------------------------------------------


def test_onprem_user_list_lists_ad_users_with_edit_links(sign_in, onprem):
    text = sign_in("ppadmin").get(reverse("apps:onprem_user_list", args=[onprem.environment_id])).content.decode()
    assert "CONTOSO\\ann" in text and "CONTOSO\\bob" in text and "Oslo, Oslo" in text
    assert reverse("apps:onprem_user_edit", args=[onprem.environment_id, _ann(onprem).systemuserid]) in text
    assert "ONPREM-02" in text


def test_onprem_user_edit_htmx_and_plain_onprem_02(sign_in, onprem):
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    ann = _ann(onprem)
    url = reverse("apps:onprem_user_edit", args=[onprem.environment_id, ann.systemuserid])
    client = sign_in("ppadmin")
    page = client.get(url).content.decode()
    assert "nothing synchronises" in page
    fields = {"firstname": "Ann", "lastname": "Berg-Dahl", "address1_telephone1": "555-0100", "homephone": "555-0199",
              "internalemailaddress": "ann@contoso.local", "address1_city": "Trondheim", "address1_stateorprovince": "Trøndelag"}
    response = client.post(url, fields, **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="onprem-user-form"' in text and "Saved" in text and "Last name" in text
    ann.refresh_from_db()
    assert (ann.lastname, ann.address1_city, ann.address1_stateorprovince) == ("Berg-Dahl", "Trondheim", "Trøndelag")
    plain = client.post(url, {**fields, "homephone": "555-0200"})
    assert plain.status_code == 302 and plain["Location"] == url
    assert "Home phone" in _followed_text(client, plain)
    ann.refresh_from_db()
    assert ann.homephone == "555-0200"


def test_onprem_user_edit_of_online_record_refused_onprem_02(sign_in, portal_tenant):
    """ONPREM-02: online records follow the directory; editing one by hand is refused, nothing written."""
    sales = portal_tenant["sales"]
    record = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    response = sign_in("ppadmin").post(reverse("apps:onprem_user_edit", args=[sales.environment_id, record.systemuserid]),
                                       {"firstname": "Changed", "lastname": "Test"}, **HX)
    assert "ONPREM-02" in response.content.decode()
    record.refresh_from_db()
    assert record.firstname == "Plain"


# --- My environments (SYNC-02) -----------------------------------------------------------------------


def test_my_environments_lists_online_dataverse_environments_with_my_status(sign_in, portal_tenant, onprem):
    text = sign_in("olivia").get(reverse("apps:my_environment_list")).content.decode()
    assert "Sales" in text and "Service" in text and "Contoso On-Premises" not in text
    assert "No record yet" in text
    assert 'method="post"' in text and reverse("apps:my_environment_open", args=[portal_tenant["sales"].environment_id]) in text
    plain_text = sign_in("plain").get(reverse("apps:my_environment_list")).content.decode()
    assert "Enabled" in plain_text


def test_my_environment_open_get_is_not_allowed(sign_in, portal_tenant):
    """The Open button is a POST, never a GET."""
    response = sign_in("plain").get(reverse("apps:my_environment_open", args=[portal_tenant["sales"].environment_id]))
    assert response.status_code == 405


def test_my_environment_open_as_entitled_user_htmx_sync_02(sign_in, portal_tenant):
    """SYNC-02: first access applies the rules at once; plain@ is licensed and in Sales-Env."""
    sales = portal_tenant["sales"]
    response = sign_in("plain").post(reverse("apps:my_environment_open", args=[sales.environment_id]), **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text and 'id="my-environments"' in text
    assert ("nothing changed" in text) or ("You were added" in text) or ("brought up to date" in text)
    assert SystemUser.objects.get(environment=sales, domainname=portal_upn("plain")).isdisabled is False
    run = SyncRun.objects.filter(environment=sales).first()
    assert run.trigger == "sign_in" and run.initiated_by == portal_upn("plain")


def test_my_environment_open_adds_on_demand_plain_redirect_sync_02(sign_in, portal_tenant):
    """SYNC-02 + ELIG-03 e: olivia@ (Microsoft 365 licence only) is added on first access to
    Service, which has no security group; the plain POST redirects to the list showing her record."""
    service = portal_tenant["service"]
    assert not SystemUser.objects.filter(environment=service, domainname=portal_upn("olivia")).exists()
    client = sign_in("olivia")
    response = client.post(reverse("apps:my_environment_open", args=[service.environment_id]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('apps:my_environment_list')}?opened={service.environment_id}"
    text = _followed_text(client, response)
    assert "You were added to Service" in text and "Read-Write" in text
    assert SystemUser.objects.get(environment=service, domainname=portal_upn("olivia")).isdisabled is False


def test_my_environment_open_refused_names_the_rules_elig_04(sign_in, portal_tenant):
    """olivia@ holds only a Microsoft 365 licence (ELIG-03 e counts it on demand) and is not in
    Sales-Env: the engine refuses her by ELIG-04, and the page names each refusing rule with its
    reason; nothing is written but the run record."""
    sales = portal_tenant["sales"]
    before = SystemUser.objects.count()
    client = sign_in("olivia")
    response = client.post(reverse("apps:my_environment_open", args=[sales.environment_id]), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="my-environments"' in text
    run = SyncRun.objects.filter(environment=sales, trigger="sign_in").first()
    refused_by = run.decisions[0]["rules"]
    assert refused_by == ["ELIG-04"]
    assert "ELIG-04" in text and "Sales-Env" in text and "refused by ELIG-04" in text
    assert SystemUser.objects.count() == before
    plain = client.post(reverse("apps:my_environment_open", args=[sales.environment_id]))
    assert "ELIG-04" in _followed_text(client, plain)
    assert SystemUser.objects.count() == before


def test_my_environment_open_refuses_non_interactive_user_mode_03(sign_in, portal_tenant):
    """MODE-03: a non-interactive user's attempt to sign in to the environment is refused."""
    sales = portal_tenant["sales"]
    record = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    records.access_mode_set(systemuser=record, mode="non-interactive")
    response = sign_in("plain").post(reverse("apps:my_environment_open", args=[sales.environment_id]), **HX)
    assert "MODE-03" in response.content.decode()
    record.refresh_from_db()
    assert record.accessmode == 4


def test_my_environment_open_converts_an_imported_stub_in_place_stub_05(sign_in, portal_tenant):
    """STUB-05: olivia@ became a stub in Service through an import; her first access converts the
    stub in place into her real record (object id set, enabled, records kept), no second record."""
    from users_app.services.imports import parse_accounts_csv, records_import
    service = portal_tenant["service"]
    records_import(environment=service, rows=parse_accounts_csv(f"name,owner\nContoso Pharma,{portal_upn('olivia')}\n"))
    stub = SystemUser.objects.get(environment=service, domainname=portal_upn("olivia"))
    assert stub.user_type == UserType.STUB
    response = sign_in("olivia").post(reverse("apps:my_environment_open", args=[service.environment_id]), **HX)
    assert "You were added" in response.content.decode()
    record = SystemUser.objects.get(environment=service, domainname__iexact=portal_upn("olivia"))
    assert record.pk == stub.pk and record.user_type == UserType.REGULAR and not record.isdisabled
    assert record.azureactivedirectoryobjectid is not None
    assert Account.objects.filter(owner=record, name="Contoso Pharma").exists()


# --- Tables and filters: every orderable column sorts both ways; filters narrow ---------------------


def test_area_c_tables_sort_by_every_orderable_column(sign_in, portal_tenant, onprem, erp_app_user, imported):
    from users_app.tables.apps import AppUserTable, MyEnvironmentTable, OnPremisesUserTable, StubUserTable
    cases = [
        (AppUserTable, reverse("apps:app_user_list", args=[portal_tenant["sales"].environment_id]), "ppadmin"),
        (StubUserTable, reverse("apps:data_reassign", args=[imported.environment_id]), "ppadmin"),
        (OnPremisesUserTable, reverse("apps:onprem_user_list", args=[onprem.environment_id]), "ppadmin"),
        (MyEnvironmentTable, reverse("apps:my_environment_list"), "plain"),
    ]
    for table_class, url, who in cases:
        client = sign_in(who)
        for name, column in table_class.base_columns.items():
            if column.orderable is False:
                continue
            for sort in (name, f"-{name}"):
                response = client.get(url, {"sort": sort}, **HX)
                assert response.status_code == 200, (table_class.__name__, sort)
                assert f'id="{table_class.container_id}"' in response.content.decode()


def test_app_user_state_filter_narrows_rows(sign_in, portal_tenant, erp_app_user):
    app, _ = directory.app_registration_create(name="Old bridge")
    old = records.app_user_create(environment=portal_tenant["sales"], app=app)
    environment_update(environment=portal_tenant["sales"], app_user_status_editable=True)
    records.app_user_set_status(systemuser=old, enabled=False)
    url = reverse("apps:app_user_list", args=[portal_tenant["sales"].environment_id])
    client = sign_in("ppadmin")
    inactive = client.get(url, {"state": "inactive"}, **HX).content.decode()
    assert "Old bridge" in inactive and "ERP connector" not in inactive
    active = client.get(url, {"state": "active"}, **HX).content.decode()
    assert "ERP connector" in active and "Old bridge" not in active
    by_app_id = client.get(url, {"q": "00000000000000000000000000000001"}, **HX).content.decode()
    assert "ERP connector" in by_app_id and "Old bridge" not in by_app_id


def test_stub_and_onprem_and_my_environment_search_narrow_rows(sign_in, portal_tenant, onprem, imported):
    client = sign_in("ppadmin")
    stubs = client.get(reverse("apps:data_reassign", args=[imported.environment_id]), {"q": "spirit"}, **HX).content.decode()
    assert "spirit@fabrikam.com" in stubs and "ghost@fabrikam.com" not in stubs
    ad = client.get(reverse("apps:onprem_user_list", args=[onprem.environment_id]), {"q": "bergen"}, **HX).content.decode()
    assert "CONTOSO\\bob" in ad and "CONTOSO\\ann" not in ad
    mine = sign_in("plain").get(reverse("apps:my_environment_list"), {"q": "serv"}, **HX).content.decode()
    assert "Service" in mine and ">Sales<" not in mine
    sandboxes = sign_in("plain").get(reverse("apps:my_environment_list"), {"type": "Sandbox"}, **HX).content.decode()
    assert "Service" in sandboxes and ">Sales<" not in sandboxes


# --- Query budgets: a fixed number of queries whatever the rows --------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _app_users(environment, n):
    for _ in range(n):
        app, _ = directory.app_registration_create(name=f"App {uuid.uuid4().hex[:8]}")
        records.app_user_create(environment=environment, app=app, roles=["Basic User", "System Customizer"])


def test_app_user_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries):
    sales = portal_tenant["sales"]
    url = reverse("apps:app_user_list", args=[sales.environment_id])
    client = sign_in("ppadmin")
    _app_users(sales, 5)
    small = _queries(client, url)
    _app_users(sales, 25)
    with django_assert_max_num_queries(small):
        client.get(url)


def test_reassign_page_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries):
    from users_app.services.imports import records_import
    service = portal_tenant["service"]
    url = reverse("apps:data_reassign", args=[service.environment_id])
    client = sign_in("ppadmin")
    records_import(environment=service, rows=[{"name": f"A{i}", "owner": f"stub{i}@fabrikam.com"} for i in range(5)])
    small = _queries(client, url)
    records_import(environment=service, rows=[{"name": f"B{i}", "owner": f"stub{i}@fabrikam.com"} for i in range(5, 30)])
    with django_assert_max_num_queries(small):
        client.get(url)


def test_onprem_user_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries):
    onprem_env = environment_create(name="OnPrem", deployment=Deployment.ON_PREMISES,
                                    ad_users=[{"logon_name": f"CONTOSO\\u{i}", "city": "Oslo"} for i in range(5)])
    url = reverse("apps:onprem_user_list", args=[onprem_env.environment_id])
    client = sign_in("ppadmin")
    small = _queries(client, url)
    from users_app.services.environments import environment_add_ad_users
    environment_add_ad_users(environment=onprem_env, ad_users=[{"logon_name": f"CONTOSO\\u{i}"} for i in range(5, 30)])
    with django_assert_max_num_queries(small):
        client.get(url)


def test_my_environment_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries):
    client = sign_in("plain")
    url = reverse("apps:my_environment_list")
    for i in range(3):  # with Sales and Service: 5 rows
        environment_create(name=f"Extra {i}", type="Sandbox")
    small = _queries(client, url)
    for i in range(25):  # 30 rows
        environment_create(name=f"More {i}", type="Sandbox")
    with django_assert_max_num_queries(small):
        client.get(url)
