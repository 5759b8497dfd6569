"""The Power Platform admin API (BAP) subset, as api.bap.microsoft.com answers it:

- GET  .../scopes/admin/environments?api-version=...            {"value": [environment, ...]}
- GET  .../scopes/admin/environments/{name}?api-version=...     one environment
- POST .../scopes/admin/environments/{name}/addUser             {"ObjectId": "<directory user object id>"}:
       the on-demand add of the Add user screen (SYNC-03, provisioning/sync.environment_user_add)
- POST .../scopes/admin/environments/{name}/addAppUser          {"servicePrincipalAppId": "<client id>"}:
       the environment's application user for an app registration (APP-01/02, services/records/app_users)

`{name}` is the environment's id (environment_id). `api-version` is read and not required (every
version answers the same shapes). Errors are BAP's {"error": {"code", "message"}}, a rule's
refusal naming the rule ID first in the message.

Rights, as the portal's Power Platform screens (rules/admin_roles.py): the list needs the Global,
Power Platform or Dynamics 365 administrator role (tenant_pp_refusal), an environment's calls the
same (environment_refusal: a Dynamics 365 administrator only where it may manage the environment); a
Global reader reads and changes nothing. Everyone else: 403, a System Administrator of one
environment included (the screens let it manage that environment; the admin scope is the tenant
administrators', as in the real service).

An app token (client credentials) is refused here with 403: the real service accepts a service
principal only once an administrator registers it as a Power Platform management application, and
Microsoft Graph application permissions (all an app registration holds in this portal) give no right
in the Power Platform admin center. Scripts call this API with a Power Platform administrator's token
(the password grant or a personal token).
"""
from __future__ import annotations

import uuid

from django.http import JsonResponse

from environments_app.models import Environment
from users_app.choices import DeletedState
from users_app.models import AppRegistration, DirectoryUser, GroupMembership, Tenant
from users_app.provisioning import rules, sync
from users_app.provisioning.rules import admin_roles
from users_app.services.records.app_users import app_user_create

from .. import errors
from ..endpoint import api_view, json_body
from ..errors import POWER_PLATFORM
from .shapes import environment_json

APP_REFUSAL = ("An application's token cannot call the Power Platform admin API: Microsoft Graph application "
               "permissions give no right in the Power Platform admin center. Call it with the token of a Global, "
               "Power Platform or Dynamics 365 administrator.")


def _tenant_id() -> str:
    tenant_id = Tenant.objects.order_by("pk").values_list("tenant_id", flat=True).first()
    return str(tenant_id) if tenant_id else ""


def _refusal(caller, environment: Environment | None = None, *, write: bool = False) -> str | None:
    """Why this caller may not make this call (None: it may), as the portal's screens decide."""
    if caller.is_app:
        return APP_REFUSAL
    roles = caller.roles
    if environment is None:
        return admin_roles.tenant_pp_refusal(roles, write=write)
    has_group = environment.security_group_object_id is not None
    member = (admin_roles.DYNAMICS_365 in roles and has_group and GroupMembership.objects.filter(
        group_id=environment.security_group_object_id, user=caller.user).exists())
    reason = admin_roles.environment_refusal(roles, write=write, in_security_group=member, has_security_group=has_group)
    if reason and not roles & admin_roles.PP_READERS:
        # The admin scope is for tenant administrators: a System Administrator of one environment is not one.
        return admin_roles.tenant_pp_refusal(roles, write=write)
    return reason


def _check(request, environment: Environment | None = None, *, write: bool = False) -> None:
    reason = _refusal(request.caller, environment, write=write)
    if reason:
        raise errors.denied(POWER_PLATFORM, reason)


def _environment(name: str) -> Environment:
    """The environment named in the URL (its id), or BAP's 404."""
    try:
        environment_id = uuid.UUID(name)
    except ValueError:
        environment_id = None
    environment = Environment.objects.filter(environment_id=environment_id).first() if environment_id else None
    if environment is None:
        raise errors.ApiError(404, errors.BAP_NOT_FOUND, f"The environment '{name}' could not be found in the tenant "
                                                         f"'{_tenant_id()}'.")
    return environment


def _guid_field(body: dict, *names: str) -> uuid.UUID:
    """The first of `names` in the body (names matched ignoring case) as a GUID, or a 400 naming it."""
    lowered = {k.lower(): v for k, v in body.items() if isinstance(k, str)}
    value = next((lowered[n.lower()] for n in names if n.lower() in lowered), None)
    if value is None or value == "":
        raise errors.bad_request(POWER_PLATFORM, f"The request body needs '{names[0]}'.")
    try:
        if not isinstance(value, str):
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        raise errors.bad_request(POWER_PLATFORM, f"Invalid value for '{names[0]}': it must be a GUID.") from None


@api_view(POWER_PLATFORM, methods=("GET",))
def environment_list(request):
    _check(request)
    tenant_id = _tenant_id()
    environments = Environment.objects.order_by("name", "pk")
    return _json({"value": [environment_json(request, env, tenant_id=tenant_id) for env in environments]})


@api_view(POWER_PLATFORM, methods=("GET",))
def environment_get(request, name: str):
    environment = _environment(name)
    _check(request, environment)
    return _json(environment_json(request, environment, tenant_id=_tenant_id()))


@api_view(POWER_PLATFORM, methods=("POST",))
def add_user(request, name: str):
    """SYNC-03: the Add user screen's on-demand add of one directory user, acting as the caller;
    refused (400, the refusing rules named) when a rule keeps the user out, as the screen reports."""
    environment = _environment(name)
    _check(request, environment, write=True)
    object_id = _guid_field(json_body(request, POWER_PLATFORM), "ObjectId", "PrincipalObjectId")
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    directory_user = DirectoryUser.objects.filter(pk=object_id, deleted_state=DeletedState.NONE).first()
    if directory_user is None:
        raise errors.ApiError(404, errors.BAP_USER_NOT_FOUND, f"The user '{object_id}' was not found in the tenant "
                                                              f"'{_tenant_id()}'.")
    result = sync.environment_user_add(environment=environment, directory_user=directory_user,
                                       initiated_by=request.caller.actor.name)
    if result.status != "enabled":
        raise errors.ApiError(400, errors.BAP_RULE, _refused_message(result))
    systemuser = result.systemuser
    return _json({
        "environmentName": str(environment.environment_id), "ObjectId": str(object_id),
        "userPrincipalName": directory_user.user_principal_name, "outcome": result.outcome, "status": result.status,
        "systemUserId": str(systemuser.systemuserid) if systemuser is not None else None,
        "information": [f"{c.rule}: {c.reason}" for c in (result.decision.checks if result.decision else ())],
    })


@api_view(POWER_PLATFORM, methods=("POST",))
def add_app_user(request, name: str):
    """APP-01/02: the environment's application user for an app registration (its client id), in the
    root business unit, as the Application users screen's New app user creates it."""
    environment = _environment(name)
    _check(request, environment, write=True)
    app_id = _guid_field(json_body(request, POWER_PLATFORM), "servicePrincipalAppId")
    app = AppRegistration.objects.filter(app_id=app_id).first()
    if app is None:
        raise errors.ApiError(404, errors.BAP_APP_NOT_FOUND, f"No app registration with the application (client) id "
                                                             f"'{app_id}' exists in the tenant '{_tenant_id()}'.")
    systemuser = app_user_create(environment=environment, app=app)
    return _json({
        "environmentName": str(environment.environment_id), "servicePrincipalAppId": str(app.app_id),
        "systemUserId": str(systemuser.systemuserid), "fullName": systemuser.fullname,
        "businessUnitId": str(systemuser.businessunit.businessunitid) if systemuser.businessunit_id else None,
        "state": "Active",
    })


def _refused_message(result) -> str:
    """The refusing rules first ("ELIG-04: ..."), then why, as the Add user screen reports them."""
    decision = result.decision
    refused = list(result.refused_by) or list(decision.refused_by if decision else ())
    failed = [c for c in ((decision.checks + decision.extra) if decision else ()) if c.failed and c.rule in refused]
    reasons = " ".join(f"{c.rule}: {c.reason}" for c in failed) or (decision.reason if decision else "")
    head = ", ".join(refused) or "SYNC-03"
    return f"{head}: the user {result.user} was not added to the environment {result.environment}. {reasons}".strip()


def _json(body: dict) -> JsonResponse:
    return JsonResponse(body)
