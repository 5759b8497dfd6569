"""What the Graph users endpoints share (users.py, users_licences.py, users_deleted.py): who may read,
finding a user by object id or user principal name, the Graph -> model property tables for
$filter, $orderby and writes, $search, and a keyset-paged list in Graph's shape.

Reading needs Action.READ (any admin role, or an app granted a permission that stands for one); a
directory user without an admin role may read only itself (/me, /users/{own id}). Writes are
checked by the services (DIR-05), as the screens' are.
"""
from __future__ import annotations

import re
import uuid

from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from odata_query import ast as odata_ast
from odata_query.grammar import ODataLexer
from odata_query.visitor import NodeVisitor

from users_app import list_search
from users_app.choices import DeletedState
from users_app.models import DirectoryUser
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules.admin_roles import Action
from users_app.services.directory import directory_user_find

from .. import errors, odata
from ..errors import GRAPH
from . import objects

MAX_TOP = 999
DEFAULT_TOP = 100
INSUFFICIENT = "Insufficient privileges to complete the operation."
CONSISTENCY_HELP = "requires the header 'ConsistencyLevel: eventual'"

# Graph property -> DirectoryUser field, for $filter.
FILTER_ALIASES = {
    "id": "id",
    "userPrincipalName": "user_principal_name",
    "displayName": "display_name",
    "givenName": "given_name",
    "surname": "surname",
    "mail": "mail",
    "jobTitle": "job_title",
    "department": "department",
    "officeLocation": "office_location",
    "accountEnabled": "account_enabled",
    "userType": "user_type",
    "usageLocation": "usage_location",
    "mobilePhone": "mobile_phone",
    "streetAddress": "street_address",
    "city": "city",
    "state": "state",
    "postalCode": "postal_code",
    "country": "country",
    "createdDateTime": "created_on",
}
# Graph property -> (field, nullable), for $orderby (as Graph: displayName and userPrincipalName).
ORDER_ALIASES = {"displayName": ("display_name", False), "userPrincipalName": ("user_principal_name", False)}
# $search "property:value": the properties Graph searches, each one a column of the search index.
SEARCH_ALIASES = {"displayName": "display_name", "userPrincipalName": "user_principal_name", "mail": "mail",
                  "givenName": "given_name", "surname": "surname"}


# --- rights -----------------------------------------------------------------------------------


def may_read(caller) -> bool:
    return admin_roles.may(caller.roles, Action.READ)


def require_read(caller, user: DirectoryUser | None = None) -> None:
    """403 unless the caller may read the directory (or `user` is the caller itself)."""
    if user is not None and caller.user is not None and caller.user.pk == user.pk:
        return
    if not may_read(caller):
        raise errors.denied(GRAPH, INSUFFICIENT)


# --- finding one user -------------------------------------------------------------------------


def not_found(key: str) -> errors.ApiError:
    return errors.not_found(GRAPH, f"Resource '{key}' does not exist or one of its queried reference-property "
                                   f"objects are not present.")


def live_user(key: str) -> DirectoryUser:
    """The user the path names by object id or user principal name (already percent-decoded by the
    URL resolver; compared ignoring case). A deleted user is not found here (DIR-04, DIR-11): it
    lives under /directory/deletedItems."""
    user = None
    if "@" in key:
        found = directory_user_find(key)
        if found is not None and found.deleted_state == DeletedState.NONE:
            user = found
    else:
        return _by_object_id(key, DeletedState.NONE)
    if user is None:
        raise not_found(key)
    return user


def deleted_user(key: str) -> DirectoryUser:
    """A soft-deleted user by object id (deletedItems); purged ones are gone."""
    return _by_object_id(key, DeletedState.SOFT)


def _by_object_id(key: str, state: str) -> DirectoryUser:
    """The user whose object id is `key` and whose deleted state is `state` (404 otherwise)."""
    try:
        object_id = uuid.UUID(key)
    except ValueError:
        raise not_found(key) from None
    user = DirectoryUser.objects.filter(pk=object_id, deleted_state=state).first()
    if user is None:
        raise not_found(key)
    return user


# --- lists ------------------------------------------------------------------------------------

_SEARCH_TERM = re.compile(r'\s*"([A-Za-z]+):([^"]*)"\s*')


def search_q(text: str) -> Q:
    """$search: `"property:value"` clauses joined by AND / OR (as Graph takes them). Each is
    answered through the trigram search index where it helps (users_app.list_search), then the
    property's own case-insensitive `contains`."""
    q, joiner, position = None, None, 0
    while True:
        match = _SEARCH_TERM.match(text, position)
        if match is None:
            raise errors.bad_request(GRAPH, 'Invalid $search: write "property:value" clauses, joined by AND or OR, '
                                            'for example $search="displayName:adele".')
        name, value = match.groups()
        if name not in SEARCH_ALIASES:
            raise errors.bad_request(GRAPH, f"Could not find a property named '{name}' for $search.")
        term = Q(**{f"{SEARCH_ALIASES[name]}__icontains": value})
        if list_search.usable(value):
            candidates = list_search.candidates(list_search.DIRECTORYUSER, value)
            if candidates is not None:
                term = candidates & term
        q = term if q is None else (q & term if joiner == "AND" else q | term)
        position = match.end()
        if position >= len(text):
            return q
        rest = text[position:]
        word = rest.split(None, 1)[0] if rest.split() else ""
        if word not in ("AND", "OR"):
            raise errors.bad_request(GRAPH, f"Invalid $search: '{rest.strip()}' follows a clause; join clauses "
                                            f"with AND or OR.")
        joiner = word
        position += rest.index(word) + len(word)


_LITERALS = {"id": (odata_ast.GUID,), "accountEnabled": (odata_ast.Boolean,),
             "createdDateTime": (odata_ast.DateTime, odata_ast.Date)}
_KIND = {odata_ast.GUID: "a GUID", odata_ast.Boolean: "true or false", odata_ast.DateTime: "a date and time",
         odata_ast.String: "a quoted text"}


class _LiteralTypes(NodeVisitor):
    """Each value compared with a property must be of its type (a GUID for id, true or false, a
    date, else a text): PostgreSQL refuses a comparison of mismatched types, where SQLite finds
    nothing. The first mismatch is kept as (property, value, what it needs)."""

    def __init__(self):
        self.bad: tuple[str, object, str] | None = None

    def _check(self, name: str, value) -> None:
        if self.bad is not None or isinstance(value, (odata_ast.Null, odata_ast.Identifier, odata_ast.Attribute)):
            return
        allowed = _LITERALS.get(name, (odata_ast.String,))
        if not isinstance(value, allowed):
            self.bad = (name, getattr(value, "val", value), _KIND[allowed[0]])

    def visit_Compare(self, node: odata_ast.Compare) -> None:
        if isinstance(node.left, odata_ast.Identifier):
            values = node.right.val if isinstance(node.right, odata_ast.List) else [node.right]
            for value in values:
                self._check(node.left.full_name(), value)
        self.generic_visit(node)

    def visit_Call(self, node: odata_ast.Call) -> None:  # contains / startswith / endswith (property, text)
        if len(node.args) == 2 and isinstance(node.args[0], odata_ast.Identifier):
            if not isinstance(node.args[1], odata_ast.String):
                self.bad = self.bad or (node.args[0].full_name(), getattr(node.args[1], "val", node.args[1]),
                                        "a quoted text")
        for arg in node.args:
            self.visit(arg)


# Compared ignoring case with eq / ne, as Graph compares them (lower(user_principal_name) is indexed).
CASE_INSENSITIVE = ("userPrincipalName", "mail")


def _string_end(text: str, start: int) -> int:
    """The index after the OData text literal opening at `start` ('' is a quote inside it)."""
    position = start + 1
    while position < len(text):
        if text[position] == "'":
            if text[position + 1:position + 2] == "'":
                position += 2
                continue
            return position + 1
        position += 1
    return len(text)


def _graph_filter_text(text: str) -> str:
    """Graph's $filter as OData text the parser reads the way Graph means it:
    - an id is written as text (`id eq '6e7b...'`): as a GUID literal (`id eq 6e7b...`), which
      every database compares right with a uuid column (SQLite stores 32 hex digits: the quoted
      form would find nothing); text that is no GUID stays, for user_filter_q to refuse;
    - userPrincipalName and mail eq / ne 'text' ignore case: tolower() on both sides."""
    try:
        tokens = [t for t in ODataLexer().tokenize(text) if t.type != "WS"]
    except Exception:  # noqa: BLE001 - odata.filter_q answers the parse error
        return text
    edits = []  # (start, end, replacement)
    state, name, name_token = None, None, None  # state: None, "op" (after a property), "one" / "list"
    for token in tokens:
        kind = token.type
        if kind == "ODATA_IDENTIFIER":
            state, name, name_token = "op", getattr(token.value, "name", None), token
        elif state == "op" and kind in ("EQ", "NE"):
            state = "one"
        elif state == "op" and kind == "IN":
            state = "list"
        elif state in ("one", "list") and kind == "STRING" and text[token.index:token.index + 1] == "'":
            value, stop = token.value.val, _string_end(text, token.index)
            if name == "id":
                try:
                    uuid.UUID(value)
                    edits.append((token.index, stop, value))
                except ValueError:
                    pass
            elif name in CASE_INSENSITIVE and state == "one":
                edits.append((name_token.index, name_token.index + len(name), f"tolower({name})"))
                edits.append((token.index, stop, f"tolower({text[token.index:stop]})"))
            state = None if state == "one" else "list"
        elif state == "list" and kind in ("(", ","):
            continue
        else:
            state = None
    for start, stop, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[stop:]
    return text


def user_filtered(queryset, text: str):
    """`queryset` filtered by $filter; an expression that is no condition (`not accountEnabled`,
    a bare property) is a 400."""
    q = user_filter_q(text)
    try:
        return queryset.filter(q)
    except (TypeError, ValueError) as error:
        raise errors.bad_request(GRAPH, f"Invalid $filter: {error} Compare a property with a value "
                                        f"(accountEnabled eq false).") from None


def user_filter_q(text: str) -> Q:
    """$filter over directory users (odata.filter_q); a value of the wrong type for its property
    (an id that is no GUID, accountEnabled eq 'yes'...) is a 400 that names the property."""
    text = _graph_filter_text(text)
    q = odata.filter_q(text, FILTER_ALIASES, DirectoryUser, GRAPH)  # a parse error is its 400
    seen = _LiteralTypes()
    seen.visit(odata.parse(text, GRAPH))
    if seen.bad:
        name, value, kind = seen.bad
        raise errors.bad_request(GRAPH, f"Invalid $filter: '{value}' is not a valid value for property '{name}' "
                                        f"({kind}).")
    return q


def consistency_required(request, opts: odata.Options) -> None:
    """$count and $search need `ConsistencyLevel: eventual`, as in Graph (400 without). The SDK does
    not repeat the header when it follows a nextLink: a request with $skiptoken is a next page."""
    if opts.skiptoken:
        return
    eventual = request.headers.get("ConsistencyLevel", "").strip().lower() == "eventual"
    if opts.count and not eventual:
        raise errors.bad_request(GRAPH, f"$count {CONSISTENCY_HELP}.")
    if opts.search and not eventual:
        raise errors.bad_request(GRAPH, f"$search {CONSISTENCY_HELP}.")


def user_list_response(request, queryset, *, default=objects.USER_DEFAULT, typed: bool = False,
                       orderable: bool = True) -> JsonResponse:
    """A paged list of users in Graph's shape: $filter, $search, $select, $orderby, $top (the page
    size, kept in the nextLink), $count (@odata.count of the whole filtered list, first page)."""
    opts = odata.options(request, GRAPH, max_top=MAX_TOP)
    consistency_required(request, opts)
    no_expand(opts)
    if opts.top == 0:
        raise errors.bad_request(GRAPH, f"$top: 0 is out of range (1 to {MAX_TOP}).")
    properties = odata.select(opts, objects.USER_PROPERTIES, default, GRAPH, always=("id",))
    if opts.filter:
        queryset = user_filtered(queryset, opts.filter)
    if opts.search:
        queryset = queryset.filter(search_q(opts.search.strip()))
    if opts.orderby and not orderable:
        raise errors.bad_request(GRAPH, "$orderby is not supported on this list.")
    keys = odata.order(opts.orderby, ORDER_ALIASES, GRAPH, key="id")
    body: dict = {}
    if opts.count and not opts.skiptoken:
        body["@odata.count"] = queryset.count()
    page = odata.keyset_page(queryset, keys, size=opts.top or DEFAULT_TOP, skiptoken=opts.skiptoken, api=GRAPH)
    body["value"] = [objects.user_json(user, properties, typed=typed) for user in page.rows]
    link = odata.next_link(request, page.token, drop=("$count",))
    if link:
        body["@odata.nextLink"] = link
    return JsonResponse(body)


def no_expand(opts: odata.Options) -> None:
    """A user's relations are read through their own URLs here (memberOf, licenseDetails): an
    $expand is refused rather than silently ignored."""
    if opts.expand:
        raise errors.bad_request(GRAPH, f"$expand of '{opts.expand[0]}' is not supported on users here; read "
                                        f"the relation through its own URL (/users/{{id}}/memberOf ...).")


def single_select(request, default=objects.USER_DEFAULT) -> list[str]:
    """$select of a single user's GET (the default set without it)."""
    opts = odata.options(request, GRAPH)
    no_expand(opts)
    return odata.select(opts, objects.USER_PROPERTIES, default, GRAPH, always=("id",))


def user_count_response(request, queryset) -> HttpResponse:
    """GET .../$count: the number as text/plain (Graph's shape), $filter and $search applied; it
    needs `ConsistencyLevel: eventual` as in Graph."""
    opts = odata.options(request, GRAPH)
    if request.headers.get("ConsistencyLevel", "").strip().lower() != "eventual":
        raise errors.bad_request(GRAPH, f"$count {CONSISTENCY_HELP}.")
    if opts.filter:
        queryset = user_filtered(queryset, opts.filter)
    if opts.search:
        queryset = queryset.filter(search_q(opts.search.strip()))
    return HttpResponse(str(queryset.count()), content_type="text/plain; charset=utf-8")
