"""App registrations (DIR-08): the list, New registration, and one app's page: API permissions (the Microsoft
Graph application permissions granted by admin consent) and Certificates & secrets (a new client secret,
shown once; the old one stops giving tokens)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import SearchForm
from portal.htmx import render_page_or_partial
from users_app.choices import AdminRole
from users_app.forms.m365 import AppRegistrationCreateForm, AppRegistrationPermissionsForm
from users_app.permissions import m365_required, m365_rights
from users_app.provisioning.rules.admin_roles import APPLICATION_PERMISSIONS, Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.tables.m365 import AppRegistrationTable

from users_app.views.common import act, form_action

from .common import T, crumbs, no_store


def _apps_crumbs(*trail):
    return crumbs(("App registrations", reverse("m365:app_registration_list")), *trail)


@require_GET
@m365_required()
def app_registration_list(request: HttpRequest) -> HttpResponse:
    table = AppRegistrationTable(selectors.app_registration_list(filters=request.GET)).configure(request)
    context = {"table": table, "title": "App registrations",
               "search_form": SearchForm(request.GET, label="Search app registrations", placeholder="Name or application ID"),
               "breadcrumbs": crumbs(("App registrations", None))}
    return render_page_or_partial(request, T + "app_registration_list.html", "app-registration-table", context)


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.APP_REGISTRATIONS)
def app_registration_create(request: HttpRequest) -> HttpResponse:
    """New registration: the client secret is shown once, in this response (only its hash is kept)."""
    template, partial = T + "app_registration_create.html", "app-registration-create"
    context = {"title": "Register an application", "breadcrumbs": _apps_crumbs(("New registration", None))}
    return no_store(form_action(
        request, template=template, partial=partial, make_form=AppRegistrationCreateForm,
        panel_context=lambda form: {**context, "form": form}, keep_form=True, stay=True,
        change=lambda form: directory.app_registration_create(name=form.cleaned_data["name"]),
        done=lambda result: f"The application {result[0].name} was registered.",
        url=reverse("m365:app_registration_create"),
        shown=lambda result, form: {"app": result[0], "secret": result[1]}))


# --- One app registration: API permissions (admin consent) and Certificates & secrets -----------------

DETAIL = T + "app_registration_detail.html"
PERMISSIONS = (DETAIL, "api-permissions")
SECRETS = (DETAIL, "client-secrets")
SECRET_CONFIRM = (DETAIL, "confirm-panel")


def _permission_rows(app, form=None) -> list[dict]:
    """Each Microsoft Graph application permission the tenant offers: whether it is granted, the
    admin roles it stands for (what a client-credentials token of the app may do: DIR-05), and its
    checkbox when the form is shown."""
    labels = dict(AdminRole.choices)
    granted = set(app.application_permissions or [])
    boxes = {box.data["value"]: box for box in form["permissions"]} if form is not None else {}
    return [{"name": name, "granted": name in granted, "roles": sorted(labels.get(r, r) for r in roles),
             "box": boxes.get(name)} for name, roles in APPLICATION_PERMISSIONS.items()]


def _permissions_form(app, data=None) -> AppRegistrationPermissionsForm:
    return AppRegistrationPermissionsForm(data, offered=list(APPLICATION_PERMISSIONS),
                                          initial={"permissions": list(app.application_permissions or [])})


def _detail_context(request, app, *, form=None, **extra) -> dict:
    rights = m365_rights(request)
    if form is None and rights["grant_consent"]:
        form = _permissions_form(app)
    return {"app": app, "title": app.name, "permission_rows": _permission_rows(app, form), "form": form,
            "can_consent": rights["grant_consent"], "can_secrets": rights["app_registrations"],
            "granted_count": len(app.application_permissions or []),
            "breadcrumbs": _apps_crumbs((app.name, None)), **extra}


@require_GET
@m365_required()
def app_registration_detail(request: HttpRequest, app_id) -> HttpResponse:
    app = selectors.app_registration_get(app_id=app_id)
    return render_page_or_partial(request, DETAIL, "app-registration", _detail_context(request, app))


@require_POST
@m365_required(write=Action.GRANT_CONSENT)
def app_registration_permissions(request: HttpRequest, app_id) -> HttpResponse:
    """Save the API permissions: grant admin consent to the ticked ones, revoke the others (a Global or
    Privileged role administrator: DIR-05)."""
    app = selectors.app_registration_get(app_id=app_id)
    form = _permissions_form(app, request.POST)
    url = reverse("m365:app_registration_detail", args=[app.app_id])

    def done(result) -> str:
        granted = result.application_permissions
        return (f"Admin consent granted for {app.name}: {', '.join(granted)}." if granted
                else f"{app.name} has no application permissions now.")
    return act(request, lambda: directory.app_registration_set_permissions(
                   app=app, permissions=form.cleaned_data["permissions"]),
               done=done, url=url, template=PERMISSIONS[0], partial=PERMISSIONS[1], form=form,
               invalid_context=lambda: _detail_context(request, app, form=form),
               context=lambda result: _detail_context(request, selectors.app_registration_get(app_id=app.app_id)),
               refused_context=lambda: _detail_context(request, app))


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(write=Action.APP_REGISTRATIONS)
def app_registration_new_secret(request: HttpRequest, app_id) -> HttpResponse:
    """New client secret: GET the confirmation (the current secret stops working at once), POST makes the
    new one and shows it once (only its hash is kept)."""
    app = selectors.app_registration_get(app_id=app_id)
    url = reverse("m365:app_registration_detail", args=[app.app_id])
    if request.method == "GET":
        if not m365_rights(request)["app_registrations"]:  # nothing to confirm: the page
            return render_page_or_partial(request, DETAIL, "app-registration", _detail_context(request, app))
        confirm = {"title": f"New client secret for {app.name}?", "action": request.path, "cancel": url,
                   "text": "The current client secret stops working at once: scripts that use it get no token "
                           "until they are given the new one, which is shown once.", "rules": "DIR-08",
                   "button": "New client secret", "icon": "key_reset", "target": "#client-secrets"}
        return render_page_or_partial(request, *SECRET_CONFIRM, _detail_context(request, app, confirm=confirm))
    return no_store(act(request, lambda: directory.app_registration_new_secret(app=app),
                        done=f"A new client secret was made for {app.name}: copy it now.", url=url,
                        template=SECRETS[0], partial=SECRETS[1], stay=True,
                        context=lambda secret: _detail_context(
                            request, selectors.app_registration_get(app_id=app.app_id), secret=secret),
                        refused_context=lambda: _detail_context(request, app)))
