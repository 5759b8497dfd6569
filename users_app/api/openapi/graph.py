"""The Microsoft Graph v1.0 part of the OpenAPI description: schemas and paths."""
from __future__ import annotations

from .common import (GRAPH, GRAPH_LIST, GRAPH_PAGED, GRAPH_SELECT, GRAPH_TAG, array, boolean, collection, guid, integer,
                     nullable_text, obj, operation, path_param, ref, text)


# --- Microsoft Graph ---------------------------------------------------------------------------

def graph_schemas() -> dict:
    typed = {"@odata.type": text()}
    user = obj({
        **typed, "id": guid(), "userPrincipalName": text(), "displayName": nullable_text(),
        "givenName": nullable_text(), "surname": nullable_text(), "jobTitle": nullable_text(),
        "mail": nullable_text(), "businessPhones": array(text()), "mobilePhone": nullable_text(),
        "officeLocation": nullable_text(), "preferredLanguage": nullable_text(),
        "streetAddress": nullable_text(), "city": nullable_text(), "state": nullable_text(),
        "postalCode": nullable_text(), "country": nullable_text(), "usageLocation": nullable_text(),
        "accountEnabled": boolean(), "userType": nullable_text(), "mailNickname": nullable_text(),
        "department": nullable_text(), "createdDateTime": nullable_text(), "deletedDateTime": nullable_text(),
        "assignedLicenses": array(ref("AssignedLicense")),
    }, required=("id",))
    password_profile = obj({"password": text(), "forceChangePasswordNextSignIn": boolean()}, required=("password",))
    writable = {
        "@odata.type": text(), "accountEnabled": boolean(), "displayName": text(), "mailNickname": text(),
        "userPrincipalName": text(), "givenName": nullable_text(), "surname": nullable_text(),
        "jobTitle": nullable_text(), "mail": nullable_text(), "mobilePhone": nullable_text(),
        "businessPhones": array(text()), "streetAddress": nullable_text(), "city": nullable_text(),
        "state": nullable_text(), "postalCode": nullable_text(), "country": nullable_text(),
        "usageLocation": nullable_text(), "userType": text(enum=["Member", "Guest"]),
        "department": nullable_text(), "officeLocation": nullable_text(), "passwordProfile": ref("PasswordProfile"),
    }
    group = obj({**typed, "id": guid(), "displayName": text(), "description": nullable_text(),
                 "mailEnabled": boolean(), "securityEnabled": boolean(), "mailNickname": nullable_text(),
                 "groupTypes": array(text())}, required=("id",))
    directory_object = obj({**typed, "id": guid()}, required=("id",))
    service_plan = obj({"servicePlanId": guid(), "servicePlanName": text(), "provisioningStatus": nullable_text(),
                        "appliesTo": nullable_text()})
    return {
        "User": user,
        "UserCollection": collection("User"),
        "PasswordProfile": password_profile,
        "UserCreate": obj(writable, required=("accountEnabled", "displayName", "mailNickname", "userPrincipalName",
                                              "passwordProfile")),
        "UserUpdate": obj(writable),
        "AssignedLicense": obj({"skuId": guid(), "disabledPlans": array(guid())}, required=("skuId",)),
        "AssignLicense": obj({"addLicenses": array(ref("AssignedLicense")), "removeLicenses": array(guid())},
                             required=("addLicenses", "removeLicenses")),
        "ServicePlanInfo": service_plan,
        "LicenseDetails": obj({"id": text(), "skuId": guid(), "skuPartNumber": text(),
                               "servicePlans": array(ref("ServicePlanInfo"))}, required=("skuId",)),
        "LicenseDetailsCollection": collection("LicenseDetails"),
        "SubscribedSku": obj({
            "id": text(), "skuId": guid(), "skuPartNumber": text(), "appliesTo": text(),
            "capabilityStatus": text(), "consumedUnits": integer(),
            "prepaidUnits": obj({"enabled": integer(), "suspended": integer(), "warning": integer(),
                                 "lockedOut": integer()}),
            "servicePlans": array(ref("ServicePlanInfo"))}, required=("skuId", "skuPartNumber")),
        "SubscribedSkuCollection": collection("SubscribedSku"),
        "Organization": obj({"id": guid(), "displayName": text(), "verifiedDomains": array(obj({
            "name": text(), "isDefault": boolean(), "isInitial": boolean(), "type": nullable_text(),
            "capabilities": nullable_text()}))}, required=("id", "verifiedDomains")),
        "OrganizationCollection": collection("Organization"),
        "Group": group,
        "GroupCollection": collection("Group"),
        "GroupCreate": obj({"@odata.type": text(), "displayName": text(), "description": nullable_text(),
                            "mailEnabled": boolean(), "mailNickname": text(), "securityEnabled": boolean(),
                            "groupTypes": array(text()), "members@odata.bind": array(text()),
                            "owners@odata.bind": array(text())},
                           required=("displayName", "mailEnabled", "mailNickname", "securityEnabled")),
        "GroupUpdate": obj({"@odata.type": text(), "displayName": text(), "description": nullable_text(),
                            "members@odata.bind": array(text())}),
        "DirectoryObject": directory_object,
        "DirectoryObjectCollection": collection("DirectoryObject"),
        "ReferenceCreate": obj({"@odata.id": text()}, required=("@odata.id",)),
        "DirectoryRole": obj({**typed, "id": text(), "displayName": text(), "description": nullable_text(),
                              "roleTemplateId": guid()}, required=("id",)),
        "DirectoryRoleCollection": collection("DirectoryRole"),
        "UnifiedRoleDefinition": obj({"id": text(), "displayName": text(), "description": nullable_text(),
                                      "isBuiltIn": boolean(), "isEnabled": boolean(), "templateId": nullable_text()},
                                     required=("id",)),
        "UnifiedRoleDefinitionCollection": collection("UnifiedRoleDefinition"),
        "UnifiedRoleAssignment": obj({"@odata.type": text(), "id": text(), "roleDefinitionId": text(),
                                      "principalId": text(), "directoryScopeId": text()},
                                     required=("id",)),
        "UnifiedRoleAssignmentCreate": obj({"@odata.type": text(), "roleDefinitionId": text(), "principalId": text(),
                                            "directoryScopeId": text()},
                                           required=("roleDefinitionId", "principalId")),
        "UnifiedRoleAssignmentCollection": collection("UnifiedRoleAssignment"),
        "Application": obj({"@odata.type": text(), "id": text(), "appId": text(), "displayName": text(),
                            "createdDateTime": nullable_text(), "signInAudience": nullable_text(),
                            "passwordCredentials": array(ref("PasswordCredential"))}, required=("id",)),
        "ApplicationCollection": collection("Application"),
        "ApplicationCreate": obj({"@odata.type": text(), "displayName": text()}, required=("displayName",)),
        "ApplicationUpdate": obj({"@odata.type": text(), "displayName": text()}),
        "AddPassword": obj({"passwordCredential": obj({"displayName": nullable_text(), "endDateTime": nullable_text()})}),
        "PasswordCredential": obj({"customKeyIdentifier": nullable_text(), "displayName": nullable_text(),
                                   "endDateTime": nullable_text(), "keyId": nullable_text(),
                                   "startDateTime": nullable_text(), "secretText": nullable_text(),
                                   "hint": nullable_text()}),
        "ServicePrincipal": obj({"@odata.type": text(), "id": text(), "appId": text(), "displayName": text(),
                                 "servicePrincipalType": nullable_text(), "accountEnabled": boolean()},
                                required=("id",)),
        "ServicePrincipalCollection": collection("ServicePrincipal"),
    }



def graph_paths() -> dict:
    g = GRAPH_TAG
    user = path_param("user_id", text(), "The user's object id or user principal name")
    group = path_param("group_id", guid())
    member = path_param("member_id", guid())
    role = path_param("role_id", text(), "A directory role's id")
    template = path_param("template_id", guid())
    item = path_param("item_id", guid())
    definition = path_param("definition_id", text())
    assignment = path_param("assignment_id", text())
    application = path_param("application_id", text())
    principal = path_param("service_principal_id", text())
    app_id = path_param("app_id", text(), "The application (client) id")

    def refs(base, name, params, kind):
        """/members or /owners: list, $ref add, $ref remove."""
        return {
            f"{base}/{name}": {"parameters": params, "get": operation(
                g, f"List the {kind}'s {name}", ok={200: "DirectoryObjectCollection"}, parameters=GRAPH_PAGED,
                operation_id=f"graph_{kind}_{name}_list")},
            f"{base}/{name}/$ref": {"parameters": params, "post": operation(
                g, f"Add to the {kind}'s {name}", ok={204: None}, body="ReferenceCreate",
                operation_id=f"graph_{kind}_{name}_add")},
            f"{base}/{name}/{{member_id}}/$ref": {"parameters": params + [member], "delete": operation(
                g, f"Remove from the {kind}'s {name}", ok={204: None}, operation_id=f"graph_{kind}_{name}_remove")},
        }

    paths = {
        f"{GRAPH}/users": {
            "get": operation(g, "List users", ok={200: "UserCollection"}, parameters=GRAPH_LIST,
                             operation_id="graph_users_list"),
            "post": operation(g, "Create a user", ok={201: "User"}, body="UserCreate", operation_id="graph_users_create"),
        },
        f"{GRAPH}/users/{{user_id}}": {
            "parameters": [user],
            "get": operation(g, "Get a user", ok={200: "User"}, parameters=GRAPH_SELECT, operation_id="graph_user_get"),
            "patch": operation(g, "Update a user", ok={204: None}, body="UserUpdate", operation_id="graph_user_update"),
            "delete": operation(g, "Delete a user (soft: restorable for 30 days)", ok={204: None},
                                operation_id="graph_user_delete"),
        },
        f"{GRAPH}/users/{{user_id}}/assignLicense": {"parameters": [user], "post": operation(
            g, "Assign and remove licences (all or nothing)", ok={200: "User"}, body="AssignLicense",
            operation_id="graph_user_assign_license")},
        f"{GRAPH}/users/{{user_id}}/licenseDetails": {"parameters": [user], "get": operation(
            g, "A user's licences", ok={200: "LicenseDetailsCollection"}, operation_id="graph_user_license_details")},
        f"{GRAPH}/users/{{user_id}}/memberOf": {"parameters": [user], "get": operation(
            g, "Groups and directory roles the user is a direct member of", ok={200: "DirectoryObjectCollection"},
            parameters=GRAPH_PAGED, operation_id="graph_user_member_of")},
        f"{GRAPH}/users/{{user_id}}/transitiveMemberOf": {"parameters": [user], "get": operation(
            g, "Groups and directory roles, nested groups followed", ok={200: "DirectoryObjectCollection"},
            parameters=GRAPH_PAGED, operation_id="graph_user_transitive_member_of")},
        f"{GRAPH}/me": {"get": operation(g, "The signed-in user (a user's token only)", ok={200: "User"},
                                         parameters=GRAPH_SELECT, operation_id="graph_me")},
        f"{GRAPH}/organization": {"get": operation(g, "The tenant", ok={200: "OrganizationCollection"},
                                                   operation_id="graph_organization")},
        f"{GRAPH}/subscribedSkus": {"get": operation(g, "The tenant's licences and their seats",
                                                     ok={200: "SubscribedSkuCollection"},
                                                     operation_id="graph_subscribed_skus")},
        f"{GRAPH}/directory/deletedItems/microsoft.graph.user": {"get": operation(
            g, "Soft-deleted users", ok={200: "DirectoryObjectCollection"}, parameters=GRAPH_PAGED,
            operation_id="graph_deleted_users")},
        f"{GRAPH}/directory/deletedItems/microsoft.graph.group": {"get": operation(
            g, "Deleted groups (none: security groups are deleted permanently)", ok={200: "DirectoryObjectCollection"},
            operation_id="graph_deleted_groups")},
        f"{GRAPH}/directory/deletedItems/{{item_id}}": {
            "parameters": [item],
            "get": operation(g, "A soft-deleted user", ok={200: "DirectoryObject"}, operation_id="graph_deleted_get"),
            "delete": operation(g, "Purge a soft-deleted user", ok={204: None}, operation_id="graph_deleted_purge"),
        },
        f"{GRAPH}/directory/deletedItems/{{item_id}}/restore": {"parameters": [item], "post": operation(
            g, "Restore a soft-deleted user (seats checked again)", ok={200: "DirectoryObject"},
            operation_id="graph_deleted_restore")},
        f"{GRAPH}/groups": {
            "get": operation(g, "List groups", ok={200: "GroupCollection"}, parameters=GRAPH_LIST,
                             operation_id="graph_groups_list"),
            "post": operation(g, "Create a group", ok={201: "Group"}, body="GroupCreate",
                              operation_id="graph_groups_create"),
        },
        f"{GRAPH}/groups/{{group_id}}": {
            "parameters": [group],
            "get": operation(g, "Get a group", ok={200: "Group"}, parameters=GRAPH_SELECT, operation_id="graph_group_get"),
            "patch": operation(g, "Update a group", ok={204: None}, body="GroupUpdate",
                               operation_id="graph_group_update"),
        },
        f"{GRAPH}/groups/{{group_id}}/members/graph.user": {"parameters": [group], "get": operation(
            g, "The group's user members", ok={200: "UserCollection"}, parameters=GRAPH_PAGED,
            operation_id="graph_group_members_users")},
        f"{GRAPH}/groups/{{group_id}}/members/graph.group": {"parameters": [group], "get": operation(
            g, "The group's nested groups", ok={200: "GroupCollection"}, parameters=GRAPH_PAGED,
            operation_id="graph_group_members_groups")},
        **refs(f"{GRAPH}/groups/{{group_id}}", "members", [group], "group"),
        **refs(f"{GRAPH}/groups/{{group_id}}", "owners", [group], "group"),
        f"{GRAPH}/directoryRoles": {"get": operation(g, "Directory roles", ok={200: "DirectoryRoleCollection"},
                                                     operation_id="graph_directory_roles")},
        f"{GRAPH}/directoryRoles/{{role_id}}": {"parameters": [role], "get": operation(
            g, "A directory role", ok={200: "DirectoryRole"}, operation_id="graph_directory_role_get")},
        f"{GRAPH}/directoryRoles/roleTemplateId={{template_id}}": {"parameters": [template], "get": operation(
            g, "A directory role by its template id", ok={200: "DirectoryRole"},
            operation_id="graph_directory_role_by_template")},
        **refs(f"{GRAPH}/directoryRoles/{{role_id}}", "members", [role], "directoryRole"),
        f"{GRAPH}/directoryRoles(roleTemplateId='{{template_id}}')": {"parameters": [template], "get": operation(
            g, "A directory role by its template id (the SDK's form)", ok={200: "DirectoryRole"},
            operation_id="graph_directory_role_by_template_key")},
        f"{GRAPH}/roleManagement/directory/roleDefinitions": {"get": operation(
            g, "Role definitions", ok={200: "UnifiedRoleDefinitionCollection"},
            parameters=[p for p in GRAPH_LIST if p["name"] in ("$select", "$filter")], operation_id="graph_role_definitions")},
        f"{GRAPH}/roleManagement/directory/roleDefinitions/{{definition_id}}": {"parameters": [definition], "get": operation(
            g, "A role definition (id = template id)", ok={200: "UnifiedRoleDefinition"},
            operation_id="graph_role_definition_get")},
        f"{GRAPH}/roleManagement/directory/roleAssignments": {
            "get": operation(g, "Role assignments ($filter principalId eq / roleDefinitionId eq)",
                             ok={200: "UnifiedRoleAssignmentCollection"}, parameters=[GRAPH_LIST[1]],
                             operation_id="graph_role_assignments"),
            "post": operation(g, "Assign an admin role", ok={201: "UnifiedRoleAssignment"},
                              body="UnifiedRoleAssignmentCreate", operation_id="graph_role_assignment_create"),
        },
        f"{GRAPH}/roleManagement/directory/roleAssignments/{{assignment_id}}": {
            "parameters": [assignment],
            "get": operation(g, "A role assignment", ok={200: "UnifiedRoleAssignment"},
                             operation_id="graph_role_assignment_get"),
            "delete": operation(g, "Remove a role assignment", ok={204: None},
                                operation_id="graph_role_assignment_delete"),
        },
        f"{GRAPH}/applications": {
            "get": operation(g, "App registrations ($filter appId eq)", ok={200: "ApplicationCollection"},
                             parameters=[GRAPH_LIST[1], GRAPH_LIST[0], GRAPH_LIST[2], GRAPH_LIST[6]],
                             operation_id="graph_applications"),
            "post": operation(g, "Register an app", ok={201: "Application"}, body="ApplicationCreate",
                              operation_id="graph_application_create"),
        },
        f"{GRAPH}/applications/{{application_id}}": {
            "parameters": [application],
            "get": operation(g, "An app registration", ok={200: "Application"}, operation_id="graph_application_get"),
            "patch": operation(g, "Rename an app registration", ok={204: None}, body="ApplicationUpdate",
                               operation_id="graph_application_update"),
        },
        f"{GRAPH}/applications(appId='{{app_id}}')": {"parameters": [app_id], "get": operation(
            g, "An app registration by its application (client) id", ok={200: "Application"},
            operation_id="graph_application_by_app_id")},
        f"{GRAPH}/applications/{{application_id}}/addPassword": {"parameters": [application], "post": operation(
            g, "A new client secret (shown once)", ok={200: "PasswordCredential"}, body="AddPassword",
            operation_id="graph_application_add_password")},
        f"{GRAPH}/servicePrincipals": {"get": operation(
            g, "Service principals (one per app registration)", ok={200: "ServicePrincipalCollection"},
            parameters=[GRAPH_LIST[1], GRAPH_LIST[0], GRAPH_LIST[2], GRAPH_LIST[6]],
            operation_id="graph_service_principals")},
        f"{GRAPH}/servicePrincipals/{{service_principal_id}}": {"parameters": [principal], "get": operation(
            g, "A service principal", ok={200: "ServicePrincipal"}, operation_id="graph_service_principal_get")},
        f"{GRAPH}/servicePrincipals(appId='{{app_id}}')": {"parameters": [app_id], "get": operation(
            g, "The service principal of an application (client) id", ok={200: "ServicePrincipal"},
            operation_id="graph_service_principal_by_app_id")},
    }
    return paths


