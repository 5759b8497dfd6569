"""The portal's impact preview (issue 12): before a change that the rules read is saved, the side panel
(a full page without JavaScript) shows what the next background sync would then do in every
environment, from users_app.services.previews, with Confirm and Cancel.

A view opts in through `act(..., preview=Preview(...))` (users_app/views/common.py): a POST without
`confirm=1` rehearses the change and answers `answer(...)`; Confirm re-posts the same fields with
`confirm=1` and the change is made as before. Its decorator is told too (`m365_required(...,
preview=True)`, `environment_admin_required(preview=True)`): the rehearsal is a read, and
`can_confirm(request)` says whether the viewer may make the change (a Global reader sees the preview
without Confirm). Examples: users_app/views/m365/user_actions.py (block, delete), users_app/views/m365/groups.py."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import reswap, retarget

from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.models import SystemUser
from users_app.permissions import can_confirm, forbidden, is_preview
from users_app.services import previews

PAGE_TEMPLATE, PARTIAL = "portal/preview_page.html", "preview-panel"
PANEL_ID, HOST = "preview-panel", "#panel-host"
PER_PAGE = 25
OUTCOME_LABELS = {"added": "Added", "enabled": "Enabled", "disabled": "Disabled", "updated": "Updated"}
READ_ONLY = "Your role may see what this change would do, not make it."
NOT_POSTED_AGAIN = frozenset({"csrfmiddlewaretoken", "confirm", "preview_page"})


@dataclass
class Preview:
    """How one view's preview reads. `title` ("Remove licenses from Ines Duarte?"), `cancel` (where
    Cancel and the panel's × go), `text` (one sentence: the change). `button`: Confirm's label; `danger`
    for a destructive change. `target`/`swap`: where the confirmed answer goes over htmx (the view's
    own answer as today: the side panel host by default; a tab's form id, e.g. "#licence-form" with
    "outerHTML", and the panel then closes). `change`: what to rehearse when it differs from act()'s
    change; `environments`: only these (default: every environment)."""

    title: str
    cancel: str
    text: str = ""
    button: str = "Confirm"
    danger: bool = False
    icon: str = ""
    target: str = HOST
    swap: str = "innerHTML"
    change: Callable[[], object] | None = None
    environments: list | None = None
    notes: Callable[[object], list[str]] | None = None  # lines from what the change answered (a bulk's refusals)


def wanted(request: HttpRequest, preview: Preview | None) -> bool:
    """This POST asks for the preview (no confirm=1) of a previewing view."""
    return preview is not None and is_preview(request)


def gate(request: HttpRequest, preview: Preview, change: Callable[[], object]) -> HttpResponse | None:
    """For a view that saves without act(): the preview (a RuleViolation propagates), 403 for a
    viewer who may only preview, or None: go on and make the change."""
    if wanted(request, preview):
        return answer(request, preview, change)
    if not can_confirm(request):
        return forbidden(request, READ_ONLY)
    return None


def answer(request: HttpRequest, preview: Preview, change: Callable[[], object]) -> HttpResponse:
    """Rehearse the change and show its impact. A RuleViolation propagates (the caller's refusal)."""
    allowed = can_confirm(request)
    impact = previews.preview(preview.change or change, environments=preview.environments, as_reader=not allowed)
    response = render_page_or_partial(request, PAGE_TEMPLATE, PARTIAL,
                                      {"title": preview.title, "preview": preview_context(request, preview, impact,
                                                                                          can_confirm=allowed)})
    if is_fragment_request(request):  # the preview is a side panel wherever the form was
        response = reswap(retarget(response, HOST), "innerHTML")
    return response


def confirmed(request: HttpRequest, preview: Preview | None, response: HttpResponse) -> HttpResponse:
    """After Confirm over htmx with an answer that lands outside the panel host: close the panel."""
    if (preview is not None and preview.target != HOST and is_fragment_request(request)
            and response.status_code < 300 and "HX-Redirect" not in response and hasattr(response, "content")):
        response.content += b'<div id="panel-host" hx-swap-oob="innerHTML"></div>'
    return response


def preview_context(request: HttpRequest, preview: Preview, impact: previews.Impact, *, can_confirm: bool) -> dict:
    """Everything portal/_preview.html draws: the counts per environment that changes, the others in
    one line, one page of the users who change (with their deciding rules and diagnostics), and the
    posted fields again for Confirm and the pager."""
    touched = impact.touched
    rows = [row for env in touched for row in _rows(env)]
    page = Paginator(rows, PER_PAGE).get_page(request.POST.get("preview_page"))
    _link_diagnostics(page.object_list)
    return {
        "id": PANEL_ID, "title": preview.title, "text": preview.text, "action": request.path,
        "cancel": preview.cancel, "button": preview.button, "danger": preview.danger,
        "icon": preview.icon or ("delete" if preview.danger else "checkmark"),
        "target": preview.target, "swap": preview.swap, "can_confirm": can_confirm,
        "hidden": [(name, value) for name, values in request.POST.lists() if name not in NOT_POSTED_AGAIN
                   for value in values],
        "environments": [{"name": env.name, "counts": env.counts, "changed": env.changed} for env in touched],
        "unchanged": [env.name for env in impact.environments if not env.changed],
        "page": page, "nothing": not touched, "changed": impact.changed,
        "notes": preview.notes(impact.result) if preview.notes else [],
    }


def _rows(env: previews.EnvironmentImpact) -> list[dict]:
    rules_of = {entry["upn"].lower(): entry.get("rules", []) for entry in env.decisions}
    return [{"environment": env.environment, "user": change["user"], "outcome": change["outcome"],
             "outcome_label": OUTCOME_LABELS.get(change["outcome"], change["outcome"]),
             "status": change["status"], "changed_fields": change["changed_fields"],
             "rules": " ".join(change["refused_by"] or rules_of.get(change["user"].lower(), []))}
            for change in env.changes]


def _link_diagnostics(rows) -> None:
    """Run diagnostics of each shown user in its environment: the record as it is now (a user the
    change would add has none yet)."""
    names = {row["user"].lower() for row in rows}
    environments = {row["environment"].pk for row in rows}
    records = {(env_id, name): record_id for env_id, name, record_id in SystemUser.objects.annotate(
        name=Lower("domainname")).filter(environment_id__in=environments, name__in=names).values_list(
        "environment_id", "name", "systemuserid")}
    for row in rows:
        record_id = records.get((row["environment"].pk, row["user"].lower()))
        row["diagnose_url"] = reverse("users:environment_user_diagnose", args=[
            row["environment"].environment_id, record_id]) if record_id else ""
