"""Graph users: GET/POST /users, GET/PATCH/DELETE /users/{id or UPN}, /me and /organization.
Licences are in users_licences.py, deleted items in users_deleted.py, what they share in
users_common.py.

Writes call the directory services the screens call (services/directory), as the caller
(endpoint.api_view), so DIR-05 and the audit log hold unchanged; a refusal writes nothing.
"""
from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse, JsonResponse

from users_app.models import Tenant
from users_app.selectors.m365 import active_user_list
from users_app.services import directory

from .. import errors
from ..endpoint import api_view, json_body
from ..errors import GRAPH
from . import objects
from .users_common import live_user, require_read, single_select, user_count_response, user_list_response

# Graph property -> the keyword of directory_user_create / directory_user_update (text unless said).
WRITABLE = {
    "displayName": "display_name",
    "givenName": "given_name",
    "surname": "surname",
    "jobTitle": "job_title",
    "department": "department",
    "officeLocation": "office_location",
    "mail": "mail",
    "mobilePhone": "mobile_phone",
    "streetAddress": "street_address",
    "city": "city",
    "state": "state",
    "postalCode": "postal_code",
    "country": "country",
    "usageLocation": "usage_location",
    "userPrincipalName": "user_principal_name",
    "userType": "user_type",
    "accountEnabled": "account_enabled",
    "businessPhones": "business_phone",
}
READ_ONLY = {"id", "createdDateTime", "deletedDateTime", "assignedLicenses"}
CREATE_REQUIRED = ("accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile")
NULLABLE = {"usageLocation"}


def invalid(name: str, why: str = "") -> errors.ApiError:
    return errors.bad_request(GRAPH, f"Invalid value specified for property '{name}' of resource 'User'"
                                     + (f": {why}" if why else "."))


def _fields(body: dict) -> dict:
    """The service keywords of a user body's writable properties; anything else (but "@odata.*"
    annotations, passwordProfile and mailNickname, read by the caller) is a 400 naming it."""
    fields = {}
    for name, value in body.items():
        if name.startswith("@odata.") or name in ("passwordProfile", "mailNickname"):
            continue
        if name in READ_ONLY:
            raise errors.bad_request(GRAPH, f"Property '{name}' is read-only and cannot be set.")
        if name not in WRITABLE:
            raise errors.bad_request(GRAPH, f"Property '{name}' is not supported on resource 'User' here.")
        if name == "accountEnabled":
            if not isinstance(value, bool):
                raise invalid(name, "true or false.")
        elif name == "businessPhones":
            if not isinstance(value, list) or len(value) > 1 or not all(isinstance(v, str) for v in value):
                raise invalid(name, "a list of at most one phone number.")
            value = value[0] if value else ""
        elif value is None and name in NULLABLE:
            pass
        elif value is None and name not in ("displayName", "userPrincipalName", "userType"):
            value = ""
        elif not isinstance(value, str):
            raise invalid(name, "a string.")
        fields[WRITABLE[name]] = value
    return fields


def _password_profile(body: dict, *, required: bool) -> tuple[str, bool] | None:
    profile = body.get("passwordProfile")
    if profile is None and not required:
        return None
    if not isinstance(profile, dict) or not isinstance(profile.get("password"), str) or not profile["password"]:
        raise invalid("passwordProfile", "an object with a non-empty 'password'.")
    force = profile.get("forceChangePasswordNextSignIn", False)
    if not isinstance(force, bool):
        raise invalid("passwordProfile", "forceChangePasswordNextSignIn is true or false.")
    return profile["password"], force


@api_view(GRAPH, methods=("GET", "POST"))
def users(request):
    if request.method == "POST":
        return _create(request)
    require_read(request.caller)
    return user_list_response(request, active_user_list())


def _create(request):
    body = json_body(request, GRAPH)
    for name in CREATE_REQUIRED:
        if body.get(name) in (None, ""):
            raise errors.bad_request(GRAPH, f"Property '{name}' is required to create a user.")
    if not isinstance(body["mailNickname"], str):
        raise invalid("mailNickname", "a string.")
    fields = _fields(body)
    password, force = _password_profile(body, required=True)
    # DIR-01: forceChangePasswordNextSignIn makes the password temporary (changed at first sign-in).
    user, _ = directory.directory_user_create(**fields, password=password, must_change_password=force)
    return JsonResponse(objects.user_json(user), status=201)


@api_view(GRAPH)
def users_count(request):
    require_read(request.caller)
    return user_count_response(request, active_user_list())


@api_view(GRAPH, methods=("GET", "PATCH", "DELETE"))
def user(request, key: str):
    target = live_user(key)
    if request.method == "GET":
        require_read(request.caller, target)
        return JsonResponse(objects.user_json(target, single_select(request)))
    if request.method == "DELETE":
        directory.directory_user_delete(user=target)  # DIR-04 soft delete, DIR-11, DIR-05
        return HttpResponse(status=204)
    body = json_body(request, GRAPH)
    fields = _fields(body)
    if "mailNickname" in body and body["mailNickname"] != objects.USER_PROPERTIES["mailNickname"](target):
        raise errors.bad_request(GRAPH, "Property 'mailNickname' follows the user principal name here: change "
                                        "userPrincipalName instead.")
    profile = _password_profile(body, required=False)
    with transaction.atomic():  # one request, one change: a refused part leaves nothing written
        if fields:
            directory.directory_user_update(user=target, **fields)
        if profile is not None:
            directory.directory_user_set_password(user=target, password=profile[0], must_change_password=profile[1])
    return HttpResponse(status=204)


@api_view(GRAPH)
def me(request):
    caller = request.caller
    if caller.is_app:
        raise errors.bad_request(GRAPH, "/me request is only valid with delegated authentication flow.")
    return JsonResponse(objects.user_json(caller.user, single_select(request)))


@api_view(GRAPH)
def organization(request):
    """The tenant: its id, name and verified domain."""
    caller = request.caller
    if caller.is_app:
        require_read(caller)
    tenant = Tenant.objects.order_by("pk").first() or Tenant()
    return JsonResponse({"value": [{
        "id": str(tenant.tenant_id),
        "displayName": tenant.name,
        "verifiedDomains": [{"name": tenant.domain, "isDefault": True, "isInitial": True, "type": "Managed",
                             "capabilities": "Email, OfficeCommunicationsOnline"}],
    }]})
