"""The Dataverse Web API v9.2 endpoints of one environment. Views parse (query.py), call a service
(writes.py) or read (entities.py), and render; every write goes through the service the portal's
screens call, acting as the caller (the API core's api_view)."""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse

from .. import errors, odata
from ..endpoint import api_view, json_body
from ..errors import DATAVERSE
from . import metadata, writes
from .access import context, environment_of
from .entities import SETS
from .query import api_root, bound, created_response, entity_of, list_response, no_content, one_response, row_of


# --- Entity sets ---------------------------------------------------------------------------------


@api_view(DATAVERSE, methods=("GET", "POST"))
def collection(request, environment_id, entity_set):
    entity = entity_of(entity_set, keyed=False)
    ctx = context(request, environment_id)
    if request.method == "GET":
        return list_response(request, entity, entity.queryset(ctx.environment))
    body = writes.request_body(request)
    creators = {"systemusers": writes.create_systemuser, "teams": writes.create_team, "accounts": writes.create_account}
    if entity.name not in creators:
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are read-only through this API: "
                                                          "create them in the portal.", headers={"Allow": "GET"})
    row = creators[entity.name](ctx, body)
    return created_response(request, ctx, entity, row)


@api_view(DATAVERSE, methods=("GET", "PATCH", "DELETE"))
def item(request, environment_id, entity_set, key):
    entity = entity_of(entity_set)
    ctx = context(request, environment_id)
    row = row_of(ctx, entity, key)
    if request.method == "GET":
        return one_response(request, entity, row)
    if request.method == "DELETE":
        return writes.delete_row(ctx, entity, row)
    if entity.name != "systemusers":
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are not updated through this API: "
                                                          "edit them in the portal.", headers={"Allow": "GET"})
    writes.update_systemuser(ctx, row, writes.request_body(request))
    return no_content()


# --- Navigation properties and associations ------------------------------------------------------


@api_view(DATAVERSE, methods=("GET",))
def navigation(request, environment_id, entity_set, key, nav):
    entity = entity_of(entity_set)
    navigation_property = entity.nav(nav)
    if navigation_property is None:
        raise errors.bad_request(DATAVERSE, f"Could not find a property named '{nav}' on type '{entity.type_name}'.")
    ctx = context(request, environment_id)
    row = row_of(ctx, entity, key)
    target = SETS[navigation_property.target]
    if not navigation_property.many:
        related = getattr(row, navigation_property.accessor)
        return one_response(request, target, target.queryset(ctx.environment).get(pk=related.pk))
    queryset = target.queryset(ctx.environment).filter(**{navigation_property.queryset_of: row})
    return list_response(request, target, queryset)


ASSOCIATIONS = {
    # (entity set, navigation) -> the entity set at the other end
    ("systemusers", "systemuserroles_association"): "roles",
    ("roles", "systemuserroles_association"): "systemusers",
    ("systemusers", "teammembership_association"): "teams",
    ("teams", "teammembership_association"): "systemusers",
    ("teams", "teamroles_association"): "roles",
}


@api_view(DATAVERSE, methods=("POST", "DELETE", "GET"))
def reference(request, environment_id, entity_set, key, nav, related=None):
    """POST {set}({id})/{nav}/$ref {"@odata.id": ".../{other}({id})"}: writes.associate;
    DELETE {set}({id})/{nav}({other id})/$ref or {set}({id})/{nav}/$ref?$id=<url>: disassociate."""
    entity = entity_of(entity_set)
    other_name = ASSOCIATIONS.get((entity.name, nav))
    if other_name is None:
        raise errors.bad_request(DATAVERSE, f"'{nav}' is not an association of {entity.logical} this server supports.")
    if request.method == "GET":
        raise errors.ApiError(405, errors.DV_BAD_REQUEST, "List the association without /$ref.",
                              headers={"Allow": "POST, DELETE"})
    ctx = context(request, environment_id)
    row = row_of(ctx, entity, key)
    other = SETS[other_name]
    if request.method == "POST":
        if related is not None:
            raise errors.bad_request(DATAVERSE, "POST to the association's /$ref, without a key.")
        target_url = json_body(request, DATAVERSE).get("@odata.id")
        other_row = bound(ctx, target_url, "@odata.id", other)
        if other_row is None:
            raise errors.bad_request(DATAVERSE, "'@odata.id' is required: the URL of the row to writes.associate.")
    else:
        if related is None:
            target_url = request.GET.get("$id")
            if not target_url:
                raise errors.bad_request(DATAVERSE, "Name the row to disassociate: .../{nav}(<id>)/$ref or ?$id=<url>.")
            other_row = bound(ctx, target_url, "$id", other)
        else:
            other_row = row_of(ctx, other, related)
    ctx.require_write("prvAssignRole" if "roles" in (entity.name, other.name) else "prvWriteTeam")
    pair = {entity.name: row, other.name: other_row}
    writes.associate(pair, nav, add=request.method == "POST")
    return no_content()


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
    if rest == "" and request.method == "GET":  # the service document
        return JsonResponse({"@odata.context": f"{api_root(request)}$metadata",
                             "value": [{"name": name, "kind": "EntitySet", "url": name} for name in SETS]})
    raise errors.bad_request(DATAVERSE, f"'{rest}' is not supported by this server: it answers the entity sets "
                                        f"{', '.join(SETS)}, their associations, WhoAmI, EntityDefinitions and "
                                        "$metadata (no $batch, functions or actions).")
