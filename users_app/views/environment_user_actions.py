"""The environment user's page and its command bar: Run diagnostics, Refresh user, Manage security
roles, Manage teams, Change business unit / manager / position, Manage user in Dynamics 365, Send
invitation, Reassign records, Delete. Each quick action is a side panel over the page (HTMX) and a
full page without JavaScript. Views parse, call one service, render; the rules are the services'
(users_app/provisioning, users_app/services)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.choices import UserType
from users_app.forms.environment_users import (
    BusinessUnitForm,
    ManagerForm,
    PositionForm,
    ReassignForm,
    RolesForm,
    TeamsForm,
    UserForm,
)
from users_app.permissions import admin_roles_of, directory_user_of, environment_admin_required
from users_app.provisioning import rules
from users_app.provisioning import sync
from users_app.selectors.environment_users import (
    business_units,
    directory_user_for,
    environment_roles,
    environment_user_get,
    licence_summary,
    manual_teams,
    other_users,
    positions,
    record_of,
)
from users_app.services import records
from users_app.views.common import act, environment_crumbs, initiated_by, refused

USER_DETAIL = "users_app/environment_users/environment_user_detail.html"
ACCESS_MODE_NAMES = {value: name for name, value in records.ACCESS_MODES.items()}


def _list_url(environment) -> str:
    return reverse("users:environment_user_list", args=[environment.environment_id])


def _detail_url(environment, user) -> str:
    return reverse("users:environment_user_detail", args=[environment.environment_id, user.systemuserid])


# --- The profile ---------------------------------------------------------------------------------

PANEL_TITLES = {"roles": "Manage security roles", "teams": "Manage teams", "business-unit": "Change business unit",
                "manager": "Change manager", "position": "Change position", "user-form": "Manage user in Dynamics 365",
                "reassign": "Reassign records", "diagnosis": "Run diagnostics", "refresh": "What changed",
                "delete": "Delete user"}
STASHED = ("diagnosis", "refresh")


def _stash_key(kind: str, user) -> str:
    return f"users:{kind}:{user.systemuserid}"


def _profile_context(request, environment, user, *, panel: str = "", form=None, **extra) -> dict:
    directory_user = directory_user_for(user)
    name = user.fullname or user.domainname
    context = {
        "environment": environment, "user_record": user, "section": "users", "title": f"{name} · Users · {environment.name}",
        "record_directory_user": directory_user, "licences": licence_summary(directory_user),
        "team_roles": [(team, role) for team in user.teams.all() for role in team.roles.all()],
        "directory_state": records.directory_state_of(user),
        "edit_refusal": records.systemuser_edit_refusal(systemuser=user),
        "panel": panel, "panel_title": PANEL_TITLES.get(panel, ""), "panel_size": "wide" if panel == "diagnosis" else "",
        "form": form,
        "detail_url": _detail_url(environment, user),
        "is_stub": user.user_type == UserType.STUB, "is_placeholder": user.is_placeholder,
        "is_application": user.user_type == UserType.APPLICATION,
        "breadcrumbs": environment_crumbs(environment, ("Users", _list_url(environment)), (name, None)),
    }
    context.update(extra)
    return context


def _profile(request, environment, systemuserid):
    return environment_user_get(environment=environment, systemuserid=systemuserid)


@require_GET
@environment_admin_required
def environment_user_detail(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """The user profile. After a Run diagnostics or Refresh user without HTMX, the redirected page
    shows their result once, in its side panel (Post/Redirect/Get)."""
    user = _profile(request, environment, systemuserid)
    shown = {kind: request.session.pop(_stash_key(kind, user), None) for kind in STASHED}
    panel = next((kind for kind in STASHED if shown[kind]), "")
    return render_page_or_partial(request, USER_DETAIL, "user-summary",
                                  _profile_context(request, environment, user, panel=panel, **shown))


def _write(request, environment, systemuserid, change, done, *, panel: str = "", form=None, shown=None,
           panel_extra: dict | None = None, **answer) -> HttpResponse:
    """A write from the profile's command bar or one of its side panels. Over HTMX the answer is the
    `user-panel` fragment: done, the result panel (`shown(result)` names it and what it shows) or an
    empty one (the side panel closes), with the profile out of band; refused or invalid, the panel
    and its form as they were. Without HTMX a redirect to the profile, which shows a result panel
    kept in the session. `form` is validated first."""
    def after(result) -> dict:
        user = _profile(request, environment, systemuserid)
        extra = shown(result) if shown else {}
        if not is_fragment_request(request):
            for kind in STASHED:
                if extra.get(kind):
                    request.session[_stash_key(kind, user)] = extra[kind]
        return _profile_context(request, environment, user, panel=next((k for k in STASHED if extra.get(k)), ""),
                                summary_oob=True, **extra)

    detail = reverse("users:environment_user_detail", args=[environment.environment_id, systemuserid])
    answer.setdefault("url", detail)
    answer.setdefault("refused_context", lambda: _profile_context(
        request, environment, _profile(request, environment, systemuserid), panel=panel, form=form, **(panel_extra or {})))
    return act(request, change, done=done, refused_url=detail, template=USER_DETAIL, partial="user-panel", form=form,
               context=after, **answer)


def _fix_links(environment, user, directory_user) -> dict:
    """Where each failing check is fixed (DIAG-01: a link to the screen where the fix is made)."""
    env_page = reverse("environments:environment_detail", args=[environment.environment_id])
    links = {"ELIG-01": env_page, "ELIG-02": reverse("m365:active_user_detail", args=[directory_user.id]),
             "ELIG-03": reverse("m365:active_user_licences", args=[directory_user.id]),
             "ELIG-06": env_page,
             "ROLE-01": reverse("users:environment_user_roles", args=[environment.environment_id, user.systemuserid]),
             "MODE-03": reverse("users:environment_user_form", args=[environment.environment_id, user.systemuserid])}
    if environment.security_group_object_id:
        links["ELIG-04"] = reverse("m365:group_detail", args=[environment.security_group_object_id])
    if environment.teams_group_object_id:
        links["ELIG-05"] = reverse("m365:group_detail", args=[environment.teams_group_object_id])
    return links


def _checks_shown(checks, links) -> list[dict]:
    return [{**check.as_dict(), "fix_url": links.get(check.rule, "") if check.failed else ""} for check in checks]


def result_shown(result) -> dict:
    """What a refresh or a sign-in did, for the page: outcome, status, changed fields, the refusing
    checks, and the licence check that kept or disabled the user (LIFE-03). JSON-safe."""
    decision = result.decision
    checks = [*decision.checks, *decision.extra] if decision is not None else []
    return {**result.as_dict(), "reason": decision.reason if decision is not None else "",
            "refusing": [c.as_dict() for c in checks if c.rule in result.refused_by],
            "licence": next((c.as_dict() for c in checks if c.rule == rules.ELIG_03), None)}


def _status_change(before: bool, status: str) -> str:
    """"Status changed: Disabled → Enabled" when the refresh changed it (B20), else ""."""
    after = {"enabled": "Enabled", "disabled": "Disabled"}.get(status)
    was = "Disabled" if before else "Enabled"
    return f"Status changed: {was} → {after}" if after and after != was else ""


@require_POST
@environment_admin_required
def environment_user_diagnose(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Run diagnostics (DIAG-01; DIAG-03: refreshes first): a wide side panel with every check, its
    reason and a link to where it is fixed. The panel is the result (no toast repeats it); a
    not-entitled verdict is a warning there, and a status the refresh changed is said."""
    user = _profile(request, environment, systemuserid)
    was_disabled = user.isdisabled

    def diagnose():
        directory_user = records.systemuser_directory_user(systemuser=user, action="diagnose")
        return directory_user, sync.environment_user_diagnose(environment=environment, directory_user=directory_user,
                                                              initiated_by=initiated_by(request))

    def shown(result) -> dict:
        directory_user, diagnosis = result
        return {"diagnosis": {"verdict": "entitled" if diagnosis.verdict == "entitled" else "not entitled",
                              "status": diagnosis.status, "user": diagnosis.user,
                              "status_change": _status_change(was_disabled, diagnosis.status),
                              "failing": [c.rule for c in diagnosis.checks if c.failed],
                              "checks": _checks_shown(diagnosis.checks, _fix_links(environment, user, directory_user))}}

    return _write(request, environment, systemuserid, diagnose, [], shown=shown)


def _refresh_like(request, environment, systemuserid, run) -> HttpResponse:
    """Refresh user and Sign in as this user: the "What changed" side panel is the result."""
    user = _profile(request, environment, systemuserid)
    was_disabled = user.isdisabled

    def shown(result) -> dict:
        shown = result_shown(result)
        return {"refresh": {**shown, "status_change": _status_change(was_disabled, shown["status"])}}

    return _write(request, environment, systemuserid, lambda: run(user), [], shown=shown)


@require_POST
@environment_admin_required
def environment_user_refresh(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Refresh user (SYNC-04): what changed, and which rule kept or disabled the user (LIFE-03)."""
    def refresh(user):
        directory_user = records.systemuser_directory_user(systemuser=user, action="refresh")
        return sync.environment_user_refresh(environment=environment, directory_user=directory_user,
                                             initiated_by=initiated_by(request))
    return _refresh_like(request, environment, systemuserid, refresh)


@require_POST
@environment_admin_required
def environment_user_sign_in(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Sign in to the environment as this user (SYNC-02, a demo action): what the user gets."""
    def sign_in(user):
        directory_user = records.systemuser_directory_user(systemuser=user, action="sign in")
        return sync.user_sign_in(environment=environment, directory_user=directory_user)
    return _refresh_like(request, environment, systemuserid, sign_in)


# --- Side panels: GET opens one, POST applies it ------------------------------------------------------


def _panel(request, environment, systemuserid, panel: str, make_form, apply, **extra) -> HttpResponse:
    """A command bar side panel: GET opens it (the `user-panel` fragment over HTMX, the profile with
    the panel shown otherwise), POST saves it through a service. The placeholders are refused
    (MODE-05, MODE-07); removing the last security role asks once for confirmation (ROLE-03)."""
    user = _profile(request, environment, systemuserid)
    refusal = records.systemuser_edit_refusal(systemuser=user)
    if request.method == "GET":
        form = None if refusal else make_form(user, None)
        return render_page_or_partial(request, USER_DETAIL, "user-panel",
                                      _profile_context(request, environment, user, panel=panel, form=form, **extra))
    if refusal:
        return refused(request, refusal, redirect_to=_detail_url(environment, user), template=USER_DETAIL,
                       partial="user-panel", context=_profile_context(request, environment, user, panel=panel, **extra))
    form = make_form(user, request.POST)
    again = lambda **more: _profile_context(request, environment, user, panel=panel, form=form,  # noqa: E731
                                            **extra, **more)
    return _write(request, environment, systemuserid, lambda: apply(user, form.cleaned_data), lambda told: told,
                  panel=panel, form=form, invalid_context=again, refused_context=again,
                  question=(rules.ROLE_03, lambda: again(needs_confirmation=True)))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_roles(request, environment, systemuserid):
    """Manage security roles (ROLE-02, ROLE-03): the roles of the user's business unit, filterable."""
    def make(user, data):
        return RolesForm(data, roles=environment_roles(environment, user),
                         initial={"roles": list(user.roles.all())} if data is None else None)

    def apply(user, data):
        chosen = list(data["roles"])
        records.roles_set(systemuser=user, roles=chosen, confirmed_no_roles=data["confirm_no_roles"])
        return "Security roles saved: " + (", ".join(r.name for r in chosen) or "none") + "."
    return _panel(request, environment, systemuserid, "roles", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_teams(request, environment, systemuserid):
    """Manage teams: owner and access teams (group teams follow their group, ROLE-07)."""
    teams = manual_teams(environment)

    def make(user, data):
        return TeamsForm(data, teams=teams, initial={"teams": list(user.teams.filter(pk__in=teams))} if data is None else None)

    def apply(user, data):
        records.team_memberships_set(systemuser=user, teams=list(data["teams"]), within=list(teams))
        return "Teams saved."
    return _panel(request, environment, systemuserid, "teams", make, apply,
                  teams_url=reverse("structure:team_list", args=[environment.environment_id]))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_business_unit(request, environment, systemuserid):
    """Change business unit (ROLE-06): roles removed is a warning, with the way to assign new ones."""
    def make(user, data):
        return BusinessUnitForm(data, business_units=business_units(environment),
                                initial={"business_unit": user.businessunit} if data is None else None)

    def apply(user, data):
        result = records.business_unit_change(systemuser=user, business_unit=data["business_unit"],
                                              move_records=data["move_records"])
        text = f"Business unit changed to {data['business_unit']}."
        if result.get("records_moved"):
            text += f" {result['records_moved']} records moved along."
        told = [(messages.SUCCESS, text)]
        if result["roles_removed"]:
            roles_url = reverse("users:environment_user_roles", args=[environment.environment_id, user.systemuserid])
            told.append((messages.WARNING, f"{result['roles_removed']} security roles removed (ROLE-06): assign roles "
                         "of the new business unit.", f"action:{roles_url}|Manage security roles"))
        return told
    return _panel(request, environment, systemuserid, "business-unit", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_manager(request, environment, systemuserid):
    """Change manager (ROLE-04)."""
    def make(user, data):
        return ManagerForm(data, users=other_users(environment, user),
                           initial={"manager": user.parentsystemuser} if data is None else None)

    def apply(user, data):
        records.manager_set(systemuser=user, manager=data["manager"])
        return "Manager saved."
    return _panel(request, environment, systemuserid, "manager", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_position(request, environment, systemuserid):
    """Change position (ROLE-04)."""
    def make(user, data):
        return PositionForm(data, positions=positions(environment),
                            initial={"position": user.position} if data is None else None)

    def apply(user, data):
        records.position_set(systemuser=user, position=data["position"])
        return "Position saved."
    return _panel(request, environment, systemuserid, "position", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_form(request, environment, systemuserid):
    """Manage user in Dynamics 365: Client Access License (CAL) Information > Access Mode (MODE-03, MODE-04),
    and the Primary Email (FIELD-04)."""
    actor = directory_user_of(request)

    def make(user, data):
        return UserForm(data, initial={"accessmode": ACCESS_MODE_NAMES.get(user.accessmode, "read-write"),
                                       "internalemailaddress": user.internalemailaddress} if data is None else None)

    def apply(user, data):
        changed = records.systemuser_form_save(systemuser=user, mode=data["accessmode"], email=data["internalemailaddress"],
                                               actor_roles=admin_roles_of(request), actor_record=record_of(environment, actor))
        labels = {"accessmode": f"access mode {data['accessmode']}", "internalemailaddress": "primary e-mail"}
        return "Saved: " + (", ".join(labels[name] for name in changed) or "nothing changed") + "."
    return _panel(request, environment, systemuserid, "user-form", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_reassign(request, environment, systemuserid):
    """Reassign records: every record the user owns goes to another user."""
    def make(user, data):
        return ReassignForm(data, users=other_users(environment, user))

    def apply(user, data):
        moved = records.records_reassign(source=user, target=data["target"])
        return f"{moved} records reassigned to {data['target'].domainname}."
    return _panel(request, environment, systemuserid, "reassign", make, apply)


@require_POST
@environment_admin_required
def environment_user_invite(request, environment, systemuserid):
    """Send invitation (LIFE-01)."""
    user = _profile(request, environment, systemuserid)
    return _write(request, environment, systemuserid, lambda: records.invitation_send(systemuser=user),
                  f"Invitation sent to {user.internalemailaddress or user.domainname}.")


def _delete_confirm(environment, user) -> dict:
    """The one confirmation of Delete / Permanently delete (LIFE-05), for portal/_confirm.html."""
    url = reverse("users:environment_user_delete", args=[environment.environment_id, user.systemuserid])
    name = user.fullname or user.domainname
    if user.deletedstate:
        return dict(id="user-panel", title=f"Permanently delete {name}?", action=url, cancel=_detail_url(environment, user),
                    text=f"{user.domainname} is removed from {environment.name} for good. This cannot be undone.",
                    items=["Its records must be reassigned first.",
                           "The environment's \"Enable delete disabled users\" setting must be on."],
                    rules="LIFE-05", button="Permanently delete", hidden={"permanent": "1"})
    return dict(id="user-panel", title=f"Delete {name}?", action=url, cancel=_detail_url(environment, user),
                text=f"{user.domainname} is deleted in {environment.name}: the record stays, disabled, and can be "
                     "permanently deleted later.",
                items=[f"Security roles removed: {', '.join(r.name for r in user.roles.all()) or 'none'}.",
                       f"Team memberships removed: {', '.join(t.name for t in user.teams.all()) or 'none'}."],
                rules="LIFE-05", button="Delete")


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_delete(request, environment, systemuserid):
    """Delete / Permanently delete (LIFE-05): GET asks once (the confirmation panel), POST deletes."""
    user = _profile(request, environment, systemuserid)
    if request.method == "GET":
        return render_page_or_partial(request, USER_DETAIL, "user-panel", _profile_context(
            request, environment, user, panel="delete", confirm=_delete_confirm(environment, user)))
    permanent = request.POST.get("permanent") == "1"

    def done(outcome) -> str:
        if outcome == "deleted":
            return f"{user.domainname} is permanently deleted."
        return "Deleted: the user is soft-deleted in the environment; roles and team memberships are removed (LIFE-05)."

    return _write(request, environment, systemuserid,
                  lambda: records.systemuser_delete(systemuser=user, permanent=permanent), done,
                  panel="delete", panel_extra={"confirm": _delete_confirm(environment, user)},
                  leave=lambda outcome: outcome == "deleted",
                  url=lambda outcome: _list_url(environment) if outcome == "deleted" else _detail_url(environment, user))
