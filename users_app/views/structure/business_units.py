"""Business units: the list, New business unit with its parent, and Delete (ENV-05 keeps the root)."""
from __future__ import annotations

from django.views.decorators.http import require_GET, require_http_methods

from portal.htmx import render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.filters.structure import BusinessUnitFilterSet
from users_app.forms.structure import BusinessUnitCreateForm
from users_app.selectors.structure import business_unit_get, business_unit_list as business_unit_list_query
from users_app.services import environments as environment_services
from users_app.tables.structure import BusinessUnitTable
from users_app.views.common import environment_crumbs, form_action
from users_app.views.structure.shared import confirm_then, structure_url

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
    """+ New business unit: a side panel (a full page without JavaScript) with its parent
    (environments.business_unit_create). Done, the panel closes and the table is refreshed."""
    return form_action(
        request, template=UNIT_LIST, partial="business-unit-create-panel", keep_form=True,
        make_form=lambda data=None: BusinessUnitCreateForm(data, environment=environment),
        panel_context=lambda form: _unit_list_context(request, environment, create_form=form),
        change=lambda form: environment_services.business_unit_create(
            environment=environment, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]),
        done=lambda unit: f"Business unit {unit.name} created under {unit.parentbusinessunit.name}.",
        url=structure_url("business_unit_list", environment),
        context=lambda unit: _unit_list_context(request, environment, panel_done=True, refresh_table=True))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def business_unit_delete(request, environment, businessunitid):
    """Delete a business unit: the confirmation panel (GET), then environments.business_unit_delete
    (POST). The root business unit cannot be deleted (ENV-05)."""
    unit = business_unit_get(environment=environment, businessunitid=businessunitid)
    page = structure_url("business_unit_list", environment)
    confirm = dict(title=f"Delete business unit {unit.name}?", cancel=page, rules="ENV-05",
                   text="A business unit can be deleted once it has no users, child units or teams; its default "
                        "team goes with it. The root business unit can't be deleted.")
    return confirm_then(request, template=UNIT_LIST, partial="confirm-panel", confirm=confirm,
                        context=lambda: _unit_list_context(request, environment),
                        change=lambda: environment_services.business_unit_delete(business_unit=unit),
                        done=f"Business unit {unit.name} deleted.", url=page)
