"""What the directory's Graph views share: ids in URLs, `$ref` bodies, collections with absolute
nextLinks, and Graph's own sentences for a reference that already exists or is missing.

The views themselves: groups.py (groups, members, owners, memberOf), roles.py (directoryRoles,
roleManagement/directory) and applications.py (applications, servicePrincipals). Each reads
through the ORM or a selector and writes only through users_app/services/directory/...
"""
from __future__ import annotations

import re
import uuid

from django.db.models.functions import Lower
from django.http import HttpResponse, JsonResponse
from odata_query import ast as odata_ast

from users_app.choices import DeletedState
from users_app.models import DirectoryUser
from users_app.provisioning.rules.admin_roles import Action
from users_app.services.directory.rights import require_right

from .. import errors, odata
from ..endpoint import json_body
from ..errors import GRAPH

DEFAULT_PAGE, MAX_PAGE = 100, 999
# The trailing id of an "@odata.id": real Graph wants .../v1.0/directoryObjects/{id}; a clone also
# takes its own base, and /users/{id} or /groups/{id}.
_REF = re.compile(r"(?:^|/)(directoryObjects|users|groups)/([^/?#]+)/?$")


def require_read() -> None:
    """DIR-05: every admin role reads the directory; an app needs a granted read permission."""
    require_right(Action.READ)


def missing(key) -> errors.ApiError:
    return errors.not_found(GRAPH, f"Resource '{key}' does not exist or one of its queried reference-property "
                                   f"objects are not present.")


def parse_id(key: str) -> uuid.UUID:
    """An object id from the URL (a GUID); anything else names no object: 404."""
    try:
        return uuid.UUID(str(key))
    except ValueError:
        raise missing(key) from None


def already_exists(prop: str) -> errors.ApiError:
    return errors.bad_request(GRAPH, "One or more added object references already exist for the following "
                                     f"modified properties: '{prop}'.")


def live_user(key: str) -> DirectoryUser:
    """A user by object id or user principal name, not deleted (404 otherwise)."""
    queryset = DirectoryUser.objects.filter(deleted_state=DeletedState.NONE)
    if "\x00" in str(key):  # no name holds one, and PostgreSQL refuses it in a query
        raise missing(key.replace("\x00", ""))
    try:
        user = queryset.filter(pk=uuid.UUID(str(key))).first()
    except ValueError:
        user = queryset.annotate(upn_lower=Lower("user_principal_name")).filter(upn_lower=str(key).lower()).first()
    if user is None:
        raise missing(key)
    return user


def ref_target(request) -> tuple[str, str]:
    """(collection, id) of the `$ref` body's "@odata.id": collection is directoryObjects, users or groups."""
    body = json_body(request, GRAPH)
    ref = body.get("@odata.id")
    if not isinstance(ref, str) or not ref.strip():
        raise errors.bad_request(GRAPH, "The request body needs '@odata.id': the URL of the object to add, "
                                        "such as https://graph.microsoft.com/v1.0/directoryObjects/{id}.")
    return ref_of(ref, "@odata.id")


def ref_of(ref: str, field: str) -> tuple[str, str]:
    """(collection, id) of an object's URL, as `$ref` bodies and `members@odata.bind` lists give it."""
    match = _REF.search(ref.strip()) if isinstance(ref, str) else None
    if match is None:
        raise errors.bad_request(GRAPH, f"Invalid '{field}' {ref!r}: it must end in /directoryObjects/{{id}}, "
                                        "/users/{id} or /groups/{id}.")
    return match.group(1), match.group(2)


def string_field(body: dict, name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.bad_request(GRAPH, f"Property '{name}' is required.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_request(GRAPH, f"Invalid value for property '{name}': a non-empty string is expected.")
    return value


def bool_field(body: dict, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise errors.bad_request(GRAPH, f"Invalid value for property '{name}': true or false is expected.")
    return value


def refuse_unknown(body: dict, known) -> None:
    """A property this portal does not keep is refused (400 naming it) rather than dropped;
    "@odata.*" annotations are ignored."""
    for name in body:
        if "@odata." in name and not name.endswith("@odata.bind"):
            continue
        if name not in known:
            raise errors.bad_request(GRAPH, f"Property '{name}' is not supported here; the properties taken "
                                            f"are {', '.join(sorted(known))}.")


_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


_LITERALS = {"guid": (odata_ast.GUID,), "bool": (odata_ast.Boolean,), "string": (odata_ast.String,)}


def _check_types(text: str, types: dict) -> None:
    """Each literal compared with a property is of that property's type (a 400 naming it if not):
    the database is never asked to compare a uuid or a boolean column with text, which PostgreSQL
    refuses with an error."""
    tree = odata.parse(text, GRAPH)

    def literals(node) -> list:
        if isinstance(node, odata_ast.List):
            return list(node.val)
        return [node] if isinstance(node, odata_ast._Literal) else []

    def check(name: str, values: list, *, in_call: bool = False) -> None:
        kind = types.get(name)
        if kind is None:
            return
        for value in values:
            if isinstance(value, odata_ast.Null) and not in_call:
                continue
            if in_call and kind != "string" or not isinstance(value, _LITERALS[kind]):
                raise errors.bad_request(GRAPH, f"Invalid $filter: property '{name}' is compared with a value "
                                                f"that is not a {'GUID' if kind == 'guid' else kind}.")

    def walk(node) -> None:
        if isinstance(node, odata_ast.Compare):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(side, odata_ast.Identifier):
                    check(side.name, literals(other))
        elif isinstance(node, odata_ast.Call):
            names = [arg.name for arg in node.args if isinstance(arg, odata_ast.Identifier)]
            values = [v for arg in node.args for v in literals(arg)]
            for name in names:
                check(name, values, in_call=True)
        for child in vars(node).values() if isinstance(node, odata_ast._Node) else ():
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, odata_ast._Node):
                    walk(item)

    walk(tree)


def filter_q(text: str, aliases: dict, model, *, types: dict):
    """odata.filter_q, for Graph: quoted GUIDs compared to a GUID property (`id eq '...'`) read as
    GUIDs, so that they match a uuid column on every database (SQLite keeps uuids as hex without
    dashes, which a text literal never equals); `types` (property -> guid, bool or string) checked."""
    from .. import odata

    if "\x00" in text:
        raise errors.bad_request(GRAPH, "Invalid $filter: it holds a NUL character.")
    names = "|".join(re.escape(name) for name, kind in types.items() if kind == "guid") or "(?!)"

    def unquote(match) -> str:
        literals = re.findall(r"'((?:[^']|'')*)'", match.group(3))
        bad = [value for value in literals if not re.fullmatch(_GUID, value)]
        if bad:
            raise errors.bad_request(GRAPH, f"Invalid $filter: '{bad[0]}' is not a valid GUID for "
                                            f"property '{match.group(1)}'.")
        return match.group(1) + match.group(2) + re.sub(r"'([^']*)'", r"\1", match.group(3))

    pattern = re.compile(rf"(?<![\w/])({names})(\s+(?:eq|ne)\s+|\s+in\s+)('(?:[^']|'')*'|\([^)]*\))")
    text = pattern.sub(unquote, text)
    _check_types(text, types)
    return odata.filter_q(text, aliases, model, GRAPH)


def page_size(opts) -> int:
    """$top is the page size (Graph's); 100 without it. $top=0 asks for no rows."""
    return DEFAULT_PAGE if opts.top is None else opts.top


def collection(request, values: list, *, token: str | None = None, count: int | None = None) -> JsonResponse:
    from ..odata import next_link

    body: dict = {"@odata.context": request.build_absolute_uri("/v1.0/$metadata")}
    if count is not None:
        body["@odata.count"] = count
    body["value"] = values
    link = next_link(request, token)
    if link:
        body["@odata.nextLink"] = link
    return JsonResponse(body)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


def created(body: dict) -> JsonResponse:
    return JsonResponse(body, status=201)
