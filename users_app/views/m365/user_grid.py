"""Active users as a data grid: the selection, the command bar that follows it, the bulk panels
(Manage product licences; Block / Unblock sign-in after a confirmation), a row's quick look, Edit
columns and the CSV export. The services check DIR-02, DIR-10 and, for the acting admin, DIR-05
per user (users_app/services/bulk_actions.py); the page shows only the commands the admin may use."""
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
from users_app.forms.grid import BulkLicenceForm, ColumnsForm
from users_app.models import Sku
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import grid as grid_selectors
from users_app.selectors import m365 as selectors
from users_app.services import bulk_actions
from users_app.tables.m365 import DirectoryUserTable
from users_app.views import previews
from users_app.views.common import form_answer
from users_app.views.previews import Preview
from users_app.views.environment_user_grid import tell

from .common import T, users_crumbs

LIST = T + "active_user_list.html"
LIST_KEY = "active_users"
SIGN_IN_ICONS = {True: dict(icon="lock_open"), False: dict(icon="lock_closed")}


def list_url() -> str:
    return reverse("m365:active_user_list")


def selection_of(request) -> grid.Selection:
    return grid.Selection(request, "active-users")


def list_context(request, **extra) -> dict:
    hidden = grid.hidden_columns(request.user, LIST_KEY, DirectoryUserTable)
    table = DirectoryUserTable(selectors.active_user_list(filters=request.GET), exclude=hidden).configure(request)
    selection = selection_of(request)
    return {"table": table, "title": "Active users",
            "search_form": SearchForm(request.GET, label="Search active users list", placeholder="Name, user name or mail"), "list_url": list_url(),
            "grid": grid.Grid(table, selection, reverse("m365:active_user_selection")),
            "selected_one": selection.ids[0] if len(selection) == 1 else None,
            "breadcrumbs": users_crumbs(("Active users", None)), **extra}


@require_POST
@m365_required(write=Action.READ)
def active_user_selection(request: HttpRequest) -> HttpResponse:
    """What one page of the grid ticked (or Clear): the command bar again over htmx, else the list."""
    selection_of(request).record_page(request.POST)
    if is_fragment_request(request):
        return render_page_or_partial(request, LIST, "grid-commands", list_context(request))
    return redirect(grid.safe_next(request, list_url()))


# --- Bulk: licences, block / unblock sign-in --------------------------------------------------------------


def _results_key(kind: str) -> str:
    return f"m365:bulk-results:{kind}"


def _bulk_context(request, kind: str, title: str, *, form=None, results=None, confirm=None) -> dict:
    users = grid_selectors.selected_directory_users(selection_of(request).ids)
    bulk = {"kind": kind, "id": f"bulk-{kind}-panel", "title": title, "form": form, "action": request.path,
            "users": users[:grid_selectors.SHOWN_IN_PANEL], "count": len(users),
            "more": max(0, len(users) - grid_selectors.SHOWN_IN_PANEL),
            "results": results, "counts": bulk_actions.counts(results) if results else None}
    return list_context(request, bulk=bulk, bulk_users=users, confirm=confirm)


def _opened(request, url: str) -> HttpResponse | None:
    """A command of the grid posted without JavaScript: record the page's ticks, then open the panel."""
    if request.method == "POST" and request.POST.get("open"):
        selection_of(request).record_page(request.POST)
        return redirect(url)
    return None


def _behind(request) -> dict:
    """Over htmx: the grid as the page behind the panel shows it (its search, sort and page), swapped
    in out of band after a bulk action."""
    current = urlsplit(request.htmx.current_url_abs_path or "") if is_fragment_request(request) else None
    if current is None or current.path != list_url():
        return {}
    page = copy(request)
    page.GET = QueryDict(current.query)
    context = list_context(page)
    return {"table_oob": True, "table": context["table"], "grid": context["grid"]}


SHOWN_REFUSALS = 10


def _refusals(results: list[dict]) -> list[str]:
    """A bulk preview's notes: the users the change would refuse, each with its rule (as on save)."""
    refused = [r for r in results or [] if r["level"] == "error"]
    notes = [f"{r['name']} would be refused: {' '.join(c['reason'] for c in r['checks'])} "
             f"({' '.join(r['refused_by'])})" for r in refused[:SHOWN_REFUSALS]]
    if len(refused) > SHOWN_REFUSALS:
        notes.append(f"and {len(refused) - SHOWN_REFUSALS} more users would be refused.")
    return notes


def _previewed(request, preview: Preview, change, kind: str, title: str) -> HttpResponse:
    """A bulk change after its preview (issue 12): the preview, or the change made and its results."""
    shown = previews.gate(request, preview, change)
    return shown if shown is not None else _applied(request, kind, title, change())


def _applied(request, kind: str, title: str, results: list[dict]) -> HttpResponse:
    tell(request, title, results)
    if not is_fragment_request(request):
        request.session[_results_key(kind)] = results
    return action_response(request, redirect_to=request.path, template=LIST, partial="bulk-panel",
                           context={**_bulk_context(request, kind, title, results=results), **_behind(request)})


@require_http_methods(["GET", "POST"])
@m365_required(Action.LICENCES, preview=True)
def active_user_bulk_licences(request: HttpRequest) -> HttpResponse:
    """Manage product licences for the selected users: assign or remove one licence for each."""
    title = "Manage product licences"
    opened = _opened(request, request.path)
    if opened:
        return opened
    skus = Sku.objects.order_by("name")
    if request.method == "GET":
        results = None if is_fragment_request(request) else request.session.pop(_results_key("licences"), None)
        return render_page_or_partial(request, LIST, "bulk-panel", _bulk_context(
            request, "licences", title, form=BulkLicenceForm(skus=skus), results=results))
    form = BulkLicenceForm(request.POST, skus=skus)
    users = grid_selectors.selected_directory_users(selection_of(request).ids)
    if not form.is_valid() or not users:
        if not users:
            messages.error(request, "Select at least one user in the list first.")
        return form_answer(request, template=LIST, partial="bulk-panel", status=400,
                           context=_bulk_context(request, "licences", title, form=form))
    sku, add = form.cleaned_data["sku"], form.cleaned_data["change"] == "add"
    count = f"{len(users)} user{'s' if len(users) != 1 else ''}"
    preview = Preview(title=f"{'Assign' if add else 'Remove'} {sku.name} {'to' if add else 'from'} {count}?",
                      cancel=list_url(), button="Apply", icon="checkmark", notes=_refusals,
                      text=f"Each selected user {'gets' if add else 'loses'} {sku.name} (DIR-02, DIR-10 per user).")
    return _previewed(request, preview, lambda: bulk_actions.licence_change_many(users=users, sku=sku, add=add),
                      "licences", title)


def _sign_in(request, *, allowed: bool) -> HttpResponse:
    """Block or unblock sign-in for the selected users, after one confirmation panel."""
    kind, verb = ("unblock", "Unblock sign-in") if allowed else ("block", "Block sign-in")
    opened = _opened(request, request.path)
    if opened:
        return opened
    users = grid_selectors.selected_directory_users(selection_of(request).ids)
    if request.method == "GET":
        results = None if is_fragment_request(request) else request.session.pop(_results_key(kind), None)
        if results or not users:
            return render_page_or_partial(request, LIST, "bulk-panel",
                                          _bulk_context(request, kind, verb, results=results))
        text = ("They can sign in again." if allowed else
                "They are signed out of the admin centers and apps and cannot sign in until sign-in is allowed again.")
        confirm = {"title": f"{verb} for {len(users)} user{'s' if len(users) != 1 else ''}?", "action": request.path,
                   "cancel": list_url(), "text": text, "rules": "DIR-05", "button": verb, "id": f"bulk-{kind}-panel",
                   **SIGN_IN_ICONS[allowed],
                   "items": [u.display_name or u.user_principal_name for u in users[:grid_selectors.SHOWN_IN_PANEL]]}
        return render_page_or_partial(request, LIST, "confirm-panel", list_context(request, confirm=confirm))
    if not users:
        messages.error(request, "Select at least one user in the list first.")
        return form_answer(request, template=LIST, partial="bulk-panel", status=400,
                           context=_bulk_context(request, kind, verb))
    preview = Preview(title=f"{verb} for {len(users)} user{'s' if len(users) != 1 else ''}?", cancel=list_url(),
                      button=verb, danger=not allowed, notes=_refusals, **SIGN_IN_ICONS[allowed],
                      text="They can sign in again." if allowed else "They cannot sign in until sign-in is allowed again.")
    return _previewed(request, preview, lambda: bulk_actions.sign_in_set_many(users=users, allowed=allowed), kind, verb)


@require_http_methods(["GET", "POST"])
@m365_required(Action.BLOCK, preview=True)
def active_user_bulk_block(request: HttpRequest) -> HttpResponse:
    return _sign_in(request, allowed=False)


@require_http_methods(["GET", "POST"])
@m365_required(Action.BLOCK, preview=True)
def active_user_bulk_unblock(request: HttpRequest) -> HttpResponse:
    return _sign_in(request, allowed=True)


# --- Quick look, Edit columns, Export ------------------------------------------------------------------------


@require_GET
@m365_required()
def active_user_quick_look(request: HttpRequest, user_id) -> HttpResponse:
    """A row's details pane over the list (the list with it open without htmx)."""
    look = grid_selectors.directory_user_quick_look(user_id)
    return render_page_or_partial(request, LIST, "quick-look-panel", list_context(request, look=look))


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.READ)
def active_user_columns(request: HttpRequest) -> HttpResponse:
    """Edit columns of Active users (kept per admin)."""
    options = grid.column_options(DirectoryUserTable)
    if request.method == "GET":
        form = ColumnsForm(options=options, initial={"columns": grid.visible_columns(request.user, LIST_KEY,
                                                                                     DirectoryUserTable)})
        return render_page_or_partial(request, LIST, "columns-panel",
                                      list_context(request, columns_form=form, column_options=options))
    form = ColumnsForm(request.POST, options=options)
    if not form.is_valid():
        return form_answer(request, template=LIST, partial="columns-panel", status=400,
                           context=list_context(request, columns_form=form, column_options=options))
    grid.columns_save(request.user, LIST_KEY, DirectoryUserTable, form.cleaned_data["columns"])
    messages.success(request, "Columns saved.")
    return action_response(request, redirect_to=grid.safe_next(request, list_url()))


@require_GET
@m365_required()
def active_user_export(request: HttpRequest) -> HttpResponse:
    """Export: every active user of the current search and sort, with the admin's columns, as CSV."""
    columns = grid.visible_columns(request.user, LIST_KEY, DirectoryUserTable)
    table = DirectoryUserTable([], exclude=grid.hidden_columns(request.user, LIST_KEY, DirectoryUserTable))
    ordered = grid.export_order(DirectoryUserTable, selectors.active_user_list(filters=request.GET),
                                request.GET.get("sort") or "")
    return grid.csv_response(grid.export_filename("active-users"), grid.export_rows(table, ordered, columns))
