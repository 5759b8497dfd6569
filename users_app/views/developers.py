"""Developers: what a script needs to point Microsoft's SDKs at this server (issue 13): the base URLs
built from the request's host and the https port, the certificate authority to trust, how to get a
token (curl for client credentials and for the password grant), a personal one-hour token shown once,
and the snippets of users_app/api/snippets.py (the README shows the same text) filled with this
server's URLs. Every signed-in directory user may open it."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.htmx import render_page_or_partial
from users_app.api import oauth, snippets
from users_app.permissions import directory_user_of, directory_user_required
from users_app.services.directory.licences import tenant_get
from users_app.selectors import my_environments as environment_selectors
from users_app.views.m365.common import no_store

TEMPLATE = "portal/developers.html"
DEFAULT_TLS_PORT = 8443


def tls_port() -> int:
    return int(getattr(settings, "PORTAL_TLS_PORT", DEFAULT_TLS_PORT))


def ca_file() -> str:
    """The local certificate authority `make run` makes (var/tls/ca.pem) that scripts trust."""
    return str(getattr(settings, "PORTAL_TLS_CA", settings.BASE_DIR / "var" / "tls" / "ca.pem"))


def server_urls(request: HttpRequest) -> snippets.Urls:
    """This server's https addresses, from the host the browser used (its port dropped: the https
    port is PORTAL_TLS_PORT)."""
    host, _port = split_domain_port(request.get_host())
    return snippets.urls_for(host=host or "localhost", port=tls_port(), tenant_id=tenant_get().tenant_id,
                             ca_file=ca_file())


def _context(request: HttpRequest, **extra) -> dict:
    urls = server_urls(request)
    user = directory_user_of(request)
    environments = [{"name": env.name, "environment_id": env.environment_id, "org": urls.org(env.environment_id),
                     "web_api": urls.web_api(env.environment_id)}
                    for env in environment_selectors.my_environment_list(directory_user=user)]
    example = environments[0]["environment_id"] if environments else snippets.ENVIRONMENT_ID
    return {
        "title": "Developers", "breadcrumbs": [("Developers", None)], "urls": urls, "environments": environments,
        "tls_port": tls_port(),
        "snippets": {
            "curl_client_credentials": snippets.curl_client_credentials(urls),
            "curl_password": snippets.curl_password(urls, username=user.user_principal_name),
            "curl_call": snippets.curl_call(urls),
            "graph_sdk": snippets.graph_sdk(urls),
            "dataverse_sdk": snippets.dataverse_sdk(urls, example),
        },
        **extra,
    }


@require_GET
@directory_user_required
def developers(request: HttpRequest) -> HttpResponse:
    return render_page_or_partial(request, TEMPLATE, "developers", _context(request))


@never_cache
@require_POST
@directory_user_required
def personal_token(request: HttpRequest) -> HttpResponse:
    """Get a personal token: a one-hour token for the signed-in directory user, shown once (never
    stored, never cached). Over HTMX the token's section; without JavaScript the page with it."""
    issued = oauth.user_token(directory_user_of(request))
    return no_store(render_page_or_partial(request, TEMPLATE, "personal-token", _context(request, issued=issued)))
