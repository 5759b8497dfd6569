"""Graph directory roles and role management (DIR-05): /directoryRoles (each admin role with a
stable id), their members with `$ref` add and remove, and roleManagement/directory roleDefinitions
(id = the role's template id) and roleAssignments (id = the role's template id and the principal's
id, base64url-encoded as Graph's own ids are, so that it is stable and needs no table).
Writes go through users_app/services/directory/roles.py: only Global and Privileged role
administrators assign, and a Global administrator cannot remove its own Global role."""
from __future__ import annotations

import base64
import binascii
import uuid

from django.db.models import Case, CharField, Value, When
from django.http import JsonResponse

from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole, DeletedState
from users_app.models import AdminRoleAssignment, DirectoryUser
from users_app.selectors.m365 import ADMIN_ROLE_DESCRIPTIONS
from users_app.services.directory import roles as role_services
from users_app.services.directory.rights import require_role_change

from .. import errors, odata
from ..endpoint import api_view, json_body
from ..errors import GRAPH
from . import directory as d
from .objects import USER_DEFAULT, USER_PROPERTIES, user_json

ROLE_TYPE = "#microsoft.graph.directoryRole"
_ROLE_NAMESPACE = uuid.UUID("6d1f6f5e-6a4e-4f53-9a63-1c6f6c0e2d13")  # this portal's, for stable role ids
DEFINITION_FILTERS = ("id", "displayName", "templateId", "isBuiltIn", "isEnabled")
TEMPLATES = {str(template): role for role, template in ADMIN_ROLE_TEMPLATE_IDS.items()}


def role_id(role: str) -> str:
    """The directoryRole's object id: stable, and not its template id (as in Graph)."""
    return str(uuid.uuid5(_ROLE_NAMESPACE, ADMIN_ROLE_TEMPLATE_IDS[role]))


ROLE_IDS = {role_id(role): role for role in AdminRole}


def directory_role_json(role: str, *, typed: bool = False) -> dict:
    body = {"@odata.type": ROLE_TYPE} if typed else {}
    body.update({"id": role_id(role), "displayName": AdminRole(role).value, "description": ADMIN_ROLE_DESCRIPTIONS[role],
                 "roleTemplateId": ADMIN_ROLE_TEMPLATE_IDS[role]})
    return body


def role_definition_json(role: str) -> dict:
    template = ADMIN_ROLE_TEMPLATE_IDS[role]
    return {"id": template, "displayName": AdminRole(role).value, "description": ADMIN_ROLE_DESCRIPTIONS[role],
            "isBuiltIn": True, "isEnabled": True, "templateId": template, "version": "1",
            "rolePermissions": [], "resourceScopes": ["/"]}


def _role(key: str) -> str:
    """A directoryRole by its id, or `roleTemplateId={templateId}`."""
    name, sep, value = key.partition("=")
    if sep and name == "roleTemplateId":
        role = TEMPLATES.get(value.strip("'").lower())
    else:
        role = ROLE_IDS.get(key.lower())
    if role is None:
        raise d.missing(key)
    return role


def _holder(role: str, key: str) -> DirectoryUser:
    assignment = (AdminRoleAssignment.objects.filter(role=role, user_id=d.parse_id(key),
                                                     user__deleted_state=DeletedState.NONE)
                  .select_related("user").first())
    if assignment is None:
        raise d.missing(key)
    return assignment.user


# --- /directoryRoles ------------------------------------------------------------------------------


@api_view(GRAPH, methods=("GET",))
def directory_roles(request):
    d.require_read()
    opts = odata.options(request, GRAPH)
    values = [directory_role_json(role) for role in AdminRole]
    if opts.select is not None:
        chosen = odata.select(opts, values[0], (), GRAPH, always=("id",))
        values = [{k: v for k, v in value.items() if k in chosen} for value in values]
    return d.collection(request, values)


@api_view(GRAPH, methods=("GET",))
def directory_role(request, role_key=None, template_id=None):
    """By its id, `roleTemplateId={templateId}`, or the SDK's directoryRoles(roleTemplateId='...')."""
    if template_id is not None:
        role_key = f"roleTemplateId={template_id}"
    d.require_read()
    return JsonResponse(directory_role_json(_role(role_key)))


@api_view(GRAPH, methods=("GET",))
def directory_role_members(request, role_key):
    d.require_read()
    role = _role(role_key)
    opts = odata.options(request, GRAPH, max_top=d.MAX_PAGE)
    chosen = USER_DEFAULT if opts.select is None else odata.select(opts, USER_PROPERTIES, (), GRAPH, always=("id",))
    queryset = AdminRoleAssignment.objects.filter(role=role, user__deleted_state=DeletedState.NONE).select_related("user")
    page = odata.keyset_page(queryset, [odata.Key("pk")], size=d.page_size(opts), skiptoken=opts.skiptoken,
                             api=GRAPH)
    return d.collection(request, [user_json(a.user, chosen, typed=True) for a in page.rows], token=page.token)


def _principal(kind: str, key: str) -> DirectoryUser:
    """The user a `$ref` or a principalId names (roles are held by users here)."""
    if kind == "groups":
        raise errors.bad_request(GRAPH, "Admin roles are assigned to users here; a group cannot hold one.")
    user = DirectoryUser.objects.filter(pk=d.parse_id(key), deleted_state=DeletedState.NONE).first()
    if user is None:
        raise d.missing(key)
    return user


def _already_holds(user: DirectoryUser, role: str) -> bool:
    return AdminRoleAssignment.objects.filter(user=user, role=role).exists()


@api_view(GRAPH, methods=("POST",))
def directory_role_member_ref(request, role_key):
    role = _role(role_key)
    user = _principal(*d.ref_target(request))
    if _already_holds(user, role):
        require_role_change(user, added={role}, removed=set())  # DIR-05 first: only an assigner learns more
        raise d.already_exists("members")
    role_services.admin_role_assign(user=user, role=role)
    return d.no_content()


@api_view(GRAPH, methods=("DELETE",))
def directory_role_member_delete(request, role_key, member_id):
    role = _role(role_key)
    user = _holder(role, member_id)
    role_services.admin_role_remove(user=user, role=role)
    return d.no_content()


# --- roleManagement/directory ---------------------------------------------------------------------


def _definition(key: str) -> str:
    role = TEMPLATES.get(str(key).lower())
    if role is None:
        raise d.missing(key)
    return role


@api_view(GRAPH, methods=("GET",))
def role_definitions(request):
    d.require_read()
    opts = odata.options(request, GRAPH)
    values = [role_definition_json(role) for role in AdminRole]
    if opts.filter:
        values = odata.filter_rows(opts.filter, values, DEFINITION_FILTERS, GRAPH)
    if opts.select is not None:
        chosen = odata.select(opts, role_definition_json(AdminRole.GLOBAL), (), GRAPH, always=("id",))
        values = [{k: v for k, v in value.items() if k in chosen} for value in values]
    return d.collection(request, values)


@api_view(GRAPH, methods=("GET",))
def role_definition(request, definition_id):
    d.require_read()
    return JsonResponse(role_definition_json(_definition(definition_id)))


def _b64(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def assignment_id(role: str, user_id) -> str:
    """Stable: the role's template id and the principal's id, as Graph's own assignment ids are."""
    return f"{_b64(uuid.UUID(ADMIN_ROLE_TEMPLATE_IDS[role]))}{_b64(uuid.UUID(str(user_id)))}-1"


def _parse_assignment(key: str) -> tuple[str, uuid.UUID]:
    try:
        if len(key) != 46 or not key.endswith("-1"):
            raise ValueError
        template = uuid.UUID(bytes=base64.urlsafe_b64decode(key[:22] + "=="))
        user_id = uuid.UUID(bytes=base64.urlsafe_b64decode(key[22:44] + "=="))
    except (ValueError, binascii.Error):
        raise d.missing(key) from None
    role = TEMPLATES.get(str(template))
    if role is None:
        raise d.missing(key)
    return role, user_id


def role_assignment_json(assignment: AdminRoleAssignment) -> dict:
    return {"id": assignment_id(assignment.role, assignment.user_id),
            "roleDefinitionId": ADMIN_ROLE_TEMPLATE_IDS[assignment.role], "principalId": str(assignment.user_id),
            "directoryScopeId": "/", "appScopeId": None}


def _assignments():
    return AdminRoleAssignment.objects.filter(user__deleted_state=DeletedState.NONE).annotate(
        role_definition_id=Case(*(When(role=role, then=Value(template)) for role, template in ADMIN_ROLE_TEMPLATE_IDS.items()),
                                default=Value(""), output_field=CharField()))


ASSIGNMENT_FILTERS = {"principalId": "user_id", "roleDefinitionId": "role_definition_id"}
ASSIGNMENT_BODY = {"roleDefinitionId", "principalId", "directoryScopeId", "appScopeId"}


@api_view(GRAPH, methods=("GET", "POST"))
def role_assignments(request):
    if request.method == "POST":
        return _assignment_create(request)
    d.require_read()
    opts = odata.options(request, GRAPH, max_top=d.MAX_PAGE)
    queryset = _assignments()
    if opts.filter:
        queryset = queryset.filter(d.filter_q(opts.filter, ASSIGNMENT_FILTERS, AdminRoleAssignment,
                                               types={"principalId": "guid", "roleDefinitionId": "string"}))
    page = odata.keyset_page(queryset, [odata.Key("pk")], size=d.page_size(opts), skiptoken=opts.skiptoken,
                             api=GRAPH)
    count = queryset.count() if opts.count else None
    return d.collection(request, [role_assignment_json(a) for a in page.rows], token=page.token, count=count)


def _assignment_create(request):
    body = json_body(request, GRAPH)
    d.refuse_unknown(body, ASSIGNMENT_BODY)
    definition = d.string_field(body, "roleDefinitionId", required=True)
    principal = d.string_field(body, "principalId", required=True)
    scope = body.get("directoryScopeId", "/")
    if scope != "/":
        raise errors.bad_request(GRAPH, "Property 'directoryScopeId': only the tenant scope \"/\" is supported.")
    if body.get("appScopeId") not in (None, ""):
        raise errors.bad_request(GRAPH, "Property 'appScopeId' is not supported; leave it out.")
    role = TEMPLATES.get(definition.lower()) or ROLE_IDS.get(definition.lower())
    if role is None:
        raise errors.bad_request(GRAPH, f"Invalid value for property 'roleDefinitionId': no role definition "
                                        f"has the id {definition!r}.")
    user = _principal("directoryObjects", principal)
    if _already_holds(user, role):
        require_role_change(user, added={role}, removed=set())
        raise errors.ApiError(409, errors.GRAPH_BAD_REQUEST, "A conflicting object with one or more of the "
                              "specified property values is present in the directory: the principal already "
                              "holds this role.")
    assignment = role_services.admin_role_assign(user=user, role=role)
    return d.created(role_assignment_json(assignment))


@api_view(GRAPH, methods=("GET", "DELETE"))
def role_assignment(request, assignment_key):
    if request.method == "GET":
        d.require_read()
    role, user_id = _parse_assignment(assignment_key)
    assignment = _assignments().filter(role=role, user_id=user_id).select_related("user").first()
    if assignment is None:
        raise d.missing(assignment_key)
    if request.method == "DELETE":
        role_services.admin_role_remove(user=assignment.user, role=role)
        return d.no_content()
    return JsonResponse(role_assignment_json(assignment))
