"""Teams: the list with Create team, and a team's page (edit, delete, members, security roles).
The rules (ROLE-07 for members, the team checks) are the record services'; a refusal names its rule."""
from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.filters.structure import TeamFilterSet
from users_app.forms.structure import TeamCreateForm, TeamMemberAddForm, TeamRolesForm, TeamUpdateForm
from users_app.selectors.environment_users import environment_user_get
from users_app.selectors.structure import team_get, team_list as team_list_query, team_members, team_roles
from users_app.services import records
from users_app.tables.structure import TeamTable
from users_app.views.common import act, environment_crumbs, form_action
from users_app.views.structure.shared import confirm_then, page_of, structure_url

TEAM_LIST = "users_app/structure/team_list.html"
TEAM_DETAIL = "users_app/structure/team_detail.html"


def _team_list_context(request, environment, **extra) -> dict:
    table = TeamTable(team_list_query(environment=environment, filters=request.GET), environment=environment)
    return {
        "environment": environment, "title": f"Teams · {environment.name}", "section": "teams",
        "table": table.configure(request),
        "filter": TeamFilterSet(request.GET, environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Teams", None)),
        **extra,
    }


@require_GET
@environment_admin_required
def team_list(request, environment):
    return render_page_or_partial(request, TEAM_LIST, "team-table", _team_list_context(request, environment))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def team_create(request, environment):
    """Create team: the side panel (GET; a full page without JavaScript), then records.team_create
    (POST). Done, the panel closes, the table is refreshed and one toast says so."""
    def create(form):
        data = form.cleaned_data
        return records.team_create(
            environment=environment, name=data["name"], business_unit=data["business_unit"], teamtype=data["teamtype"],
            group_object_id=data["group"].pk if data["group"] else None, membershiptype=data["membershiptype"],
            administrator=data["administrator"], description=data["description"])

    def created(team):
        return _team_list_context(request, environment, panel_done=True, refresh_table=True)

    return form_action(
        request, template=TEAM_LIST, partial="team-create-panel", keep_form=True,
        make_form=lambda data=None: TeamCreateForm(data, environment=environment),
        panel_context=lambda form: _team_list_context(request, environment, create_form=form),
        change=create, done=lambda team: f"Team {team.name} created.",
        url=lambda team: structure_url("team_detail", environment, team.teamid), context=created)


def _team_context(request, environment, team, **extra) -> dict:
    refusal = records.team_membership_refusal(team=team)
    context = {
        "environment": environment, "team": team, "title": f"{team.name} · Teams", "section": "teams",
        "members": page_of(request, team_members(team=team)), "roles": team_roles(team=team),
        "members_url": structure_url("team_member_list", environment, team.teamid),
        "membership_refusal": refusal,
        "update_form": TeamUpdateForm(team=team),
        "roles_form": TeamRolesForm(team=team),
        "breadcrumbs": environment_crumbs(environment, ("Teams", structure_url("team_list", environment)), (team.name, None)),
    }
    if refusal is None:
        context["member_form"] = TeamMemberAddForm(team=team)
    context.update(extra)
    return context


@require_GET
@environment_admin_required
def team_detail(request, environment, teamid):
    team = team_get(environment=environment, teamid=teamid)
    return render_page_or_partial(request, TEAM_DETAIL, "team-summary", _team_context(request, environment, team))


@require_GET
@environment_admin_required
def team_member_list(request, environment, teamid):
    """The team's members, a page at a time (the `team-members` partial of the team page)."""
    team = team_get(environment=environment, teamid=teamid)
    return render_page_or_partial(request, TEAM_DETAIL, "team-members", _team_context(request, environment, team))


def _team_action(request, environment, team, change, done, partial: str, *, form=None, refused_keeps_form=False,
                 **form_context) -> HttpResponse:
    """A write on the team page answered with its `partial`, the team read again after the write;
    an invalid form (and with `refused_keeps_form` a refused one) comes back with what was typed."""
    def again(_=None, **extra):
        return _team_context(request, environment, team_get(environment=environment, teamid=team.teamid), **extra)

    return act(request, change, done=done, url=structure_url("team_detail", environment, team.teamid),
               template=TEAM_DETAIL, partial=partial, form=form, context=again,
               refused_context=lambda: again(**form_context) if refused_keeps_form else again(),
               invalid_context=lambda: _team_context(request, environment, team, **form_context))


@require_POST
@environment_admin_required
def team_update(request, environment, teamid):
    """Edit team: name, description, administrator (records.team_update)."""
    team = team_get(environment=environment, teamid=teamid)
    form = TeamUpdateForm(request.POST, team=team)
    return _team_action(request, environment, team, lambda: records.team_update(team=team, **form.cleaned_data),
                        lambda changed: f"Team {team.name} updated." if changed else "Nothing to change.",
                        "team-summary", form=form, refused_keeps_form=True, update_form=form, edit_open=True)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def team_delete(request, environment, teamid):
    """Delete team: the confirmation panel (GET), then records.team_delete (POST); the team's page
    is gone, so the answer is the Teams list."""
    team = team_get(environment=environment, teamid=teamid)
    page = structure_url("team_detail", environment, teamid)
    confirm = dict(title=f"Delete team {team.name}?", cancel=page, button="Delete team", rules="ENV-05 ROLE-01",
                   text="Deleting a team can't be undone. Its members keep their own roles; the roles they held "
                        "through this team go.",
                   items=[f"Members: {team.members.count()}", "Security roles of the team: "
                          + (", ".join(role.name for role in team.roles.all()) or "none")])
    return confirm_then(request, template=TEAM_DETAIL, partial="confirm-panel", confirm=confirm,
                        context=lambda: _team_context(request, environment, team),
                        change=lambda: records.team_delete(team=team), done=f"Team {team.name} deleted.",
                        url=structure_url("team_list", environment), refused_url=page)


@require_POST
@environment_admin_required
def team_member_add(request, environment, teamid):
    """Manage team members > Add (Owner and Access teams only, ROLE-07)."""
    team = team_get(environment=environment, teamid=teamid)
    form = TeamMemberAddForm(request.POST, team=team)
    return _team_action(request, environment, team,
                        lambda: records.team_members_add(team=team, systemusers=form.cleaned_data["users"]),
                        lambda added: f"{added} member{'s' if added != 1 else ''} added to {team.name}.",
                        "team-members", form=form, member_form=form)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def team_member_remove(request, environment, teamid, systemuserid):
    """Remove a member: the confirmation panel (GET), then records.team_member_remove (POST; ROLE-07
    refuses it for group teams)."""
    team = team_get(environment=environment, teamid=teamid)
    user = environment_user_get(environment=environment, systemuserid=systemuserid)
    name = user.fullname or user.domainname
    page = structure_url("team_detail", environment, teamid)
    confirm = dict(title=f"Remove {name} from {team.name}?", cancel=page, button="Remove", icon="person_delete",
                   rules="ROLE-01 ROLE-07", text=f"{user.domainname} leaves the team and loses the security roles "
                                                  "it held through it; its own roles stay.",
                   items=[f"Roles through {team.name}: " + (", ".join(role.name for role in team.roles.all()) or "none")])
    return confirm_then(request, template=TEAM_DETAIL, partial="confirm-panel", confirm=confirm,
                        context=lambda: _team_context(request, environment, team),
                        change=lambda: records.team_member_remove(team=team, systemuser=user),
                        done=f"{name} removed from {team.name}.", url=page)


@require_POST
@environment_admin_required
def team_roles_update(request, environment, teamid):
    """Manage security roles of a team: the ticked roles become its roles."""
    team = team_get(environment=environment, teamid=teamid)
    form = TeamRolesForm(request.POST, team=team)
    return _team_action(request, environment, team,
                        lambda: records.team_roles_set(team=team, roles=form.cleaned_data["roles"]),
                        lambda result: f"Security roles of {team.name} saved ({result['added']} added, "
                                       f"{result['removed']} removed).",
                        "team-roles", form=form, roles_form=form)
