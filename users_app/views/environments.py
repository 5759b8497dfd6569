"""The environments list (with the New environment panel) and the environment page with its
org settings (ENV-01, ENV-04, ENV-06). Rules are checked by users_app.services.environments."""
from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial
from users_app.filters.environments import EnvironmentFilterSet
from users_app.forms.environments import EnvironmentCreateForm, EnvironmentSettingsForm
from users_app.permissions import admin_roles_of, directory_user_of, environment_admin_required, pp_admin_required
from users_app.provisioning import portal_access
from users_app.provisioning.rules import RuleViolation
from users_app.selectors.environments import environment_directory_names, environment_list as environment_list_query
from users_app.selectors.environments import environment_summary
from users_app.services import elevation
from users_app.services import environments as environment_services
from users_app.tables.environments import EnvironmentTable
from users_app.views.common import environment_crumbs, form_answer, refusal_message, refused

LIST = "users_app/environments/environment_list.html"
DETAIL = "users_app/environments/environment_detail.html"


def _list_context(request, **extra) -> dict:
    table = EnvironmentTable(environment_list_query(filters=request.GET))
    return {
        "title": "Environments",
        "table": table.configure(request),
        "filter": EnvironmentFilterSet(request.GET),
        "breadcrumbs": [("Environments", None)],
        **extra,
    }


@require_GET
@pp_admin_required
def environment_list(request):
    return render_page_or_partial(request, LIST, "environment-table", _list_context(request))


@require_http_methods(["GET", "POST"])
@pp_admin_required
def environment_create(request):
    """New environment: the side panel (GET), then environments.environment_create (POST);
    ENV-06 refusals are shown with the rule."""
    if request.method == "GET":
        return render_page_or_partial(request, LIST, "environment-create-panel",
                                      _list_context(request, create_form=EnvironmentCreateForm()))
    form = EnvironmentCreateForm(request.POST)
    if not form.is_valid():
        return form_answer(request, template=LIST, partial="environment-create-panel",
                           context=_list_context(request, create_form=form), status=400)
    try:
        environment = environment_services.environment_create(**form.cleaned_data)
    except RuleViolation as violation:
        refusal_message(request, violation)
        return form_answer(request, template=LIST, partial="environment-create-panel",
                           context=_list_context(request, create_form=form), status=409)
    messages.success(request, f"Environment {environment.name} created.")
    detail = reverse("environments:environment_detail", args=[environment.environment_id])
    return action_response(request, redirect_to=detail, template=LIST, partial="environment-create-panel",
                           context=_list_context(request, created=environment, created_url=detail, refresh_table=True))


def _can_edit_security_group(request) -> bool:
    """Edit details > Security group needs a tenant Power Platform role (a System Administrator
    of the environment edits its org settings only)."""
    return portal_access.missing_tenant_pp_role(admin_roles_of(request), write=True) is None


def _membership(request, environment) -> dict:
    """Membership > Add me: offered to the admins who may self-elevate here (DIR-05)."""
    user = directory_user_of(request)
    if user is None or not environment.dataverse:
        return {"can_add_me": False, "is_system_administrator": False}
    holds = elevation.holds_system_administrator(environment=environment, user=user)
    refusal = elevation.self_elevation_refusal(environment=environment, user=user, roles=admin_roles_of(request))
    return {"can_add_me": refusal is None and not holds, "is_system_administrator": holds}


def _detail_context(request, environment, **extra) -> dict:
    context = {
        "environment": environment, "title": environment.name, "section": "environment",
        "names": environment_directory_names(environment=environment),
        "summary": environment_summary(environment=environment),
        "settings_form": EnvironmentSettingsForm(environment=environment,
                                                 can_edit_security_group=_can_edit_security_group(request)),
        "breadcrumbs": environment_crumbs(environment)[:1] + [(environment.name, None)],
        "membership": _membership(request, environment),
    }
    context.update(extra)
    return context


@require_GET
@environment_admin_required
def environment_detail(request, environment):
    return render_page_or_partial(request, DETAIL, "environment-details", _detail_context(request, environment))


@require_POST
@environment_admin_required
def environment_update(request, environment):
    """Save the org settings (ENV-04) and, for tenant admins, the security group (ENV-06)."""
    detail = reverse("environments:environment_detail", args=[environment.environment_id])
    form = EnvironmentSettingsForm(request.POST, environment=environment,
                                   can_edit_security_group=_can_edit_security_group(request))
    if not form.is_valid():
        return form_answer(request, template=DETAIL, partial="environment-settings",
                           context=_detail_context(request, environment, settings_form=form), status=400)
    try:
        environment_services.environment_update(environment=environment, **form.cleaned_data)
    except RuleViolation as violation:
        environment.refresh_from_db()
        return refused(request, violation, redirect_to=detail, template=DETAIL, partial="environment-settings",
                       context=_detail_context(request, environment, settings_form=form))
    messages.success(request, f"Settings of {environment.name} saved.")
    return action_response(request, redirect_to=detail, template=DETAIL, partial="environment-settings",
                           context=_detail_context(request, environment, oob_details=True))


@require_POST
@environment_admin_required
def environment_add_me(request, environment):
    """Membership > Add me: the signed-in Global, Power Platform or Dynamics 365 administrator
    gives itself System Administrator here (self-elevation, audited)."""
    detail = reverse("environments:environment_detail", args=[environment.environment_id])
    try:
        elevation.self_elevate(environment=environment)
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=DETAIL, partial="environment-membership",
                       context=_detail_context(request, environment))
    messages.success(request, f"You are now a System Administrator of {environment.name}.")
    return action_response(request, redirect_to=detail, template=DETAIL, partial="environment-membership",
                           context=_detail_context(request, environment))
