"""What the Dataverse client asks about the tables on its own: EntityDefinitions (the entity set of
a table, its picklist options) and $metadata (CSDL of the six entity types)."""
from __future__ import annotations

import re
import uuid
from xml.sax.saxutils import quoteattr

from users_app.choices import AccessMode, InviteStatus, MembershipType, TeamType

from .. import errors
from ..errors import DATAVERSE
from .entities import BY_LOGICAL, SETS, EntitySet

LANGUAGE = 1033
PICKLISTS = {
    "systemuser": {"accessmode": AccessMode, "invitestatuscode": InviteStatus},
    "team": {"teamtype": TeamType, "membershiptype": MembershipType},
}
DEFINITION_FIELDS = ("LogicalName", "SchemaName", "EntitySetName", "PrimaryIdAttribute", "PrimaryNameAttribute",
                     "MetadataId", "DisplayName", "ObjectTypeCode")
_FILTER = re.compile(r"^\s*(LogicalName|EntitySetName)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_KEY = re.compile(r"^LogicalName='([^']*)'$")


def _label(text: str) -> dict:
    label = {"Label": text, "LanguageCode": LANGUAGE}
    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


def definition(entity: EntitySet) -> dict:
    return {
        "LogicalName": entity.logical, "SchemaName": entity.logical.capitalize() if entity.logical != "systemuser"
        else "SystemUser", "EntitySetName": entity.name, "PrimaryIdAttribute": entity.key,
        "PrimaryNameAttribute": entity.primary_name, "MetadataId": entity.metadata_id,
        "DisplayName": _label(entity.display), "ObjectTypeCode": list(SETS).index(entity.name) + 1,
    }


def _selected(row: dict, select: list[str] | None) -> dict:
    if not select:
        return row
    unknown = [name for name in select if name not in row]
    if unknown:
        raise errors.bad_request(DATAVERSE, f"Could not find a property named '{unknown[0]}' on type "
                                            "'Microsoft.Dynamics.CRM.EntityMetadata'.")
    return {name: row[name] for name in dict.fromkeys([*select, "MetadataId"])}


def definitions(select: list[str] | None, filter_text: str | None) -> list[dict]:
    """EntityDefinitions, the list: every table, or the one `LogicalName eq '<x>'` names."""
    entities = list(SETS.values())
    if filter_text:
        match = _FILTER.match(filter_text)
        if match is None:
            raise errors.bad_request(DATAVERSE, "EntityDefinitions takes $filter=LogicalName eq '<name>' or "
                                                "EntitySetName eq '<name>' only.")
        field, value = match.group(1).lower(), match.group(2).lower()
        entities = [e for e in entities if (e.logical if field == "logicalname" else e.name) == value]
    return [_selected(definition(e), select) for e in entities]


def entity_of_key(key: str) -> EntitySet:
    """EntityDefinitions(LogicalName='systemuser') or EntityDefinitions(<MetadataId>)."""
    match = _KEY.match(key)
    entity = None
    if match:
        entity = BY_LOGICAL.get(match.group(1).lower())
    else:
        entity = next((e for e in SETS.values() if e.metadata_id == key.strip().lower()), None)
    if entity is None:
        raise errors.ApiError(404, "0x80040217", f"Could not find entity with key {key}.")
    return entity


def _attribute_id(entity: EntitySet, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dataverse:{entity.logical}.{name}"))


_ATTRIBUTE_TYPES = {"Edm.Guid": "Uniqueidentifier", "Edm.String": "String", "Edm.Boolean": "Boolean",
                    "Edm.Int32": "Integer", "Edm.DateTimeOffset": "DateTime"}


def attributes(entity: EntitySet, select: list[str] | None) -> list[dict]:
    rows = []
    picklists = PICKLISTS.get(entity.logical, {})
    for prop in entity.props:
        kind = "Picklist" if prop.name in picklists else (
            "Lookup" if prop.name.startswith("_") else _ATTRIBUTE_TYPES[prop.type])
        name = prop.name[1:-6] if prop.name.startswith("_") else prop.name
        rows.append(_selected({"LogicalName": name, "SchemaName": name, "AttributeType": kind,
                               "MetadataId": _attribute_id(entity, name), "IsPrimaryId": prop.name == entity.key,
                               "IsPrimaryName": prop.name == entity.primary_name}, select))
    return rows


def picklists(entity: EntitySet, select: list[str] | None) -> list[dict]:
    """Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata: each picklist with its options
    (the client reads OptionSet.Options[].Value and Label.LocalizedLabels[].Label)."""
    rows = []
    for name, choices in PICKLISTS.get(entity.logical, {}).items():
        row = {"LogicalName": name, "MetadataId": _attribute_id(entity, name),
               "OptionSet": {"Options": [{"Value": int(choice.value), "Label": _label(str(choice.label))}
                                         for choice in choices]}}
        base = _selected({k: v for k, v in row.items() if k != "OptionSet"}, select) if select else row
        base["OptionSet"] = row["OptionSet"]
        rows.append(base)
    return rows


def csdl() -> str:
    """$metadata: the six entity types, their keys, properties and navigation properties."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
             "<edmx:DataServices>",
             '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">']
    for entity in SETS.values():
        lines.append(f"<EntityType Name={quoteattr(entity.logical)}>")
        lines.append(f'<Key><PropertyRef Name={quoteattr(entity.key)} /></Key>')
        for prop in entity.props:
            lines.append(f"<Property Name={quoteattr(prop.name)} Type={quoteattr(prop.type)} />")
        for nav in entity.navs:
            target = SETS[nav.target].type_name
            kind = f"Collection({target})" if nav.many else target
            lines.append(f"<NavigationProperty Name={quoteattr(nav.name)} Type={quoteattr(kind)} />")
        lines.append("</EntityType>")
    lines.append('<EntityContainer Name="System">')
    for entity in SETS.values():
        lines.append(f"<EntitySet Name={quoteattr(entity.name)} EntityType={quoteattr(entity.type_name)} />")
    lines += ["</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>"]
    return "\n".join(lines)
