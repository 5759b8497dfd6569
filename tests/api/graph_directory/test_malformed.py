"""Malformed requests to the directory endpoints: a 400 or 404 in Graph's shape, never a 500, and
nothing written."""
from __future__ import annotations

import pytest

from tests.conftest import row_counts
from users_app.models import DirectoryGroup

pytestmark = pytest.mark.django_db

BAD_GETS = [
    "/v1.0/groups?$top=abc", "/v1.0/groups?$top=5000", "/v1.0/groups?$skiptoken=forged",
    "/v1.0/groups?$filter=securityEnabled eq 'x'", "/v1.0/groups?$filter=id eq 'x'",
    "/v1.0/groups?$filter=id in ('x')", "/v1.0/groups?$filter=displayName eq", "/v1.0/groups?$orderby=colour",
    "/v1.0/groups?$select=colour", "/v1.0/groups/{sales}/members/graph.device", "/v1.0/groups/{sales}/members?$select=x",
    "/v1.0/users/%00/memberOf", "/v1.0/groups?$filter=displayName eq '%00'", "/v1.0/groups?$search=%00", "/v1.0/directoryRoles/roleTemplateId=", "/v1.0/directoryRoles/x/members",
    "/v1.0/roleManagement/directory/roleDefinitions?$filter=colour eq 'x'",
    "/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName gt 'x'",
    "/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName eq isBuiltIn eq",
    "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq 1.5",
    "/v1.0/roleManagement/directory/roleAssignments?$filter=colour eq 1",
    "/v1.0/roleManagement/directory/roleAssignments/" + "A" * 44 + "-1",
    "/v1.0/applications?$filter=appId eq 'x'", "/v1.0/servicePrincipals/x", "/v1.0/applications?$orderby=appId",
]


@pytest.mark.parametrize("url", BAD_GETS)
def test_bad_reads_are_400_or_404(portal_tenant, api, url):
    sales = DirectoryGroup.objects.get(name="Sales-Env")
    response = api.client.get(url.replace("{sales}", str(sales.pk)),
                              HTTP_AUTHORIZATION=f"Bearer {api.user_token('global')}")
    status, code, _ = api.error(response)
    assert status in (400, 404) and code in ("Request_BadRequest", "Request_ResourceNotFound", "Request_UnsupportedQuery")


BAD_POSTS = [
    ("/v1.0/groups", []), ("/v1.0/groups", {"displayName": "x" * 300, "securityEnabled": True}),
    ("/v1.0/groups", {"displayName": "X", "securityEnabled": "yes"}),
    ("/v1.0/groups", {"displayName": "X", "groupTypes": "Unified"}),
    ("/v1.0/groups", {"displayName": "X", "groupTypes": ["DynamicMembership"]}),
    ("/v1.0/groups", {"displayName": "X", "securityEnabled": True,
                      "members@odata.bind": ["https://graph.microsoft.com/v1.0/users/zz"]}),
    ("/v1.0/groups", {"displayName": "X", "securityEnabled": True, "owners@odata.bind": [None]}),
    ("/v1.0/groups/{sales}/members/$ref", {"@odata.id": 5}),
    ("/v1.0/groups/{sales}/members/$ref", {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/zz"}),
    ("/v1.0/groups/{sales}/owners/$ref", {"@odata.id": "https://graph.microsoft.com/v1.0/users/"}),
    ("/v1.0/directoryRoles/roleTemplateId=62e90394-69f5-4237-9190-012177145e10/members/$ref",
     {"@odata.id": "https://graph.microsoft.com/v1.0/groups/{sales}"}),
    ("/v1.0/roleManagement/directory/roleAssignments", {"roleDefinitionId": [], "principalId": "x"}),
    ("/v1.0/applications", {"displayName": "X", "signInAudience": "AzureADMultipleOrgs"}),
]


@pytest.mark.parametrize("url,body", BAD_POSTS)
def test_bad_writes_are_400_or_404_and_write_nothing(portal_tenant, api, url, body):
    sales = DirectoryGroup.objects.get(name="Sales-Env")
    token = api.user_token("global")
    url = url.replace("{sales}", str(sales.pk))
    if isinstance(body, dict):
        body = {k: v.replace("{sales}", str(sales.pk)) if isinstance(v, str) else v for k, v in body.items()}
    before = row_counts()
    status, code, _ = api.error(api.post(url, token, body))
    assert status in (400, 404) and code in ("Request_BadRequest", "Request_ResourceNotFound")
    assert row_counts() == before


def test_top_count_and_order_on_groups(portal_tenant, api):
    token = api.user_token("global")
    for name in ("Alpha", "Beta"):
        DirectoryGroup.objects.create(name=name)
    assert api.get("/v1.0/groups", token, **{"$top": "0"}).json()["value"] == []
    body = api.get("/v1.0/groups", token, **{"$count": "true", "$orderby": "displayName desc", "$top": "2"},
                   headers={"ConsistencyLevel": "eventual"}).json()
    assert body["@odata.count"] == 3 and [g["displayName"] for g in body["value"]] == ["Sales-Env", "Beta"]


def test_dir05_a_user_without_an_admin_role_reads_no_directory(portal_tenant, api):
    """DIR-05: the directory's pages and APIs are for admin roles; plain@ is refused."""
    status, code, message = api.error(api.get("/v1.0/directoryRoles", api.user_token("plain")))
    assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05")
