"""The environment user's page and its command bar: Run diagnostics, Refresh user, Manage security
roles, Manage teams, Change business unit / manager / position, Manage user in Dynamics 365, Send
invitation, Reassign records, Delete. Each quick action is a side panel over the page (HTMX) and a
full page without JavaScript. Views parse, call one service, render; the rules are the services'
(users_app/provisioning, users_app/services)."""
from __future__ import annotations

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
        "panel": panel, "form": form,
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
    shows their result once (Post/Redirect/Get)."""
    user = _profile(request, environment, systemuserid)
    shown = {kind: request.session.pop(_stash_key(kind, user), None) for kind in ("diagnosis", "refresh")}
    return render_page_or_partial(request, USER_DETAIL, "user-summary",
                                  _profile_context(request, environment, user, **shown))


def _write(request, environment, systemuserid, change, done, *, partial: str = "user-summary", panel: str = "",
           form=None, shown=None, **answer) -> HttpResponse:
    """A write from the profile's command bar: done, the profile's `partial` again (over HTMX; `shown(result)`
    adds what to show, kept in the session for the redirected page otherwise); refused, the profile
    with the panel and the form as they were (the summary out of band with the diagnostics); `form`
    is validated first."""
    def after(result) -> dict:
        user = _profile(request, environment, systemuserid)
        extra = shown(result) if shown else {}
        if not is_fragment_request(request):
            for kind in ("diagnosis", "refresh"):
                if extra.get(kind):
                    request.session[_stash_key(kind, user)] = extra[kind]
        return _profile_context(request, environment, user, **extra)

    detail = reverse("users:environment_user_detail", args=[environment.environment_id, systemuserid])
    answer.setdefault("url", detail)
    return act(request, change, done=done, refused_url=detail, template=USER_DETAIL, partial=partial, form=form,
               context=after,
               refused_context=lambda: _refused_context(request, environment, systemuserid, panel=panel, form=form,
                                                        partial=partial), **answer)


def _refused_context(request, environment, systemuserid, *, panel: str = "", form=None,
                     partial: str = "user-summary") -> dict:
    user = _profile(request, environment, systemuserid)
    return _profile_context(request, environment, user, panel=panel, form=form,
                            summary_oob=partial == "diagnostics-panel")


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


@require_POST
@environment_admin_required
def environment_user_diagnose(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Run diagnostics (DIAG-01; DIAG-03: refreshes first). Over HTMX the diagnostics-panel, with the
    user summary out of band (the refresh may have changed the status)."""
    user = _profile(request, environment, systemuserid)

    def diagnose():
        directory_user = records.systemuser_directory_user(systemuser=user, action="diagnose")
        return directory_user, sync.environment_user_diagnose(environment=environment, directory_user=directory_user,
                                                              initiated_by=initiated_by(request))

    def verdict(diagnosis) -> str:
        return "entitled" if diagnosis.verdict == "entitled" else "not entitled"

    def done(result) -> str:
        diagnosis = result[1]
        failed = [c.rule for c in diagnosis.checks if c.failed]
        text = f"Diagnostics for {diagnosis.user}: {verdict(diagnosis)}, status {diagnosis.status}."
        return text + (" Failing: " + ", ".join(failed) + "." if failed else "")

    def shown(result) -> dict:
        directory_user, diagnosis = result
        return {"diagnosis": {"verdict": verdict(diagnosis), "status": diagnosis.status,
                              "checks": _checks_shown(diagnosis.checks, _fix_links(environment, user, directory_user))},
                "summary_oob": True}

    return _write(request, environment, systemuserid, diagnose, done, partial="diagnostics-panel", shown=shown)


@require_POST
@environment_admin_required
def environment_user_refresh(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Refresh user (SYNC-04): what changed, and which rule kept or disabled the user (LIFE-03)."""
    user = _profile(request, environment, systemuserid)

    def refresh():
        directory_user = records.systemuser_directory_user(systemuser=user, action="refresh")
        return sync.environment_user_refresh(environment=environment, directory_user=directory_user,
                                             initiated_by=initiated_by(request))

    return _write(request, environment, systemuserid, refresh,
                  lambda result: "Refresh user: " + _result_text(result_shown(result)),
                  shown=lambda result: {"refresh": result_shown(result)})


def _result_text(shown: dict) -> str:
    text = f"{shown['user']} {shown['outcome']}, status {shown['status']}"
    text += f" (changed: {', '.join(shown['changed_fields'])})." if shown["changed_fields"] else " (no field changed)."
    if shown["refused_by"]:
        text += " Decided by " + ", ".join(shown["refused_by"]) + "."
    elif shown["status"] == "enabled" and shown["licence"]:
        text += f" Kept enabled by {shown['licence']['rule']}: {shown['licence']['reason']}"
    return text


@require_POST
@environment_admin_required
def environment_user_sign_in(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Sign in to the environment as this user (SYNC-02, a demo action): what the user gets."""
    user = _profile(request, environment, systemuserid)

    def sign_in():
        directory_user = records.systemuser_directory_user(systemuser=user, action="sign in")
        return sync.user_sign_in(environment=environment, directory_user=directory_user)

    return _write(request, environment, systemuserid, sign_in,
                  lambda result: "Sign-in as this user: " + _result_text(result_shown(result)),
                  shown=lambda result: {"refresh": result_shown(result)})


# --- Panels: GET shows the form, POST applies it ---------------------------------------------------


def _panel(request, environment, systemuserid, panel: str, make_form, apply) -> HttpResponse:
    """A command bar panel: GET opens it (a side panel over the profile), POST saves it through a
    service. The placeholders are refused (MODE-05, MODE-07); removing the last security role asks
    for confirmation first (ROLE-03)."""
    user = _profile(request, environment, systemuserid)
    refusal = records.systemuser_edit_refusal(systemuser=user)
    if request.method == "GET":
        form = None if refusal else make_form(user, None)
        return render_page_or_partial(request, USER_DETAIL, "user-summary",
                                      _profile_context(request, environment, user, panel=panel, form=form))
    if refusal:
        return refused(request, refusal, redirect_to=_detail_url(environment, user), template=USER_DETAIL,
                       partial="user-summary", context=_refused_context(request, environment, systemuserid))
    form = make_form(user, request.POST)
    again = lambda **extra: _profile_context(request, environment, user, panel=panel, form=form, **extra)  # noqa: E731
    return _write(request, environment, systemuserid, lambda: apply(user, form.cleaned_data), lambda text: text,
                  panel=panel, form=form, invalid_context=again,
                  question=(rules.ROLE_03, lambda: again(needs_confirmation=True)))


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_roles(request, environment, systemuserid):
    """Manage security roles (ROLE-02, ROLE-03)."""
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
    return _panel(request, environment, systemuserid, "teams", make, apply)


@require_http_methods(["GET", "POST"])
@environment_admin_required
def environment_user_business_unit(request, environment, systemuserid):
    """Change business unit (ROLE-06)."""
    def make(user, data):
        return BusinessUnitForm(data, business_units=business_units(environment),
                                initial={"business_unit": user.businessunit} if data is None else None)

    def apply(user, data):
        result = records.business_unit_change(systemuser=user, business_unit=data["business_unit"],
                                              move_records=data["move_records"])
        text = f"Business unit changed to {data['business_unit']}."
        if result["roles_removed"]:
            text += f" {result['roles_removed']} security roles removed (ROLE-06): assign roles of the new business unit."
        if result.get("records_moved"):
            text += f" {result['records_moved']} records moved along."
        return text
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


@require_POST
@environment_admin_required
def environment_user_delete(request, environment, systemuserid):
    """Delete / Permanently delete (LIFE-05)."""
    user = _profile(request, environment, systemuserid)
    permanent = request.POST.get("permanent") == "1"

    def done(outcome) -> str:
        if outcome == "deleted":
            return f"{user.domainname} is permanently deleted."
        return "Deleted: the user is soft-deleted in the environment; roles and team memberships are removed (LIFE-05)."

    return _write(request, environment, systemuserid,
                  lambda: records.systemuser_delete(systemuser=user, permanent=permanent), done,
                  leave=lambda outcome: outcome == "deleted",
                  url=lambda outcome: _list_url(environment) if outcome == "deleted" else _detail_url(environment, user))
