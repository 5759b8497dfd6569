"""Graph applications and servicePrincipals (DIR-08): an app registration is one application (id:
its object id) and one service principal (a stable id of its own, derived from the registration).
Writes go through users_app/services/directory/apps.py (DIR-05: APP_REGISTRATIONS); the client
secret is shown once, by addPassword, and only its hash is kept."""
from __future__ import annotations

import datetime
import uuid

from django.http import JsonResponse

from users_app.models import AppRegistration
from users_app.services.directory import apps as app_services
from users_app.services.directory.fields import check_texts

from .. import errors, odata
from ..endpoint import api_view, json_body
from ..errors import GRAPH
from . import directory as d

_SP_NAMESPACE = uuid.UUID("0b6b1f8a-3c1e-4b9e-8f0e-5d7c2a9e4f31")  # this portal's, for service principal ids
SECRET_LIFETIME = datetime.timedelta(days=730)  # what the portal's screen says of a new secret: two years


def _stamp(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def service_principal_id(app: AppRegistration) -> str:
    return str(uuid.uuid5(_SP_NAMESPACE, str(app.object_id)))


def _key_id(app: AppRegistration) -> str:
    return str(uuid.uuid5(_SP_NAMESPACE, f"{app.object_id}/{_stamp(app.secret_created_on)}"))


def _credentials(app: AppRegistration) -> list[dict]:
    if not app.secret_hash:
        return []
    return [{"customKeyIdentifier": None, "displayName": "Client secret", "hint": None, "keyId": _key_id(app),
             "startDateTime": _stamp(app.secret_created_on),
             "endDateTime": _stamp(app.secret_created_on + SECRET_LIFETIME) if app.secret_created_on else None,
             "secretText": None}]


APPLICATION_PROPERTIES = {
    "id": lambda a: str(a.object_id),
    "appId": lambda a: str(a.app_id),
    "displayName": lambda a: a.name,
    "signInAudience": lambda a: "AzureADMyOrg",
    "passwordCredentials": _credentials,
    "requiredResourceAccess": lambda a: [],
}
SERVICE_PRINCIPAL_PROPERTIES = {
    "id": service_principal_id,
    "appId": lambda a: str(a.app_id),
    "displayName": lambda a: a.name,
    "appDisplayName": lambda a: a.name,
    "servicePrincipalType": lambda a: "Application",
    "accountEnabled": lambda a: True,
    "servicePrincipalNames": lambda a: [str(a.app_id)],
    "appRoles": lambda a: [],
}
FILTERS = {"id": "object_id", "appId": "app_id", "displayName": "name"}
FILTER_TYPES = {"id": "guid", "appId": "guid", "displayName": "string"}
ORDER = {"displayName": ("name", False)}


def _json(app, table, properties) -> dict:
    return {name: table[name](app) for name in properties}


def _list(request, table, filters):
    d.require_read()
    opts = odata.options(request, GRAPH, max_top=d.MAX_PAGE)
    properties = odata.select(opts, table, tuple(table), GRAPH, always=("id",))
    queryset = AppRegistration.objects.all()
    if opts.filter:
        queryset = queryset.filter(d.filter_q(opts.filter, filters, AppRegistration, types=FILTER_TYPES))
    keys = odata.order(opts.orderby, ORDER, GRAPH)
    page = odata.keyset_page(queryset, keys, size=d.page_size(opts), skiptoken=opts.skiptoken, api=GRAPH)
    count = queryset.count() if opts.count else None
    return d.collection(request, [_json(a, table, properties) for a in page.rows], token=page.token, count=count)


def _application(key: str, by: str = "object_id") -> AppRegistration:
    """By object id (/applications/{id}) or application id (/applications(appId='{appId}'))."""
    app = AppRegistration.objects.filter(**{by: d.parse_id(key)}).first()
    if app is None:
        raise d.missing(key)
    return app


@api_view(GRAPH, methods=("GET", "POST"))
def applications(request):
    if request.method == "GET":
        return _list(request, APPLICATION_PROPERTIES, FILTERS)
    body = json_body(request, GRAPH)
    d.refuse_unknown(body, {"displayName", "signInAudience"})
    name = d.string_field(body, "displayName", required=True)
    if body.get("signInAudience") not in (None, "AzureADMyOrg"):
        raise errors.bad_request(GRAPH, "Property 'signInAudience': only AzureADMyOrg (this tenant) is supported.")
    app, _secret = app_services.app_registration_create(name=name)  # Graph shows no secret at creation
    return d.created(_json(app, APPLICATION_PROPERTIES, APPLICATION_PROPERTIES))


@api_view(GRAPH, methods=("GET", "PATCH"))
def application(request, app_key, by="object_id"):
    if request.method == "GET":
        d.require_read()
        opts = odata.options(request, GRAPH)
        properties = odata.select(opts, APPLICATION_PROPERTIES, tuple(APPLICATION_PROPERTIES), GRAPH, always=("id",))
        return JsonResponse(_json(_application(app_key, by), APPLICATION_PROPERTIES, properties))
    app = _application(app_key, by)
    body = json_body(request, GRAPH)
    d.refuse_unknown(body, {"displayName"})
    name = d.string_field(body, "displayName")
    if name is not None:
        check_texts(AppRegistration, {"name": name})
        app_services.app_registration_update(app=app, name=name)
    return d.no_content()


@api_view(GRAPH, methods=("POST",))
def add_password(request, app_key):
    app = _application(app_key)
    body = json_body(request, GRAPH)
    credential = body.get("passwordCredential") or {}
    if not isinstance(credential, dict):
        raise errors.bad_request(GRAPH, "Property 'passwordCredential': an object is expected.")
    label = credential.get("displayName")
    if label is not None and not isinstance(label, str):
        raise errors.bad_request(GRAPH, "Property 'passwordCredential.displayName': a string is expected.")
    secret = app_services.app_registration_new_secret(app=app)
    app.refresh_from_db()
    return JsonResponse({
        "@odata.type": "#microsoft.graph.passwordCredential",
        "customKeyIdentifier": None, "displayName": label or "Client secret",
        "endDateTime": _stamp(app.secret_created_on + SECRET_LIFETIME), "hint": secret[:3], "keyId": _key_id(app),
        "secretText": secret, "startDateTime": _stamp(app.secret_created_on),
    })


@api_view(GRAPH, methods=("GET",))
def service_principals(request):
    return _list(request, SERVICE_PRINCIPAL_PROPERTIES, {"appId": "app_id", "displayName": "name"})


@api_view(GRAPH, methods=("GET",))
def service_principal(request, sp_key, by="id"):
    """By its id (/servicePrincipals/{id}) or its application's (/servicePrincipals(appId='{appId}'))."""
    d.require_read()
    wanted = str(d.parse_id(sp_key))
    # The id is derived from the object id: found among the registrations (a tenant has few).
    for app in AppRegistration.objects.all():
        if (service_principal_id(app) if by == "id" else str(app.app_id)) == wanted:
            opts = odata.options(request, GRAPH)
            properties = odata.select(opts, SERVICE_PRINCIPAL_PROPERTIES, tuple(SERVICE_PRINCIPAL_PROPERTIES), GRAPH,
                                      always=("id",))
            return JsonResponse(_json(app, SERVICE_PRINCIPAL_PROPERTIES, properties))
    raise d.missing(sp_key)

