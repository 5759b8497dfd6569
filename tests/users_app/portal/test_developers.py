"""The Developers page (issue 13): base URLs from the request's host and the https port, the CA to
trust, the snippets of users_app/api/snippets.py filled with this server's URLs, and a personal
token shown once that works on the APIs."""
from __future__ import annotations

import html
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.conftest import portal_upn, row_counts
from tests.pages import post
from users_app.api import snippets
from users_app.models import Tenant

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


@override_settings(PORTAL_TLS_PORT=9443, ALLOWED_HOSTS=["portal.test", "testserver"])
def test_page_shows_this_servers_urls_and_snippets(portal_tenant, sign_in):
    """Graph, the token endpoint, each Dataverse environment's org URL and the Power Platform admin base
    are built from the request's host and PORTAL_TLS_PORT; the snippets are snippets.py's text."""
    client = sign_in("plain")
    response = client.get(reverse("developers:developers"), HTTP_HOST="portal.test:8000")
    assert response.status_code == 200
    text = _text(response)
    tenant = Tenant.objects.get()
    origin = "https://portal.test:9443"
    assert f"{origin}/v1.0" in text
    assert f"{origin}/{tenant.tenant_id}/oauth2/v2.0/token" in text
    assert f"{origin}/providers/Microsoft.BusinessAppPlatform" in text
    for env in (portal_tenant["sales"], portal_tenant["service"]):
        assert f"{origin}/dataverse/{env.environment_id}" in text
    assert "var/tls/ca.pem" in text
    urls = snippets.urls_for(host="portal.test", port=9443, tenant_id=tenant.tenant_id,
                             ca_file=re.search(r'id="url-ca">([^<]+)<', text).group(1))
    assert snippets.graph_sdk(urls) in text
    assert f'adapter.base_url = "{origin}/v1.0"' in text
    assert snippets.curl_client_credentials(urls) in text
    assert snippets.curl_password(urls, username=portal_upn("plain")) in text
    assert "DataverseClient(\"https://portal.test:9443/dataverse/" in text
    assert 'data-copy-from="#snippet-graph-sdk"' in text and "js/copy.js" in text
    assert "<script>" not in text  # CSP: no inline script


def test_fragment_and_nav(portal_tenant, sign_in):
    client = sign_in("plain")
    fragment = client.get(reverse("developers:developers"), headers=HX)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="developers"') and "<html" not in body
    page = client.get(reverse("rules:rule_list")).content.decode()
    assert f'href="{reverse("developers:developers")}"' in page


def test_signed_out_goes_to_sign_in(client, portal_tenant):
    response = client.get(reverse("developers:developers"))
    assert response.status_code == 302 and reverse("signin") in response["Location"]


def test_personal_token_needs_csrf(portal_tenant, csrf_client):
    from django.contrib.auth import get_user_model
    csrf_client.force_login(get_user_model().objects.get(username=portal_upn("plain")))
    assert post(csrf_client, reverse("developers:personal_token"), token=False).status_code == 403
    assert post(csrf_client, reverse("developers:personal_token"), HTTP_HX_REQUEST="true").status_code == 200


def _token_of(response) -> str:
    return re.search(r'id="personal-token-value">([^<]+)<', response.content.decode()).group(1)


def test_personal_token_shown_once_acts_as_the_user(portal_tenant, sign_in):
    """Get a personal token: a one-hour token for the signed-in directory user, shown once (no-store,
    not on the page afterwards), that Graph's /v1.0/me answers as that user."""
    from tests.api.conftest import Api
    from users_app.api import tokens

    client = sign_in("plain")
    before = row_counts()
    response = client.post(reverse("developers:personal_token"), headers=HX)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="personal-token"') and "only time this token is shown" in body
    token = _token_of(response)
    assert row_counts() == before  # never stored
    claims = tokens.verify(token)
    assert claims["exp"] - claims["iat"] == tokens.LIFETIME_SECONDS
    assert token not in client.get(reverse("developers:developers")).content.decode()
    me = Api().get("/v1.0/me", token)
    assert me.status_code == 200, me.content
    assert me.json()["userPrincipalName"] == portal_upn("plain")


def test_personal_token_without_javascript_is_the_whole_page(portal_tenant, sign_in):
    response = sign_in("global").post(reverse("developers:personal_token"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" in text and 'id="personal-token-value"' in text and 'id="snippet-graph-sdk"' in text


def test_personal_token_is_for_directory_users_only(portal_tenant, client):
    """A Django superuser (for /admin/ only) gets no personal token."""
    from django.contrib.auth import get_user_model
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x-Strong-Pass-1")
    client.force_login(admin)
    assert client.post(reverse("developers:personal_token")).status_code == 403
    assert client.get(reverse("developers:developers")).status_code == 403


# --- The snippets run as a developer runs them: against a live https server ----------------------

from tests.api.sdk import conftest as sdk  # noqa: E402 - its fixtures: a live https server and its tenant

https_server, sdk_tenant, tls_ca = sdk.https_server, sdk.sdk_tenant, sdk.tls_ca


def _run(args, *, env_extra, timeout=120):
    import os
    import subprocess
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "ACCESS_TOKEN")}
    return subprocess.run(args, env={**env, **env_extra}, capture_output=True, text=True, timeout=timeout)


@pytest.mark.django_db(transaction=True)
def test_the_snippets_work_unmodified_against_this_server(sdk_tenant, https_server):
    """The curl snippets get a token for an app (client credentials) and for global@ (the password grant)
    and call /v1.0/me with global@'s; the msgraph-sdk snippet lists users with it; the
    PowerPlatform-Dataverse-Client snippet lists Sales' systemusers with its System Administrator's token.
    Each runs as it is shown, only the placeholders filled, trusting the CA the snippet names (none in the
    environment)."""
    import shutil
    import sys

    from tests.conftest import PORTAL_PASSWORD
    from users_app.models import DirectoryUser

    DirectoryUser.objects.filter(user_principal_name=portal_upn("global")).update(must_change_password=False)
    port = int(https_server.url.rsplit(":", 1)[1])
    urls = snippets.urls_for(host="127.0.0.1", port=port, tenant_id=Tenant.objects.get().tenant_id,
                             ca_file=https_server.ca_file)
    if shutil.which("curl"):
        script = snippets.curl_password(urls, username=portal_upn("global"), password=PORTAL_PASSWORD)
        got = _run(["bash", "-c", f"{script}\nprintf %s \"$ACCESS_TOKEN\""], env_extra={})
        assert got.returncode == 0 and got.stdout.count(".") == 2, got.stderr
        token = got.stdout
        me = _run(["bash", "-c", snippets.curl_call(urls)], env_extra={"ACCESS_TOKEN": token})
        assert me.returncode == 0 and portal_upn("global") in me.stdout, me.stdout + me.stderr
        from users_app.models import AppRegistration
        from users_app.services.directory import apps
        secret = apps._app_registration_new_secret(app=AppRegistration.objects.get(name="ERP connector"))
        script = snippets.curl_client_credentials(urls, client_id=str(AppRegistration.objects.get(
            name="ERP connector").app_id), client_secret=secret)
        app = _run(["bash", "-c", f"{script}\nprintf %s \"$ACCESS_TOKEN\""], env_extra={})
        assert app.returncode == 0 and app.stdout.count(".") == 2, app.stderr
    else:  # pragma: no cover - curl is on every machine the suite runs on
        token = https_server.user_token("global")

    graph = _run([sys.executable, "-c", snippets.graph_sdk(urls)], env_extra={"ACCESS_TOKEN": token})
    assert graph.returncode == 0, graph.stderr
    assert portal_upn("global") in graph.stdout.split()

    sales = sdk_tenant["sales"]
    dataverse = _run([sys.executable, "-c", snippets.dataverse_sdk(urls, sales.environment_id)],
                     env_extra={"ACCESS_TOKEN": https_server.user_token("sysadmin")})
    assert dataverse.returncode == 0, dataverse.stderr
    assert portal_upn("sysadmin") in dataverse.stdout
