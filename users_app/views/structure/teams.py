"""Teams: the list with Create team, and a team's page (edit, delete, members, security roles).
The rules (ROLE-07 for members, the team checks) are the record services'; a refusal names its rule."""
from __future__ import annotations

from django.contrib import messages
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.provisioning.rules import RuleViolation
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
from users_app.views.common import environment_crumbs, form_answer, refusal_message, refused
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
    if request.method == "GET":
        context = _team_list_context(request, environment, create_form=TeamCreateForm(environment=environment))
        return render_page_or_partial(request, TEAM_LIST, "team-create-panel", context)
    form = TeamCreateForm(request.POST, environment=environment)
    if not form.is_valid():
        context = _team_list_context(request, environment, create_form=form)
        return form_answer(request, template=TEAM_LIST, partial="team-create-panel", context=context, status=400)
    data = form.cleaned_data
    try:
        team = records.team_create(
            environment=environment, name=data["name"], business_unit=data["business_unit"], teamtype=data["teamtype"],
            group_object_id=data["group"].pk if data["group"] else None, membershiptype=data["membershiptype"],
            administrator=data["administrator"], description=data["description"])
    except RuleViolation as violation:
        refusal_message(request, violation)
        context = _team_list_context(request, environment, create_form=form)
        return form_answer(request, template=TEAM_LIST, partial="team-create-panel", context=context, status=409)
    messages.success(request, f"Team {team.name} created.")
    detail = structure_url("team_detail", environment, team.teamid)
    context = _team_list_context(request, environment, created=team, created_url=detail, refresh_table=True)
    return action_response(request, redirect_to=detail, template=TEAM_LIST, partial="team-create-panel", context=context)


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


@require_POST
@environment_admin_required
def team_update(request, environment, teamid):
    """Edit team: name, description, administrator (records.team_update)."""
    team = team_get(environment=environment, teamid=teamid)
    detail = structure_url("team_detail", environment, teamid)
    form = TeamUpdateForm(request.POST, team=team)
    if not form.is_valid():
        context = _team_context(request, environment, team, update_form=form, edit_open=True)
        return form_answer(request, template=TEAM_DETAIL, partial="team-summary", context=context, status=400)
    try:
        changed = records.team_update(team=team, **form.cleaned_data)
    except RuleViolation as violation:
        team = team_get(environment=environment, teamid=teamid)
        return refused(request, violation, redirect_to=detail, template=TEAM_DETAIL, partial="team-summary",
                       context=_team_context(request, environment, team, update_form=form, edit_open=True))
    messages.success(request, f"Team {team.name} updated." if changed else "Nothing to change.")
    team = team_get(environment=environment, teamid=teamid)
    return action_response(request, redirect_to=detail, template=TEAM_DETAIL, partial="team-summary",
                           context=_team_context(request, environment, team))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def team_delete(request, environment, teamid):
    """Delete team: a confirm panel (GET), then records.team_delete (POST)."""
    team = team_get(environment=environment, teamid=teamid)
    detail = structure_url("team_detail", environment, teamid)
    if request.method == "GET":
        context = _team_context(request, environment, team, delete_form=ConfirmForm())
        return render_page_or_partial(request, TEAM_DETAIL, "team-delete-panel", context)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        context = _team_context(request, environment, team, delete_form=form)
        return form_answer(request, template=TEAM_DETAIL, partial="team-delete-panel", context=context, status=400)
    try:
        records.team_delete(team=team)
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=TEAM_DETAIL, partial="team-delete-panel",
                       context=_team_context(request, environment, team, delete_form=form))
    messages.success(request, f"Team {team.name} deleted.")
    # The whole page changes (the team is gone): HX-Redirect over HTMX, a redirect otherwise.
    return action_response(request, redirect_to=structure_url("team_list", environment))


@require_POST
@environment_admin_required
def team_member_add(request, environment, teamid):
    """Manage team members > Add (Owner and Access teams only, ROLE-07)."""
    team = team_get(environment=environment, teamid=teamid)
    detail = structure_url("team_detail", environment, teamid)
    form = TeamMemberAddForm(request.POST, team=team)
    if not form.is_valid():
        context = _team_context(request, environment, team, member_form=form)
        return form_answer(request, template=TEAM_DETAIL, partial="team-members", context=context, status=400)
    try:
        added = records.team_members_add(team=team, systemusers=form.cleaned_data["users"])
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=TEAM_DETAIL, partial="team-members",
                       context=_team_context(request, environment, team))
    messages.success(request, f"{added} member{'s' if added != 1 else ''} added to {team.name}.")
    return action_response(request, redirect_to=detail, template=TEAM_DETAIL, partial="team-members",
                           context=_team_context(request, environment, team))


@require_POST
@environment_admin_required
def team_member_remove(request, environment, teamid):
    team = team_get(environment=environment, teamid=teamid)
    detail = structure_url("team_detail", environment, teamid)
    form = TeamMemberRemoveForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, "Pick a member of the team to remove.")
        return action_response(request, redirect_to=detail, template=TEAM_DETAIL, partial="team-members",
                               context=_team_context(request, environment, team))
    user = form.cleaned_data["user"]
    try:
        records.team_member_remove(team=team, systemuser=user)
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=TEAM_DETAIL, partial="team-members",
                       context=_team_context(request, environment, team))
    messages.success(request, f"{user.fullname or user.domainname} removed from {team.name}.")
    return action_response(request, redirect_to=detail, template=TEAM_DETAIL, partial="team-members",
                           context=_team_context(request, environment, team))


@require_POST
@environment_admin_required
def team_roles_update(request, environment, teamid):
    """Manage security roles of a team: the ticked roles become its roles."""
    team = team_get(environment=environment, teamid=teamid)
    detail = structure_url("team_detail", environment, teamid)
    form = TeamRolesForm(request.POST, team=team)
    if not form.is_valid():
        context = _team_context(request, environment, team, roles_form=form)
        return form_answer(request, template=TEAM_DETAIL, partial="team-roles", context=context, status=400)
    try:
        result = records.team_roles_set(team=team, roles=form.cleaned_data["roles"])
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=TEAM_DETAIL, partial="team-roles",
                       context=_team_context(request, environment, team))
    messages.success(request, f"Security roles of {team.name} saved ({result['added']} added, {result['removed']} removed).")
    return action_response(request, redirect_to=detail, template=TEAM_DETAIL, partial="team-roles",
                           context=_team_context(request, environment, team))
