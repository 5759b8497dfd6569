"""Roles > Role assignments (DIR-05): each Microsoft Entra admin role and who holds it."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.forms.m365 import RoleHolderAddForm
from users_app.permissions import m365_required, m365_rights
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.selectors import relations as rows
from users_app.services import directory
from users_app.tables.m365 import AdminRoleTable

from users_app.views.previews import Preview
from users_app.views.relations import Relation, RelationRow, relation_context

from .common import T, crumbs, missing, relation_action, user_name

HOLDERS = (T + "role_detail.html", "role-holders")
HOLDERS_CONFIRM = (T + "role_detail.html", "confirm-panel")


def _roles_crumbs(*trail):
    return crumbs(("Roles", reverse("m365:role_list")), *trail)


@require_GET
@m365_required()
def role_list(request: HttpRequest) -> HttpResponse:
    table = AdminRoleTable(selectors.admin_role_list()).configure(request)
    context = {"table": table, "title": "Role assignments", "breadcrumbs": _roles_crumbs(("Role assignments", None))}
    return render_page_or_partial(request, T + "role_list.html", "role-table", context)


def _holder_row(row):
    def make(assignment) -> RelationRow:
        user = assignment.user
        remove = f"{reverse('m365:role_holder_remove', args=[row.template_id])}?{urlencode({'user': user.pk})}"
        return RelationRow(str(user.pk), user_name(user), reverse("m365:active_user_detail", args=[user.pk]),
                           user.login_name, remove_url=remove)
    return make


def _role_context(request, row, form=None, **extra) -> dict:
    form = form if form is not None else RoleHolderAddForm()
    form.fields["user"].narrowing = {"without_admin_role": row.role}
    relation = Relation(
        id="role-holders", title="Assigned admins", noun="admin", url=reverse("m365:role_detail", args=[row.template_id]),
        total=row.holder_count, can_edit=m365_rights(request)["admin_roles"], add_form=form,
        add_url=reverse("m365:role_holder_add", args=[row.template_id]), add_title="Add an admin", add_button="Assign")
    relation_context(request, relation, rows.role_holders(row.role), search=rows.USER_SEARCH, row=_holder_row(row))
    return {"role": row, "relation": relation, "title": row.name,
            "breadcrumbs": _roles_crumbs(("Role assignments", reverse("m365:role_list")), (row.name, None)), **extra}


# What an admin role changes in the environments (the previews' sentence).
ROLES_EFFECT = ("Global and Power Platform administrators pass an environment's security group (ELIG-04); a Global, "
                "Power Platform or Dynamics 365 administrator without a licence gets administrative access (MODE-02). "
                "The background sync follows.")


def _holders_action(request, row, change, done: str, *, title: str, text: str, button: str,
                    danger: bool = False) -> HttpResponse:
    """Assign or Remove on the Assigned admins tab, its impact previewed first: Confirm answers the tab."""
    url = reverse("m365:role_detail", args=[row.template_id])
    preview = Preview(title=title, cancel=url, text=f"{text} {ROLES_EFFECT}", button=button, danger=danger,
                      icon="person_delete" if danger else "person_add", target="#role-holders", swap="outerHTML")
    return relation_action(request, change, done, url=url, tab=HOLDERS,
                           context_for=lambda item: _role_context(request, item), item=row,
                           read_again=lambda: selectors.admin_role_get(template_id=row.template_id), preview=preview)


@require_GET
@m365_required()
def role_detail(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    return render_page_or_partial(request, *HOLDERS, _role_context(request, row))


@require_POST
@m365_required(write=Action.ADMIN_ROLES, preview=True)
def role_holder_add(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    form = RoleHolderAddForm(request.POST)
    if not form.is_valid():
        context = {**_role_context(request, row, form), "oob_messages": is_fragment_request(request)}
        return render_page_or_partial(request, *HOLDERS, context, status=400)
    user = form.cleaned_data["user"]
    name = user_name(user)
    return _holders_action(request, row, lambda: directory.admin_role_assign(user=user, role=row.role),
                           f"{name} now holds {row.name}.", title=f"Assign {row.name} to {name}?", button="Assign",
                           text=f"{name} gets every right of {row.name} (DIR-05).")


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.ADMIN_ROLES, preview=True)
def role_holder_remove(request: HttpRequest, role_id) -> HttpResponse:
    """Remove a holder: GET the confirmation (the admin loses the role's rights), POST removes (B14)."""
    row = selectors.admin_role_get(template_id=role_id)
    key = request.POST.get("user") if request.method == "POST" else request.GET.get("user")
    holder = rows.role_holder_get(row.role, key)
    page = reverse("m365:role_detail", args=[row.template_id])
    if request.method == "GET":
        if holder is None or not m365_rights(request)["admin_roles"]:  # nothing to confirm: the tab
            return render_page_or_partial(request, *HOLDERS, _role_context(request, row))
        name = user_name(holder.user)
        confirm = {"title": f"Remove {name} from {row.name}?", "action": request.path, "cancel": page,
                   "text": f"{name} loses every right of {row.name} at once.", "rules": "DIR-05",
                   "button": "Remove", "icon": "person_delete", "hidden": {"user": holder.user_id},
                   "target": "#role-holders"}
        return render_page_or_partial(request, *HOLDERS_CONFIRM, _role_context(request, row, confirm=confirm))
    if holder is None:
        return missing(request, f"That user does not hold {row.name}.", url=page, template=HOLDERS[0],
                       partial=HOLDERS[1], context=_role_context(request, row))
    name = user_name(holder.user)
    return _holders_action(request, row, lambda: directory.admin_role_remove(user=holder.user, role=row.role),
                           f"{name} no longer holds {row.name}.", title=f"Remove {name} from {row.name}?",
                           button="Remove", danger=True, text=f"{name} loses every right of {row.name} at once (DIR-05).")
