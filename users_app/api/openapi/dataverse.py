"""The Dataverse Web API v9.2 part of the OpenAPI description: schemas and paths."""
from __future__ import annotations

from users_app.api.dataverse.entities import SETS

from .common import (DATAVERSE, DATAVERSE_LIST, DATAVERSE_ONE, DATAVERSE_TAG, ENVIRONMENT, array, boolean, collection,
                     guid, header, integer, nullable_text, obj, operation, path_param, query, ref,
                     text)


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


