"""The Power Platform admin part of the OpenAPI description, and the token endpoint's."""
from __future__ import annotations

from .common import (API_VERSION, BAP, BAP_TAG, TOKEN_TAG, array, boolean, guid, integer, json_content, nullable_text,
                     obj, operation, path_param, ref, text)


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


