"""Graph groups (DIR-06): /groups with $filter, $select, $top and keyset paging; a group's members
(users and nested groups, each typed) and owners with `$ref` add and remove; a user's memberOf and
transitiveMemberOf. Writes go through users_app/services/directory/groups.py, which checks DIR-05
(GROUPS, GROUP_MEMBERS) and DIR-06 (no cycle) and writes the audit log."""
from __future__ import annotations

from django.db import transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.http import JsonResponse

from users_app.choices import DeletedState, GroupType
from users_app.models import AdminRoleAssignment, DirectoryGroup, DirectoryUser, GroupMembership, GroupOwner
from users_app.provisioning.rules.admin_roles import Action
from users_app.services.directory import groups as group_services
from users_app.services.directory.rights import require_right

from .. import errors, odata
from ..endpoint import api_view, json_body
from ..errors import GRAPH
from . import directory as d
from .objects import (GROUP_DEFAULT, GROUP_PROPERTIES, USER_DEFAULT, USER_PROPERTIES, directory_object_json,
                      group_json, user_json)

GROUP_FILTERS = {"id": "id", "displayName": "name", "securityEnabled": "security_enabled",
                 "mailEnabled": "mail_enabled"}
GROUP_TYPES = {"id": "guid", "displayName": "string", "securityEnabled": "bool", "mailEnabled": "bool"}
GROUP_ORDER = {"displayName": ("name", False)}
GROUP_BODY = {"displayName", "description", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes",
              "members@odata.bind", "owners@odata.bind"}
MAX_BOUND = 20  # objects in one members@odata.bind or owners@odata.bind list, as Graph allows
MEMBER_PROPERTIES = {**USER_PROPERTIES, **GROUP_PROPERTIES}
LIVE_MEMBER = Q(user__isnull=True) | Q(user__deleted_state=DeletedState.NONE)


def _groups():
    security = Q(group_type=GroupType.SECURITY)
    return DirectoryGroup.objects.annotate(
        security_enabled=Case(When(security, then=Value(True)), default=Value(False), output_field=BooleanField()),
        mail_enabled=Case(When(security, then=Value(False)), default=Value(True), output_field=BooleanField()),
    )


def _group(group_id: str) -> DirectoryGroup:
    group = DirectoryGroup.objects.filter(pk=d.parse_id(group_id)).first()
    if group is None:
        raise d.missing(group_id)
    return group


# --- /groups --------------------------------------------------------------------------------------


@api_view(GRAPH, methods=("GET", "POST"))
def groups(request):
    if request.method == "POST":
        return _group_create(request)
    d.require_read()
    opts = odata.options(request, GRAPH, max_top=d.MAX_PAGE)
    properties = odata.select(opts, GROUP_PROPERTIES, GROUP_DEFAULT, GRAPH, always=("id",))
    queryset = _groups()
    if opts.filter:
        queryset = queryset.filter(d.filter_q(opts.filter, GROUP_FILTERS, DirectoryGroup, types=GROUP_TYPES))
    if opts.search:
        if "\x00" in opts.search:
            raise errors.bad_request(GRAPH, "Invalid $search: it holds a NUL character.")
        text = opts.search.strip('"').partition(":")[2] or opts.search.strip('"')
        queryset = queryset.filter(name__icontains=text)
    keys = odata.order(opts.orderby, GROUP_ORDER, GRAPH)
    page = odata.keyset_page(queryset, keys, size=d.page_size(opts), skiptoken=opts.skiptoken, api=GRAPH)
    count = queryset.count() if opts.count else None
    return d.collection(request, [group_json(g, properties) for g in page.rows], token=page.token, count=count)


def _group_create(request):
    body = json_body(request, GRAPH)
    d.refuse_unknown(body, GROUP_BODY)
    name = d.string_field(body, "displayName", required=True)
    d.string_field(body, "mailNickname")
    if body.get("description") is not None and not isinstance(body["description"], str):
        raise errors.bad_request(GRAPH, "Invalid value for property 'description': a string is expected.")
    mail_enabled, security_enabled = d.bool_field(body, "mailEnabled"), d.bool_field(body, "securityEnabled")
    group_types = body.get("groupTypes") or []
    if not isinstance(group_types, list) or not all(isinstance(t, str) for t in group_types):
        raise errors.bad_request(GRAPH, "Invalid value for property 'groupTypes': a list of strings is expected.")
    if any(t != "Unified" for t in group_types):
        raise errors.bad_request(GRAPH, "Property 'groupTypes': only \"Unified\" (a Microsoft 365 group) is "
                                        "supported; dynamic membership is not.")
    if "Unified" in group_types:
        group_type = GroupType.M365
    elif security_enabled and not mail_enabled:
        group_type = GroupType.SECURITY
    else:
        raise errors.bad_request(GRAPH, "Only security groups (securityEnabled true, mailEnabled false, "
                                        "groupTypes []) and Microsoft 365 groups (groupTypes [\"Unified\"]) "
                                        "can be created.")
    with transaction.atomic():  # the group with its members and owners, or nothing
        group = group_services.group_create(name=name, group_type=group_type)  # DIR-05 checked first
        members, owners = _bound(body, "members@odata.bind"), _bound(body, "owners@odata.bind")
        if any(not isinstance(owner, DirectoryUser) for owner in owners):
            raise errors.bad_request(GRAPH, "owners@odata.bind: a group's owners are users: a group cannot own a group.")
        for obj in members:
            group_services.group_member_add(group=group, **_as_member(obj))
        for owner in owners:
            group_services.group_owner_add(group=group, user=owner)
    return d.created(group_json(group))


def _bound(body: dict, field: str) -> list:
    """The users and groups a `members@odata.bind` or `owners@odata.bind` list names (each once);
    a missing one is a 404 (the caller's transaction then writes nothing)."""
    urls = body.get(field) or []
    if not isinstance(urls, list):
        raise errors.bad_request(GRAPH, f"Invalid value for property '{field}': a list of object URLs is expected.")
    if len(urls) > MAX_BOUND:
        raise errors.bad_request(GRAPH, f"'{field}' names {len(urls)} objects: at most {MAX_BOUND} in one request, "
                                        "as in Graph; add the others with $ref.")
    found = {}
    for url in urls:
        obj = _member_object(*d.ref_of(url, field))
        found[(type(obj), obj.pk)] = obj
    return list(found.values())


def _as_member(obj) -> dict:
    return {"user": obj} if isinstance(obj, DirectoryUser) else {"member_group": obj}


@api_view(GRAPH, methods=("GET", "PATCH", "DELETE"))
def group(request, group_id):
    if request.method == "DELETE":
        d.require_read()
        _group(group_id)
        raise errors.ApiError(405, errors.GRAPH_BAD_REQUEST, "Deleting a group is not supported by this "
                              "portal (it has no group deletion); remove its members instead.",
                              headers={"Allow": "GET, PATCH"})
    if request.method == "PATCH":
        target = _group(group_id)
        body = json_body(request, GRAPH)
        d.refuse_unknown(body, {"displayName", "description", "members@odata.bind"})
        name = d.string_field(body, "displayName")
        if body.get("members@odata.bind"):
            require_right(Action.GROUP_MEMBERS)  # before the objects are looked up: no probing
        members = _bound(body, "members@odata.bind")
        if members and GroupMembership.objects.filter(group=target).filter(
                Q(user__in=[m for m in members if isinstance(m, DirectoryUser)])
                | Q(member_group__in=[m for m in members if isinstance(m, DirectoryGroup)])).exists():
            require_right(Action.GROUP_MEMBERS)
            raise d.already_exists("members")
        with transaction.atomic():  # the new name and every member, or nothing
            if name is not None:
                group_services.group_update(group=target, name=name)
            for obj in members:
                group_services.group_member_add(group=target, **_as_member(obj))
        return d.no_content()
    d.require_read()
    target = _group(group_id)
    opts = odata.options(request, GRAPH)
    properties = odata.select(opts, GROUP_PROPERTIES, GROUP_DEFAULT, GRAPH, always=("id",))
    return JsonResponse(group_json(target, properties))


# --- members and owners ---------------------------------------------------------------------------


def _member_page(request, queryset, read, properties_known):
    opts = odata.options(request, GRAPH, max_top=d.MAX_PAGE)
    chosen = None if opts.select is None else odata.select(opts, properties_known, (), GRAPH, always=("id",))
    page = odata.keyset_page(queryset.select_related(*read), [odata.Key("pk")], size=d.page_size(opts),
                             skiptoken=opts.skiptoken, api=GRAPH)
    return page, chosen, opts


@api_view(GRAPH, methods=("GET",))
def members(request, group_id, cast=None):
    d.require_read()
    target = _group(group_id)
    queryset = GroupMembership.objects.filter(group=target).filter(LIVE_MEMBER)
    known = MEMBER_PROPERTIES
    if cast == "graph.user":
        queryset, known = queryset.filter(user__isnull=False), USER_PROPERTIES
    elif cast == "graph.group":
        queryset, known = queryset.filter(member_group__isnull=False), GROUP_PROPERTIES
    elif cast is not None:
        raise d.missing(cast)
    page, chosen, opts = _member_page(request, queryset, ("user", "member_group"), known)
    values = [directory_object_json(m.user or m.member_group, chosen) for m in page.rows]
    count = queryset.count() if opts.count else None
    return d.collection(request, values, token=page.token, count=count)


def _member_object(kind: str, key: str):
    """The user or group a `$ref` names (a group only through /directoryObjects or /groups)."""
    object_id = d.parse_id(key)
    if kind in ("directoryObjects", "users"):
        user = DirectoryUser.objects.filter(pk=object_id, deleted_state=DeletedState.NONE).first()
        if user is not None:
            return user
    if kind in ("directoryObjects", "groups"):
        found = DirectoryGroup.objects.filter(pk=object_id).first()
        if found is not None:
            return found
    raise d.missing(key)


@api_view(GRAPH, methods=("POST",))
def member_ref(request, group_id):
    target = _group(group_id)
    member = _as_member(_member_object(*d.ref_target(request)))
    if GroupMembership.objects.filter(group=target, **member).exists():
        require_right(Action.GROUP_MEMBERS)  # who may not add learns nothing more than a refusal
        raise d.already_exists("members")
    group_services.group_member_add(group=target, **member)
    return d.no_content()


@api_view(GRAPH, methods=("DELETE",))
def member_delete(request, group_id, member_id):
    target = _group(group_id)
    object_id = d.parse_id(member_id)
    membership = (GroupMembership.objects.filter(group=target).filter(Q(user_id=object_id) | Q(member_group_id=object_id))
                  .select_related("user", "member_group").first())
    if membership is None:
        require_right(Action.GROUP_MEMBERS)
        raise d.missing(member_id)
    if membership.user is not None:
        group_services.group_member_remove(group=target, user=membership.user)
    else:
        group_services.group_member_remove(group=target, member_group=membership.member_group)
    return d.no_content()


@api_view(GRAPH, methods=("GET",))
def owners(request, group_id):
    d.require_read()
    target = _group(group_id)
    queryset = GroupOwner.objects.filter(group=target, user__deleted_state=DeletedState.NONE)
    page, chosen, opts = _member_page(request, queryset, ("user",), USER_PROPERTIES)
    values = [user_json(o.user, chosen or USER_DEFAULT, typed=True) for o in page.rows]
    count = queryset.count() if opts.count else None
    return d.collection(request, values, token=page.token, count=count)


@api_view(GRAPH, methods=("POST",))
def owner_ref(request, group_id):
    target = _group(group_id)
    kind, key = d.ref_target(request)
    obj = _member_object(kind, key)
    if not isinstance(obj, DirectoryUser):
        raise errors.bad_request(GRAPH, "A group's owners are users: a group cannot own a group.")
    if GroupOwner.objects.filter(group=target, user=obj).exists():
        require_right(Action.GROUP_MEMBERS)
        raise d.already_exists("owners")
    group_services.group_owner_add(group=target, user=obj)
    return d.no_content()


@api_view(GRAPH, methods=("DELETE",))
def owner_delete(request, group_id, owner_id):
    target = _group(group_id)
    ownership = GroupOwner.objects.filter(group=target, user_id=d.parse_id(owner_id)).select_related("user").first()
    if ownership is None:
        require_right(Action.GROUP_MEMBERS)
        raise d.missing(owner_id)
    group_services.group_owner_remove(group=target, user=ownership.user)
    return d.no_content()


# --- a user's memberOf ----------------------------------------------------------------------------


def _containing(group_ids: set) -> set:
    """The groups holding any of `group_ids`, directly or through nesting (DIR-06: no cycles, but
    the walk stops on one anyway)."""
    found, frontier = set(group_ids), set(group_ids)
    while frontier:
        parents = set(GroupMembership.objects.filter(member_group_id__in=frontier).values_list("group_id", flat=True))
        frontier = parents - found
        found |= frontier
    return found


def _member_of(request, user_id, *, transitive: bool):
    from .roles import directory_role_json

    d.require_read()
    user = d.live_user(user_id)
    opts = odata.options(request, GRAPH)
    chosen = None if opts.select is None else odata.select(opts, MEMBER_PROPERTIES | {"roleTemplateId": None},
                                                           (), GRAPH, always=("id",))
    direct = set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
    ids = _containing(direct) if transitive else direct
    groups_in = DirectoryGroup.objects.filter(pk__in=ids).order_by("name", "pk")
    values = [group_json(g, chosen or GROUP_DEFAULT, typed=True) for g in groups_in]
    roles = AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True)
    for role in sorted(roles):
        body = directory_role_json(role, typed=True)
        values.append({k: v for k, v in body.items() if chosen is None or k in chosen or k == "@odata.type"})
    return d.collection(request, values)


@api_view(GRAPH, methods=("GET",))
def member_of(request, user_id):
    return _member_of(request, user_id, transitive=False)


@api_view(GRAPH, methods=("GET",))
def transitive_member_of(request, user_id):
    return _member_of(request, user_id, transitive=True)
