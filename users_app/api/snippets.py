"""The snippets that point Microsoft's SDKs (and curl) at this server, as text: one home for the
portal's Developers page (users_app/views/developers.py) and the README, which show the same words.

Each snippet is a function of the server's URLs (`Urls`, built by `urls_for` from a host, the https
port, the tenant id and the CA file), so that the page fills them with the request's host and the
README with `make run`'s. The Python snippets read the token from the ACCESS_TOKEN environment
variable, which the curl snippets set (or paste the Developers page's personal token into it); they
follow ../shared/guide/clients.md 1.1 (msgraph-sdk: a kiota AccessTokenProvider, GraphRequestAdapter
with base_url) and 2.1 (PowerPlatform-Dataverse-Client: a TokenCredential, DataverseClient on the org
URL, the CA through REQUESTS_CA_BUNDLE).
"""
from __future__ import annotations

from dataclasses import dataclass

CLIENT_ID = "<application (client) ID>"
CLIENT_SECRET = "<client secret>"
USERNAME = "<user principal name>"
PASSWORD = "<password>"
ENVIRONMENT_ID = "<environment ID>"


@dataclass(frozen=True)
class Urls:
    """This server's addresses for scripts: the https origin and what hangs under it."""
    origin: str  # https://<host>:<tls port>
    tenant_id: str
    ca_file: str  # the local certificate authority to trust (var/tls/ca.pem)

    @property
    def graph(self) -> str:
        """Microsoft Graph v1.0 base URL (no trailing slash: the SDK appends /users etc.)."""
        return f"{self.origin}/v1.0"

    @property
    def token(self) -> str:
        """The token endpoint, in the Microsoft identity platform's shape."""
        return f"{self.origin}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def power_platform(self) -> str:
        """The Power Platform admin API's base."""
        return f"{self.origin}/providers/Microsoft.BusinessAppPlatform"

    @property
    def environments(self) -> str:
        return f"{self.power_platform}/scopes/admin/environments?api-version=2020-10-01"

    def org(self, environment_id=ENVIRONMENT_ID) -> str:
        """An environment's org URL (the Dataverse client appends /api/data/v9.2 itself)."""
        return f"{self.origin}/dataverse/{environment_id}"

    def web_api(self, environment_id=ENVIRONMENT_ID) -> str:
        return f"{self.org(environment_id)}/api/data/v9.2"


def urls_for(*, host: str, port: int, tenant_id, ca_file) -> Urls:
    """`host` without a port (a name, an IPv4 address or a bracketed IPv6 one)."""
    origin = f"https://{host}" if int(port) == 443 else f"https://{host}:{int(port)}"
    return Urls(origin=origin, tenant_id=str(tenant_id), ca_file=str(ca_file))


_TOKEN_OUT = "| python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])'"


def curl_client_credentials(urls: Urls, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> str:
    """A token for an app registration (client credentials), kept in ACCESS_TOKEN."""
    return (f"export ACCESS_TOKEN=$(curl -s --cacert {urls.ca_file} {urls.token} \\\n"
            f"  -d grant_type=client_credentials \\\n"
            f"  -d 'client_id={client_id}' \\\n"
            f"  --data-urlencode 'client_secret={client_secret}' \\\n"
            f"  -d scope=https://graph.microsoft.com/.default \\\n"
            f"  {_TOKEN_OUT})")


def curl_password(urls: Urls, *, username: str = USERNAME, password: str = PASSWORD) -> str:
    """A token for a directory user (the password grant), kept in ACCESS_TOKEN."""
    return (f"export ACCESS_TOKEN=$(curl -s --cacert {urls.ca_file} {urls.token} \\\n"
            f"  -d grant_type=password \\\n"
            f"  --data-urlencode 'username={username}' \\\n"
            f"  --data-urlencode 'password={password}' \\\n"
            f"  -d scope=https://graph.microsoft.com/.default \\\n"
            f"  {_TOKEN_OUT})")


def curl_call(urls: Urls) -> str:
    """One call with the token: who am I (Graph)."""
    return f'curl -s --cacert {urls.ca_file} -H "Authorization: Bearer $ACCESS_TOKEN" {urls.graph}/me'


def graph_sdk(urls: Urls) -> str:
    """msgraph-sdk, unmodified: a kiota AccessTokenProvider that returns the token, and a
    GraphRequestAdapter whose base_url is this server's Graph (clients.md 1.1)."""
    return f'''import asyncio
import os

os.environ["SSL_CERT_FILE"] = "{urls.ca_file}"  # trust the portal's local CA (httpx)

from kiota_abstractions.authentication import (AccessTokenProvider, AllowedHostsValidator,
                                               BaseBearerTokenAuthenticationProvider)
from msgraph import GraphRequestAdapter, GraphServiceClient


class PortalToken(AccessTokenProvider):
    """Hands the SDK a token from the portal's token endpoint (or its Developers page)."""

    def __init__(self, token):
        self.token = token

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self.token

    def get_allowed_hosts_validator(self):
        return AllowedHostsValidator([])


adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(PortalToken(os.environ["ACCESS_TOKEN"])))
adapter.base_url = "{urls.graph}"
client = GraphServiceClient(request_adapter=adapter)


async def main():
    page = await client.users.get()
    for user in page.value:
        print(user.user_principal_name)


asyncio.run(main())
'''


def dataverse_sdk(urls: Urls, environment_id=ENVIRONMENT_ID) -> str:
    """PowerPlatform-Dataverse-Client, unmodified: a TokenCredential that returns the token, and a
    DataverseClient on the environment's org URL, the CA trusted through REQUESTS_CA_BUNDLE (2.1)."""
    return f'''import os
import time

os.environ["REQUESTS_CA_BUNDLE"] = "{urls.ca_file}"  # trust the portal's local CA (requests)

from azure.core.credentials import AccessToken, TokenCredential
from PowerPlatform.Dataverse.client import DataverseClient


class PortalCredential(TokenCredential):
    """Hands the SDK a token from the portal's token endpoint (or its Developers page)."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3600)


with DataverseClient("{urls.org(environment_id)}", PortalCredential(os.environ["ACCESS_TOKEN"])) as client:
    users = client.records.list("systemuser", select=["fullname", "domainname"], filter="isdisabled eq false",
                                orderby=["fullname asc"], page_size=50)
    for user in users:
        print(user["systemuserid"], user["fullname"], user["domainname"])
'''


def all_snippets(urls: Urls, environment_id=ENVIRONMENT_ID) -> dict[str, str]:
    """Every snippet by name, in the order the Developers page and the README show them."""
    return {
        "curl_client_credentials": curl_client_credentials(urls),
        "curl_password": curl_password(urls),
        "curl_call": curl_call(urls),
        "graph_sdk": graph_sdk(urls),
        "dataverse_sdk": dataverse_sdk(urls, environment_id),
    }
