"""The Dataverse Web API v9.2 endpoints of one environment. Views parse, call a service or a
selector, and render; every write goes through the service the portal's screens call, acting as
the caller (the API core's api_view)."""
from __future__ import annotations

import re
import uuid

from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse

from users_app.models import DirectoryUser, SystemUser, Team
from users_app.provisioning import rules
from users_app.provisioning.sync import environment_user_add
from users_app.services import audit, records

from .. import errors, odata
from ..endpoint import api_view, json_body
from ..errors import DATAVERSE
from . import metadata
from .access import Context, context, environment_of
from .entities import SETS, SYSTEMUSER, EntitySet, Nav, row_json

API_SEGMENT = "/api/data/v9.2/"
DEFAULT_PAGE_SIZE = 5000
_BIND = re.compile(r"(?:^|/)(\w+)\(([^()]*)\)/?$")

# PATCH /systemusers(<id>): what each column goes through.
SERVICE_COLUMNS = ("internalemailaddress", "accessmode", "isdisabled")
DIRECTORY_COLUMNS = ("domainname", "fullname", "firstname", "lastname", "jobtitle", "title", "address1_telephone1",
                     "mobilephone", "homephone", "address1_line1", "address1_city", "address1_stateorprovince",
                     "address1_postalcode", "address1_country")


# --- Parsing -------------------------------------------------------------------------------------


def api_root(request) -> str:
    return request.build_absolute_uri(request.path.split(API_SEGMENT)[0] + API_SEGMENT)


def _guid(text: str, entity: EntitySet) -> uuid.UUID:
    text = text.strip()
    if text.lower().startswith(f"{entity.key}="):
        text = text.split("=", 1)[1]
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError):
        raise errors.bad_request(DATAVERSE, f"Bad Request - Error in query syntax: '{text}' is not a valid key "
                                            f"for {entity.logical} (a GUID).") from None


def _entity(name: str, *, keyed: bool = True) -> EntitySet:
    entity = SETS.get(name)
    if entity is None and keyed:
        raise errors.bad_request(DATAVERSE, f"'{name}(...)' is not supported by this server: it answers the entity "
                                            f"sets {', '.join(SETS)} (no functions or actions).")
    if entity is None:
        raise errors.ApiError(404, "0x80060888", f"Resource not found for the segment '{name}'.")
    return entity


def _row(ctx: Context, entity: EntitySet, key: str, queryset=None):
    guid = _guid(key, entity)
    queryset = queryset if queryset is not None else entity.queryset(ctx.environment)
    row = queryset.filter(**{entity.key: guid}).first()
    if row is None:
        raise errors.ApiError(404, errors.DV_NOT_FOUND, f"{entity.logical} With Id = {guid} Does Not Exist")
    return row


def _bound(ctx: Context, value, field: str, expected: EntitySet):
    """The row an `x@odata.bind` names ("/businessunits(<guid>)" or an absolute URL); None for null."""
    if value is None:
        return None
    match = _BIND.search(value) if isinstance(value, str) else None
    if match is None or match.group(1) != expected.name:
        raise errors.bad_request(DATAVERSE, f"Invalid value for '{field}': expected '/{expected.name}(<guid>)'.")
    return _row(ctx, expected, match.group(2))


def _prefer(request) -> dict:
    prefs = {}
    for item in request.META.get("HTTP_PREFER", "").split(","):
        name, _, value = item.strip().partition("=")
        if name:
            prefs[name.strip().lower()] = value.strip().strip('"')
    return prefs


def _page_size(request) -> int | None:
    value = _prefer(request).get("odata.maxpagesize")
    if value is None:
        return None
    try:
        size = int(value)
    except ValueError:
        raise errors.bad_request(DATAVERSE, f"Prefer: odata.maxpagesize={value} is not a whole number.") from None
    if size < 1:
        raise errors.bad_request(DATAVERSE, "Prefer: odata.maxpagesize must be 1 or more.")
    return min(size, DEFAULT_PAGE_SIZE)


def _expands(opts: odata.Options, entity: EntitySet) -> list[tuple[Nav, EntitySet, list[str]]]:
    """$expand=nav($select=a,b) items as (navigation, target set, columns)."""
    result = []
    for item in opts.expand:
        name, _, inner = item.partition("(")
        nav = entity.nav(name.strip())
        if nav is None:
            raise errors.bad_request(DATAVERSE, f"Could not find a property named '{name.strip()}' on type "
                                                f"'{entity.type_name}' for $expand.")
        target = SETS[nav.target]
        inner = inner[:-1] if inner.endswith(")") else inner
        select = None
        for option in filter(None, (o.strip() for o in inner.split(";"))):
            key, _, value = option.partition("=")
            if key.strip() != "$select":
                raise errors.bad_request(DATAVERSE, f"$expand of {nav.name} takes $select only, not {key.strip()}.")
            select = [s.strip() for s in value.split(",") if s.strip()]
        columns = odata.select(odata.Options(select=select), target.by_name, [p.name for p in target.props],
                               DATAVERSE, always=[target.key])
        result.append((nav, target, columns))
    return result


def _with_expands(queryset, expands):
    for nav, target, _columns in expands:
        if nav.many:
            queryset = queryset.prefetch_related(
                Prefetch(nav.accessor, queryset=target.model.objects.select_related(*target.related)))
        else:
            queryset = queryset.select_related(nav.accessor, *(f"{nav.accessor}__{r}" for r in target.related))
    return queryset


def _unsupported_options(request) -> None:
    if "sql" in request.GET:
        raise errors.bad_request(DATAVERSE, "SQL queries (sql=) are not supported by this server: use $select, "
                                            "$filter, $orderby and $top.")
    for name in ("fetchXml", "savedQuery", "userQuery", "$apply", "$skip"):
        if name in request.GET:
            raise errors.bad_request(DATAVERSE, f"The query option '{name}' is not supported by this server.")


# --- Lists and single rows -----------------------------------------------------------------------


def _list(request, entity: EntitySet, queryset) -> JsonResponse:
    _unsupported_options(request)
    opts = odata.options(request, DATAVERSE)
    if opts.search:
        raise errors.bad_request(DATAVERSE, "$search is not supported on the Web API: use $filter.")
    columns = odata.select(opts, entity.by_name, [p.name for p in entity.props], DATAVERSE, always=[entity.key])
    expands = _expands(opts, entity)
    if opts.filter:
        queryset = queryset.filter(odata.filter_q(opts.filter, entity.filter_aliases(), entity.model, DATAVERSE))
    keys = odata.order(opts.orderby, entity.order_aliases(), DATAVERSE, key="pk")
    size = _page_size(request)
    page = odata.keyset_page(_with_expands(queryset, expands), keys, size=size or DEFAULT_PAGE_SIZE,
                             skiptoken=opts.skiptoken, api=DATAVERSE, remaining=opts.top)
    selected = ",".join(columns) if opts.select is not None else ""
    body: dict = {"@odata.context": f"{api_root(request)}$metadata#{entity.name}" + (f"({selected})" if selected else "")}
    if opts.count:
        body["@odata.count"] = queryset.count()
    body["value"] = [row_json(entity, row, columns, expands) for row in page.rows]
    link = odata.next_link(request, page.token, drop=("$top",))
    if link:
        body["@odata.nextLink"] = link
    response = JsonResponse(body)
    if size is not None:
        response["Preference-Applied"] = f"odata.maxpagesize={size}"
    response["OData-Version"] = "4.0"
    return response


def _one(request, entity: EntitySet, row, *, status: int = 200) -> JsonResponse:
    _unsupported_options(request)
    opts = odata.options(request, DATAVERSE)
    columns = odata.select(opts, entity.by_name, [p.name for p in entity.props], DATAVERSE, always=[entity.key])
    expands = _expands(opts, entity)
    if expands:
        row = _with_expands(type(row).objects.filter(pk=row.pk).select_related(*entity.related), expands).get()
    body = {"@odata.context": f"{api_root(request)}$metadata#{entity.name}/$entity", **row_json(entity, row, columns, expands)}
    response = JsonResponse(body, status=status)
    response["OData-Version"] = "4.0"
    return response


def _created(request, ctx: Context, entity: EntitySet, row) -> HttpResponse:
    """204 with OData-EntityId (the Dataverse client reads the GUID there); Prefer:
    return=representation: 201 with the row."""
    key = getattr(row, entity.key)
    location = f"{api_root(request)}{entity.name}({key})"
    if _prefer(request).get("return") == "representation":
        row = entity.queryset(ctx.environment).get(pk=row.pk)
        response = _one(request, entity, row, status=201)
        response["Preference-Applied"] = "return=representation"
    else:
        response = HttpResponse(status=204)
    response["OData-EntityId"] = location
    response["Location"] = location
    return response


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- Entity sets ---------------------------------------------------------------------------------


@api_view(DATAVERSE, methods=("GET", "POST"))
def collection(request, environment_id, entity_set):
    entity = _entity(entity_set, keyed=False)
    ctx = context(request, environment_id)
    if request.method == "GET":
        return _list(request, entity, entity.queryset(ctx.environment))
    body = _body(request)
    creators = {"systemusers": _create_systemuser, "teams": _create_team, "accounts": _create_account}
    if entity.name not in creators:
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are read-only through this API: "
                                                          "create them in the portal.", headers={"Allow": "GET"})
    row = creators[entity.name](ctx, body)
    return _created(request, ctx, entity, row)


def _body(request) -> dict:
    body = json_body(request, DATAVERSE)
    return {k: v for k, v in body.items() if not (k.startswith("@odata.") or ("@" in k and not k.endswith("@odata.bind")))}


def _check_columns(entity: EntitySet, body: dict, allowed) -> None:
    for name in body:
        if name not in allowed:
            if name.endswith("@odata.bind") or name in entity.by_name:
                raise errors.bad_request(DATAVERSE, f"'{name}' cannot be set here on {entity.logical}.")
            raise errors.bad_request(DATAVERSE, f"The property '{name}' does not exist on type '{entity.type_name}'.")


def _text(body: dict, name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.bad_request(DATAVERSE, f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise errors.bad_request(DATAVERSE, f"Invalid value for '{name}': a string is expected.")
    return value


def _create_systemuser(ctx: Context, body: dict) -> SystemUser:
    """SYNC-03: the on-demand add of Add user, for the directory user named by
    azureactivedirectoryobjectid or domainname; the directory's values fill the record (FIELD-01)."""
    ctx.require_write("prvCreateUser")
    _check_columns(SYSTEMUSER, body, (*DIRECTORY_COLUMNS, "internalemailaddress", "azureactivedirectoryobjectid",
                                      "businessunitid@odata.bind"))
    object_id, domain = _text(body, "azureactivedirectoryobjectid"), _text(body, "domainname")
    if not object_id and not domain:
        raise errors.bad_request(DATAVERSE, "A systemuser is created from a directory user: give domainname or "
                                            "azureactivedirectoryobjectid.")
    unit = _bound(ctx, body.get("businessunitid@odata.bind"), "businessunitid@odata.bind", SETS["businessunits"])
    users = DirectoryUser.objects.filter(deleted_state="")
    if object_id:
        users = users.filter(pk=_guid(object_id, SYSTEMUSER))
    if domain:
        users = users.filter(user_principal_name__iexact=domain.strip())
    directory_user = users.first()
    if directory_user is None:
        raise errors.ApiError(404, errors.DV_NOT_FOUND, f"The user {domain or object_id} was not found in the directory.")
    existing = SystemUser.objects.filter(environment=ctx.environment, azureactivedirectoryobjectid=directory_user.pk).first()
    if existing is not None:
        raise errors.ApiError(400, errors.DV_DUPLICATE, f"A record with matching key values already exists: "
                                                        f"systemuser {existing.systemuserid} ({existing.domainname}).")
    result = environment_user_add(environment=ctx.environment, directory_user=directory_user,
                                  initiated_by=audit.current_actor().name)
    rules.check_admitted(result.refused_by, user_name=directory_user.login_name, environment_name=ctx.environment.name)
    record = result.systemuser
    if record is None:
        raise errors.ApiError(400, errors.DV_RULE, f"SYNC-03: {directory_user.login_name} was not added to "
                                                   f"{ctx.environment.name} ({result.outcome}).")
    if unit is not None and unit.pk != record.businessunit_id:
        records.business_unit_change(systemuser=record, business_unit=unit)
    return record


def _create_team(ctx: Context, body: dict) -> Team:
    ctx.require_write("prvCreateTeam")
    _check_columns(SETS["teams"], body, ("name", "description", "teamtype", "businessunitid@odata.bind",
                                         "administratorid@odata.bind"))
    name = (_text(body, "name", required=True) or "").strip()
    if not name:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'name': a team needs a name.")
    teamtype = body.get("teamtype", 0)
    if not isinstance(teamtype, int) or isinstance(teamtype, bool) or teamtype not in (0, 1):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'teamtype': 0 (Owner) or 1 (Access); group teams "
                                            "follow their directory group (ROLE-07).")
    unit = _bound(ctx, body.get("businessunitid@odata.bind"), "businessunitid@odata.bind", SETS["businessunits"])
    admin = _bound(ctx, body.get("administratorid@odata.bind"), "administratorid@odata.bind", SYSTEMUSER)
    return records.team_create(environment=ctx.environment, name=name, business_unit=unit, teamtype=teamtype,
                               description=_text(body, "description") or "", administrator=admin)


def _create_account(ctx: Context, body: dict):
    ctx.require_write("prvCreateAccount")
    _check_columns(SETS["accounts"], body, ("name", "ownerid@odata.bind"))
    name = (_text(body, "name", required=True) or "").strip()
    if not name:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'name': an account needs a name.")
    owner = ctx.record
    if body.get("ownerid@odata.bind") is not None:
        owner = _bound(ctx, body["ownerid@odata.bind"], "ownerid@odata.bind", SYSTEMUSER)
    return records.account_create(environment=ctx.environment, name=name, owner=owner)


@api_view(DATAVERSE, methods=("GET", "PATCH", "DELETE"))
def item(request, environment_id, entity_set, key):
    entity = _entity(entity_set)
    ctx = context(request, environment_id)
    row = _row(ctx, entity, key)
    if request.method == "GET":
        return _one(request, entity, row)
    if request.method == "DELETE":
        return _delete(ctx, entity, row)
    if entity.name != "systemusers":
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are not updated through this API: "
                                                          "edit them in the portal.", headers={"Allow": "GET"})
    _update_systemuser(ctx, row, _body(request))
    return _no_content()


def _delete(ctx: Context, entity: EntitySet, row) -> HttpResponse:
    if entity.name == "systemusers":
        raise errors.ApiError(403, errors.DV_DELETE_REFUSED,
                              "LIFE-05: The Delete message is not supported for the systemuser entity: users are "
                              "disabled, not deleted (remove the user from the environment's security group or "
                              "its licence in the directory).")
    if entity.name == "teams":
        ctx.require_write("prvDeleteTeam")
        records.team_delete(team=row)
        return _no_content()
    raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are not deleted through this API.",
                          headers={"Allow": "GET"})


def _update_systemuser(ctx: Context, record: SystemUser, body: dict) -> None:
    """PATCH: each column through the service its screen uses, all in one audited action."""
    ctx.require_write("prvWriteUser")
    binds = {"businessunitid@odata.bind": SETS["businessunits"], "parentsystemuserid@odata.bind": SYSTEMUSER,
             "positionid@odata.bind": SETS["positions"]}
    _check_columns(SYSTEMUSER, body, (*SERVICE_COLUMNS, *DIRECTORY_COLUMNS, *binds))
    # Parse every value first: a malformed one refuses the whole PATCH before anything is written.
    email = _text(body, "internalemailaddress")
    mode = body.get("accessmode")
    if "accessmode" in body and (not isinstance(mode, int) or isinstance(mode, bool)):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'accessmode': a whole number (0 Read-Write, "
                                            "1 Administrative, 2 Read, 4 Non-interactive).")
    disabled = body.get("isdisabled")
    if "isdisabled" in body and not isinstance(disabled, bool):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'isdisabled': true or false.")
    bound = {name: _bound(ctx, body[name], name, target) for name, target in binds.items() if name in body}
    if "businessunitid@odata.bind" in bound and bound["businessunitid@odata.bind"] is None:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'businessunitid@odata.bind': every user has a business unit.")
    fields = {("jobtitle" if name == "title" else name): body[name] for name in DIRECTORY_COLUMNS if name in body}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise errors.bad_request(DATAVERSE, f"Invalid value for '{name}': a string is expected.")
    before = records.systemuser_state(record)
    with audit.action("Update user (Web API)", target=record, environment=ctx.environment) as entry:
        if fields:
            # Online records follow the directory (FIELD): the hand edit refuses them (ONPREM-02).
            records.on_premises_user_update(systemuser=record, **fields)
        if "isdisabled" in body:
            records.app_user_set_status(systemuser=record, enabled=not disabled)  # LIFE-01, APP-03
        if email is not None:
            records.primary_email_set(systemuser=_fresh(record), email=email)  # FIELD-04
        if "accessmode" in body:
            records.access_mode_set(systemuser=_fresh(record), mode=mode, actor_roles=ctx.caller.roles,
                                    actor_record=ctx.record)  # MODE-01..04
        if "businessunitid@odata.bind" in bound:
            records.business_unit_change(systemuser=_fresh(record), business_unit=bound["businessunitid@odata.bind"])
        if "parentsystemuserid@odata.bind" in bound:
            records.manager_set(systemuser=_fresh(record), manager=bound["parentsystemuserid@odata.bind"])
        if "positionid@odata.bind" in bound:
            records.position_set(systemuser=_fresh(record), position=bound["positionid@odata.bind"])
        after = records.systemuser_state(_fresh(record))
        for name, value in after.items():
            entry.change(name, before.get(name), value)


def _fresh(record: SystemUser) -> SystemUser:
    return SystemUser.objects.select_related("environment", "businessunit").get(pk=record.pk)


# --- Navigation properties and associations ------------------------------------------------------


@api_view(DATAVERSE, methods=("GET",))
def navigation(request, environment_id, entity_set, key, nav):
    entity = _entity(entity_set)
    navigation_property = entity.nav(nav)
    if navigation_property is None:
        raise errors.bad_request(DATAVERSE, f"Could not find a property named '{nav}' on type '{entity.type_name}'.")
    ctx = context(request, environment_id)
    row = _row(ctx, entity, key)
    target = SETS[navigation_property.target]
    if not navigation_property.many:
        related = getattr(row, navigation_property.accessor)
        return _one(request, target, target.queryset(ctx.environment).get(pk=related.pk))
    queryset = target.queryset(ctx.environment).filter(**{navigation_property.queryset_of: row})
    return _list(request, target, queryset)


ASSOCIATIONS = {
    # (entity set, navigation) -> (related entity set, the service pair, privilege)
    ("systemusers", "systemuserroles_association"): "roles",
    ("roles", "systemuserroles_association"): "systemusers",
    ("systemusers", "teammembership_association"): "teams",
    ("teams", "teammembership_association"): "systemusers",
    ("teams", "teamroles_association"): "roles",
}


@api_view(DATAVERSE, methods=("POST", "DELETE", "GET"))
def reference(request, environment_id, entity_set, key, nav, related=None):
    """POST {set}({id})/{nav}/$ref {"@odata.id": ".../{other}({id})"}: associate;
    DELETE {set}({id})/{nav}({other id})/$ref or {set}({id})/{nav}/$ref?$id=<url>: disassociate."""
    entity = _entity(entity_set)
    other_name = ASSOCIATIONS.get((entity.name, nav))
    if other_name is None:
        raise errors.bad_request(DATAVERSE, f"'{nav}' is not an association of {entity.logical} this server supports.")
    if request.method == "GET":
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, "List the association without /$ref.",
                              headers={"Allow": "POST, DELETE"})
    ctx = context(request, environment_id)
    row = _row(ctx, entity, key)
    other = SETS[other_name]
    if request.method == "POST":
        if related is not None:
            raise errors.bad_request(DATAVERSE, "POST to the association's /$ref, without a key.")
        target_url = json_body(request, DATAVERSE).get("@odata.id")
        other_row = _bound(ctx, target_url, "@odata.id", other)
        if other_row is None:
            raise errors.bad_request(DATAVERSE, "'@odata.id' is required: the URL of the row to associate.")
    else:
        if related is None:
            target_url = request.GET.get("$id")
            if not target_url:
                raise errors.bad_request(DATAVERSE, "Name the row to disassociate: .../{nav}(<id>)/$ref or ?$id=<url>.")
            other_row = _bound(ctx, target_url, "$id", other)
        else:
            other_row = _row(ctx, other, related)
    ctx.require_write("prvAssignRole" if "roles" in (entity.name, other.name) else "prvWriteTeam")
    pair = {entity.name: row, other.name: other_row}
    _associate(pair, nav, add=request.method == "POST")
    return _no_content()


def _associate(pair: dict, nav: str, *, add: bool) -> None:
    if nav == "systemuserroles_association":
        user, role = pair["systemusers"], pair["roles"]
        if add:
            if not records.role_assign(systemuser=user, role=role):  # ROLE-02
                raise errors.ApiError(400, errors.DV_DUPLICATE, f"Cannot insert duplicate key: {user.domainname} "
                                                                f"already holds the role '{role.name}'.")
        else:
            records.role_remove(systemuser=user, role=role)
    elif nav == "teammembership_association":
        team, user = pair["teams"], pair["systemusers"]
        if add:
            records.team_member_add(team=team, systemuser=user)  # ROLE-07
        else:
            records.team_member_remove(team=team, systemuser=user)
    else:
        team, role = pair["teams"], pair["roles"]
        roles = set(team.roles.all())
        roles = roles | {role} if add else roles - {role}
        records.team_roles_set(team=team, roles=roles)


# --- WhoAmI, metadata, and what is not supported -------------------------------------------------


@api_view(DATAVERSE, methods=("GET",))
def who_am_i(request, environment_id):
    ctx = context(request, environment_id)
    return JsonResponse({
        "@odata.context": f"{api_root(request)}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
        "BusinessUnitId": str(ctx.record.businessunit.businessunitid), "UserId": str(ctx.record.systemuserid),
        "OrganizationId": str(ctx.environment.environment_id)})


def _metadata_access(request, environment_id) -> None:
    """The metadata calls need only a caller that may use the environment."""
    context(request, environment_id)


@api_view(DATAVERSE, methods=("GET",))
def entity_definitions(request, environment_id):
    _metadata_access(request, environment_id)
    opts = odata.options(request, DATAVERSE)
    return JsonResponse({"@odata.context": f"{api_root(request)}$metadata#EntityDefinitions",
                         "value": metadata.definitions(opts.select, opts.filter)})


@api_view(DATAVERSE, methods=("GET",))
def entity_definition(request, environment_id, key, attributes=None, cast=None):
    _metadata_access(request, environment_id)
    entity = metadata.entity_of_key(key)
    opts = odata.options(request, DATAVERSE)
    if attributes is None:
        return JsonResponse({"@odata.context": f"{api_root(request)}$metadata#EntityDefinitions/$entity",
                             **metadata._selected(metadata.definition(entity), opts.select)})
    if cast is None:
        rows = metadata.attributes(entity, opts.select)
    elif cast == "Microsoft.Dynamics.CRM.PicklistAttributeMetadata":
        rows = metadata.picklists(entity, opts.select)
    else:
        raise errors.bad_request(DATAVERSE, f"The attribute type '{cast}' is not supported by this server.")
    return JsonResponse({"@odata.context": f"{api_root(request)}$metadata#EntityDefinitions('{entity.metadata_id}')/Attributes",
                         "value": rows})


@api_view(DATAVERSE, methods=("GET",))
def csdl(request, environment_id):
    environment_of(environment_id)
    response = HttpResponse(metadata.csdl(), content_type="application/xml")
    response["OData-Version"] = "4.0"
    return response


@api_view(DATAVERSE, methods=("GET", "POST", "PATCH", "PUT", "DELETE"))
def unsupported(request, environment_id, rest):
    environment_of(environment_id)
    first = rest.split("/")[0].split("(")[0]
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rest or "") and first not in ("WhoAmI", "EntityDefinitions"):
        raise errors.ApiError(404, "0x80060888", f"Resource not found for the segment '{first}'.")
    raise errors.bad_request(DATAVERSE, f"'{rest}' is not supported by this server: it answers the entity sets "
                                        f"{', '.join(SETS)}, their associations, WhoAmI, EntityDefinitions and "
                                        "$metadata (no $batch, functions or actions).")

