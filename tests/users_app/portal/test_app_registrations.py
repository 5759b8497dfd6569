"""An app registration's page (DIR-08): API permissions granted and revoked by admin consent (a Global or
Privileged role administrator: DIR-05), and Certificates & secrets: a new client secret shown once, the
old one no longer giving a token from the token endpoint."""
from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from tests.api.conftest import ERP_APP_ID, Api
from tests.builders import HX_HEADERS as HX
from tests.conftest import portal_upn, row_counts
from users_app.models import AppRegistration, AuditEntry, DirectoryUser
from users_app.provisioning.rules import RuleViolation
from users_app.services import audit, directory

pytestmark = pytest.mark.django_db


def _app() -> AppRegistration:
    return AppRegistration.objects.get(app_id=ERP_APP_ID)


def _urls():
    return (reverse("m365:app_registration_detail", args=[ERP_APP_ID]),
            reverse("m365:app_registration_permissions", args=[ERP_APP_ID]),
            reverse("m365:app_registration_new_secret", args=[ERP_APP_ID]))


def _client_credentials(secret: str):
    return Api().token_response(grant_type="client_credentials", client_id=ERP_APP_ID, client_secret=secret,
                                scope="https://graph.microsoft.com/.default")


def test_list_links_each_app_to_its_page(portal_tenant, sign_in):
    page = sign_in("useradmin").get(reverse("m365:app_registration_list")).content.decode()
    assert f'href="{_urls()[0]}"' in page


def test_page_shows_ids_permissions_and_the_secret_date(portal_tenant, sign_in):
    """A Global administrator sees every offered permission as a checkbox, ticked where granted."""
    app = _app()
    app.application_permissions = ["User.Read.All"]
    app.save(update_fields=["application_permissions"])
    text = sign_in("global").get(_urls()[0]).content.decode()
    assert str(app.app_id) in text and str(app.object_id) in text
    assert re.search(r'<input type="checkbox" name="permissions" value="User.Read.All"[^>]*checked', text)
    assert re.search(r'<input type="checkbox" name="permissions" value="User.ReadWrite.All"(?![^>]*checked)[^>]*>', text)
    assert "Grant admin consent" in text and "New client secret" in text
    assert "Made when the app was registered" in text


def test_a_reader_sees_the_granted_permissions_without_the_form(portal_tenant, sign_in):
    """A User administrator reads the page: the granted permissions, no checkbox, no save, no New client
    secret, and who may grant consent (DIR-05)."""
    app = _app()
    app.application_permissions = ["Group.Read.All"]
    app.save(update_fields=["application_permissions"])
    text = sign_in("useradmin").get(_urls()[0]).content.decode()
    assert 'data-permission="Group.Read.All"' in text and 'data-permission="User.Read.All"' not in text
    assert 'type="checkbox"' not in text and "Grant admin consent</button>" not in text
    assert "New client secret</a>" not in text
    assert "Global administrator or a Privileged role administrator" in text and "DIR-05" in text


@pytest.mark.parametrize("identity", ["global", "pradmin"])
def test_grant_and_revoke_admin_consent(portal_tenant, sign_in, identity):
    """Ticked permissions are granted, the others revoked, in one audited action; the app's next token
    carries exactly them: granted User.Read.All it lists users, revoked it is refused (DIR-05)."""
    client = sign_in(identity)
    _detail, save, _secret = _urls()
    response = client.post(save, {"permissions": ["User.Read.All", "Group.Read.All"]}, headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="panel" id="api-permissions"') and "<html" not in body
    assert "Admin consent granted for ERP connector" in html.unescape(body)
    assert _app().application_permissions == ["Group.Read.All", "User.Read.All"]
    entry = AuditEntry.objects.filter(action="Grant admin consent").latest("pk")
    assert entry.actor == portal_upn(identity)

    api = Api()
    token = api.app_token(["Group.Read.All", "User.Read.All"])
    assert api.get("/v1.0/users", token).status_code == 200

    revoked = client.post(save, {"permissions": ["Group.Read.All"]})  # without JavaScript: back to the page
    assert revoked.status_code == 302 and revoked["Location"] == _urls()[0]
    assert _app().application_permissions == ["Group.Read.All"]


def test_revoked_permission_leaves_the_app_refused(portal_tenant, sign_in):
    """After consent is revoked through the screen, a new client-credentials token may not list users:
    Graph answers 403 in its shape (DIR-05)."""
    client = sign_in("global")
    _detail, save, new_secret = _urls()
    client.post(save, {"permissions": ["User.Read.All"]}, headers=HX)
    client.post(save, {}, headers=HX)
    assert _app().application_permissions == []
    secret = re.search(r'id="client-secret">([^<]+)<', client.post(new_secret, headers=HX).content.decode()).group(1)
    token = _client_credentials(secret).json()["access_token"]
    status, code, message = Api.error(Api().get("/v1.0/users", token))
    assert status == 403 and code == "Authorization_RequestDenied"


def test_user_administrator_is_refused_admin_consent_DIR_05(portal_tenant, csrf_client):
    """DIR-05: a User administrator may not grant admin consent: the screen answers 403 naming the roles
    that may, and writes nothing; the service refuses the same actor with DIR-05."""
    from django.contrib.auth import get_user_model

    from tests.pages import post
    csrf_client.force_login(get_user_model().objects.get(username=portal_upn("useradmin")))
    before = row_counts()
    csrf_client.cookies["csrftoken"] = "pagesBatteryCsrfToken0123456789a"
    response = csrf_client.post(_urls()[1], {"permissions": ["Directory.ReadWrite.All"]},
                                HTTP_X_CSRFTOKEN="pagesBatteryCsrfToken0123456789a", headers=HX)
    assert response.status_code == 403
    assert "grant application permissions (admin consent)" in html.unescape(response.content.decode())
    assert "Global administrator or Privileged role administrator" in html.unescape(response.content.decode())
    assert post(csrf_client, _urls()[1]).status_code == 403
    assert row_counts() == before and _app().application_permissions == []

    useradmin = DirectoryUser.objects.get(user_principal_name=portal_upn("useradmin"))
    with audit.acting_as(audit.Actor.for_directory_user(useradmin, {"User Administrator"})):
        with pytest.raises(RuleViolation) as refused:
            directory.app_registration_set_permissions(app=_app(), permissions=["Directory.ReadWrite.All"])
    assert refused.value.rule == "DIR-05"
    assert row_counts() == before and _app().application_permissions == []


def test_unknown_permission_is_a_form_error_and_writes_nothing(portal_tenant, sign_in):
    client = sign_in("global")
    before = row_counts()
    response = client.post(_urls()[1], {"permissions": ["Mail.Send"]}, headers=HX)
    assert response.status_code == 400
    assert "Mail.Send is not one of the available choices" in html.unescape(response.content.decode())
    assert row_counts() == before and _app().application_permissions == []


def test_new_client_secret_is_shown_once_and_the_old_one_stops_working(portal_tenant, sign_in):
    """New client secret: the confirmation first; then the secret once (no-store, with a copy button,
    "will not be shown again"); the page afterwards shows when it was made, never the secret; the old
    secret gets no token from the token endpoint and the new one does."""
    old_secret = directory.apps._app_registration_new_secret(app=_app())
    assert _client_credentials(old_secret).status_code == 200
    client = sign_in("appadmin")
    detail, _save, new_secret = _urls()
    confirm = client.get(new_secret, headers=HX)
    assert confirm.status_code == 200 and 'id="confirm-panel"' in confirm.content.decode()
    assert "stops working at once" in confirm.content.decode()

    response = client.post(new_secret, headers=HX)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="panel" id="client-secrets"')
    secret = re.search(r'id="client-secret">([^<]+)<', body).group(1)
    assert 'data-copy-from="#client-secret"' in body and "It will not be shown again" in body
    assert secret != old_secret and secret not in _app().secret_hash
    assert _app().secret_created_on is not None

    page = client.get(detail).content.decode()
    assert secret not in page and "Made on " in page
    refused = _client_credentials(old_secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert _client_credentials(secret).status_code == 200
    assert AuditEntry.objects.filter(action="Add client secret", actor=portal_upn("appadmin")).exists()


def test_new_client_secret_without_javascript_is_the_whole_page(portal_tenant, sign_in):
    response = sign_in("global").post(_urls()[2])
    text = response.content.decode()
    assert response.status_code == 200 and "<html" in text and 'id="client-secret"' in text
    assert 'id="api-permissions"' in text


def test_privileged_role_administrator_may_not_make_a_secret_DIR_05(portal_tenant, sign_in):
    """DIR-05: New client secret needs a Global or Application administrator; refused, nothing changes."""
    client = sign_in("pradmin")
    before, hashed = row_counts(), _app().secret_hash
    response = client.post(_urls()[2], headers=HX)
    assert response.status_code == 403 and _app().secret_hash == hashed and row_counts() == before


def test_unknown_app_is_404(portal_tenant, sign_in):
    client = sign_in("global")
    missing = "11111111-1111-1111-1111-111111111111"
    assert client.get(reverse("m365:app_registration_detail", args=[missing])).status_code == 404
    assert client.post(reverse("m365:app_registration_permissions", args=[missing])).status_code == 404
