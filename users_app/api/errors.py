"""The error shapes of the three APIs, and ApiError, which a view raises to answer with one.

- Graph: {"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}
- Dataverse: {"error": {"code": "0x8004....", "message"}}
- Power Platform admin (BAP): {"error": {"code", "message"}}
A refusal by a rule names the rule ID at the start of the message ("DIR-02: ...").
"""
from __future__ import annotations

import uuid

from django.http import JsonResponse
from django.utils import timezone

from users_app.provisioning.rules import InvalidInput, RuleViolation

GRAPH, DATAVERSE, POWER_PLATFORM = "graph", "dataverse", "powerplatform"

# Graph's codes.
GRAPH_NOT_FOUND = "Request_ResourceNotFound"
GRAPH_BAD_REQUEST = "Request_BadRequest"
GRAPH_DENIED = "Authorization_RequestDenied"
GRAPH_UNAUTHENTICATED = "InvalidAuthenticationToken"
GRAPH_UNSUPPORTED = "Request_UnsupportedQuery"
GRAPH_METHOD = "Request_BadRequest"
GRAPH_INTERNAL = "Service_InternalServerError"
# Dataverse's codes (hex, as the service writes them).
DV_NOT_FOUND = "0x80040217"          # ObjectDoesNotExist
DV_DENIED = "0x80040220"             # PrivilegeDenied / no roles
DV_DELETE_REFUSED = "0x80040227"     # cannot delete systemuser
DV_BAD_REQUEST = "0x80048d19"        # invalid argument / malformed request
DV_QUERY = "0x0"                     # OData query errors carry 0x0 in the real service
DV_DUPLICATE = "0x80040237"          # DuplicateRecord
DV_UNAUTHENTICATED = "0x80072560"    # not authenticated
DV_INTERNAL = "0x80040216"           # unexpected error
DV_RULE = "0x80040265"               # a business rule (plug-in style) refused the operation
DV_USER_DISABLED = "0x8004d24b"      # roleFailureDuetoUserIsDisabled
# Power Platform admin codes.
BAP_NOT_FOUND = "EnvironmentNotFound"
BAP_BAD_REQUEST = "InvalidRequestContent"
BAP_DENIED = "AuthorizationFailed"
BAP_UNAUTHENTICATED = "AuthenticationFailed"
BAP_RULE = "UserProvisioningFailed"
BAP_INTERNAL = "InternalServerError"

_DEFAULTS = {
    # api: (bad request, denied, unauthenticated, internal, not found, a rule's refusal)
    GRAPH: (GRAPH_BAD_REQUEST, GRAPH_DENIED, GRAPH_UNAUTHENTICATED, GRAPH_INTERNAL, GRAPH_NOT_FOUND, GRAPH_BAD_REQUEST),
    DATAVERSE: (DV_BAD_REQUEST, DV_DENIED, DV_UNAUTHENTICATED, DV_INTERNAL, DV_NOT_FOUND, DV_RULE),
    POWER_PLATFORM: (BAP_BAD_REQUEST, BAP_DENIED, BAP_UNAUTHENTICATED, BAP_INTERNAL, BAP_NOT_FOUND, BAP_RULE),
}


class ApiError(Exception):
    """Answer with this status and, in the API's shape, this code and message."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(api: str, status: int, code: str, message: str, *, headers: dict | None = None) -> JsonResponse:
    body: dict = {"code": code, "message": message}
    if api == GRAPH:
        body["innerError"] = {"date": timezone.now().strftime("%Y-%m-%dT%H:%M:%S"),
                              "request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}
    response = JsonResponse({"error": body}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
    return response


def from_api_error(api: str, error: ApiError) -> JsonResponse:
    return error_response(api, error.status, error.code, error.message, headers=error.headers)


def bad_request(api: str, message: str) -> ApiError:
    return ApiError(400, _DEFAULTS[api][0], message)


def denied(api: str, message: str) -> ApiError:
    return ApiError(403, _DEFAULTS[api][1], message)


def unauthenticated(api: str, message: str) -> ApiError:
    return ApiError(401, _DEFAULTS[api][2], message)


def not_found(api: str, message: str) -> ApiError:
    return ApiError(404, _DEFAULTS[api][4], message)


def internal(api: str) -> ApiError:
    return ApiError(500, _DEFAULTS[api][3], "The service met an unexpected error; nothing was changed.")


def from_violation(api: str, violation: RuleViolation) -> ApiError:
    """A refusal: a rule's (its ID first in the message; DIR-05 is a 403) or a malformed field's
    (400 naming the field)."""
    if isinstance(violation, InvalidInput):
        return ApiError(400, _DEFAULTS[api][0], f"Invalid value for '{violation.rule}': {violation.message}")
    if violation.rule == "DIR-05":
        return ApiError(403, _DEFAULTS[api][1], f"{violation.rule}: {violation.message}")
    code = _DEFAULTS[api][5]
    if api == DATAVERSE and violation.code:
        code = DV_USER_DISABLED if violation.code == "roleFailureDuetoUserIsDisabled" else code
    prefix = f"{violation.code}: " if violation.code else ""
    return ApiError(400, code, f"{violation.rule}: {prefix}{violation.message}")
# Power Platform admin codes added by the BAP endpoints (powerplatform/views.py).
BAP_USER_NOT_FOUND = "UserNotFound"
BAP_APP_NOT_FOUND = "ApplicationNotFound"
