"""Roles > Role assignments (DIR-05): each Microsoft Entra admin role and who holds it."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.htmx import render_page_or_partial
from users_app.forms.m365 import RoleHolderAddForm
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.tables.m365 import AdminRoleTable

from .common import T, add_errors, crumbs, missing, relation_action, user_name

HOLDERS = (T + "role_detail.html", "role-holders")


def _roles_crumbs(*trail):
    return crumbs(("Roles", reverse("m365:role_list")), *trail)


@require_GET
@m365_required()
def role_list(request: HttpRequest) -> HttpResponse:
    table = AdminRoleTable(selectors.admin_role_list()).configure(request)
    context = {"table": table, "title": "Role assignments", "breadcrumbs": _roles_crumbs(("Role assignments", None))}
    return render_page_or_partial(request, T + "role_list.html", "role-table", context)


def _role_context(row) -> dict:
    form = RoleHolderAddForm(user_choices=selectors.user_choices(exclude_ids=[u.pk for u in row.holders]))
    return {"role": row, "form": form, "title": row.name,
            "breadcrumbs": _roles_crumbs(("Role assignments", reverse("m365:role_list")), (row.name, None))}


def _holders_action(request, row, change, done: str) -> HttpResponse:
    return relation_action(request, change, done, url=reverse("m365:role_detail", args=[row.template_id]), tab=HOLDERS,
                           context_for=_role_context, item=row,
                           read_again=lambda: selectors.admin_role_get(template_id=row.template_id))


@require_GET
@m365_required()
def role_detail(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    return render_page_or_partial(request, *HOLDERS, _role_context(row))


@require_POST
@m365_required(write=Action.ADMIN_ROLES)
def role_holder_add(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    form = RoleHolderAddForm(request.POST, user_choices=selectors.user_choices())
    if not form.is_valid():
        return add_errors(request, form.errors, HOLDERS, _role_context(row))
    user = selectors.directory_user_get(user_id=form.cleaned_data["user"])
    return _holders_action(request, row, lambda: directory.admin_role_assign(user=user, role=row.role),
                           f"{user_name(user)} now holds {row.name}.")


@require_POST
@m365_required(write=Action.ADMIN_ROLES)
def role_holder_remove(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    holder = next((u for u in row.holders if str(u.pk) == request.POST.get("user")), None)
    if holder is None:
        return missing(request, f"That user does not hold {row.name}.",
                       url=reverse("m365:role_detail", args=[row.template_id]), template=HOLDERS[0],
                       partial=HOLDERS[1], context=_role_context(row))
    return _holders_action(request, row, lambda: directory.admin_role_remove(user=holder, role=row.role),
                           f"{user_name(holder)} no longer holds {row.name}.")
