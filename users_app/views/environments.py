"""The environments list (with the New environment panel) and the environment page with its
org settings (ENV-01, ENV-04, ENV-06). Rules are checked by users_app.services.environments."""
from __future__ import annotations

from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import render_page_or_partial
from users_app.filters.environments import EnvironmentFilterSet
from users_app.forms.environments import EnvironmentCreateForm, EnvironmentSettingsForm, settings_shown
from users_app.permissions import admin_roles_of, directory_user_of, environment_admin_required, pp_admin_required
from users_app.provisioning import portal_access, rules
from users_app.selectors.environments import environment_directory_names, environment_list as environment_list_query
from users_app.selectors.environments import environment_summary
from users_app.services import elevation
from users_app.services import environments as environment_services
from users_app.tables.environments import EnvironmentTable
from environments_app.choices import region_name
from users_app.views.common import act, environment_crumbs, form_action
from users_app.views.previews import Preview

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
@pp_admin_required(preview=True)
def environment_create(request):
    """New environment: the side panel (GET: the list with the panel open, or the panel alone over
    HTMX), then the preview of who the background sync would add to it, then
    environments.environment_create (POST with confirm=1); ENV-06 refusals are shown in the panel."""
    def detail(environment):
        return reverse("environments:environment_detail", args=[environment.environment_id])

    name = (request.POST.get("name") or "").strip()
    preview = Preview(title=f"Create the environment {name}?", cancel=reverse("environments:environment_list"),
                      button="Create", icon="add",
                      text=("The environment is created with its business unit, roles and default team (ENV-05); the "
                            "background sync then adds the users its type, security group and licence type admit."))
    return form_action(
        request, template=LIST, partial="environment-create-panel", keep_form=True, make_form=EnvironmentCreateForm,
        panel_context=lambda form: _list_context(request, create_form=form),
        change=lambda form: environment_services.environment_create(**form.cleaned_data),
        done=lambda environment: f"Environment {environment.name} created.", url=detail,
        context=lambda environment: _list_context(request, refresh_table=True), preview=preview)


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


def _settings_form(request, environment, data=None) -> EnvironmentSettingsForm:
    """Edit settings' form: the security group for tenant admins, disabled with the rule's reason
    where ENV-06 would refuse one (asked of the rules package ahead, without raising)."""
    return EnvironmentSettingsForm(data, environment=environment, can_edit_security_group=_can_edit_security_group(request),
                                   security_group_refusal=rules.security_group_refusal(env_type=environment.type))


def _detail_context(request, environment, **extra) -> dict:
    context = {
        "environment": environment, "title": environment.name, "section": "environment",
        "names": environment_directory_names(environment=environment),
        "summary": environment_summary(environment=environment),
        "org_settings": settings_shown(environment),
        "region": region_name(environment.region),
        "breadcrumbs": environment_crumbs(environment)[:1] + [(environment.name, None)],
        "membership": _membership(request, environment),
        "detail_url": reverse("environments:environment_detail", args=[environment.environment_id]),
        "settings_url": reverse("environments:environment_update", args=[environment.environment_id]),
    }
    context.update(extra)
    return context


@require_GET
@environment_admin_required
def environment_detail(request, environment):
    return render_page_or_partial(request, DETAIL, "environment-details", _detail_context(request, environment))


# What the settings change for the users (the preview's sentence).
SETTINGS_EFFECT = ("The background sync then applies the rules to the users of {name} with these settings: its security "
                   "group (ELIG-04), its licence type and app-pass capacity (ELIG-03, ELIG-06).")


@require_http_methods(["GET", "POST"])
@environment_admin_required(preview=True)
def environment_update(request, environment):
    """Edit settings: the side panel (a GET opens the page with the panel shown, or the panel alone
    over HTMX), then the preview of what the background sync would do with them, then save the org
    settings (ENV-04) and, for tenant admins, the security group (ENV-06) (POST with confirm=1)."""
    if request.method == "GET":
        context = _detail_context(request, environment, settings_form=_settings_form(request, environment))
        return render_page_or_partial(request, DETAIL, "environment-settings-panel", context)
    form = _settings_form(request, environment, request.POST)
    detail_url = reverse("environments:environment_detail", args=[environment.environment_id])

    def form_context():
        environment.refresh_from_db()
        return _detail_context(request, environment, settings_form=form)

    return act(request, lambda: environment_services.environment_update(environment=environment, **form.cleaned_data),
               done=lambda _: f"Settings of {environment.name} saved.",
               url=reverse("environments:environment_detail", args=[environment.environment_id]), template=DETAIL,
               partial="environment-settings-panel", form=form, keep_form=True,
               invalid_context=form_context, refused_context=form_context,
               context=lambda _: _detail_context(request, environment, settings_saved=True),
               preview=Preview(title=f"Save the settings of {environment.name}?", cancel=detail_url,
                               button="Save", icon="save", text=SETTINGS_EFFECT.format(name=environment.name),
                               environments=[environment]))


@require_POST
@environment_admin_required
def environment_add_me(request, environment):
    """Membership > Add me: the signed-in Global, Power Platform or Dynamics 365 administrator
    gives itself System Administrator here (self-elevation, audited)."""
    return act(request, lambda: elevation.self_elevate(environment=environment),
               done=f"You are now a System Administrator of {environment.name}.",
               url=reverse("environments:environment_detail", args=[environment.environment_id]), template=DETAIL,
               partial="environment-membership", context=lambda _: _detail_context(request, environment))
