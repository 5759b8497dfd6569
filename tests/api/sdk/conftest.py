"""A live https server in the test process, for Microsoft's SDKs driven unmodified.

`https_server` runs Django's LiveServerThread with its listening socket wrapped in TLS by a server
certificate from a trustme certificate authority made once per session (in a temporary folder); the
tests trust that authority as a user of `make run` trusts var/tls/ca.pem: SSL_CERT_FILE (httpx, so
msgraph-sdk) and REQUESTS_CA_BUNDLE (requests, so PowerPlatform-Dataverse-Client), set for the test
only. The server threads see the test's data as pytest-django's live_server does: the database is
transactional (each request commits), and an in-memory SQLite connection is shared with the thread
(LiveServerThread(connections_override=...)).

The SDKs get their token as a script does (../shared/guide/clients.md 1.1 and 2.1): from the
server's token endpoint (the password grant or client credentials), handed over by a kiota
AccessTokenProvider (Graph) or an azure-core TokenCredential (Dataverse).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import time
from dataclasses import dataclass

import pytest
import requests
import trustme
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler, _StaticFilesHandler

from tests.builders import changed, sku
from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn

ERP_APP_ID = "00000000-0000-0000-0000-000000000001"
SEAT_SKU = "SEAT"  # a dataverse licence with a single seat: the second assignment is refused (DIR-02)


@dataclass
class Tls:
    ca_file: str
    server_context: ssl.SSLContext


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory) -> Tls:
    """A certificate authority and a server certificate for 127.0.0.1 and localhost, made once."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    return Tls(ca_file=str(folder / "ca.pem"), server_context=server)


class _HttpsRequestHandler(QuietWSGIRequestHandler):
    def get_environ(self):
        environ = super().get_environ()
        environ["HTTPS"] = "on"  # wsgi.url_scheme https: request.is_secure(), absolute URLs in https
        return environ


class TlsLiveServerThread(LiveServerThread):
    """Django's live server thread, listening over TLS."""

    def __init__(self, *args, ssl_context: ssl.SSLContext, **kwargs):
        self.ssl_context = ssl_context
        super().__init__(*args, **kwargs)

    def _create_server(self, connections_override=None):
        server = ThreadedWSGIServer((self.host, self.port), _HttpsRequestHandler, allow_reuse_address=False,
                                    connections_override=connections_override)
        server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        return server


def _graph_provider(token: str):
    from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

    class PortalToken(AccessTokenProvider):
        async def get_authorization_token(self, uri, additional_authentication_context=None):
            return token

        def get_allowed_hosts_validator(self):
            return AllowedHostsValidator([])

    return PortalToken()


def _credential(token: str):
    from azure.core.credentials import AccessToken, TokenCredential

    class PortalCredential(TokenCredential):
        def get_token(self, *scopes, **kwargs):
            return AccessToken(token, int(time.time()) + 3600)

    return PortalCredential()


@dataclass
class HttpsServer:
    url: str  # https://127.0.0.1:<port>
    ca_file: str

    # --- tokens, from the server's token endpoint --------------------------------------------------
    def _token(self, **form) -> str:
        response = requests.post(f"{self.url}/organizations/oauth2/v2.0/token",
                                 data={"scope": "https://graph.microsoft.com/.default", **form}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def user_token(self, local: str, password: str = PORTAL_PASSWORD) -> str:
        """The password grant for a directory user of the test tenant."""
        from users_app.models import DirectoryUser

        user = DirectoryUser.objects.get(user_principal_name=portal_upn(local))
        if user.must_change_password:  # the tenant file's users have a temporary password (DIR-01)
            DirectoryUser.objects.filter(pk=user.pk).update(must_change_password=False)
        return self._token(grant_type="password", username=portal_upn(local), password=password)

    def app_token(self, app_id: str = ERP_APP_ID) -> str:
        """Client credentials of the app registration, with a new secret."""
        from users_app.models import AppRegistration
        from users_app.services.directory import apps

        secret = apps._app_registration_new_secret(app=AppRegistration.objects.get(app_id=app_id))
        return self._token(grant_type="client_credentials", client_id=app_id, client_secret=secret)

    # --- the SDKs, unmodified ------------------------------------------------------------------------
    def graph(self, token: str, call):
        """Runs `await call(client)` with a new GraphServiceClient on this server's /v1.0 (a new
        client for each event loop: httpx's pool belongs to the loop that made it)."""
        from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
        from msgraph import GraphRequestAdapter, GraphServiceClient

        async def run():
            adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(_graph_provider(token)))
            adapter.base_url = f"{self.url}/v1.0"
            return await call(GraphServiceClient(request_adapter=adapter), adapter)

        # In a thread of its own: a browser test earlier in the same process (Playwright's sync API)
        # leaves an event loop running in this one, where asyncio.run refuses to start another.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, run()).result()

    def org(self, environment) -> str:
        return f"{self.url}/dataverse/{environment.environment_id}"

    def dataverse(self, environment, token: str):
        """A DataverseClient on the environment's org URL (use it in a `with`)."""
        from PowerPlatform.Dataverse.client import DataverseClient

        return DataverseClient(self.org(environment), _credential(token))

    def web_api(self, environment) -> str:
        return f"{self.org(environment)}/api/data/v9.2"

    @staticmethod
    def dataverse_headers(token: str) -> dict:
        """The headers the Dataverse client sends (clients.md 2.2), for the calls it has no method for."""
        return {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json",
                "OData-MaxVersion": "4.0", "OData-Version": "4.0"}


def sdk_tenant_data() -> dict:
    """The portal tenant, plus a one-seat licence, and Sales letting an application user's status be
    edited (so that the test may disable it, APP-03)."""
    data = portal_tenant_data()
    environments = [dict(e, app_user_status_editable=True) if e["name"] == "Sales" else e for e in data["environments"]]
    return changed(data, skus=[*data["skus"], sku(SEAT_SKU, "Power Apps per user", seats=1)], environments=environments)


@pytest.fixture
def sdk_tenant(transactional_db):
    """The small portal tenant (tests/conftest.py portal_tenant), synced, sysadmin@ System
    Administrator in Sales, with the additions of sdk_tenant_data."""
    from environments_app.models import Environment
    from users_app.models import SystemUser
    from users_app.provisioning.sync import directory_sync
    from users_app.services.records import role_assign
    from users_app.tenant_file import load_tenant

    load_tenant(sdk_tenant_data())
    directory_sync()
    sales = Environment.objects.get(name="Sales")
    role_assign(systemuser=SystemUser.objects.get(environment=sales, domainname=portal_upn("sysadmin")),
                role="System Administrator")
    return {"sales": sales, "service": Environment.objects.get(name="Service")}


@pytest.fixture
def https_server(transactional_db, tls_ca, monkeypatch):
    """The portal served over https in a thread of this process; the SDKs trust its CA."""
    shared = {conn.alias: conn for conn in connections.all()
              if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    thread = TlsLiveServerThread("127.0.0.1", static_handler=_StaticFilesHandler, connections_override=shared,
                                 ssl_context=tls_ca.server_context)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    monkeypatch.setenv("SSL_CERT_FILE", tls_ca.ca_file)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_ca.ca_file)
    try:
        yield HttpsServer(url=f"https://127.0.0.1:{thread.port}", ca_file=tls_ca.ca_file)
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
