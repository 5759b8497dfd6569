"""The APIs' URLs (namespace "api"), mounted at the site root by portal/urls.py:

- /{tenant}/oauth2/v2.0/token                     the token endpoint (oauth.py)
- /v1.0/...                                       Microsoft Graph v1.0 subset (graph/)
- /dataverse/{environment id}/api/data/v9.2/...   the Dataverse Web API of one environment
                                                  (dataverse/): the org URL is /dataverse/{id}
- /providers/Microsoft.BusinessAppPlatform/...    the Power Platform admin API (powerplatform/)
"""
from django.urls import include, path, re_path

from . import oauth, openapi

app_name = "api"

urlpatterns = [
    path("openapi.json", openapi.openapi_json, name="openapi"),
    path("<str:tenant>/oauth2/v2.0/token", oauth.token, name="token"),
    path("v1.0/", include(("users_app.api.graph.urls", "graph"))),
    path("dataverse/<uuid:environment_id>/api/data/v9.2/", include(("users_app.api.dataverse.urls", "dataverse"))),
    path("providers/Microsoft.BusinessAppPlatform/", include(("users_app.api.powerplatform.urls", "powerplatform"))),
    # Anything else under an API's prefix (a malformed GUID in the URL too): 404 in that API's shape.
    re_path(r"^v1\.0/(?P<rest>[\s\S]*)$", openapi.unknown_graph_path),
    re_path(r"^dataverse/(?P<rest>[\s\S]*)$", openapi.unknown_dataverse_path),
    re_path(r"^providers/Microsoft\.BusinessAppPlatform/(?P<rest>[\s\S]*)$", openapi.unknown_power_platform_path),
]
