"""The OpenAPI description at /openapi.json, and schemathesis against it in-process (the WSGI
application, the portal_tenant data in the test database, real tokens).

For every operation schemathesis generates requests (positive: data that fits the description;
negative: data that does not) and checks: no 5xx, a status the description lists, its content
type, its documented headers, and a body that matches its schema. Path parameters are pinned to the tenant's real ids
(mixed with ids that do not exist) so that requests reach the views rather than stopping at a 404.

Examples per operation and mode: SCHEMATHESIS_EXAMPLES (default 5: well under a minute in all); the
operations of some paths only: SCHEMATHESIS_PATHS (comma-separated path prefixes); e.g.
    SCHEMATHESIS_EXAMPLES=50 SCHEMATHESIS_PATHS=/v1.0/groups,/dataverse/ \
        .venv/bin/python -m pytest -q -p no:cacheprovider tests/api/test_openapi.py
"""
from __future__ import annotations

import copy
import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from tests.api.conftest import ERP_APP_ID
from tests.conftest import portal_upn

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
MISSING = str(uuid.UUID(int=0xDEAD))


def test_the_description_is_public_json_and_names_every_api(client, db):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "http://testserver"}]
    paths = spec["paths"]
    for path in ("/{tenant}/oauth2/v2.0/token", "/v1.0/users", "/v1.0/users/{user_id}/assignLicense",
                 "/v1.0/groups/{group_id}/members/$ref", "/v1.0/roleManagement/directory/roleAssignments",
                 "/dataverse/{environment_id}/api/data/v9.2/systemusers",
                 "/dataverse/{environment_id}/api/data/v9.2/systemusers({systemuserid})/systemuserroles_association/$ref",
                 "/dataverse/{environment_id}/api/data/v9.2/WhoAmI",
                 "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{environment_name}/addUser"):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for name in ("GraphError", "DataverseError", "PowerPlatformError"):
        assert name in spec["components"]["schemas"]
    schemathesis.openapi.from_dict(spec)  # a valid description schemathesis can load


def _listed_ids(api, url: str, token: str) -> list[str]:
    """The ids a Graph list answers (ids the API makes up, such as a directory role's)."""
    response = api.get(url, token)
    return [row["id"] for row in response.json().get("value", [])][:3] if response.status_code == 200 else []


def _pins(portal_tenant, api=None, token=None) -> dict:
    """Path parameter -> the ids it may take: real ones first, and one that does not exist."""
    from environments_app.models import BusinessUnit, Environment, Position, SecurityRole
    from users_app.models import Account, AppRegistration, DirectoryGroup, DirectoryUser, SystemUser, Team

    sales, service = portal_tenant["sales"], portal_tenant["service"]
    users = DirectoryUser.objects.filter(user_principal_name__in=[portal_upn(n) for n in ("plain", "olivia", "helpdesk")])
    app = AppRegistration.objects.get(app_id=ERP_APP_ID)
    in_sales = SystemUser.objects.filter(environment=sales)

    def ids(queryset, field="pk"):
        return [str(pk) for pk in queryset.values_list(field, flat=True)[:4]] + [MISSING]

    user_ids = ids(users) + [portal_upn("olivia")]
    templates = ["fe930be7-5e62-47db-91af-98c3a49a38b1", "4d6ac14f-3453-41d0-bef9-a3e0c569773a", MISSING]
    pins = {
        "environment_id": [str(sales.environment_id), str(service.environment_id), MISSING],
        "environment_name": [str(e.environment_id) for e in Environment.objects.all()] + [sales.name, MISSING],
        "user_id": user_ids, "item_id": user_ids[:-1], "member_id": user_ids[:-1],
        "group_id": ids(DirectoryGroup.objects.all()),
        "role_id": (_listed_ids(api, "/v1.0/directoryRoles", token) if api else []) + templates,
        "template_id": templates, "definition_id": templates,
        "assignment_id": [MISSING, f"{templates[0]}_{user_ids[0]}"],
        "application_id": [str(app.object_id), str(app.app_id), MISSING], "app_id": [str(app.app_id), MISSING],
        "service_principal_id": (_listed_ids(api, "/v1.0/servicePrincipals", token) if api else [])
        + [str(app.app_id), MISSING],
        "systemuserid": ids(in_sales.exclude(applicationid__isnull=False), "systemuserid"),
        "roleid": ids(SecurityRole.objects.filter(environment=sales), "roleid"),
        "teamid": ids(Team.objects.filter(environment=sales), "teamid"),
        "businessunitid": ids(BusinessUnit.objects.filter(environment=sales), "businessunitid"),
        "accountid": ids(Account.objects.filter(environment=sales), "accountid"),
        "positionid": ids(Position.objects.filter(environment=sales), "positionid"),
        "logical_name": ["systemuser", "role", "team", "businessunit", "account", "position", "nothing"],
        "tenant": ["organizations"],
    }
    return pins


def pinned(spec: dict, pins: dict) -> dict:
    spec = copy.deepcopy(spec)
    for item in spec["paths"].values():
        for op in [item, *(v for k, v in item.items() if isinstance(v, dict) and k != "parameters")]:
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in pins:
                    parameter["schema"] = {"type": "string", "enum": pins[parameter["name"]]}
    return spec


@pytest.fixture
def tokens(portal_tenant, api):
    """A Global administrator's user token (Graph and the admin API), and the ERP connector's app
    token acting as its application user in Sales, a System Administrator (Dataverse)."""
    from users_app.models import AppRegistration
    from users_app.services.records import app_user_create

    app_user_create(environment=portal_tenant["sales"], app=AppRegistration.objects.get(app_id=ERP_APP_ID),
                    roles=["System Administrator"])
    return {"user": api.user_token("global"), "app": api.app_token(["User.ReadWrite.All", "Group.ReadWrite.All"])}


def _summary(failure: BaseException) -> str:
    """The first lines of each failure schemathesis found (their sub-exceptions), and the curl line."""
    parts = [str(failure)] + [str(e) for e in getattr(failure, "exceptions", ())]
    lines = [line for part in parts for line in part.splitlines() if line.strip()]
    keep = [line for line in lines if not line.startswith((" ", "|", "+"))][:6]
    keep += [line.strip() for line in lines if "curl " in line][:1]
    return "\n    ".join(keep)[:1200]


@pytest.fixture
def pins(portal_tenant, tokens, api):
    return _pins(portal_tenant, api, tokens["user"])


@pytest.fixture
def wsgi_app(pins):
    """The project's WSGI application, keeping the test's database connection open between requests
    (as Django's test Client does: request_started/finished would close it). After `pins`: a call
    through Django's test Client connects those handlers again."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Reads whose first pinned id is not one they answer (a live user is not a deleted item, a made-up
# assignment id): they must still answer in their documented shape.
READS_NOT_FOUND_FOR_REAL_IDS = {"GET /v1.0/directory/deletedItems/{item_id}",
                                "GET /v1.0/roleManagement/directory/roleAssignments/{assignment_id}"}


def test_every_read_of_a_real_object_answers_200_in_its_documented_shape(pins, tokens, wsgi_app):
    """Deterministic: each GET with the tenant's real ids (the first pinned value) and no options
    answers 200 with a body matching its schema (so the tokens and ids the fuzzing uses reach the views)."""
    from users_app.api.openapi import description

    schema = schemathesis.openapi.from_dict(pinned(description("http://testserver"), pins))
    schema.app = wsgi_app
    wrong: list[str] = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        if operation.method.upper() != "GET":
            continue
        token = tokens["app"] if operation.path.startswith("/dataverse/") else tokens["user"]
        names = [p.name for p in operation.path_parameters]
        case = operation.Case(path_parameters={name: pins[name][0] for name in names})
        try:
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS,
                                              base_url="http://testserver")
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every failure, listed together
            wrong.append(f"{operation.label}: {_summary(failure)}")
            continue
        none_there = any(pins[name][0] == MISSING for name in names)  # e.g. Sales has no accounts
        if response.status_code != 200 and operation.label not in READS_NOT_FOUND_FOR_REAL_IDS and not none_there:
            wrong.append(f"{operation.label}: {response.status_code} {response.text[:300]}")
    assert not wrong, "\n\n".join(wrong)


def test_schemathesis_no_5xx_and_every_response_matches_the_description(pins, tokens, wsgi_app):

    from users_app.api.openapi import description

    schema = schemathesis.openapi.from_dict(pinned(description("http://testserver"), pins))
    schema.app = wsgi_app
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    only = os.environ.get("SCHEMATHESIS_PATHS")  # e.g. /v1.0/groups,/dataverse/ : these paths' operations only
    if only:
        operations = [op for op in operations if op.path.startswith(tuple(only.split(",")))]

    for operation in operations:
        token = tokens["app"] if operation.path.startswith("/dataverse/") else tokens["user"]
        headers = {"Authorization": f"Bearer {token}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call_and_validate(headers=headers, checks=CHECKS, base_url="http://testserver")
                statuses.setdefault(operation.label, set()).add(response.status_code)

            try:
                run()
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every failure, listed together
                failures.append(f"{operation.label} [{mode.value}]: {_summary(failure)}")
    assert not failures, "\n\n".join(failures)
    # The pinned ids and the tokens reach the views: the main reads answer 200 (not only 401/404).
    if os.environ.get("SCHEMATHESIS_STATUSES"):
        print("\n".join(f"{label}: {sorted(codes)}" for label, codes in statuses.items()))
