"""The six entity sets of the Dataverse Web API subset: each a property table (Dataverse column ->
ORM path, Edm type), its key, the navigation properties $expand follows, and the JSON of a row.

Lookups appear as `_<column>_value` (the related row's GUID), as the real service writes them;
the primary key is in every row whatever $select says; "@odata.etag" is the row's version.
"""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from environments_app.models import BusinessUnit, Position, SecurityRole
from users_app.models import Account, SystemUser, Team

GUID, TEXT, BOOL, INT, DATE = "Edm.Guid", "Edm.String", "Edm.Boolean", "Edm.Int32", "Edm.DateTimeOffset"
NAMESPACE = "Microsoft.Dynamics.CRM"


@dataclass(frozen=True)
class Prop:
    name: str
    path: str  # ORM path, "__" between relations
    type: str = TEXT
    nullable: bool = False

    @property
    def filter_path(self) -> str:
        return self.path.replace("__", "/")


@dataclass(frozen=True)
class Nav:
    """A navigation property: the entity set it leads to, many or one, and how to read it."""
    name: str
    target: str          # entity set name
    many: bool
    accessor: str        # attribute of the row: a related manager (many) or a related object (one)
    queryset_of: str = ""  # ORM lookup of the target back to the source row's pk (for lists)


@dataclass(frozen=True)
class EntitySet:
    name: str
    logical: str
    key: str
    primary_name: str
    model: type
    props: tuple[Prop, ...]
    related: tuple[str, ...] = ()
    navs: tuple[Nav, ...] = ()
    display: str = ""
    creatable: bool = False
    etag_field: str = ""
    by_name: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        self.by_name.update({p.name: p for p in self.props})

    @property
    def metadata_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dataverse:{self.logical}"))

    @property
    def type_name(self) -> str:
        return f"{NAMESPACE}.{self.logical}"

    def nav(self, name: str) -> Nav | None:
        return next((n for n in self.navs if n.name == name), None)

    def filter_aliases(self) -> dict[str, str]:
        return {p.name: p.filter_path for p in self.props}

    def order_aliases(self) -> dict[str, tuple[str, bool]]:
        return {p.name: (p.path, p.nullable) for p in self.props}

    def queryset(self, environment):
        queryset = self.model.objects.filter(environment=environment)
        return queryset.select_related(*self.related) if self.related else queryset


def _lookup(column: str, path: str) -> Prop:
    return Prop(f"_{column}_value", path, GUID, nullable=True)


SYSTEMUSER = EntitySet(
    name="systemusers", logical="systemuser", key="systemuserid", primary_name="fullname", model=SystemUser,
    display="User", creatable=True, etag_field="change_number",
    related=("businessunit", "parentsystemuser", "position"),
    props=(
        Prop("systemuserid", "systemuserid", GUID),
        Prop("domainname", "domainname"),
        Prop("fullname", "fullname"),
        Prop("firstname", "firstname"),
        Prop("lastname", "lastname"),
        Prop("internalemailaddress", "internalemailaddress"),
        Prop("jobtitle", "jobtitle"),
        Prop("title", "jobtitle"),
        Prop("address1_telephone1", "address1_telephone1"),
        Prop("mobilephone", "mobilephone"),
        Prop("homephone", "homephone"),
        Prop("address1_line1", "address1_line1"),
        Prop("address1_city", "address1_city"),
        Prop("address1_stateorprovince", "address1_stateorprovince"),
        Prop("address1_postalcode", "address1_postalcode"),
        Prop("address1_country", "address1_country"),
        Prop("azureactivedirectoryobjectid", "azureactivedirectoryobjectid", GUID, nullable=True),
        Prop("applicationid", "applicationid", GUID, nullable=True),
        Prop("isdisabled", "isdisabled", BOOL),
        Prop("accessmode", "accessmode", INT),
        Prop("setupuser", "setupuser", BOOL),
        Prop("issyncwithdirectory", "issyncwithdirectory", BOOL),
        Prop("invitestatuscode", "invitestatuscode", INT),
        Prop("deletedstate", "deletedstate", INT),
        Prop("createdon", "createdon", DATE),
        Prop("modifiedon", "modifiedon", DATE),
        _lookup("businessunitid", "businessunit__businessunitid"),
        _lookup("parentsystemuserid", "parentsystemuser__systemuserid"),
        _lookup("positionid", "position__positionid"),
    ),
    navs=(
        Nav("systemuserroles_association", "roles", True, "roles", "users"),
        Nav("teammembership_association", "teams", True, "teams", "members"),
        Nav("businessunitid", "businessunits", False, "businessunit"),
    ),
)

TEAM = EntitySet(
    name="teams", logical="team", key="teamid", primary_name="name", model=Team, display="Team", creatable=True,
    related=("businessunit", "administrator"),
    props=(
        Prop("teamid", "teamid", GUID),
        Prop("name", "name"),
        Prop("description", "description"),
        Prop("teamtype", "teamtype", INT),
        Prop("membershiptype", "membershiptype", INT),
        Prop("isdefault", "isdefault", BOOL),
        Prop("azureactivedirectoryobjectid", "azureactivedirectoryobjectid", GUID, nullable=True),
        _lookup("businessunitid", "businessunit__businessunitid"),
        _lookup("administratorid", "administrator__systemuserid"),
    ),
    navs=(
        Nav("teammembership_association", "systemusers", True, "members", "teams"),
        Nav("teamroles_association", "roles", True, "roles", "teams"),
        Nav("businessunitid", "businessunits", False, "businessunit"),
    ),
)

ROLE = EntitySet(
    name="roles", logical="role", key="roleid", primary_name="name", model=SecurityRole, display="Security Role",
    related=("business_unit",),
    props=(
        Prop("roleid", "roleid", GUID),
        Prop("name", "name"),
        Prop("ismanaged", "is_system", BOOL),
        _lookup("businessunitid", "business_unit__businessunitid"),
    ),
    navs=(
        Nav("systemuserroles_association", "systemusers", True, "users", "roles"),
        Nav("businessunitid", "businessunits", False, "business_unit"),
    ),
)

BUSINESS_UNIT = EntitySet(
    name="businessunits", logical="businessunit", key="businessunitid", primary_name="name", model=BusinessUnit,
    display="Business Unit", related=("parentbusinessunit",),
    props=(
        Prop("businessunitid", "businessunitid", GUID),
        Prop("name", "name"),
        _lookup("parentbusinessunitid", "parentbusinessunit__businessunitid"),
    ),
)

ACCOUNT = EntitySet(
    name="accounts", logical="account", key="accountid", primary_name="name", model=Account, display="Account",
    creatable=True, related=("owner",),
    props=(
        Prop("accountid", "accountid", GUID),
        Prop("name", "name"),
        Prop("createdon", "createdon", DATE),
        _lookup("ownerid", "owner__systemuserid"),
    ),
)

POSITION = EntitySet(
    name="positions", logical="position", key="positionid", primary_name="name", model=Position, display="Position",
    props=(
        Prop("positionid", "positionid", GUID),
        Prop("name", "name"),
    ),
)

SETS: dict[str, EntitySet] = {s.name: s for s in (SYSTEMUSER, TEAM, ROLE, BUSINESS_UNIT, ACCOUNT, POSITION)}
BY_LOGICAL: dict[str, EntitySet] = {s.logical: s for s in SETS.values()}


def _value(row, path: str):
    value = row
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return _plain(value)


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return value


def etag(entity: EntitySet, row) -> str:
    version = getattr(row, entity.etag_field) if entity.etag_field else row.pk
    return f'W/"{version}"'


def row_json(entity: EntitySet, row, columns: list[str], expands: list[tuple[Nav, EntitySet, list[str]]] = ()) -> dict:
    """One row: "@odata.etag", the chosen columns (the key always) and the expanded navigations."""
    body: dict = {"@odata.etag": etag(entity, row)}
    for name in dict.fromkeys([entity.key, *columns]):
        body[name] = _value(row, entity.by_name[name].path)
    for nav, target, target_columns in expands:
        if nav.many:
            body[nav.name] = [row_json(target, related, target_columns)
                              for related in getattr(row, nav.accessor).all()]
        else:
            related = getattr(row, nav.accessor)
            body[nav.name] = None if related is None else row_json(target, related, target_columns)
    return body
