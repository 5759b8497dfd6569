"""Active users and deleted users (DIR-03, DIR-04): the lists. Active users is a data grid (its
selection, bulk panels, quick look, columns and export are in user_grid.py); Add a user and a user's
page are in user_page.py."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal.forms import SearchForm
from portal.htmx import render_page_or_partial
from users_app.permissions import m365_required
from users_app.selectors import m365 as selectors
from users_app.tables.m365 import DeletedUserTable

from .common import T, users_crumbs
from .user_grid import list_context


@require_GET
@m365_required()
def active_user_list(request: HttpRequest) -> HttpResponse:
    return render_page_or_partial(request, T + "active_user_list.html", "user-table", list_context(request))


def deleted_context(request) -> dict:
    table = DeletedUserTable(selectors.deleted_user_list(filters=request.GET)).configure(request)
    return {"table": table, "title": "Deleted users",
            "search_form": SearchForm(request.GET, label="Search deleted users", placeholder="Name or user name"),
            "breadcrumbs": users_crumbs(("Deleted users", None))}


@require_GET
@m365_required()
def deleted_user_list(request: HttpRequest) -> HttpResponse:
    return render_page_or_partial(request, T + "deleted_user_list.html", "deleted-user-table", deleted_context(request))
