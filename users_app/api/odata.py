"""OData query options, shared by the Graph and Dataverse APIs.

- `options(request)`: $select, $filter, $orderby, $top, $count, $search, $expand, $skiptoken from a
  form-decoded query string (Django's QueryDict: "+" is a space, "%24select" is "$select"), as
  both Microsoft SDKs send them.
- `filter_q(text, aliases)`: $filter parsed by odata-query (a kept parser, not ours) into a Django
  Q, with the API's property names mapped to ORM paths; a property not in `aliases` is a 400 that
  names it. contains / startswith / endswith ignore case, as the real services do.
- `order(orderby, aliases)` and `keyset_page(...)`: keyset paging. A page is "the rows after the
  last one of the previous page" in the order asked, with the key (a unique column) as the last
  tie-breaker, so page 1,000 costs what page 1 costs where an index serves the order. The
  position travels in a signed $skiptoken inside an absolute nextLink (`next_link`).
"""
from __future__ import annotations

import copy
import datetime
import decimal
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.core import signing
from django.db.models import F, Q
from django.db.models.lookups import IContains, IEndsWith, IStartsWith
from odata_query import ast as odata_ast
from odata_query import exceptions as odata_errors
from odata_query.django import AstToDjangoQVisitor
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.rewrite import AliasRewriter
from odata_query.visitor import NodeVisitor

from . import errors

SKIPTOKEN_SALT = "users_app.api.odata.skiptoken"


@dataclass
class Options:
    select: list[str] | None = None
    filter: str | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    count: bool = False
    search: str | None = None
    expand: list[str] = field(default_factory=list)
    skiptoken: str | None = None


def _split(value: str) -> list[str]:
    """Comma-separated items, commas inside parentheses kept ($expand=roles($select=name,roleid))."""
    items, depth, current = [], 0, ""
    for char in value:
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    if current.strip():
        items.append(current.strip())
    return items


def options(request, api: str, *, max_top: int | None = None) -> Options:
    params = request.GET
    opts = Options()
    if "$select" in params:
        opts.select = [s for s in _split(params["$select"]) if s]
    if params.get("$filter", "").strip():
        opts.filter = params["$filter"]
    for item in _split(params.get("$orderby", "")):
        name, _, direction = item.partition(" ")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise errors.bad_request(api, f"$orderby: '{direction}' is neither asc nor desc.")
        opts.orderby.append((name.strip(), direction == "desc"))
    if "$top" in params:
        try:
            opts.top = int(params["$top"])
        except ValueError:
            raise errors.bad_request(api, f"$top: '{params['$top']}' is not a whole number.") from None
        if opts.top < 0 or (max_top is not None and opts.top > max_top):
            limit = f"1 to {max_top}" if max_top else "0 or more"
            raise errors.bad_request(api, f"$top: {opts.top} is out of range ({limit}).")
    if "$count" in params:
        value = params["$count"].lower()
        if value not in ("true", "false"):
            raise errors.bad_request(api, "$count: takes true or false.")
        opts.count = value == "true"
    if params.get("$search", "").strip():
        opts.search = params["$search"].strip()
    opts.expand = _split(params.get("$expand", ""))
    opts.skiptoken = params.get("$skiptoken") or None
    return opts


def select(opts: Options, known, default, api: str, *, always=()) -> list[str]:
    """The properties to answer with: $select's (each checked against `known`), else `default`;
    `always` are added (the key, as both services do)."""
    chosen = list(default) if opts.select is None else opts.select
    unknown = [name for name in chosen if name not in known and name != "*"]
    if unknown:
        raise errors.bad_request(api, f"Could not find a property named '{unknown[0]}' for $select.")
    if "*" in chosen:
        chosen = list(known)
    return list(dict.fromkeys([*always, *chosen]))


class _Identifiers(NodeVisitor):
    def __init__(self):
        self.names: list[str] = []

    def visit_Identifier(self, node: odata_ast.Identifier) -> None:
        self.names.append(node.full_name())

    def visit_Attribute(self, node: odata_ast.Attribute) -> None:
        self.names.append(f"{getattr(node.owner, 'name', '?')}/{node.attr}")

    def visit_Call(self, node: odata_ast.Call) -> None:  # the function's name is no property
        for arg in node.args:
            self.visit(arg)


class _CaseInsensitive(AstToDjangoQVisitor):
    """contains, startswith and endswith as the services compare text: ignoring case."""

    def djangofunc_contains(self, field, substr):
        return self._substr_function(field, substr, IContains)

    def djangofunc_startswith(self, field, substr):
        return self._substr_function(field, substr, IStartsWith)

    def djangofunc_endswith(self, field, substr):
        return self._substr_function(field, substr, IEndsWith)


def _one_item_lists(tokens):
    """OData's grammar allows a one-item list (`userType in ('Guest')`), which odata-query reads
    as a parenthesised expression and refuses; it takes the list written Python's way,
    `('Guest',)`. So a comma is put after the single literal of a list that follows `in`."""
    out, last = [], []  # every token; the last three that are not white space
    for token in tokens:
        if (token.type == ")" and len(last) == 3 and last[0].type == "IN" and last[1].type == "("
                and last[2].type not in ("(", ")", ",")):
            comma = copy.copy(token)
            comma.type = comma.value = ","
            out.append(comma)
        out.append(token)
        if token.type != "WS":
            last = [*last[-2:], token]
    return iter(out)


def parse(text: str, api: str):
    """$filter's syntax tree (odata-query's), or a 400 in the API's shape."""
    try:
        return ODataParser().parse(_one_item_lists(ODataLexer().tokenize(text)))
    except odata_errors.ODataException as error:
        raise errors.bad_request(api, f"Invalid $filter: {error}") from None
    except Exception:  # noqa: BLE001 - the parser's own errors on odd input
        raise errors.bad_request(api, "Invalid $filter: the expression could not be parsed.") from None


def _parse_known(text: str, known, api: str):
    """The tree of $filter, every property in it one of `known` (a 400 naming the first that is not)."""
    tree = parse(text, api)
    seen = _Identifiers()
    seen.visit(tree)
    unknown = [name for name in seen.names if name not in known]
    if unknown:
        raise errors.bad_request(api, f"Could not find a property named '{unknown[0]}' for $filter.")
    return tree


def filter_q(text: str, aliases: dict[str, str], model, api: str) -> Q:
    """$filter as a Q over `model`. `aliases` maps each filterable property to its ORM path
    (written with "/" for a relation, as OData does: "businessunit/businessunitid")."""
    tree = _parse_known(text, aliases, api)
    renames = {name: path for name, path in aliases.items() if name != path}
    if renames:
        tree = AliasRewriter(renames).visit(tree)
    try:
        q = _CaseInsensitive(model).visit(tree)
    except odata_errors.ODataException as error:
        raise errors.bad_request(api, f"Invalid $filter: {error}") from None
    except (TypeError, ValueError, AttributeError) as error:
        raise errors.bad_request(api, f"Invalid $filter: {error}") from None
    if not isinstance(q, Q):
        q = Q(q)
    return q


def filter_rows(text: str, rows: list[dict], filterable, api: str) -> list[dict]:
    """$filter over a short list held in memory rather than in a table (the eleven admin role
    definitions): eq, ne, in, not, and, or and startswith on the `filterable` properties of each
    row; text compared ignoring case, as Graph compares it."""
    tree = _parse_known(text, filterable, api)
    return [row for row in rows if _holds(tree, row, api)]


def _row_value(node, row: dict, api: str):
    if isinstance(node, odata_ast.Identifier):
        value = row.get(node.name)
    elif isinstance(node, odata_ast._Literal) and not isinstance(node, odata_ast.List):
        value = node.py_val
    else:
        raise errors.bad_request(api, "Invalid $filter: compare a property with a value.")
    return str(value).lower() if isinstance(value, (str, uuid.UUID)) else value


def _holds(node, row: dict, api: str) -> bool:
    if isinstance(node, odata_ast.BoolOp):
        left, right = _holds(node.left, row, api), _holds(node.right, row, api)
        return (left and right) if isinstance(node.op, odata_ast.And) else (left or right)
    if isinstance(node, odata_ast.UnaryOp) and isinstance(node.op, odata_ast.Not):
        return not _holds(node.operand, row, api)
    if isinstance(node, odata_ast.Compare) and isinstance(node.comparator, odata_ast.In):
        values = node.right.val if isinstance(node.right, odata_ast.List) else [node.right]
        return _row_value(node.left, row, api) in [_row_value(v, row, api) for v in values]
    if isinstance(node, odata_ast.Compare) and isinstance(node.comparator, (odata_ast.Eq, odata_ast.NotEq)):
        same = _row_value(node.left, row, api) == _row_value(node.right, row, api)
        return same if isinstance(node.comparator, odata_ast.Eq) else not same
    if isinstance(node, odata_ast.Call) and node.func.name == "startswith" and len(node.args) == 2:
        whole, start = (_row_value(arg, row, api) for arg in node.args)
        return isinstance(whole, str) and isinstance(start, str) and whole.startswith(start)
    raise errors.bad_request(api, "Invalid $filter: this list takes eq, ne, in, not, and, or and startswith.")


# --- Keyset paging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One column of the order: its ORM path, descending or not, may it be NULL."""
    path: str
    descending: bool = False
    nullable: bool = False


def order(orderby: list[tuple[str, bool]], aliases: dict[str, tuple[str, bool]], api: str,
          *, key: str = "pk") -> list[Key]:
    """$orderby as Keys. `aliases`: property -> (ORM path, nullable). `key` (unique, never NULL)
    ends the order so that every row has one place."""
    keys = []
    for name, descending in orderby:
        if name not in aliases:
            raise errors.bad_request(api, f"Could not find a property named '{name}' for $orderby.")
        path, nullable = aliases[name]
        keys.append(Key(path.replace("/", "__"), descending, nullable))
    keys.append(Key(key))
    return keys


def _order_by(keys: list[Key]):
    """NULLS FIRST / LAST only where a column may be NULL: PostgreSQL reads a plain btree index
    only for ASC (NULLS LAST) or DESC (NULLS FIRST), so naming the placement on a NOT NULL key
    (the pk) would sort the whole filtered table for every page."""
    def one(k: Key):
        if not k.nullable:
            return F(k.path).desc() if k.descending else F(k.path).asc()
        return F(k.path).desc(nulls_last=True) if k.descending else F(k.path).asc(nulls_first=True)
    return [one(k) for k in keys]


def _after(keys: list[Key], values: list) -> Q:
    """Rows after the row whose order values are `values` (NULLs first ascending, last descending)."""
    result = Q(pk__in=[])
    equal = Q()
    for k, v in zip(keys, values):
        if k.descending:
            beyond = None if v is None else Q(**{f"{k.path}__lt": v}) | (Q(**{f"{k.path}__isnull": True}) if k.nullable else Q(pk__in=[]))
        else:
            beyond = Q(**{f"{k.path}__isnull": False}) if v is None else Q(**{f"{k.path}__gt": v})
        if beyond is not None:
            result |= equal & beyond
        equal &= Q(**{f"{k.path}__isnull": True}) if v is None else Q(**{k.path: v})
    return result


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _value(row, path: str):
    if path == "pk":
        return row.pk
    value = row
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@dataclass
class Page:
    rows: list
    token: str | None  # the next page's $skiptoken, None on the last page


def keyset_page(queryset, keys: list[Key], *, size: int, skiptoken: str | None, api: str,
                remaining: int | None = None) -> Page:
    """One page of `queryset` in the order of `keys`. `remaining` caps the rows still to give
    across pages (Dataverse's $top); it travels in the token."""
    position = None
    if skiptoken:
        try:
            state = signing.loads(skiptoken, salt=SKIPTOKEN_SALT)
            position, remaining = state["k"], state.get("r")
            if not isinstance(position, list) or len(position) != len(keys):
                raise ValueError
        except (signing.BadSignature, ValueError, KeyError, TypeError):
            raise errors.bad_request(api, "$skiptoken is not valid: follow the nextLink as given.") from None
    if remaining is not None:
        size = min(size, remaining)
    if size <= 0:
        return Page([], None)
    if position is not None:
        queryset = queryset.filter(_after(keys, position))
    rows = list(queryset.order_by(*_order_by(keys))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    left = None if remaining is None else remaining - len(rows)
    token = None
    if more and rows and (left is None or left > 0):
        last = rows[-1]
        token = signing.dumps({"k": [_plain(_value(last, k.path)) for k in keys], "r": left},
                              salt=SKIPTOKEN_SALT, compress=True)
    return Page(rows, token)


def next_link(request, token: str | None, *, drop=()) -> str | None:
    """The absolute URL of the next page: this request's URL and query, `drop`ped options left
    out, with the new $skiptoken. Absolute, as both SDKs need."""
    if token is None:
        return None
    params = [(k, v) for k, values in request.GET.lists() for v in values
              if k != "$skiptoken" and k not in drop]
    params.append(("$skiptoken", token))
    query = urlencode(params, quote_via=quote, safe="$,'()")
    return request.build_absolute_uri(request.path) + "?" + query
