"""Application users (APP-01..05): the list, + New app user, and the details panel with its
edit, Activate / Deactivate and Delete commands. A refusal names its rule (views.common.act)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial
from users_app.filters.app_users import AppUserFilterSet
from users_app.forms.app_users import AppUserCreateForm, AppUserEditForm, AppUserStatusForm, DeleteConfirmForm
from users_app.permissions import environment_admin_required
from users_app.provisioning.rules import APP_USER_DISABLE_WARNING
from users_app.selectors import app_users as selectors
from users_app.services import records
from users_app.tables.app_users import AppUserTable
from users_app.views.common import act, environment_crumbs, field_errors

APP_USER_LIST = "users_app/app_users/app_user_list.html"
APP_USER_CREATE = "users_app/app_users/app_user_create.html"
APP_USER_DETAIL = "users_app/app_users/app_user_detail.html"


@require_GET
@environment_admin_required
def app_user_list(request: HttpRequest, environment) -> HttpResponse:
    table = AppUserTable(selectors.app_user_list(environment=environment, filters=request.GET),
                         environment=environment).configure(request)
    context = {
        "environment": environment, "table": table, "title": "Application users", "section": "app-users",
        "filter_form": AppUserFilterSet(request.GET).form,
        "breadcrumbs": environment_crumbs(environment, ("Application users", None)),
        "users_url": reverse("users:environment_user_list", args=[environment.environment_id]),
    }
    return render_page_or_partial(request, APP_USER_LIST, "app-user-table", context)


def _app_user_create_context(environment, form) -> dict:
    list_url = reverse("app_users:app_user_list", args=[environment.environment_id])
    return {"environment": environment, "form": form, "title": "Create a new app user",
            "breadcrumbs": environment_crumbs(environment, ("Application users", list_url), ("New app user", None))}


@require_http_methods(["GET", "POST"])
@environment_admin_required
def app_user_create(request: HttpRequest, environment) -> HttpResponse:
    """+ New app user: an app registration, a business unit, an e-mail and security roles (APP-01, APP-02)."""
    form = AppUserCreateForm(request.POST or None, environment=environment)
    create_url = reverse("app_users:app_user_create", args=[environment.environment_id])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return act(request, lambda: records.app_user_create(  # APP-05: one application user per app registration
                       environment=environment, app=data["app"], business_unit=data["business_unit"],
                       roles=list(data["roles"]), email=data["email"]),
                   done=lambda app_user: f"Application user {app_user.fullname} created, active, with "
                                         f"{len(data['roles'])} security role(s) (APP-01).",
                   url=lambda app_user: reverse("app_users:app_user_detail",
                                                args=[environment.environment_id, app_user.systemuserid]),
                   refused_url=create_url, refused_status=200, template=APP_USER_CREATE, partial="app-user-form",
                   refused_context=lambda: _app_user_create_context(environment, form), leave=True)
    return render_page_or_partial(request, APP_USER_CREATE, "app-user-form", _app_user_create_context(environment, form))


def _app_user_context(environment, systemuserid, *, confirm: str = "", edit_form=None) -> dict:
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    list_url = reverse("app_users:app_user_list", args=[environment.environment_id])
    return {
        "environment": environment, "app_user": app_user, "title": app_user.fullname,
        "edit_form": edit_form or AppUserEditForm(initial=AppUserEditForm.initial_for(app_user), environment=environment),
        "status_form": AppUserStatusForm(), "delete_form": DeleteConfirmForm(),
        "confirm": confirm if confirm in ("deactivate", "delete") else "",
        "disable_warning": APP_USER_DISABLE_WARNING,
        "detail_url": reverse("app_users:app_user_detail", args=[environment.environment_id, app_user.systemuserid]),
        "breadcrumbs": environment_crumbs(environment, ("Application users", list_url), (app_user.fullname, None)),
    }


@require_GET
@environment_admin_required
def app_user_detail(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Details (AP): Name, Microsoft Entra application ID, State, Assigned security roles, App type,
    Business unit, Email address; edit business unit, e-mail and roles only (APP-05)."""
    context = _app_user_context(environment, systemuserid, confirm=request.GET.get("confirm", ""))
    return render_page_or_partial(request, APP_USER_DETAIL, "app-user-panel", context)


def _detail_url(environment, systemuserid, confirm: str = "") -> str:
    url = reverse("app_users:app_user_detail", args=[environment.environment_id, systemuserid])
    return f"{url}?confirm={confirm}" if confirm else url


def _detail_action(request, environment, systemuserid, change, done, **answer) -> HttpResponse:
    """A write from the details panel: the panel read again after it (a refusal answers 200 here)."""
    answer.setdefault("url", _detail_url(environment, systemuserid))
    return act(request, change, done=done, refused_url=_detail_url(environment, systemuserid), refused_status=200,
               template=APP_USER_DETAIL, partial="app-user-panel",
               context=lambda _: _app_user_context(environment, systemuserid), **answer)


@require_POST
@environment_admin_required
def app_user_update(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """APP-05: business unit, e-mail address and security roles, saved together (ROLE-02, ROLE-06 apply)."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = AppUserEditForm(request.POST, environment=environment)
    if not form.is_valid():
        messages.error(request, f"Check the form: {field_errors(form)}")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                               partial="app-user-panel", context=_app_user_context(environment, systemuserid, edit_form=form))
    data = form.cleaned_data
    return _detail_action(request, environment, systemuserid,
                          lambda: records.app_user_edit(systemuser=app_user, email=data["email"],
                                                        business_unit=data["business_unit"], roles=data["roles"]),
                          lambda changed: f"Saved: {', '.join(changed)}." if changed else (
                              messages.INFO, "Nothing to save: no field changed."),
                          refused_context=lambda: _app_user_context(environment, systemuserid, edit_form=form))


@require_POST
@environment_admin_required
def app_user_status(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Activate / Deactivate (APP-03): locked unless the environment allows status edits;
    deactivating asks for confirmation first (every integration using it breaks)."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = AppUserStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Activate or Deactivate.")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                               partial="app-user-panel", context=_app_user_context(environment, systemuserid))
    activate = form.cleaned_data["action"] == "activate"
    if not activate and not form.cleaned_data["confirm"]:
        messages.warning(request, f"Confirm to deactivate: {APP_USER_DISABLE_WARNING}")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "deactivate"),
                               template=APP_USER_DETAIL, partial="app-user-panel",
                               context=_app_user_context(environment, systemuserid, confirm="deactivate"))
    return _detail_action(request, environment, systemuserid,
                          lambda: records.app_user_set_status(systemuser=app_user, enabled=activate),
                          f"{app_user.fullname} is {'active' if activate else 'inactive'}.")


@require_POST
@environment_admin_required
def app_user_delete(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Delete (APP-05): only while inactive, once its records are reassigned."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = DeleteConfirmForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["confirm"]):
        messages.warning(request, "Confirm to delete the application user: this cannot be undone.")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "delete"),
                               template=APP_USER_DETAIL, partial="app-user-panel",
                               context=_app_user_context(environment, systemuserid, confirm="delete"))
    return _detail_action(request, environment, systemuserid, lambda: records.app_user_delete(systemuser=app_user),
                          f"Application user {app_user.fullname} deleted.", leave=True,
                          url=reverse("app_users:app_user_list", args=[environment.environment_id]))
