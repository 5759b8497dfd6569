"""The access pages (issue 12): a directory user's Access tab (every environment: the record, the
rules' verdict with its rule IDs, and what would change it), a group's Access tab (where its
members, nested groups included, get in and why), and the way in from an environment's user
record. Reads only: whoever may read the user or the group sees them; the actions shown (Add
user, Refresh user) are the environment's own, offered only to whoever may use them there."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.htmx import render_page_or_partial
from users_app.permissions import environment_refusal, m365_required
from users_app.selectors import access as selectors
from users_app.selectors import m365 as m365_selectors

from .common import T, crumbs, user_page_context
from .user_page import SHEET

MEMBERS_PER_PAGE = 50


def fix_links(environment, directory_user, record: dict | None) -> dict[str, str]:
    """Where each failing check is fixed, as Run diagnostics links them (DIAG-01)."""
    env_page = reverse("environments:environment_detail", args=[environment.environment_id])
    links = {"ELIG-01": env_page, "ELIG-02": reverse("m365:active_user_detail", args=[directory_user.pk]),
             "ELIG-03": reverse("m365:active_user_licences", args=[directory_user.pk]), "ELIG-05": env_page,
             "ELIG-06": env_page}
    if environment.security_group_object_id:
        links["ELIG-04"] = reverse("m365:group_detail", args=[environment.security_group_object_id])
    if environment.teams_group_object_id:
        links["ELIG-05"] = reverse("m365:group_detail", args=[environment.teams_group_object_id])
    if record is not None:
        args = [environment.environment_id, record["systemuserid"]]
        links["ROLE-01"] = reverse("users:environment_user_roles", args=args)
        links["MODE-03"] = reverse("users:environment_user_form", args=args)
    return links


def _user_rows(request, directory_user) -> list[dict]:
    rows = []
    for access in selectors.user_access(directory_user=directory_user):
        links = fix_links(access.environment, directory_user, access.record)
        rows.append({"access": access, "environment": access.environment,
                     "fixes": [{"check": check, "url": links.get(check.rule, "")} for check in access.failing],
                     # The environment's own commands, to whoever may use them there.
                     "may_act": environment_refusal(request, access.environment, write=True) is None})
    return rows


@require_GET
@m365_required()
def active_user_access(request: HttpRequest, user_id) -> HttpResponse:
    """Access: every environment at a glance (the record, its state and access mode, the verdict of
    the rules with the IDs that decide it, and the action that would change it). Writes nothing."""
    user = m365_selectors.directory_user_get(user_id=user_id)
    context = user_page_context(request, user, "access", rows=_user_rows(request, user))
    return render_page_or_partial(request, T + "active_user_access.html", SHEET, context)


@require_GET
@m365_required()
def record_access(request: HttpRequest, systemuserid) -> HttpResponse:
    """From an environment's user record to its directory user's Access page."""
    user_id = selectors.record_directory_user_id(systemuserid=systemuserid)
    if user_id is None:
        raise Http404("This record has no directory user: it is not synchronised.")
    return redirect("m365:active_user_access", user_id)


@require_GET
@m365_required()
def group_access(request: HttpRequest, group_id) -> HttpResponse:
    """A group's Access: for each environment, how many of its members (nested groups included) get
    in, how many do not and by which rules; then one environment's members, paged."""
    group = m365_selectors.group_get(group_id=group_id)
    environments = selectors.group_access(group=group)
    chosen = request.GET.get("environment", "")
    selected = next((e for e in environments if str(e.environment.environment_id) == chosen), None)
    if selected is None:
        selected = next((e for e in environments if e.online and e.members), environments[0] if environments else None)
    verdict, rules = request.GET.get("verdict", ""), request.GET.get("rules", "")
    page = None
    if selected is not None:
        shown = selectors.members_shown(selected.users, verdict=verdict, rules_filter=rules)
        page = Paginator(shown, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = selectors.with_names(page.object_list)
    context = {"title": f"Access · {group.name}", "group": group, "tab": "access", "environments": environments,
               "selected": selected, "members": page, "verdict": verdict, "rules_filter": rules,
               "breadcrumbs": crumbs(("Teams & groups", reverse("m365:group_list")),
                                     ("Active teams & groups", reverse("m365:group_list")),
                                     (group.name, reverse("m365:group_detail", args=[group.pk])), ("Access", None))}
    return render_page_or_partial(request, T + "group_access.html", "group-access", context)
