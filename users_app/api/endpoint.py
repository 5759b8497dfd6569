"""`api_view`: one API endpoint. Bearer authentication, the caller as the acting user for every
service call, and every failure answered in the API's own error shape:

    @api_view(GRAPH, methods=("GET", "POST"))
    def users(request): ...            # request.caller is the Caller (callers.py)

- no or a bad token: 401; a method the URL does not take: 405;
- ApiError: as given; RuleViolation: 400 with the rule ID first in the message (DIR-05: 403);
  InvalidInput: 400 naming the field; ObjectDoesNotExist / Http404: 404;
- anything else: logged, and a 500 in the API's shape that says nothing was changed. A view
  that writes runs its services, each in its own transaction (one action, one transaction).
The portal's sign-in (LoginRequiredMiddleware) and CSRF do not apply: an API call carries no
session cookie, and a bearer token cannot be sent by another site's form.
"""
from __future__ import annotations

import functools
import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DataError
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from users_app.provisioning.rules import RuleViolation
from users_app.services import audit

from . import errors, tokens
from .callers import UnknownCaller, caller_for

log = logging.getLogger("users_app.api")


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(request, api: str):
    token = bearer_token(request)
    if token is None:
        raise errors.unauthenticated(api, "Access token is empty: send 'Authorization: Bearer <token>' "
                                          "(POST /{tenant}/oauth2/v2.0/token gives one).")
    try:
        claims = tokens.verify(token)
        return caller_for(claims, via=api)
    except tokens.TokenRejected as rejected:
        raise errors.unauthenticated(api, rejected.reason) from None
    except UnknownCaller as unknown:
        raise errors.unauthenticated(api, str(unknown)) from None


def json_body(request, api: str) -> dict:
    """The request's JSON object (400 naming what is wrong otherwise). `@odata.type` and other
    annotations are left in: the views ignore what they do not read."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request(api, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise errors.bad_request(api, "The request body must be a JSON object.")
    return body


def _refuse_nul(request, api: str) -> None:
    """A NUL character is no text any property holds (PostgreSQL refuses it): a 400, not a 500."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") \
            or (request.body and (b"\x00" in request.body or b"\\u0000" in request.body)):
        raise errors.bad_request(api, "The request holds a NUL character, which no property takes.")


def api_view(api: str, *, methods=("GET",), authenticated: bool = True):
    allowed = tuple(m.upper() for m in methods)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in allowed:
                    raise errors.ApiError(405, errors._DEFAULTS[api][0],
                                          f"The method {request.method} is not allowed here; allowed: {', '.join(allowed)}.",
                                          headers={"Allow": ", ".join(allowed)})
                _refuse_nul(request, api)
                if not authenticated:
                    return view(request, *args, **kwargs)
                caller = authenticate(request, api)
                request.caller = caller
                with audit.acting_as(caller.actor):
                    return view(request, *args, **kwargs)
            except errors.ApiError as error:
                return errors.from_api_error(api, error)
            except RuleViolation as violation:
                return errors.from_api_error(api, errors.from_violation(api, violation))
            except (ObjectDoesNotExist, Http404):
                return errors.from_api_error(api, errors.not_found(api, "The resource was not found."))
            except ValidationError as invalid:
                return errors.from_api_error(api, errors.bad_request(api, "; ".join(invalid.messages)))
            except DataError:  # a value the database cannot take for its column (PostgreSQL's types)
                return errors.from_api_error(api, errors.bad_request(
                    api, "A value in the request does not fit the type of the property it is compared with or written to."))
            except Exception:  # noqa: BLE001 - a script gets the API's shape, never a traceback
                log.exception("API %s %s failed", request.method, request.path)
                return errors.from_api_error(api, errors.internal(api))

        return login_not_required(csrf_exempt(wrapper))

    return decorate
