"""The Power Platform admin API's JSON (BAP, api.bap.microsoft.com): an environment as
`GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments` lists it, with the
Dataverse org URL of this server (`<https origin>/dataverse/<environment id>/`) as its
`linkedEnvironmentMetadata.instanceUrl`, so that a script finds the Web API as it does in the cloud."""
from __future__ import annotations

from django.conf import settings
from django.http.request import split_domain_port
from django.urls import reverse

from environments_app.choices import EnvironmentState, EnvironmentType
from environments_app.models import Environment

PROVIDER = "/providers/Microsoft.BusinessAppPlatform"
ENVIRONMENT_TYPE = "Microsoft.BusinessAppPlatform/scopes/environments"
DEFAULT_TLS_PORT = 8443
API_VERSION = "2020-10-01"


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def https_origin(request) -> str:
    """Where the Dataverse Web API is for the SDKs: this request's origin when it came over https,
    else the same host on `make run`'s https port (PORTAL_TLS_PORT)."""
    if request.is_secure():
        return f"https://{request.get_host()}"
    host, _port = split_domain_port(request.get_host())
    port = int(getattr(settings, "PORTAL_TLS_PORT", DEFAULT_TLS_PORT))
    return f"https://{host or 'localhost'}" + ("" if port == 443 else f":{port}")


def environment_id_path(environment: Environment) -> str:
    return f"{PROVIDER}/scopes/admin/environments/{environment.environment_id}"


def environment_json(request, environment: Environment, *, tenant_id: str) -> dict:
    """One environment in BAP's shape (the properties the admin center and scripts read)."""
    name = str(environment.environment_id)
    origin = https_origin(request)
    is_default = environment.type == EnvironmentType.DEFAULT
    state = {EnvironmentState.READY: "Ready", EnvironmentState.NOT_READY: "NotReady"}.get(environment.state, "Disabled")
    runtime = "Disabled" if environment.state == EnvironmentState.DISABLED else "Enabled"
    admin_url = request.build_absolute_uri(reverse("environments:environment_detail", args=[environment.environment_id]))
    properties: dict = {
        "tenantId": tenant_id,
        "azureRegion": environment.region,
        "displayName": environment.name,
        "description": "",
        "createdTime": _iso(environment.created_on),
        "createdBy": ({"id": str(environment.created_by_object_id), "type": "User", "tenantId": tenant_id}
                      if environment.created_by_object_id else {"id": "SYSTEM", "displayName": "SYSTEM", "type": "NotSpecified"}),
        "provisioningState": "Succeeded",
        "creationType": "User",
        "environmentSku": environment.type if environment.type != EnvironmentType.TEAMS else "Teams",
        "isDefault": is_default,
        "databaseType": "CommonDataService" if environment.dataverse else "None",
        "states": {"management": {"id": state}, "runtime": {"id": runtime}},
        "clientUris": {"admin": admin_url},
        "retentionPeriod": "P7D",
    }
    if environment.dataverse:
        org = f"{origin}/dataverse/{name}/"
        properties["linkedEnvironmentMetadata"] = {
            "resourceId": name,
            "friendlyName": environment.name,
            "uniqueName": f"org{name.replace('-', '')[:8]}",
            "domainName": f"org{name.replace('-', '')[:8]}",
            "version": "9.2.0.0",
            "instanceUrl": org,
            "instanceApiUrl": org,
            "baseLanguage": 1033,
            "instanceState": "Ready" if environment.state == EnvironmentState.READY else state,
            "createdTime": _iso(environment.created_on),
            "securityGroupId": str(environment.security_group_object_id) if environment.security_group_object_id else None,
            "platformSku": "Standard",
        }
    return {"id": environment_id_path(environment), "type": ENVIRONMENT_TYPE, "location": environment.region,
            "name": name, "properties": properties}

