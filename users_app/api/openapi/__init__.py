"""The OpenAPI 3.0 description of the portal's three APIs and its token endpoint, served at
/openapi.json (public, as a published description is).

Built as a plain dict by small helpers, one home per schema (components/schemas): the Graph v1.0
subset under /v1.0, the Dataverse Web API v9.2 of each environment under
/dataverse/{environment_id}/api/data/v9.2 and the Power Platform admin API under
/providers/Microsoft.BusinessAppPlatform. Every operation answers its errors in its API's own
shape (GraphError, DataverseError, PowerPlatformError) and needs a bearer token from
POST /{tenant}/oauth2/v2.0/token. tests/api/test_openapi.py runs schemathesis against it.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .common import BAP_TAG, DATAVERSE_TAG, GRAPH_TAG, TOKEN_TAG, error_schemas
from .dataverse import dataverse_paths, dataverse_schemas
from .graph import graph_paths, graph_schemas
from .powerplatform import bap_paths, bap_schemas, token_paths


def description(server: str = "") -> dict:
    """The whole description; `server` is the base URL (scheme, host and port) it is served from."""
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": "Portal APIs: Microsoft Graph v1.0, Dataverse Web API v9.2, Power Platform admin",
            "version": "1.0",
            "description": "Microsoft-compatible subsets of the three APIs, for Microsoft's SDKs (msgraph-sdk, "
                           "PowerPlatform-Dataverse-Client) pointed at this server. Every call needs a bearer "
                           "token from POST /{tenant}/oauth2/v2.0/token and acts as its caller: the screens' "
                           "rules apply, and a refusal names the rule ID at the start of its message.",
        },
        "servers": [{"url": server or "/"}],
        "tags": [{"name": t} for t in (GRAPH_TAG, DATAVERSE_TAG, BAP_TAG, TOKEN_TAG)],
        "security": [{"bearer": []}],
        "paths": {**token_paths(), **graph_paths(), **dataverse_paths(), **bap_paths()},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {**error_schemas(), **graph_schemas(), **dataverse_schemas(), **bap_schemas()},
        },
    }
    return spec


@login_not_required
@require_GET
def openapi_json(request):
    """GET /openapi.json: public, as a published API description is."""
    return JsonResponse(description(request.build_absolute_uri("/").rstrip("/")),
                        json_dumps_params={"indent": 1})


# --- paths under an API's prefix that no view holds ----------------------------------------------

def _unknown_path(api: str):
    from .. import errors
    from ..endpoint import api_view

    @api_view(api, methods=("GET", "POST", "PATCH", "PUT", "DELETE"), authenticated=False)
    def unknown(request, rest=""):
        raise errors.not_found(api, f"No resource at '{request.path}' (the description at /openapi.json lists "
                                    "every path; an id in a URL must be a GUID where it says so).")

    return unknown


unknown_graph_path = _unknown_path("graph")
unknown_dataverse_path = _unknown_path("dataverse")
unknown_power_platform_path = _unknown_path("powerplatform")
