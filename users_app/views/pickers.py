"""The people picker's type-ahead (users_app/forms/pickers.py): at most 10 matches of `q` in a scope,
as the options of the picker's listbox over htmx, or as a page of matches without it.

Two gates, the pages' own: the directory's users and groups behind the Microsoft 365 screens' read
right; an environment's users (its records, or the directory users it could add) behind that
environment's gate, so an admin of one environment cannot search another's."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from portal.htmx import render_page_or_partial
from users_app.forms.pickers import PickerPageForm
from users_app.permissions import environment_admin_required, m365_required
from users_app.selectors import pickers as selectors

PAGE = "portal/picker_page.html"
SCOPE_TITLES = {"directory": "Find directory users", "groups": "Find groups",
                "addable": "Find directory users to add", "environment": "Find users"}


def _answer(request: HttpRequest, scope: str, environment=None) -> HttpResponse:
    text = request.GET.get("q", "")
    narrowing = {name: request.GET.get(name, "") for name in selectors.NARROWING}
    matches = selectors.picker_matches(selectors.scope_queryset(scope, environment, narrowing), text,
                                       exclude=request.GET.getlist("exclude"))
    context = {"matches": matches, "q": text, "scope": scope, "environment": environment,
               "title": SCOPE_TITLES[scope], "limit": selectors.LIMIT,
               "search_form": PickerPageForm({"q": text, "scope": scope})}
    return render_page_or_partial(request, PAGE, "picker-options", context)


@require_GET
@m365_required()
def people(request: HttpRequest) -> HttpResponse:
    """Directory users (`scope=directory`, or `kind=user`) or groups (`scope=groups`, `kind=group`)."""
    scope = request.GET.get("scope") or {"group": "groups"}.get(request.GET.get("kind", ""), "directory")
    if scope not in ("directory", "groups"):
        return HttpResponseBadRequest("Unknown picker scope.")
    return _answer(request, scope)


@require_GET
@environment_admin_required
def environment_people(request: HttpRequest, environment) -> HttpResponse:
    """The environment's users (`scope=environment`) or the directory users it could add (`scope=addable`)."""
    scope = request.GET.get("scope") or "environment"
    if scope not in ("addable", "environment"):
        return HttpResponseBadRequest("Unknown picker scope.")
    return _answer(request, scope, environment)
