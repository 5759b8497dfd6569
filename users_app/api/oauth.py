"""The token endpoint, in the Microsoft identity platform's shape:
`POST /{tenant}/oauth2/v2.0/token` (form-encoded), answering
{"token_type": "Bearer", "expires_in", "ext_expires_in", "access_token"} or
{"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}.

- grant_type=client_credentials: client_id (the app registration's application id) and
  client_secret (checked against its stored hash). The token carries the application
  permissions the tenant granted the app.
- grant_type=password: username (UPN) and password of a directory user, through the same
  backends as the portal's sign-in (lockout included): a blocked user, a deleted one or one
  who must first change a temporary password (DIR-01) gets no token.
{tenant} is the tenant's id, its domain, or "organizations" / "common".
"""
from __future__ import annotations

import uuid

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import check_password
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from users_app.models import AppRegistration
from users_app.services.directory.licences import tenant_get

from . import tokens

GENERIC_TENANTS = ("organizations", "common")


def oauth_error(error: str, description: str, *, status: int = 400, code: int = 0) -> JsonResponse:
    now = timezone.now()
    response = JsonResponse({
        "error": error, "error_description": f"AADSTS{code}: {description}" if code else description,
        "error_codes": [code] if code else [], "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4()),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _tenant_matches(tenant, name: str) -> bool:
    return name.lower() in (str(tenant.tenant_id), tenant.domain.lower(), *GENERIC_TENANTS)


def _token_response(issued: tokens.Issued) -> JsonResponse:
    response = JsonResponse({"token_type": "Bearer", "expires_in": issued.expires_in,
                             "ext_expires_in": issued.expires_in, "access_token": issued.access_token})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _client_credentials(request, tenant) -> JsonResponse:
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    if not client_id:
        return oauth_error("invalid_request", "The request body must contain the parameter 'client_id'.", code=900144)
    try:
        app = AppRegistration.objects.filter(app_id=uuid.UUID(client_id)).first()
    except ValueError:
        app = None
    if app is None:
        return oauth_error("unauthorized_client", f"Application with identifier '{client_id}' was not found "
                           "in the directory.", code=700016)
    if not secret or not app.secret_hash or not check_password(secret, app.secret_hash):
        return oauth_error("invalid_client", "Invalid client secret provided. Ensure the secret being sent in "
                           "the request is the client secret value, not the client secret ID.",
                           status=401, code=7000215)
    issued = tokens.issue(kind=tokens.APP, tenant_id=tenant.tenant_id, object_id=app.object_id, name=app.name,
                          app_id=app.app_id, roles=app.application_permissions or ())
    return _token_response(issued)


def _password(request, tenant) -> JsonResponse:
    username, password = request.POST.get("username", ""), request.POST.get("password", "")
    if not username or not password:
        return oauth_error("invalid_request", "The request body must contain the parameters 'username' and "
                           "'password'.", code=900144)
    account = authenticate(request, username=username, password=password)
    directory_user = getattr(account, "directory_user", None) if account is not None else None
    if directory_user is None or directory_user.is_deleted:
        return oauth_error("invalid_grant", "Error validating credentials due to invalid username or password.",
                           code=50126)
    if not directory_user.account_enabled:
        return oauth_error("invalid_grant", "The user account is disabled (sign-in blocked).", code=50057)
    if directory_user.must_change_password:
        return oauth_error("invalid_grant", "DIR-01: the password is temporary: sign in to the portal once and "
                           "change it, then ask for a token again.", code=50055)
    issued = tokens.issue(kind=tokens.USER, tenant_id=tenant.tenant_id, object_id=directory_user.pk,
                          name=directory_user.user_principal_name, app_id=request.POST.get("client_id") or None,
                          scope=request.POST.get("scope", ""))
    return _token_response(issued)


@csrf_exempt
@login_not_required
@require_POST
def token(request, tenant: str):
    try:
        current = tenant_get()
        if not _tenant_matches(current, tenant):
            return oauth_error("invalid_request", f"Tenant '{tenant}' not found. Check to make sure you have the "
                               "correct tenant ID and are signing into the correct cloud.", code=90002)
        grant = request.POST.get("grant_type", "")
        if grant == "client_credentials":
            return _client_credentials(request, current)
        if grant == "password":
            return _password(request, current)
        return oauth_error("unsupported_grant_type", f"The grant type '{grant}' is not supported: use "
                           "client_credentials or password.", code=70003)
    except Exception:  # noqa: BLE001 - a script gets the endpoint's shape, never a traceback
        import logging
        logging.getLogger("users_app.api").exception("token endpoint failed")
        return oauth_error("server_error", "The token service met an unexpected error.", status=500)


def user_token(directory_user) -> tokens.Issued:
    """A personal token for a signed-in directory user (the portal's Developers page)."""
    return tokens.issue(kind=tokens.USER, tenant_id=tenant_get().tenant_id, object_id=directory_user.pk,
                        name=directory_user.user_principal_name)
