"""Reading the Dataverse Web API's requests and writing its answers: keys and `@odata.bind`
references, the Prefer header, $expand, lists with keyset paging behind absolute nextLinks, one
row, and the created row's OData-EntityId."""
from __future__ import annotations

import re
import uuid

from django.db import DataError, transaction
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse

from .. import errors, odata
from ..errors import DATAVERSE
from .access import Context
from .entities import SETS, EntitySet, Nav, row_json

API_SEGMENT = "/api/data/v9.2/"
DEFAULT_PAGE_SIZE = 5000
_BIND = re.compile(r"(?:^|/)(\w+)\(([^()]*)\)/?$")


def api_root(request) -> str:
    return request.build_absolute_uri(request.path.split(API_SEGMENT)[0] + API_SEGMENT)


def guid_of(text: str, entity: EntitySet) -> uuid.UUID:
    text = text.strip()
    if text.lower().startswith(f"{entity.key}="):
        text = text.split("=", 1)[1]
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError):
        raise errors.bad_request(DATAVERSE, f"Bad Request - Error in query syntax: '{text}' is not a valid key "
                                            f"for {entity.logical} (a GUID).") from None


def entity_of(name: str, *, keyed: bool = True) -> EntitySet:
    entity = SETS.get(name)
    if entity is None and keyed:
        raise errors.bad_request(DATAVERSE, f"'{name}(...)' is not supported by this server: it answers the entity "
                                            f"sets {', '.join(SETS)} (no functions or actions).")
    if entity is None:
        raise errors.ApiError(404, "0x80060888", f"Resource not found for the segment '{name}'.")
    return entity


def row_of(ctx: Context, entity: EntitySet, key: str, queryset=None):
    guid = guid_of(key, entity)
    queryset = queryset if queryset is not None else entity.queryset(ctx.environment)
    row = queryset.filter(**{entity.key: guid}).first()
    if row is None:
        raise errors.ApiError(404, errors.DV_NOT_FOUND, f"{entity.logical} With Id = {guid} Does Not Exist")
    return row


def bound(ctx: Context, value, field: str, expected: EntitySet):
    """The row an `x@odata.bind` names ("/businessunits(<guid>)" or an absolute URL); None for null."""
    if value is None:
        return None
    match = _BIND.search(value) if isinstance(value, str) else None
    if match is None or match.group(1) != expected.name:
        raise errors.bad_request(DATAVERSE, f"Invalid value for '{field}': expected '/{expected.name}(<guid>)'.")
    return row_of(ctx, expected, match.group(2))


def prefer(request) -> dict:
    prefs = {}
    for item in request.META.get("HTTP_PREFER", "").split(","):
        name, _, value = item.strip().partition("=")
        if name:
            prefs[name.strip().lower()] = value.strip().strip('"')
    return prefs


def page_size(request) -> int | None:
    value = prefer(request).get("odata.maxpagesize")
    if value is None:
        return None
    try:
        size = int(value)
    except ValueError:
        raise errors.bad_request(DATAVERSE, f"Prefer: odata.maxpagesize={value} is not a whole number.") from None
    if size < 1:
        raise errors.bad_request(DATAVERSE, "Prefer: odata.maxpagesize must be 1 or more.")
    return min(size, DEFAULT_PAGE_SIZE)


def expands_of(opts: odata.Options, entity: EntitySet) -> list[tuple[Nav, EntitySet, list[str]]]:
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


def with_expands(queryset, expands):
    for nav, target, _columns in expands:
        if nav.many:
            queryset = queryset.prefetch_related(
                Prefetch(nav.accessor, queryset=target.model.objects.select_related(*target.related)))
        else:
            queryset = queryset.select_related(nav.accessor, *(f"{nav.accessor}__{r}" for r in target.related))
    return queryset


def unsupported_options(request) -> None:
    if "sql" in request.GET:
        raise errors.bad_request(DATAVERSE, "SQL queries (sql=) are not supported by this server: use $select, "
                                            "$filter, $orderby and $top.")
    for name in ("fetchXml", "savedQuery", "userQuery", "$apply", "$skip"):
        if name in request.GET:
            raise errors.bad_request(DATAVERSE, f"The query option '{name}' is not supported by this server.")


# --- Lists and single rows -----------------------------------------------------------------------


def list_response(request, entity: EntitySet, queryset) -> JsonResponse:
    unsupported_options(request)
    opts = odata.options(request, DATAVERSE)
    if opts.search:
        raise errors.bad_request(DATAVERSE, "$search is not supported on the Web API: use $filter.")
    columns = odata.select(opts, entity.by_name, [p.name for p in entity.props], DATAVERSE, always=[entity.key])
    expands = expands_of(opts, entity)
    if opts.filter:
        queryset = queryset.filter(odata.filter_q(opts.filter, entity.filter_aliases(), entity.model, DATAVERSE))
    keys = odata.order(opts.orderby, entity.order_aliases(), DATAVERSE, key="pk")
    size = page_size(request)
    try:
        # A literal the database cannot read as its column's type ('x' for a GUID or a number) fails
        # only when the query runs: a 400, in a savepoint so that the connection stays usable.
        with transaction.atomic():
            page = odata.keyset_page(with_expands(queryset, expands), keys, size=size or DEFAULT_PAGE_SIZE,
                                     skiptoken=opts.skiptoken, api=DATAVERSE, remaining=opts.top)
            count = queryset.count() if opts.count else None
    except (DataError, OverflowError):
        raise errors.bad_request(DATAVERSE, "Invalid $filter: a value does not fit the type of the property it is "
                                            "compared with (GUIDs are written without quotes).") from None
    selected = ",".join(columns) if opts.select is not None else ""
    body: dict = {"@odata.context": f"{api_root(request)}$metadata#{entity.name}" + (f"({selected})" if selected else "")}
    if count is not None:
        body["@odata.count"] = count
    body["value"] = [row_json(entity, row, columns, expands) for row in page.rows]
    link = odata.next_link(request, page.token, drop=("$top",))
    if link:
        body["@odata.nextLink"] = link
    response = JsonResponse(body)
    if size is not None:
        response["Preference-Applied"] = f"odata.maxpagesize={size}"
    response["OData-Version"] = "4.0"
    return response


def one_response(request, entity: EntitySet, row, *, status: int = 200) -> JsonResponse:
    unsupported_options(request)
    opts = odata.options(request, DATAVERSE)
    columns = odata.select(opts, entity.by_name, [p.name for p in entity.props], DATAVERSE, always=[entity.key])
    expands = expands_of(opts, entity)
    if expands:
        row = with_expands(type(row).objects.filter(pk=row.pk).select_related(*entity.related), expands).get()
    body = {"@odata.context": f"{api_root(request)}$metadata#{entity.name}/$entity", **row_json(entity, row, columns, expands)}
    response = JsonResponse(body, status=status)
    response["OData-Version"] = "4.0"
    return response


def created_response(request, ctx: Context, entity: EntitySet, row) -> HttpResponse:
    """204 with OData-EntityId; Prefer: return=representation: 201 with the row.

    The Dataverse client takes the FIRST GUID it finds in OData-EntityId (then Location) as the new
    row's id. The org URL here holds the environment's GUID (/dataverse/<environment id>), so an
    absolute entity id would hand the client the environment's id: OData-EntityId is the entity id
    relative to the service root ("systemusers(<guid>)"), and Location the absolute URL."""
    key = getattr(row, entity.key)
    entity_id = f"{entity.name}({key})"
    location = f"{api_root(request)}{entity_id}"
    if prefer(request).get("return") == "representation":
        row = entity.queryset(ctx.environment).get(pk=row.pk)
        response = one_response(request, entity, row, status=201)
        response["Preference-Applied"] = "return=representation"
    else:
        response = HttpResponse(status=204)
    response["OData-EntityId"] = entity_id
    response["Location"] = location
    return response


def no_content() -> HttpResponse:
    return HttpResponse(status=204)
