"""The environment's Users list as a data grid: the list's page context, the selection, the command
bar that follows it, the bulk panels (Manage security roles, Add to team, Change business unit,
Refresh), a row's quick look, Edit columns and the CSV export. Views parse, call one service or
selector, render; the rules are the services' (users_app/services/bulk_actions.py)."""
from __future__ import annotations

from copy import copy
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import grid
from portal.forms import SearchForm
from portal.htmx import action_response, is_fragment_request, render_page_or_partial
from users_app.filters.environment_users import VIEW_CHOICES
from users_app.forms.grid import BulkBusinessUnitForm, BulkRefreshForm, BulkRolesForm, BulkTeamForm, ColumnsForm
from users_app.permissions import environment_admin_required
from users_app.selectors import grid as grid_selectors
from users_app.selectors.environment_users import (
    business_unit_order,
    business_units,
    environment_user_list as environment_user_list_query,
    manual_teams,
)
from users_app.services import bulk_actions
from users_app.tables.environment_users import EnvironmentUserTable
from users_app.views.common import environment_crumbs, form_answer, initiated_by

USER_LIST = "users_app/environment_users/environment_user_list.html"
LIST_KEY = "environment_users"


def list_url(environment) -> str:
    return reverse("users:environment_user_list", args=[environment.environment_id])


def selection_of(request, environment) -> grid.Selection:
    return grid.Selection(request, "users", environment.environment_id)


def list_context(request, environment, **extra) -> dict:
    """The Users list: views, search, the grid (the admin's columns, the selection) and its commands."""
    hidden = grid.hidden_columns(request.user, LIST_KEY, EnvironmentUserTable)
    table = EnvironmentUserTable(environment_user_list_query(environment=environment, filters=request.GET), exclude=hidden)
    table.configure(request, groups={"businessunit": lambda: business_unit_order(environment)})
    current = request.GET.get("view") if request.GET.get("view") in dict(VIEW_CHOICES) else "enabled"
    selection = selection_of(request, environment)
    return {
        "environment": environment, "title": f"Users · {environment.name}", "section": "users",
        "list_url": list_url(environment), "table": table, "current_view": current,
        "search_form": SearchForm(request.GET, label="Search users", placeholder="Search by name, user name or e-mail"),
        "grid": grid.Grid(table, selection, reverse("users:environment_user_selection", args=[environment.environment_id])),
        "selected_one": selection.ids[0] if len(selection) == 1 else None,
        "views": [(value, label) for value, label in VIEW_CHOICES],
        "breadcrumbs": environment_crumbs(environment, ("Users", None)),
        **extra,
    }


_context = list_context


def behind(request, environment) -> dict:
    """Over htmx, after a bulk action: the grid as the page behind the panel shows it (its view,
    search, sort and page, read from the page's URL), to be swapped in out of band."""
    current = urlsplit(request.htmx.current_url_abs_path or "") if is_fragment_request(request) else None
    if current is None or current.path != list_url(environment):
        return {}
    page = copy(request)
    page.GET = QueryDict(current.query)
    context = list_context(page, environment)
    return {"table_oob": True, "table": context["table"], "grid": context["grid"]}


# --- The selection ---------------------------------------------------------------------------------


@require_POST
@environment_admin_required
def environment_user_selection(request: HttpRequest, environment) -> HttpResponse:
    """What one page of the grid ticked (or Clear). Over htmx, the command bar again; otherwise
    back to the list as it was (`next`)."""
    selection_of(request, environment).record_page(request.POST)
    if is_fragment_request(request):
        return render_page_or_partial(request, USER_LIST, "grid-commands", _context(request, environment))
    return redirect(grid.safe_next(request, list_url(environment)))


# --- Bulk panels -----------------------------------------------------------------------------------

BULK = {
    "roles": ("Manage security roles", "users:environment_user_bulk_roles", "Assign"),
    "team": ("Add to team", "users:environment_user_bulk_team", "Add"),
    "business-unit": ("Change business unit", "users:environment_user_bulk_business_unit", "Change"),
    "refresh": ("Refresh users", "users:environment_user_bulk_refresh", "Refresh"),
}


def _results_key(environment, kind: str) -> str:
    return f"users:bulk-results:{kind}:{environment.environment_id}"


def _add_results_key(environment) -> str:
    return f"users:add-results:{environment.environment_id}"


def bulk_context(request, environment, kind: str, form, *, results=None, add_results=None) -> dict:
    title, name, button = BULK[kind]
    users = grid_selectors.selected_systemusers(environment, selection_of(request, environment).ids)
    bulk = {"kind": kind, "id": f"bulk-{kind}-panel", "title": title, "button": button, "form": form,
            "action": reverse(name, args=[environment.environment_id]), "users": users[:grid_selectors.SHOWN_IN_PANEL],
            "more": max(0, len(users) - grid_selectors.SHOWN_IN_PANEL), "count": len(users),
            "results": results, "counts": bulk_actions.counts(results) if results else None}
    return _context(request, environment, bulk=bulk, add_results=add_results)


def _bulk(request, environment, kind: str, make_form, apply) -> HttpResponse:
    """A bulk panel. GET opens it (the whole list behind it without htmx) with the results of the
    last apply once; a POST from the grid (`open`) records the page's ticks first, then opens it;
    a POST of the panel's form applies it to every selected user, each in its own transaction."""
    url = reverse(BULK[kind][1], args=[environment.environment_id])
    if request.method == "POST" and request.POST.get("open"):
        selection_of(request, environment).record_page(request.POST)
        return redirect(url)
    if request.method == "GET":
        stashed = {} if is_fragment_request(request) else {
            "results": request.session.pop(_results_key(environment, kind), None),
            "add_results": request.session.pop(_add_results_key(environment), None)}
        return render_page_or_partial(request, USER_LIST, "bulk-panel",
                                      bulk_context(request, environment, kind, make_form(None), **stashed))
    form = make_form(request.POST)
    users = grid_selectors.selected_systemusers(environment, selection_of(request, environment).ids)
    if not form.is_valid() or not users:
        if not users:
            messages.error(request, "Select at least one user in the list first.")
        return form_answer(request, template=USER_LIST, partial="bulk-panel",
                           context=bulk_context(request, environment, kind, form), status=400)
    results = apply(users, form.cleaned_data)
    tell(request, BULK[kind][0], results)
    if not is_fragment_request(request):
        request.session[_results_key(environment, kind)] = results
    context = {**bulk_context(request, environment, kind, make_form(None), results=results), **behind(request, environment)}
    return action_response(request, redirect_to=url, template=USER_LIST, partial="bulk-panel", context=context)


def tell(request, title: str, results: list[dict]) -> None:
    """One toast for a bulk action: error when every user was refused, warning when some were (or
    something needs a follow-up), success otherwise."""
    counts = bulk_actions.counts(results)
    text = f"{title}: done for {counts['done']} of {counts['total']} users"
    text += f", {counts['refused']} refused." if counts["refused"] else "."
    level = messages.ERROR if counts["done"] == 0 else (
        messages.WARNING if counts["refused"] or counts["warnings"] else messages.SUCCESS)
    messages.add_message(request, level, text)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_bulk_roles(request: HttpRequest, environment) -> HttpResponse:
    """Manage security roles for the selected users: add the chosen roles (ROLE-02 per user)."""
    names = grid_selectors.role_names(environment)
    return _bulk(request, environment, "roles", lambda data: BulkRolesForm(data, role_names=names),
                 lambda users, data: bulk_actions.roles_add_many(systemusers=users, roles=data["roles"]))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_bulk_team(request: HttpRequest, environment) -> HttpResponse:
    """Add to team: the selected users join an owner or access team (ROLE-07)."""
    teams = manual_teams(environment)
    return _bulk(request, environment, "team", lambda data: BulkTeamForm(data, teams=teams),
                 lambda users, data: bulk_actions.team_add_many(systemusers=users, team=data["team"]))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_bulk_business_unit(request: HttpRequest, environment) -> HttpResponse:
    """Change business unit for the selected users (ROLE-06 removes their roles)."""
    units = business_units(environment)
    return _bulk(request, environment, "business-unit", lambda data: BulkBusinessUnitForm(data, business_units=units),
                 lambda users, data: bulk_actions.business_unit_change_many(
                     systemusers=users, business_unit=data["business_unit"], move_records=data["move_records"]))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_bulk_refresh(request: HttpRequest, environment) -> HttpResponse:
    """Refresh the selected users (SYNC-04), each against the directory now."""
    return _bulk(request, environment, "refresh", lambda data: BulkRefreshForm(data),
                 lambda users, data: bulk_actions.refresh_many(environment=environment, systemusers=users,
                                                               initiated_by=initiated_by(request)))


# --- Quick look, Edit columns, Export ------------------------------------------------------------------


@require_GET
@environment_admin_required
def environment_user_quick_look(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """A row's details pane (a side panel over the list; the list with it open without htmx)."""
    look = grid_selectors.systemuser_quick_look(environment, systemuserid)
    return render_page_or_partial(request, USER_LIST, "quick-look-panel", _context(request, environment, look=look))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_columns(request: HttpRequest, environment) -> HttpResponse:
    """Edit columns: which columns this admin shows in Users lists (kept per admin)."""
    options = grid.column_options(EnvironmentUserTable)
    back = grid.safe_next(request, list_url(environment)) if request.method == "POST" else list_url(environment)
    if request.method == "GET":
        form = ColumnsForm(options=options, initial={"columns": grid.visible_columns(request.user, LIST_KEY,
                                                                                     EnvironmentUserTable)})
        return render_page_or_partial(request, USER_LIST, "columns-panel",
                                      _context(request, environment, columns_form=form, column_options=options))
    form = ColumnsForm(request.POST, options=options)
    if not form.is_valid():
        return form_answer(request, template=USER_LIST, partial="columns-panel", status=400,
                           context=_context(request, environment, columns_form=form, column_options=options))
    grid.columns_save(request.user, LIST_KEY, EnvironmentUserTable, form.cleaned_data["columns"])
    messages.success(request, "Columns saved.")
    return action_response(request, redirect_to=back)


@require_GET
@environment_admin_required
def environment_user_export(request: HttpRequest, environment) -> HttpResponse:
    """Export: every row of the current view (view, search, sort) with the admin's columns, as CSV."""
    columns = grid.visible_columns(request.user, LIST_KEY, EnvironmentUserTable)
    queryset = environment_user_list_query(environment=environment, filters=request.GET)
    table = EnvironmentUserTable([], exclude=grid.hidden_columns(request.user, LIST_KEY, EnvironmentUserTable))
    ordered = grid.export_order(EnvironmentUserTable, queryset, request.GET.get("sort") or "")
    return grid.csv_response(grid.export_filename("users", environment.name),
                             grid.export_rows(table, ordered, columns))
