"""Business units: the list, New business unit with its parent, and Delete (ENV-05 keeps the root)."""
from __future__ import annotations

from django.contrib import messages
from django.views.decorators.http import require_GET, require_http_methods

from portal.htmx import action_response, render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.provisioning.rules import RuleViolation
from users_app.filters.structure import BusinessUnitFilterSet
from users_app.forms.structure import BusinessUnitCreateForm, ConfirmForm
from users_app.selectors.structure import business_unit_get, business_unit_list as business_unit_list_query
from users_app.services import environments as environment_services
from users_app.tables.structure import BusinessUnitTable
from users_app.views.common import environment_crumbs, form_answer, refusal_message, refused
from users_app.views.structure.shared import structure_url

UNIT_LIST = "users_app/structure/business_unit_list.html"


def _unit_list_context(request, environment, **extra) -> dict:
    table = BusinessUnitTable(business_unit_list_query(environment=environment, filters=request.GET),
                              environment=environment)
    return {
        "environment": environment, "title": f"Business units · {environment.name}", "section": "units",
        "table": table.configure(request),
        "filter": BusinessUnitFilterSet(request.GET, environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Business units", None)),
        **extra,
    }


@require_GET
@environment_admin_required
def business_unit_list(request, environment):
    return render_page_or_partial(request, UNIT_LIST, "business-unit-table", _unit_list_context(request, environment))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def business_unit_create(request, environment):
    """New business unit with its parent (environments.business_unit_create)."""
    if request.method == "GET":
        context = _unit_list_context(request, environment, create_form=BusinessUnitCreateForm(environment=environment))
        return render_page_or_partial(request, UNIT_LIST, "business-unit-create-panel", context)
    form = BusinessUnitCreateForm(request.POST, environment=environment)
    if not form.is_valid():
        context = _unit_list_context(request, environment, create_form=form)
        return form_answer(request, template=UNIT_LIST, partial="business-unit-create-panel", context=context, status=400)
    try:
        unit = environment_services.business_unit_create(environment=environment, name=form.cleaned_data["name"],
                                                         parent=form.cleaned_data["parent"])
    except RuleViolation as violation:
        refusal_message(request, violation)
        context = _unit_list_context(request, environment, create_form=form)
        return form_answer(request, template=UNIT_LIST, partial="business-unit-create-panel", context=context, status=409)
    messages.success(request, f"Business unit {unit.name} created under {unit.parentbusinessunit.name}.")
    context = _unit_list_context(request, environment, created=unit, refresh_table=True)
    return action_response(request, redirect_to=structure_url("business_unit_list", environment), template=UNIT_LIST,
                           partial="business-unit-create-panel", context=context)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def business_unit_delete(request, environment, businessunitid):
    """Delete a business unit: a confirm panel (GET), then environments.business_unit_delete (POST).
    The root business unit cannot be deleted (ENV-05)."""
    unit = business_unit_get(environment=environment, businessunitid=businessunitid)
    back = structure_url("business_unit_list", environment)
    if request.method == "GET":
        context = _unit_list_context(request, environment, unit=unit, delete_form=ConfirmForm())
        return render_page_or_partial(request, UNIT_LIST, "business-unit-delete-panel", context)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        context = _unit_list_context(request, environment, unit=unit, delete_form=form)
        return form_answer(request, template=UNIT_LIST, partial="business-unit-delete-panel", context=context, status=400)
    try:
        environment_services.business_unit_delete(business_unit=unit)
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=back, template=UNIT_LIST, partial="business-unit-delete-panel",
                       context=_unit_list_context(request, environment, unit=unit, delete_form=form))
    messages.success(request, f"Business unit {unit.name} deleted.")
    return action_response(request, redirect_to=back, template=UNIT_LIST, partial="business-unit-delete-panel",
                           context=_unit_list_context(request, environment, refresh_table=True))
