"""The environment's Users pages: the list with its views and search, and Add user. The grid (selection,
bulk panels, quick look, columns, export) is in environment_user_grid; the user's page and its
command bar are in environment_user_actions. Views parse, call one service, render; the
rules are the services' (users_app/provisioning, users_app/services)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.htmx import action_response, is_fragment_request, render_page_or_partial
from users_app.forms.environment_users import AddUsersForm
from users_app.forms.grid import BulkRolesForm
from users_app.permissions import environment_admin_required
from users_app.provisioning import sync
from users_app.selectors.grid import role_names
from users_app.services.directory import directory_user_find
from users_app.views.common import form_answer, initiated_by
from users_app.views.environment_user_actions import result_shown as _result_shown
from users_app.views.environment_user_grid import USER_LIST, behind, bulk_context, list_context, selection_of


# --- The list ----------------------------------------------------------------------------------


@require_GET
@environment_admin_required
def environment_user_list(request: HttpRequest, environment) -> HttpResponse:
    """Settings > Users + permissions > Users: a data grid (users_app/views/environment_user_grid.py)."""
    return render_page_or_partial(request, USER_LIST, "user-table", list_context(request, environment))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_add(request: HttpRequest, environment) -> HttpResponse:
    """Add user (SYNC-03): an on-demand add per user, reporting each refusing rule. When some were
    added, Manage security roles opens for them (selected in the grid), as the admin center does."""
    if request.method == "GET":
        return render_page_or_partial(request, USER_LIST, "user-add-panel",
                                      list_context(request, environment, add_form=AddUsersForm(environment=environment)))
    form = AddUsersForm(request.POST, environment=environment)
    if not form.is_valid():
        context = list_context(request, environment, add_form=form)
        return form_answer(request, template=USER_LIST, partial="user-add-panel", context=context, status=400)
    found = [(upn, directory_user_find(upn)) for upn in form.upns()]
    added = iter(sync.environment_users_add(environment=environment, initiated_by=initiated_by(request),
                                            directory_users=[user for _, user in found if user is not None]))
    results, records = [], []
    for upn, directory_user in found:  # one action, one run in the sync history (SYNC-07)
        if directory_user is None:
            results.append({"upn": upn, "outcome": "not found", "status": "", "refused_by": [], "checks": []})
            continue
        result = next(added)
        shown = _result_shown(result)
        results.append({"upn": result.user, "outcome": result.outcome, "status": result.status,
                        "refused_by": shown["refused_by"], "checks": shown["refusing"]})
        if result.outcome in ("added", "enabled") and result.systemuser is not None:
            records.append(str(result.systemuser.systemuserid))
    level = messages.SUCCESS if len(records) == len(results) else (messages.WARNING if records else messages.ERROR)
    messages.add_message(request, level, f"Add user: {len(records)} of {len(results)} users added or enabled.")
    if not records:  # nobody to give roles to: the results in the Add user panel
        context = list_context(request, environment, add_form=AddUsersForm(environment=environment), add_results=results)
        return form_answer(request, template=USER_LIST, partial="user-add-panel", context=context)
    selection_of(request, environment).replace(records)
    roles_url = reverse("users:environment_user_bulk_roles", args=[environment.environment_id])
    if not is_fragment_request(request):
        request.session[f"users:add-results:{environment.environment_id}"] = results  # shown once (Post/Redirect/Get)
    context = bulk_context(request, environment, "roles", BulkRolesForm(role_names=role_names(environment)),
                           add_results=results)
    return action_response(request, redirect_to=roles_url, template=USER_LIST, partial="bulk-panel",
                           context={**context, **behind(request, environment)})
