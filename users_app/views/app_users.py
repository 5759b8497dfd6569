"""Application users (APP-01..05): the list, + New app user (a side panel over the list; a full page
without JavaScript), and the details page with its edit, Activate / Deactivate and Delete commands.
A command the rules would refuse is shown disabled with the reason (APP-03, APP-05); Deactivate and
Delete ask once, in the confirmation panel. A refusal names its rule (views.common.act)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import SearchSelectForm
from portal.htmx import action_response, render_page_or_partial
from users_app.filters.app_users import AppUserFilterSet
from users_app.forms.app_users import AppUserCreateForm, AppUserEditForm, AppUserStatusForm, DeleteConfirmForm
from users_app.permissions import environment_admin_required
from users_app.provisioning import rules
from users_app.provisioning.rules import APP_USER_DISABLE_WARNING
from users_app.selectors import app_users as selectors
from users_app.services import records
from users_app.tables.app_users import AppUserTable
from users_app.views.common import act, environment_crumbs, field_errors

APP_USER_LIST = "users_app/app_users/app_user_list.html"
APP_USER_DETAIL = "users_app/app_users/app_user_detail.html"


def _list_context(request, environment, **extra) -> dict:
    table = AppUserTable(selectors.app_user_list(environment=environment, filters=request.GET),
                         environment=environment).configure(request)
    return {
        "environment": environment, "table": table, "title": "Application users", "section": "app-users",
        "search_form": SearchSelectForm(request.GET, placeholder="Name, app ID or e-mail", name="state", select_label="State",
                                        empty_label="All states", choices=AppUserFilterSet.STATE_CHOICES),
        "list_url": reverse("app_users:app_user_list", args=[environment.environment_id]),
        "breadcrumbs": environment_crumbs(environment, ("Application users", None)),
        "users_url": reverse("users:environment_user_list", args=[environment.environment_id]),
        **extra,
    }


@require_GET
@environment_admin_required
def app_user_list(request: HttpRequest, environment) -> HttpResponse:
    return render_page_or_partial(request, APP_USER_LIST, "app-user-table", _list_context(request, environment))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def app_user_create(request: HttpRequest, environment) -> HttpResponse:
    """+ New app user ("Create a new app user"): an app registration, a business unit, an e-mail and
    security roles (APP-01, APP-02), in a side panel over the list. Created, the new user's page."""
    form = AppUserCreateForm(request.POST or None, environment=environment)
    panel = lambda: _list_context(request, environment, create_form=form)  # noqa: E731
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return act(request, lambda: records.app_user_create(  # APP-05: one application user per app registration
                       environment=environment, app=data["app"], business_unit=data["business_unit"],
                       roles=list(data["roles"]), email=data["email"]),
                   done=lambda app_user: f"Application user {app_user.fullname} created, active, with "
                                         f"{len(data['roles'])} security role(s).",
                   url=lambda app_user: reverse("app_users:app_user_detail",
                                                args=[environment.environment_id, app_user.systemuserid]),
                   refused_url=reverse("app_users:app_user_create", args=[environment.environment_id]),
                   refused_status=200, template=APP_USER_LIST, partial="app-user-form", refused_context=panel,
                   leave=True)
    return render_page_or_partial(request, APP_USER_LIST, "app-user-form", panel(), status=400 if form.errors else 200)


def _confirm(environment, app_user, confirm: str, detail_url: str) -> dict | None:
    """The one confirmation of Deactivate or Delete (portal/_confirm.html), or None."""
    if confirm == "deactivate":
        return dict(title=f"Deactivate {app_user.fullname}?", cancel=detail_url, button="Deactivate", icon="circle_off",
                    action=reverse("app_users:app_user_status", args=[environment.environment_id, app_user.systemuserid]),
                    text=APP_USER_DISABLE_WARNING.replace(" (APP-03)", ""), rules="APP-03",
                    hidden={"action": "deactivate", "confirm": "on"})
    if confirm == "delete":
        return dict(title=f"Delete {app_user.fullname}?", cancel=detail_url, rules="APP-05",
                    action=reverse("app_users:app_user_delete", args=[environment.environment_id, app_user.systemuserid]),
                    text="The application user is deleted from the environment: this cannot be undone. Its app "
                         "registration stays in Microsoft Entra ID.", hidden={"confirm": "on"})
    return None


def _app_user_context(environment, systemuserid, *, confirm: str = "", edit_form=None) -> dict:
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    list_url = reverse("app_users:app_user_list", args=[environment.environment_id])
    detail_url = reverse("app_users:app_user_detail", args=[environment.environment_id, app_user.systemuserid])
    return {
        "environment": environment, "app_user": app_user, "title": app_user.fullname, "section": "app-users",
        "edit_form": edit_form or AppUserEditForm(initial=AppUserEditForm.initial_for(app_user), environment=environment),
        "status_refusal": rules.app_user_status_change_refusal(status_editable=environment.app_user_status_editable,
                                                               user_type=app_user.user_type),
        "delete_refusal": rules.app_user_delete_refusal(isdisabled=app_user.isdisabled,
                                                        owned_records=app_user.owned_records or 0),
        "confirm": _confirm(environment, app_user, confirm, detail_url),
        "detail_url": detail_url,
        "breadcrumbs": environment_crumbs(environment, ("Application users", list_url), (app_user.fullname, None)),
    }


@require_GET
@environment_admin_required
def app_user_detail(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Details (AP): Name, Microsoft Entra application ID, State, Assigned security roles, App type,
    Business unit, Email address; edit business unit, e-mail and roles only (APP-05). With
    `?confirm=deactivate|delete`, the confirmation panel over it (the `confirm-panel` fragment)."""
    context = _app_user_context(environment, systemuserid, confirm=request.GET.get("confirm", ""))
    return render_page_or_partial(request, APP_USER_DETAIL, "confirm-panel" if context["confirm"] else "app-user-panel",
                                  context)


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


def _confirmed_action(request, environment, systemuserid, confirm: str, change, done, url: str) -> HttpResponse:
    """Deactivate or Delete, posted from the confirmation panel: done, the page again (HX-Redirect or a
    redirect) with the toast; refused, the panel again with the toast naming the rule."""
    return act(request, change, done=done, url=url, leave=True, refused_url=_detail_url(environment, systemuserid),
               template=APP_USER_DETAIL, partial="confirm-panel",
               refused_context=lambda: _app_user_context(environment, systemuserid, confirm=confirm))


@require_POST
@environment_admin_required
def app_user_status(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Activate / Deactivate (APP-03): locked unless the environment allows status edits (the page
    then shows the command disabled, with the reason); deactivating is confirmed in the confirmation
    panel first (every integration using it breaks)."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = AppUserStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Activate or Deactivate.")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                               partial="app-user-panel", context=_app_user_context(environment, systemuserid))
    activate = form.cleaned_data["action"] == "activate"
    change = lambda: records.app_user_set_status(systemuser=app_user, enabled=activate)  # noqa: E731
    if activate:
        return _detail_action(request, environment, systemuserid, change, f"{app_user.fullname} is active.")
    if not form.cleaned_data["confirm"]:  # asked once, in the confirmation panel
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "deactivate"),
                               template=APP_USER_DETAIL, partial="confirm-panel",
                               context=_app_user_context(environment, systemuserid, confirm="deactivate"))
    return _confirmed_action(request, environment, systemuserid, "deactivate", change,
                             f"{app_user.fullname} is inactive.", _detail_url(environment, systemuserid))


@require_POST
@environment_admin_required
def app_user_delete(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Delete (APP-05): only while inactive, once its records are reassigned; confirmed in the
    confirmation panel first."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = DeleteConfirmForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["confirm"]):
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "delete"),
                               template=APP_USER_DETAIL, partial="confirm-panel",
                               context=_app_user_context(environment, systemuserid, confirm="delete"))
    return _confirmed_action(request, environment, systemuserid, "delete",
                             lambda: records.app_user_delete(systemuser=app_user),
                             f"Application user {app_user.fullname} deleted.",
                             reverse("app_users:app_user_list", args=[environment.environment_id]))
