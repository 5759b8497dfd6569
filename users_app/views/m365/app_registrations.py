"""App registrations (DIR-08): the list and New registration, whose client secret is shown once."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import SearchForm
from portal.htmx import render_page_or_partial
from users_app.forms.m365 import AppRegistrationCreateForm
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.tables.m365 import AppRegistrationTable

from users_app.views.common import form_action

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
