"""An environment's structure pages: Teams, Security roles, Business units and Sync history.

Views parse the request, call one selector or service, and render (house style 19-25);
every rule is checked by the services, whose RuleViolation becomes a message naming it."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from environments_app.models import Environment
from portal.htmx import action_response, render_page_or_partial
from users_app.filters.structure import BusinessUnitFilterSet, SecurityRoleFilterSet, SyncRunFilterSet, TeamFilterSet
from users_app.forms.structure import (
    BusinessUnitCreateForm,
    ConfirmForm,
    SecurityRolePeopleForm,
    TeamCreateForm,
    TeamMemberAddForm,
    TeamMemberRemoveForm,
    TeamRolesForm,
    TeamUpdateForm,
)
from users_app.permissions import environment_admin_required
from users_app.views.common import environment_crumbs, form_answer, initiated_by, refusal_message, refused
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.selectors.structure import (
    account_get,
    account_list as account_list_query,
    account_people,
    business_unit_get,
    business_unit_list as business_unit_list_query,
    security_role_get,
    security_role_list as security_role_list_query,
    security_role_members,
    sync_run_get,
    sync_run_list as sync_run_list_query,
    team_get,
    team_list as team_list_query,
    team_members,
    team_roles,
)
from users_app.services import environments as environment_services
from users_app.services import records
from users_app.tables.structure import BusinessUnitTable, SecurityRoleTable, SyncRunTable, TeamTable

TEAM_LIST = "users_app/structure/team_list.html"
TEAM_DETAIL = "users_app/structure/team_detail.html"
ROLE_LIST = "users_app/structure/security_role_list.html"
ROLE_DETAIL = "users_app/structure/security_role_detail.html"
UNIT_LIST = "users_app/structure/business_unit_list.html"
RUN_LIST = "users_app/structure/sync_run_list.html"
RUN_DETAIL = "users_app/structure/sync_run_detail.html"


MEMBERS_PER_PAGE = 50


def page_of(request: HttpRequest, rows, per_page: int = MEMBERS_PER_PAGE):
    """One page of a member list (`?page=`), so that big teams and roles stay fast."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _url(name: str, environment: Environment, *args) -> str:
    return reverse(f"structure:{name}", args=[environment.environment_id, *args])


# --- Teams ----------------------------------------------------------------------------------------


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
    detail = _url("team_detail", environment, team.teamid)
    context = _team_list_context(request, environment, created=team, created_url=detail, refresh_table=True)
    return action_response(request, redirect_to=detail, template=TEAM_LIST, partial="team-create-panel", context=context)


def _team_context(request, environment, team, **extra) -> dict:
    refusal = records.team_membership_refusal(team=team)
    context = {
        "environment": environment, "team": team, "title": f"{team.name} · Teams", "section": "teams",
        "members": page_of(request, team_members(team=team)), "roles": team_roles(team=team),
        "members_url": _url("team_member_list", environment, team.teamid),
        "membership_refusal": refusal,
        "update_form": TeamUpdateForm(team=team),
        "roles_form": TeamRolesForm(team=team),
        "breadcrumbs": environment_crumbs(environment, ("Teams", _url("team_list", environment)), (team.name, None)),
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
    detail = _url("team_detail", environment, teamid)
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
    detail = _url("team_detail", environment, teamid)
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
    return action_response(request, redirect_to=_url("team_list", environment))


@require_POST
@environment_admin_required
def team_member_add(request, environment, teamid):
    """Manage team members > Add (Owner and Access teams only, ROLE-07)."""
    team = team_get(environment=environment, teamid=teamid)
    detail = _url("team_detail", environment, teamid)
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
    detail = _url("team_detail", environment, teamid)
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
    detail = _url("team_detail", environment, teamid)
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


# --- Security roles -------------------------------------------------------------------------------


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
        "role_url": _url("security_role_detail", environment, role.roleid),
        "people_form": SecurityRolePeopleForm(role=role),
        "breadcrumbs": environment_crumbs(environment, ("Security roles", _url("security_role_list", environment)),
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
    detail = _url("security_role_detail", environment, roleid)
    form = SecurityRolePeopleForm(request.POST, role=role)
    if not form.is_valid():
        context = _role_context(request, environment, role, people_form=form)
        return form_answer(request, template=ROLE_DETAIL, partial="security-role-members", context=context, status=400)
    try:
        added = records.role_assign_many(role=role, systemusers=form.cleaned_data["users"])
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=detail, template=ROLE_DETAIL, partial="security-role-members",
                       context=_role_context(request, environment, role))
    messages.success(request, f"{role.name} given to {added} user{'s' if added != 1 else ''}.")
    return action_response(request, redirect_to=detail, template=ROLE_DETAIL, partial="security-role-members",
                           context=_role_context(request, environment, role))


# --- Business units -------------------------------------------------------------------------------


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
    return action_response(request, redirect_to=_url("business_unit_list", environment), template=UNIT_LIST,
                           partial="business-unit-create-panel", context=context)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def business_unit_delete(request, environment, businessunitid):
    """Delete a business unit: a confirm panel (GET), then environments.business_unit_delete (POST).
    The root business unit cannot be deleted (ENV-05)."""
    unit = business_unit_get(environment=environment, businessunitid=businessunitid)
    back = _url("business_unit_list", environment)
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


# --- Sync history -----------------------------------------------------------------------------------


def _run_list_context(request, environment, **extra) -> dict:
    table = SyncRunTable(sync_run_list_query(environment=environment, filters=request.GET), environment=environment)
    return {
        "environment": environment, "title": f"Sync history · {environment.name}", "section": "sync",
        "table": table.configure(request),
        "filter": SyncRunFilterSet(request.GET, environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Sync history", None)),
        **extra,
    }


@require_GET
@environment_admin_required
def sync_run_list(request, environment):
    """Every SyncRun of the environment, newest first (SYNC-07)."""
    return render_page_or_partial(request, RUN_LIST, "sync-run-table", _run_list_context(request, environment))


@require_POST
@environment_admin_required
def sync_run_create(request, environment):
    """Sync now: the environment's background sync, run at once (SYNC-01); answers in place."""
    back = _url("sync_run_list", environment)
    try:
        run = environment_services.environment_sync_now(environment=environment, initiated_by=initiated_by(request))
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=back, template=RUN_LIST, partial="sync-run-table",
                       context=_run_list_context(request, environment))
    counts = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in run.counts().items())
    if run.status == "failed":
        messages.error(request, f"Sync of {environment.name} failed: {run.error}")
    else:
        messages.success(request, f"Sync of {environment.name} finished: {counts}.")
    return action_response(request, redirect_to=back, template=RUN_LIST, partial="sync-run-table",
                           context=_run_list_context(request, environment))


def _run_context(request, environment, run) -> dict:
    return {
        "environment": environment, "run": run, "title": f"Sync run · {environment.name}", "section": "sync",
        "decisions": page_of(request, run.decision_log, per_page=100),
        "run_url": _url("sync_run_detail", environment, run.pk),
        "breadcrumbs": environment_crumbs(environment, ("Sync history", _url("sync_run_list", environment)),
                                          (f"{run.get_trigger_display()} at {run.started_at:%Y-%m-%d %H:%M:%S}", None)),
    }


@require_GET
@environment_admin_required
def sync_run_detail(request, environment, run_id):
    """One run: its counts and per-user decisions (upn, outcome, rules, changed fields, text)."""
    run = sync_run_get(environment=environment, run_id=run_id)
    return render_page_or_partial(request, RUN_DETAIL, "sync-run-decisions", _run_context(request, environment, run))


@require_GET
@environment_admin_required
def sync_run_status(request, environment, run_id):
    """The `sync-status` fragment, polled while the run is queued or running (house style 24)."""
    run = sync_run_get(environment=environment, run_id=run_id)
    return render_page_or_partial(request, RUN_DETAIL, "sync-status", _run_context(request, environment, run))


# --- Accounts (ROLE-05) -----------------------------------------------------------------------------

ACCOUNT_LIST = "users_app/structure/account_list.html"


def _account_context(request, environment, **extra) -> dict:
    return {"environment": environment, "title": f"Accounts · {environment.name}", "section": "accounts",
            "accounts": page_of(request, account_list_query(environment=environment)),
            "people": account_people(environment=environment),
            "breadcrumbs": environment_crumbs(environment, ("Accounts", None)), **extra}


@require_GET
@environment_admin_required
def account_list(request, environment):
    """Business records with their owners; assign them or share them, disabled users included (ROLE-05)."""
    return render_page_or_partial(request, ACCOUNT_LIST, "account-table", _account_context(request, environment))


@require_POST
@environment_admin_required
def account_update(request, environment, accountid):
    account = account_get(environment=environment, accountid=accountid)
    people = account_people(environment=environment)
    person = people.filter(pk=request.POST.get("user") or 0).first()
    redirect_to = reverse("structure:account_list", args=[environment.environment_id])
    try:
        if person is None:
            raise InvalidInput("user", "Choose a user of the environment.")
        if request.POST.get("action") == "share":
            records.account_share(account=account, systemuser=person)
            text = f"{account.name} is shared with {person.domainname}."
        else:
            records.account_owner_set(account=account, owner=person)
            text = f"{account.name} is assigned to {person.domainname}."
    except RuleViolation as violation:
        return refused(request, violation, redirect_to=redirect_to, template=ACCOUNT_LIST, partial="account-table",
                       context=_account_context(request, environment))
    if person.isdisabled:
        text += " The user is disabled: records can still be assigned to and shared with them (ROLE-05)."
    messages.success(request, text)
    return action_response(request, redirect_to=redirect_to, template=ACCOUNT_LIST, partial="account-table",
                           context=_account_context(request, environment))
