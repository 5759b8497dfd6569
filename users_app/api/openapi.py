"""The OpenAPI 3.0 description of the portal's three APIs and its token endpoint, served at
/openapi.json (public, as a published description is).

Built as a plain dict by small helpers, one home per schema (components/schemas): the Graph v1.0
subset under /v1.0, the Dataverse Web API v9.2 of each environment under
/dataverse/{environment_id}/api/data/v9.2 and the Power Platform admin API under
/providers/Microsoft.BusinessAppPlatform. Every operation answers its errors in its API's own
shape (GraphError, DataverseError, PowerPlatformError) and needs a bearer token from
POST /{tenant}/oauth2/v2.0/token. tests/api/test_openapi.py runs schemathesis against it.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

GRAPH = "/v1.0"
DATAVERSE = "/dataverse/{environment_id}/api/data/v9.2"
BAP = "/providers/Microsoft.BusinessAppPlatform"
GRAPH_TAG, DATAVERSE_TAG, BAP_TAG, TOKEN_TAG = "Microsoft Graph", "Dataverse", "Power Platform admin", "Tokens"


# --- small schema helpers ----------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def text(**extra) -> dict:
    return {"type": "string", **extra}


def nullable_text(**extra) -> dict:
    return {"type": "string", "nullable": True, **extra}


def guid(nullable: bool = False) -> dict:
    return {"type": "string", "format": "uuid", **({"nullable": True} if nullable else {})}


def boolean(nullable: bool = False) -> dict:
    return {"type": "boolean", **({"nullable": True} if nullable else {})}


def integer(nullable: bool = False, **extra) -> dict:
    return {"type": "integer", **({"nullable": True} if nullable else {}), **extra}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def collection(item: str, *, count: bool = True) -> dict:
    """A page of a list: value, and the absolute @odata.nextLink while more rows remain."""
    properties = {"@odata.context": text(), "value": array(ref(item)), "@odata.nextLink": text(format="uri")}
    if count:
        properties["@odata.count"] = integer()
    return obj(properties, required=("value",))


# --- the error shapes --------------------------------------------------------------------------

def error_schemas() -> dict:
    graph_inner = obj({"date": text(), "request-id": text(), "client-request-id": text()})
    return {
        "GraphError": obj({"error": obj({"code": text(), "message": text(), "innerError": graph_inner},
                                        required=("code", "message"))}, required=("error",)),
        "DataverseError": obj({"error": obj({"code": text(), "message": text()}, required=("code", "message"))},
                              required=("error",)),
        "PowerPlatformError": obj({"error": obj({"code": text(), "message": text()}, required=("code", "message"))},
                                  required=("error",)),
    }


ERROR_OF = {GRAPH_TAG: "GraphError", DATAVERSE_TAG: "DataverseError", BAP_TAG: "PowerPlatformError"}
STATUS_TEXT = {400: "Bad request: a malformed value, an unknown property or a rule's refusal (the rule ID "
                    "starts the message)",
               401: "No bearer token, or an invalid or expired one",
               403: "The caller lacks the right (DIR-05 for Graph, a missing privilege for Dataverse)",
               404: "Not found", 405: "Method not allowed here", 409: "Conflict", 412: "Precondition failed"}


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
        "department": nullable_text(), "passwordProfile": ref("PasswordProfile"),
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
                            "groupTypes": array(text())},
                           required=("displayName", "mailEnabled", "mailNickname", "securityEnabled")),
        "GroupUpdate": obj({"@odata.type": text(), "displayName": text(), "description": nullable_text()}),
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


# --- Dataverse ---------------------------------------------------------------------------------

EDM = {"Edm.Guid": {"type": "string", "format": "uuid"}, "Edm.Boolean": {"type": "boolean"},
       "Edm.Int32": {"type": "integer"}, "Edm.DateTimeOffset": {"type": "string"}, "Edm.String": {"type": "string"}}
# The columns a create or an update takes (dataverse/writes.py): what the description offers schemathesis.
DATAVERSE_WRITABLE = {
    "systemusers": {"domainname": text(), "azureactivedirectoryobjectid": guid(), "internalemailaddress": text(),
                    "accessmode": integer(), "isdisabled": boolean(), "businessunitid@odata.bind": text(),
                    "parentsystemuserid@odata.bind": text(), "positionid@odata.bind": text(),
                    **{column: text() for column in ("firstname", "lastname", "jobtitle", "title", "mobilephone",
                                                     "address1_city", "address1_telephone1")}},
    "teams": {"name": text(), "teamtype": integer(), "description": nullable_text(),
              "businessunitid@odata.bind": text(), "administratorid@odata.bind": text()},
    "accounts": {"name": text(), "ownerid@odata.bind": text()},
}


def dataverse_sets():
    """The entity sets as the Dataverse API's own property tables hold them (one home: entities.py)."""
    from .dataverse.entities import SETS

    return SETS


def schema_name(entity) -> str:
    return {"systemuser": "SystemUser", "businessunit": "BusinessUnit"}.get(entity.logical, entity.logical.capitalize())


def dataverse_row(entity, sets) -> dict:
    """A row: its key always, every other column nullable, "@odata.etag", and the navigations $expand adds."""
    properties = {"@odata.etag": text()}
    for prop in entity.props:
        properties[prop.name] = dict(EDM.get(prop.type, {"type": "string"}))
        if prop.name != entity.key:
            properties[prop.name]["nullable"] = True
    for nav in entity.navs:
        target = schema_name(sets[nav.target])
        properties[nav.name] = array(ref(target)) if nav.many else {"allOf": [ref(target)], "nullable": True}
    return obj(properties, required=(entity.key,))


def dataverse_schemas() -> dict:
    sets = dataverse_sets()
    schemas = {}
    for entity in sets.values():
        name = schema_name(entity)
        schemas[name] = dataverse_row(entity, sets)
        schemas[f"{name}Collection"] = collection(name)
        if entity.name in DATAVERSE_WRITABLE:
            schemas[f"{name}Write"] = obj({"@odata.type": text(), **DATAVERSE_WRITABLE[entity.name]})
    schemas.update({
        "WhoAmI": obj({"BusinessUnitId": guid(), "UserId": guid(), "OrganizationId": guid()},
                      required=("BusinessUnitId", "UserId", "OrganizationId")),
        "EntityDefinition": obj({"LogicalName": text(), "EntitySetName": text(), "PrimaryIdAttribute": text(),
                                 "PrimaryNameAttribute": nullable_text(), "MetadataId": guid(True)}),
        "EntityDefinitionCollection": collection("EntityDefinition"),
        "PicklistAttribute": obj({"LogicalName": text(), "MetadataId": guid(True), "OptionSet": obj({
            "Options": array(obj({"Value": integer(), "Label": obj({
                "UserLocalizedLabel": obj({"Label": text()}, nullable=True),
                "LocalizedLabels": array(obj({"Label": text()}))})}))})}),
        "PicklistAttributeCollection": collection("PicklistAttribute"),
        "DataverseReference": obj({"@odata.id": text()}, required=("@odata.id",)),
    })
    return schemas


# --- Power Platform admin (BAP) ----------------------------------------------------------------

def bap_schemas() -> dict:
    linked = obj({"instanceUrl": nullable_text(), "instanceApiUrl": nullable_text(), "uniqueName": nullable_text(),
                  "domainName": nullable_text(), "version": nullable_text(), "friendlyName": nullable_text(),
                  "securityGroupId": nullable_text(), "resourceId": nullable_text(),
                  "instanceState": nullable_text(), "baseLanguage": integer(True),
                  "platformSku": nullable_text()}, nullable=True)
    environment = obj({
        "id": text(), "name": text(), "type": text(), "location": nullable_text(),
        "properties": obj({"displayName": text(), "environmentSku": nullable_text(),
                           "provisioningState": nullable_text(), "createdTime": nullable_text(),
                           "isDefault": boolean(), "linkedEnvironmentMetadata": linked, "tenantId": nullable_text(),
                           "azureRegion": nullable_text(), "databaseType": nullable_text(),
                           "states": {"type": "object", "nullable": True},
                           "createdBy": {"type": "object", "nullable": True}}),
    }, required=("id", "name", "properties"))
    return {
        "Environment": environment,
        "EnvironmentCollection": obj({"value": array(ref("Environment")), "nextLink": nullable_text()},
                                     required=("value",)),
        "AddUser": obj({"ObjectId": guid()}, required=("ObjectId",)),
        "AddUserResult": obj({"environmentName": text(), "ObjectId": guid(), "userPrincipalName": text(),
                              "outcome": nullable_text(), "status": text(), "systemUserId": guid(True),
                              "information": array(text())}, required=("environmentName", "ObjectId", "status")),
        "AddAppUser": obj({"servicePrincipalAppId": guid()}, required=("servicePrincipalAppId",)),
        "ApplicationUser": obj({"environmentName": text(), "servicePrincipalAppId": guid(), "systemUserId": guid(),
                                "fullName": nullable_text(), "businessUnitId": guid(True), "state": text()},
                               required=("environmentName", "servicePrincipalAppId", "systemUserId")),
    }


# --- parameters --------------------------------------------------------------------------------

def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            **({"description": description} if description else {})}


def header(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "header", "required": False, "schema": schema,
            **({"description": description} if description else {})}


def path_param(name: str, schema: dict | None = None, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or text(),
            **({"description": description} if description else {})}


GRAPH_LIST = [
    query("$select", text(), "Comma-separated properties (id is always answered)"),
    query("$filter", text(), "eq, ne, startswith, and, or, in"),
    query("$top", integer(minimum=1, maximum=999), "Page size (default 100, at most 999)"),
    query("$orderby", text()),
    query("$count", boolean(), "Needs ConsistencyLevel: eventual"),
    query("$search", text(), '"displayName:x" or "userPrincipalName:x"; needs ConsistencyLevel: eventual'),
    query("$skiptoken", text(), "Opaque; only as given in @odata.nextLink"),
    header("ConsistencyLevel", text(enum=["eventual"])),
]
GRAPH_PAGED = [p for p in GRAPH_LIST if p["name"] in ("$select", "$top", "$skiptoken")]
GRAPH_SELECT = [GRAPH_LIST[0]]
DATAVERSE_LIST = [
    query("$select", text()), query("$filter", text(), "eq ne gt ge lt le and or not contains startswith endswith"),
    query("$orderby", text()), query("$top", integer(minimum=1), "Total rows answered over all pages"),
    query("$count", boolean()), query("$expand", text(), "systemuserroles_association, "
                                      "teammembership_association, businessunitid (nested $select)"),
    query("$skiptoken", text(), "Opaque; only as given in @odata.nextLink"),
    header("Prefer", text(), "odata.maxpagesize=N (default 5000); return=representation on create"),
]
DATAVERSE_ONE = [query("$select", text()), query("$expand", text())]
ENVIRONMENT = path_param("environment_id", guid(), "The environment's id: its org URL is /dataverse/{environment_id}")
API_VERSION = query("api-version", text(), "e.g. 2020-10-01 (accepted, not required)")


# --- operations --------------------------------------------------------------------------------

def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def operation(tag: str, summary: str, *, ok: dict, parameters=(), body: str | None = None,
              errors=(400, 401, 403, 404), operation_id: str) -> dict:
    """One operation: `ok` maps its success status to a schema name (None: no body)."""
    responses = {}
    for status, schema in ok.items():
        if schema is None:
            responses[str(status)] = {"description": "Done (no body)"}
        elif schema == "xml":
            responses[str(status)] = {"description": "CSDL", "content": {"application/xml": {"schema": text()}}}
        else:
            responses[str(status)] = {"description": "OK", "content": json_content(ref(schema))}
    for status in errors:
        responses[str(status)] = {"description": STATUS_TEXT[status], "content": json_content(ref(ERROR_OF[tag]))}
    op = {"tags": [tag], "summary": summary, "operationId": operation_id, "responses": responses}
    if parameters:
        op["parameters"] = list(parameters)
    if body:
        op["requestBody"] = {"required": True, "content": json_content(ref(body))}
    return op


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
            g, "Role definitions", ok={200: "UnifiedRoleDefinitionCollection"}, operation_id="graph_role_definitions")},
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


def dataverse_paths() -> dict:
    d = DATAVERSE_TAG
    paths: dict = {}
    sets = dataverse_sets()
    for entity in sets.values():
        entity_set, name, key = entity.name, schema_name(entity), entity.key
        row = path_param(key, guid())
        listing = {"parameters": [ENVIRONMENT], "get": operation(
            d, f"List {entity_set}", ok={200: f"{name}Collection"}, parameters=DATAVERSE_LIST,
            operation_id=f"dataverse_{entity_set}_list")}
        one = {"parameters": [ENVIRONMENT, row], "get": operation(
            d, f"Retrieve one of {entity_set}", ok={200: name}, parameters=DATAVERSE_ONE,
            operation_id=f"dataverse_{entity_set}_get")}
        if entity_set in DATAVERSE_WRITABLE:  # create: systemusers (SYNC-03), teams, accounts
            listing["post"] = operation(
                d, f"Create one of {entity_set}: 204 with OData-EntityId (201 and the row with Prefer: "
                   "return=representation)", ok={204: None, 201: name}, body=f"{name}Write",
                parameters=[header("Prefer", text())], errors=(400, 401, 403, 404, 405),
                operation_id=f"dataverse_{entity_set}_create")
            listing["post"]["responses"]["204"]["headers"] = {
                "OData-EntityId": {"description": "The new row, relative to the service root: <set>(<guid>)",
                                   "schema": text()},
                "Location": {"description": "The new row's absolute URL", "schema": text()}}
        if entity_set == "systemusers":  # the only set updated through the API
            one["patch"] = operation(d, f"Update one of {entity_set} (If-Match: * never creates)", ok={204: None},
                                     body=f"{name}Write", parameters=[header("If-Match", text())],
                                     errors=(400, 401, 403, 404, 405, 412), operation_id=f"dataverse_{entity_set}_update")
        if entity_set == "systemusers":
            one["delete"] = operation(d, "Delete a systemuser: always refused (403 0x80040227), as the real "
                                         "service refuses it", ok={204: None}, errors=(400, 401, 403, 404),
                                      operation_id="dataverse_systemusers_delete")
        paths[f"{DATAVERSE}/{entity_set}"] = listing
        paths[f"{DATAVERSE}/{entity_set}({{{key}}})"] = one

    def association(left_set, left_key, relationship, right_set, right_key, tag_name):
        left = path_param(left_key, guid())
        right = path_param(right_key, guid())
        right_schema = schema_name(sets[right_set])
        base = f"{DATAVERSE}/{left_set}({{{left_key}}})/{relationship}"
        return {
            base: {"parameters": [ENVIRONMENT, left], "get": operation(
                d, f"The {right_set} associated through {relationship}", ok={200: f"{right_schema}Collection"},
                parameters=[query("$select", text())], operation_id=f"dataverse_{tag_name}_list")},
            f"{base}/$ref": {"parameters": [ENVIRONMENT, left], "post": operation(
                d, f"Associate ({relationship})", ok={204: None}, body="DataverseReference",
                operation_id=f"dataverse_{tag_name}_associate"),
                "delete": operation(d, f"Disassociate by ?$id= ({relationship})", ok={204: None},
                                    parameters=[{**query("$id", text()), "required": True}],
                                    operation_id=f"dataverse_{tag_name}_disassociate_by_id")},
            f"{base}({{{right_key}}})/$ref": {"parameters": [ENVIRONMENT, left, right], "delete": operation(
                d, f"Disassociate ({relationship})", ok={204: None},
                operation_id=f"dataverse_{tag_name}_disassociate")},
        }

    paths.update(association("systemusers", "systemuserid", "systemuserroles_association", "roles", "roleid",
                             "user_roles"))
    paths.update(association("systemusers", "systemuserid", "teammembership_association", "teams", "teamid",
                             "user_teams"))
    paths.update(association("teams", "teamid", "teammembership_association", "systemusers", "systemuserid",
                             "team_members"))
    logical = path_param("logical_name", text(), "A table's logical name, e.g. systemuser")
    paths.update({
        f"{DATAVERSE}/WhoAmI": {"parameters": [ENVIRONMENT], "get": operation(
            d, "The calling user's ids", ok={200: "WhoAmI"}, operation_id="dataverse_whoami")},
        f"{DATAVERSE}/EntityDefinitions": {"parameters": [ENVIRONMENT], "get": operation(
            d, "Table definitions ($filter=LogicalName eq 'x'), as the client resolves an entity set",
            ok={200: "EntityDefinitionCollection"}, parameters=[query("$select", text()), query("$filter", text())],
            operation_id="dataverse_entity_definitions")},
        f"{DATAVERSE}/EntityDefinitions(LogicalName='{{logical_name}}')": {
            "parameters": [ENVIRONMENT, logical], "get": operation(
                d, "One table's definition", ok={200: "EntityDefinition"}, parameters=[query("$select", text())],
                operation_id="dataverse_entity_definition")},
        f"{DATAVERSE}/EntityDefinitions(LogicalName='{{logical_name}}')/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata": {
            "parameters": [ENVIRONMENT, logical], "get": operation(
                d, "A table's choice columns and their options", ok={200: "PicklistAttributeCollection"},
                parameters=[query("$select", text()), query("$expand", text())],
                operation_id="dataverse_picklists")},
        f"{DATAVERSE}/$metadata": {"parameters": [ENVIRONMENT], "get": operation(
            d, "The CSDL of the entity types", ok={200: "xml"}, operation_id="dataverse_metadata")},
    })
    return paths


def bap_paths() -> dict:
    b = BAP_TAG
    environment = path_param("environment_name", text(), "The environment's name: its id (a GUID)")
    base = f"{BAP}/scopes/admin/environments"
    return {
        base: {"get": operation(b, "Environments", ok={200: "EnvironmentCollection"}, parameters=[API_VERSION],
                                operation_id="bap_environments")},
        f"{base}/{{environment_name}}": {"parameters": [environment], "get": operation(
            b, "One environment", ok={200: "Environment"}, parameters=[API_VERSION], operation_id="bap_environment")},
        f"{base}/{{environment_name}}/addUser": {"parameters": [environment], "post": operation(
            b, "Add a directory user to the environment now (SYNC-03; refusals name the rule)",
            ok={200: "AddUserResult"}, parameters=[API_VERSION], body="AddUser", operation_id="bap_add_user")},
        f"{base}/{{environment_name}}/addAppUser": {"parameters": [environment], "post": operation(
            b, "Create the environment's application user for an app registration (APP-01/02/05)",
            ok={200: "ApplicationUser"}, parameters=[API_VERSION], body="AddAppUser",
            operation_id="bap_add_app_user")},
    }


def token_paths() -> dict:
    form = obj({"grant_type": text(enum=["client_credentials", "password"]), "client_id": text(),
                "client_secret": text(), "username": text(), "password": text(), "scope": text()},
               required=("grant_type",))
    token = obj({"token_type": text(), "expires_in": integer(), "ext_expires_in": integer(),
                 "access_token": text()}, required=("access_token", "token_type"))
    failure = obj({"error": text(), "error_description": text()}, required=("error",))
    return {"/{tenant}/oauth2/v2.0/token": {
        "parameters": [path_param("tenant", text(), "The tenant id or domain, or 'organizations'")],
        "post": {
            "tags": [TOKEN_TAG], "operationId": "token", "security": [],
            "summary": "A bearer token: client credentials (an app registration's secret) or the password "
                       "grant (a directory user)",
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
            "responses": {"200": {"description": "The token", "content": json_content(token)},
                          "400": {"description": "A malformed request or a bad grant",
                                  "content": json_content(failure)},
                          "401": {"description": "Bad client credentials", "content": json_content(failure)}},
        },
    }}


def description(server: str = "") -> dict:
    """The whole description; `server` is the base URL (scheme, host and port) it is served from."""
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": "Portal APIs: Microsoft Graph v1.0, Dataverse Web API v9.2, Power Platform admin",
            "version": "1.0",
            "description": "Microsoft-compatible subsets of the three APIs, for Microsoft's SDKs (msgraph-sdk, "
                           "PowerPlatform-Dataverse-Client) pointed at this server. Every call needs a bearer "
                           "token from POST /{tenant}/oauth2/v2.0/token and acts as its caller: the screens' "
                           "rules apply, and a refusal names the rule ID at the start of its message.",
        },
        "servers": [{"url": server or "/"}],
        "tags": [{"name": t} for t in (GRAPH_TAG, DATAVERSE_TAG, BAP_TAG, TOKEN_TAG)],
        "security": [{"bearer": []}],
        "paths": {**token_paths(), **graph_paths(), **dataverse_paths(), **bap_paths()},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {**error_schemas(), **graph_schemas(), **dataverse_schemas(), **bap_schemas()},
        },
    }
    return spec


@login_not_required
@require_GET
def openapi_json(request):
    """GET /openapi.json: public, as a published API description is."""
    return JsonResponse(description(request.build_absolute_uri("/").rstrip("/")),
                        json_dumps_params={"indent": 1})


# --- paths under an API's prefix that no view holds ----------------------------------------------

def _unknown_path(api: str):
    from . import errors
    from .endpoint import api_view

    @api_view(api, methods=("GET", "POST", "PATCH", "PUT", "DELETE"), authenticated=False)
    def unknown(request, rest=""):
        raise errors.not_found(api, f"No resource at '{request.path}' (the description at /openapi.json lists "
                                    "every path; an id in a URL must be a GUID where it says so).")

    return unknown


unknown_graph_path = _unknown_path("graph")
unknown_dataverse_path = _unknown_path("dataverse")
unknown_power_platform_path = _unknown_path("powerplatform")
