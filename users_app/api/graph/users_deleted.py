"""Graph deleted items: GET /directory/deletedItems/microsoft.graph.user (soft-deleted users, paged),
GET and DELETE (purge) /directory/deletedItems/{id}, POST /directory/deletedItems/{id}/restore.

A deleted user shows the altered user principal name and mail Entra gives it (DIR-11); restoring
puts them back, within 30 days, when every licence it keeps still has a seat (DIR-04, DIR-02).
Security groups are deleted for good here, as in Entra: the group list is always empty.
"""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse

from users_app.selectors.m365 import deleted_user_list
from users_app.services import directory

from ..endpoint import api_view
from ..errors import GRAPH
from . import objects
from .users_common import deleted_user, require_read, single_select, user_list_response

DELETED_DEFAULT = (*objects.USER_DEFAULT, "deletedDateTime")


@api_view(GRAPH)
def deleted_users(request):
    require_read(request.caller)
    # Licences read in one query a page, should $select ask for assignedLicenses.
    users = deleted_user_list().order_by().prefetch_related("licence_assignments__sku")
    return user_list_response(request, users, default=DELETED_DEFAULT, typed=True)


@api_view(GRAPH)
def deleted_groups(request):
    require_read(request.caller)
    return JsonResponse({"value": []})


@api_view(GRAPH, methods=("GET", "DELETE"))
def deleted_item(request, key: str):
    target = deleted_user(key)
    if request.method == "DELETE":
        directory.directory_user_purge(user=target)  # permanent; DIR-05 (a higher role's user is refused)
        return HttpResponse(status=204)
    require_read(request.caller)
    return JsonResponse(objects.user_json(target, single_select(request, DELETED_DEFAULT), typed=True))


@api_view(GRAPH, methods=("POST",))
def restore(request, key: str):
    target = directory.directory_user_restore(user=deleted_user(key))  # DIR-04, DIR-02 seats, DIR-11, DIR-05
    return JsonResponse(objects.user_json(target, typed=True))
