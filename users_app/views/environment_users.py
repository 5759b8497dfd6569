"""The environment's Users pages: the list with its views and search, and Add user. The user's page
and its command bar are in environment_user_actions. Views parse, call one service, render; the
rules are the services' (users_app/provisioning, users_app/services)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.htmx import action_response, is_fragment_request, render_page_or_partial
from users_app.filters.environment_users import VIEW_CHOICES, EnvironmentUserFilterSet
from users_app.forms.environment_users import AddUsersForm
from users_app.permissions import environment_admin_required
from users_app.provisioning import sync
from users_app.selectors.environment_users import (
    addable_directory_users,
    business_unit_order,
    environment_user_list as environment_user_list_query,
)
from users_app.services.directory import directory_user_find
from users_app.tables.environment_users import EnvironmentUserTable
from users_app.views.common import environment_crumbs, form_answer, initiated_by
from users_app.views.environment_user_actions import result_shown as _result_shown

USER_LIST = "users_app/environment_users/environment_user_list.html"


def _list_url(environment) -> str:
    return reverse("users:environment_user_list", args=[environment.environment_id])


# --- The list ----------------------------------------------------------------------------------


def _list_context(request, environment, **extra) -> dict:
    filterset = EnvironmentUserFilterSet(request.GET)
    table = EnvironmentUserTable(environment_user_list_query(environment=environment, filters=request.GET))
    current = request.GET.get("view") if request.GET.get("view") in dict(VIEW_CHOICES) else "enabled"
    return {
        "environment": environment, "title": f"Users · {environment.name}", "section": "users",
        "table": table.configure(request, groups={"businessunit": lambda: business_unit_order(environment)}),
        "filter": filterset, "current_view": current,
        "views": [(value, label) for value, label in VIEW_CHOICES],
        "breadcrumbs": environment_crumbs(environment, ("Users", None)),
        **extra,
    }


@require_GET
@environment_admin_required
def environment_user_list(request: HttpRequest, environment) -> HttpResponse:
    """Settings > Users + permissions > Users."""
    add_results = None if is_fragment_request(request) else request.session.pop(_add_results_key(environment), None)
    return render_page_or_partial(request, USER_LIST, "user-table",
                                  _list_context(request, environment, add_results=add_results))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_add(request: HttpRequest, environment) -> HttpResponse:
    """Add user (SYNC-03): an on-demand add per user, reporting each refusing rule."""
    picker = addable_directory_users(environment)[:500]
    if request.method == "GET":
        context = _list_context(request, environment, add_form=AddUsersForm(), picker=picker)
        return render_page_or_partial(request, USER_LIST, "user-add-panel", context)
    form = AddUsersForm(request.POST)
    if not form.is_valid():
        context = _list_context(request, environment, add_form=form, picker=picker)
        return form_answer(request, template=USER_LIST, partial="user-add-panel", context=context, status=400)
    found = [(upn, directory_user_find(upn)) for upn in form.upns()]
    added = iter(sync.environment_users_add(environment=environment, initiated_by=initiated_by(request),
                                            directory_users=[user for _, user in found if user is not None]))
    results = []
    for upn, directory_user in found:  # one action, one run in the sync history (SYNC-07)
        if directory_user is None:
            results.append({"upn": upn, "outcome": "not found", "status": "", "refused_by": [], "checks": []})
            continue
        result = next(added)
        shown = _result_shown(result)
        results.append({"upn": result.user, "outcome": result.outcome, "status": result.status,
                        "refused_by": shown["refused_by"], "checks": shown["refusing"]})
    added = sum(1 for r in results if r["outcome"] in ("added", "enabled"))
    level = messages.SUCCESS if added == len(results) else messages.WARNING
    messages.add_message(request, level, f"Add user: {added} of {len(results)} users added or enabled.")
    if not is_fragment_request(request):
        request.session[_add_results_key(environment)] = results  # shown once by the list (Post/Redirect/Get)
    context = _list_context(request, environment, add_results=results)
    return action_response(request, redirect_to=_list_url(environment), template=USER_LIST, partial="user-add-panel",
                           context=context)


def _add_results_key(environment) -> str:
    return f"users:add-results:{environment.environment_id}"
