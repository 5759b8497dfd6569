"""Graph directory roles and role management (DIR-05) through the API: who may assign, a Global
administrator keeps its own Global role; refusals in Graph's shape, writing nothing."""
from __future__ import annotations

import pytest

from tests.conftest import portal_upn, row_counts
from users_app.models import AdminRoleAssignment, AuditEntry, DirectoryUser

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.microsoft.com/v1.0"
GLOBAL_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
USER_TEMPLATE = "fe930be7-5e62-47db-91af-98c3a49a38b1"
LICENCE_TEMPLATE = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"


def _user(local):
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def _roles(local):
    return set(AdminRoleAssignment.objects.filter(user=_user(local)).values_list("role", flat=True))


def _role_id(api, token, template):
    roles = api.get("/v1.0/directoryRoles", token).json()["value"]
    return next(r["id"] for r in roles if r["roleTemplateId"] == template)


def test_directory_roles_list_and_read(portal_tenant, api):
    token = api.user_token("greader")
    roles = api.get("/v1.0/directoryRoles", token).json()["value"]
    assert len(roles) == 11 and {"id", "displayName", "description", "roleTemplateId"} <= set(roles[0])
    global_role = next(r for r in roles if r["roleTemplateId"] == GLOBAL_TEMPLATE)
    assert global_role["displayName"] == "Global Administrator" and global_role["id"] != GLOBAL_TEMPLATE
    assert api.get("/v1.0/directoryRoles", token).json()["value"] == roles  # the ids are stable
    assert api.get(f"/v1.0/directoryRoles/{global_role['id']}", token).json() == global_role
    assert api.get(f"/v1.0/directoryRoles/roleTemplateId={GLOBAL_TEMPLATE}", token).json() == global_role
    assert api.get(f"/v1.0/directoryRoles(roleTemplateId='{GLOBAL_TEMPLATE}')", token).json() == global_role
    members = api.get(f"/v1.0/directoryRoles/{global_role['id']}/members", token).json()["value"]
    assert [(m["@odata.type"], m["userPrincipalName"]) for m in members] == [("#microsoft.graph.user", portal_upn("global"))]
    assert api.error(api.get("/v1.0/directoryRoles/nope", token))[:2] == (404, "Request_ResourceNotFound")
    assert api.error(api.get("/v1.0/directoryRoles/roleTemplateId=nope/members", token))[0] == 404


def test_directory_role_members_by_ref(portal_tenant, api):
    token = api.user_token("global")
    olivia = _user("olivia")
    role = _role_id(api, token, LICENCE_TEMPLATE)
    response = api.post(f"/v1.0/directoryRoles/{role}/members/$ref", token,
                        {"@odata.id": f"{GRAPH}/directoryObjects/{olivia.pk}"})
    assert response.status_code == 204, response.content
    assert _roles("olivia") == {"License Administrator"}
    assert AuditEntry.objects.filter(action="Assign admin role").exists()
    before = row_counts()
    again = api.post(f"/v1.0/directoryRoles/roleTemplateId={LICENCE_TEMPLATE}/members/$ref", token,
                     {"@odata.id": f"{GRAPH}/users/{olivia.pk}"})
    assert api.error(again)[:2] == (400, "Request_BadRequest")
    assert api.error(again)[2].endswith("modified properties: 'members'.")
    nobody = api.post(f"/v1.0/directoryRoles/{role}/members/$ref", token,
                      {"@odata.id": f"{GRAPH}/directoryObjects/00000000-0000-0000-0000-0000000000ff"})
    assert api.error(nobody)[0] == 404
    assert row_counts() == before
    assert api.delete(f"/v1.0/directoryRoles/{role}/members/{olivia.pk}/$ref", token).status_code == 204
    assert _roles("olivia") == set()
    assert api.error(api.delete(f"/v1.0/directoryRoles/{role}/members/{olivia.pk}/$ref", token))[0] == 404


def test_dir05_a_user_administrator_cannot_make_a_global_administrator(portal_tenant, api):
    """DIR-05: only Global and Privileged role administrators assign admin roles, through
    directoryRoles and through roleAssignments alike."""
    token = api.user_token("useradmin")
    olivia = _user("olivia")
    role = _role_id(api, token, GLOBAL_TEMPLATE)
    before = row_counts()
    for response in (
        api.post(f"/v1.0/directoryRoles/{role}/members/$ref", token, {"@odata.id": f"{GRAPH}/directoryObjects/{olivia.pk}"}),
        api.post("/v1.0/roleManagement/directory/roleAssignments", token,
                 {"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "roleDefinitionId": GLOBAL_TEMPLATE,
                  "principalId": str(olivia.pk), "directoryScopeId": "/"}),
        api.delete(f"/v1.0/directoryRoles/{role}/members/{_user('global').pk}/$ref", token),
    ):
        status, code, message = api.error(response)
        assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05"), message
    assert row_counts() == before and _roles("olivia") == set()


def test_dir05_a_global_administrator_cannot_remove_its_own_global_role(portal_tenant, api):
    """DIR-05: a Global administrator cannot remove their own Global administrator assignment."""
    token = api.user_token("global")
    me = _user("global")
    role = _role_id(api, token, GLOBAL_TEMPLATE)
    assignment = api.get("/v1.0/roleManagement/directory/roleAssignments", token,
                         **{"$filter": f"principalId eq '{me.pk}'"}).json()["value"][0]
    before = row_counts()
    for response in (api.delete(f"/v1.0/directoryRoles/{role}/members/{me.pk}/$ref", token),
                     api.delete(f"/v1.0/roleManagement/directory/roleAssignments/{assignment['id']}", token)):
        status, code, message = api.error(response)
        assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05"), message
        assert "own Global administrator" in message
    assert row_counts() == before and _roles("global") == {"Global Administrator"}


def test_role_definitions(portal_tenant, api):
    token = api.user_token("greader")
    values = api.get("/v1.0/roleManagement/directory/roleDefinitions", token).json()["value"]
    assert len(values) == 11
    user_admin = api.get(f"/v1.0/roleManagement/directory/roleDefinitions/{USER_TEMPLATE}", token).json()
    assert user_admin["id"] == user_admin["templateId"] == USER_TEMPLATE
    assert user_admin["displayName"] == "User Administrator" and user_admin["isBuiltIn"] is True
    assert api.error(api.get("/v1.0/roleManagement/directory/roleDefinitions/x", token))[0] == 404


@pytest.mark.parametrize("expression, expected", [
    ("displayName eq 'User Administrator'", ["User Administrator"]),
    ("displayName eq 'user administrator'", ["User Administrator"]),  # ignoring case, as Graph
    (f"templateId eq '{USER_TEMPLATE}' or id in ('62e90394-69f5-4237-9190-012177145e10')",
     ["Global Administrator", "User Administrator"]),
    ("startswith(displayName,'Global') and isBuiltIn eq true", ["Global Administrator", "Global Reader"]),
    ("not startswith(displayName,'G') and startswith(displayName,'P')",
     ["Password Administrator", "Power Platform Administrator", "Privileged Role Administrator"]),
    ("isEnabled eq false", []),
])
def test_role_definitions_filtered_as_scripts_look_a_role_up(portal_tenant, api, expression, expected):
    response = api.get("/v1.0/roleManagement/directory/roleDefinitions", api.user_token("greader"),
                       **{"$filter": expression})
    assert response.status_code == 200, response.content
    assert sorted(v["displayName"] for v in response.json()["value"]) == expected


def test_role_assignments_create_read_filter_delete(portal_tenant, api):
    token = api.user_token("pradmin")
    olivia = _user("olivia")
    body = {"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "roleDefinitionId": USER_TEMPLATE,
            "principalId": str(olivia.pk), "directoryScopeId": "/"}
    response = api.post("/v1.0/roleManagement/directory/roleAssignments", token, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["roleDefinitionId"] == USER_TEMPLATE and created["principalId"] == str(olivia.pk)
    assert _roles("olivia") == {"User Administrator"}
    got = api.get(f"/v1.0/roleManagement/directory/roleAssignments/{created['id']}", token).json()
    assert got == created
    by_principal = api.get("/v1.0/roleManagement/directory/roleAssignments", token,
                           **{"$filter": f"principalId eq '{olivia.pk}'"}).json()["value"]
    assert [a["id"] for a in by_principal] == [created["id"]]
    by_role = api.get("/v1.0/roleManagement/directory/roleAssignments", token,
                      **{"$filter": f"roleDefinitionId eq '{USER_TEMPLATE}'"}).json()["value"]
    assert {a["principalId"] for a in by_role} == {str(olivia.pk), str(_user("useradmin").pk)}
    paged = api.get("/v1.0/roleManagement/directory/roleAssignments", token, **{"$top": "5"}).json()
    assert len(paged["value"]) == 5 and paged["@odata.nextLink"].startswith("http://")

    before = row_counts()
    assert api.error(api.post("/v1.0/roleManagement/directory/roleAssignments", token, body))[0] == 409
    for bad in ({**body, "directoryScopeId": "/administrativeUnits/x"}, {**body, "roleDefinitionId": "nope"},
                {**body, "principalId": 5}, {"roleDefinitionId": USER_TEMPLATE}):
        assert api.error(api.post("/v1.0/roleManagement/directory/roleAssignments", token, bad))[0] == 400
    missing = {**body, "principalId": "00000000-0000-0000-0000-0000000000ff"}
    assert api.error(api.post("/v1.0/roleManagement/directory/roleAssignments", token, missing))[0] == 404
    assert api.error(api.get("/v1.0/roleManagement/directory/roleAssignments/garbage", token))[0] == 404
    assert api.error(api.get("/v1.0/roleManagement/directory/roleAssignments", token,
                             **{"$filter": "principalId eq 'not-a-guid'"}))[0] == 400
    assert row_counts() == before

    assert api.delete(f"/v1.0/roleManagement/directory/roleAssignments/{created['id']}", token).status_code == 204
    assert _roles("olivia") == set()
    assert api.error(api.get(f"/v1.0/roleManagement/directory/roleAssignments/{created['id']}", token))[0] == 404


def test_dir05_an_app_assigns_roles_only_with_role_management_permission(portal_tenant, api):
    """DIR-05: an app holding only User.ReadWrite.All is refused; RoleManagement.ReadWrite.Directory may."""
    olivia = _user("olivia")
    body = {"roleDefinitionId": LICENCE_TEMPLATE, "principalId": str(olivia.pk), "directoryScopeId": "/"}
    before = row_counts()
    refused = api.post("/v1.0/roleManagement/directory/roleAssignments", api.app_token(["User.ReadWrite.All"]), body)
    status, code, message = api.error(refused)
    assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05")
    assert row_counts() == before
    allowed = api.post("/v1.0/roleManagement/directory/roleAssignments",
                       api.app_token(["RoleManagement.ReadWrite.Directory"]), body)
    assert allowed.status_code == 201 and _roles("olivia") == {"License Administrator"}
