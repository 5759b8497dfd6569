"""Billing > Licenses (DIR-02): the licences with their seats, who holds each, and the tenant's
own Marketing licence (ELIG-03 c)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.forms import SearchForm
from portal.htmx import action_response, render_page_or_partial
from users_app.permissions import admin_roles_of, m365_required
from users_app.provisioning import portal_access
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.tables.m365 import LicenceUserTable, SkuTable
from users_app.views import previews
from users_app.views.previews import Preview

from .common import T, crumbs


def _licences_crumbs(*trail):
    return crumbs(("Billing", None), ("Licenses", reverse("m365:licence_list")), *trail)


@require_GET
@m365_required()
def licence_list(request: HttpRequest) -> HttpResponse:
    """Licences with seats used / total / available (DIR-02), one query for the rows."""
    table = SkuTable(selectors.sku_list(filters=request.GET)).configure(request)
    return render_page_or_partial(request, T + "licence_list.html", "licence-table", _licence_list_context(request, table))


def _licence_list_context(request, table=None) -> dict:
    table = table or SkuTable(selectors.sku_list(filters=request.GET)).configure(request)
    return {"table": table, "title": "Licenses",
            "search_form": SearchForm(request.GET, label="Search licenses", placeholder="Name or part number"),
            "tenant": directory.tenant_get(),
            "breadcrumbs": crumbs(("Billing", None), ("Licenses", None))}


@require_POST
@m365_required(write=Action.TENANT_LICENCES, preview=True)
def tenant_licence_update(request: HttpRequest) -> HttpResponse:
    """The tenant-level Marketing licence (ELIG-03 c): with it, users need no licence of their own
    when added on demand. Shown first as a preview of what the next sync does (issue 12)."""
    held = request.POST.get("marketing_licence") == "1"
    preview = Preview(title="Add a Marketing licence?" if held else "Remove the Marketing licence?",
                      cancel=reverse("m365:licence_list"), button="Add" if held else "Remove", danger=not held,
                      target="#tenant-licences", swap="outerHTML",
                      text=("The tenant holds a Marketing licence (ELIG-03)." if held else
                            "The tenant holds no Marketing licence (ELIG-03)."))
    change = lambda: directory.tenant_update(marketing_licence=held)  # noqa: E731
    shown = previews.gate(request, preview, change)
    if shown is not None:
        return shown
    change()
    messages.success(request, "The tenant holds a Marketing licence." if held else "The tenant holds no Marketing licence.")
    return previews.confirmed(request, preview, action_response(
        request, redirect_to=reverse("m365:licence_list"), template=T + "licence_list.html",
        partial="tenant-licences", context=_licence_list_context(request)))


@require_GET
@m365_required()
def licence_detail(request: HttpRequest, sku_id) -> HttpResponse:
    sku = selectors.sku_get(sku_id=sku_id)
    link_users = portal_access.missing_m365_role(admin_roles_of(request)) is None
    table = LicenceUserTable(selectors.sku_user_list(sku=sku), link_users=link_users).configure(request)
    context = {"sku": sku, "table": table, "title": sku.name, "breadcrumbs": _licences_crumbs((sku.name, None))}
    return render_page_or_partial(request, T + "licence_detail.html", "licence-user-table", context)
