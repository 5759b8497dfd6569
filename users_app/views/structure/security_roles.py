"""Security roles: the list, and a role's page with its members, Add people (ROLE-02) and Remove
(behind the one confirmation panel; ROLE-03 said when it is the user's last role)."""
from __future__ import annotations

from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.filters.structure import SecurityRoleFilterSet
from users_app.forms.structure import SecurityRolePeopleForm
from users_app.selectors.environment_users import environment_user_get
from users_app.selectors.structure import security_role_get, security_role_list as security_role_list_query, security_role_members
from users_app.services import records
from users_app.tables.structure import SecurityRoleTable
from users_app.views.common import act, environment_crumbs
from users_app.views.structure.shared import confirm_then, page_of, structure_url

ROLE_LIST = "users_app/structure/security_role_list.html"
ROLE_DETAIL = "users_app/structure/security_role_detail.html"


@require_GET
@environment_admin_required
def security_role_list(request, environment):
    table = SecurityRoleTable(security_role_list_query(environment=environment, filters=request.GET),
                              environment=environment)
    context = {
        "environment": environment, "title": f"Security roles · {environment.name}", "section": "roles",
        "table": table.configure(request),
        "filter": SecurityRoleFilterSet(request.GET, environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Security roles", None)),
    }
    return render_page_or_partial(request, ROLE_LIST, "security-role-table", context)


def _role_context(request, environment, role, **extra) -> dict:
    role.environment = environment
    members = security_role_members(role=role)
    members["users"] = page_of(request, members["users"])
    context = {
        "environment": environment, "role": role, "title": f"{role.name} · Security roles", "section": "roles",
        **members,
        "role_url": structure_url("security_role_detail", environment, role.roleid),
        "people_form": SecurityRolePeopleForm(role=role),
        "breadcrumbs": environment_crumbs(environment, ("Security roles", structure_url("security_role_list", environment)),
                                          (role.name, None)),
    }
    context.update(extra)
    return context


@require_GET
@environment_admin_required
def security_role_detail(request, environment, roleid):
    role = security_role_get(environment=environment, roleid=roleid)
    return render_page_or_partial(request, ROLE_DETAIL, "security-role-members", _role_context(request, environment, role))


@require_POST
@environment_admin_required
def security_role_people_add(request, environment, roleid):
    """Add people: the role goes to each user through records.role_assign (ROLE-02), all or none."""
    role = security_role_get(environment=environment, roleid=roleid)
    role.environment = environment
    form = SecurityRolePeopleForm(request.POST, role=role)
    return act(request, lambda: records.role_assign_many(role=role, systemusers=form.cleaned_data["users"]),
               done=lambda added: f"{role.name} given to {added} user{'s' if added != 1 else ''}.",
               url=structure_url("security_role_detail", environment, roleid), template=ROLE_DETAIL,
               partial="security-role-members", form=form,
               invalid_context=lambda: _role_context(request, environment, role, people_form=form),
               context=lambda _: _role_context(request, environment, role))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def security_role_person_remove(request, environment, roleid, systemuserid):
    """Remove a user from the role: the confirmation panel (GET), then records.role_remove (POST)."""
    role = security_role_get(environment=environment, roleid=roleid)
    role.environment = environment
    user = environment_user_get(environment=environment, systemuserid=systemuserid)
    name = user.fullname or user.domainname
    page = structure_url("security_role_detail", environment, roleid)
    last = list(user.roles.all()) == [role]
    confirm = dict(title=f"Remove {role.name} from {name}?", cancel=page, button="Remove role", icon="person_delete",
                   rules="ROLE-03" if last else "ROLE-01",
                   text=(f"{role.name} is {name}'s last security role: the user stays enabled and licensed but "
                         "cannot open apps. To take away access, remove the user from the environment's security "
                         "group instead." if last else f"{name} no longer holds {role.name} directly; roles held "
                                                       "through teams stay."))
    return confirm_then(request, template=ROLE_DETAIL, partial="confirm-panel", confirm=confirm,
                        context=lambda: _role_context(request, environment, role),
                        change=lambda: records.role_remove(systemuser=user, role=role),
                        done=f"{role.name} removed from {name}.", url=page)
