"""Teams: the list with Create team, and a team's page (edit, delete, members, security roles).
The rules (ROLE-07 for members, the team checks) are the record services'; a refusal names its rule."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.filters.structure import TeamFilterSet
from users_app.forms.structure import (
    ConfirmForm,
    TeamCreateForm,
    TeamMemberAddForm,
    TeamMemberRemoveForm,
    TeamRolesForm,
    TeamUpdateForm,
)
from users_app.selectors.structure import team_get, team_list as team_list_query, team_members, team_roles
from users_app.services import records
from users_app.tables.structure import TeamTable
from users_app.views.common import act, environment_crumbs, form_action
from users_app.views.structure.shared import page_of, structure_url

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
    """Create team: the side panel (GET), then records.team_create (POST)."""
    def create(form):
        data = form.cleaned_data
        return records.team_create(
            environment=environment, name=data["name"], business_unit=data["business_unit"], teamtype=data["teamtype"],
            group_object_id=data["group"].pk if data["group"] else None, membershiptype=data["membershiptype"],
            administrator=data["administrator"], description=data["description"])

    def created(team):
        detail = structure_url("team_detail", environment, team.teamid)
        return _team_list_context(request, environment, created=team, created_url=detail, refresh_table=True)

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
    """Delete team: a confirm panel (GET), then records.team_delete (POST). Done, the whole page
    changes (the team is gone): HX-Redirect over HTMX, a redirect otherwise."""
    team = team_get(environment=environment, teamid=teamid)
    return form_action(
        request, template=TEAM_DETAIL, partial="team-delete-panel", make_form=ConfirmForm,
        panel_context=lambda form: _team_context(request, environment, team, delete_form=form),
        change=lambda _: records.team_delete(team=team), done=f"Team {team.name} deleted.",
        url=structure_url("team_list", environment), refused_url=structure_url("team_detail", environment, teamid),
        leave=True)


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


@require_POST
@environment_admin_required
def team_member_remove(request, environment, teamid):
    team = team_get(environment=environment, teamid=teamid)
    form = TeamMemberRemoveForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, "Pick a member of the team to remove.")
        return action_response(request, redirect_to=structure_url("team_detail", environment, teamid),
                               template=TEAM_DETAIL, partial="team-members",
                               context=_team_context(request, environment, team))
    user = form.cleaned_data["user"]
    return _team_action(request, environment, team, lambda: records.team_member_remove(team=team, systemuser=user),
                        f"{user.fullname or user.domainname} removed from {team.name}.", "team-members")


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
