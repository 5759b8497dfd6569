"""The rules reference in the portal: /rules/ (every rule by family) and /rules/<ID>/ (one rule).

Read-only, for every signed-in directory user; the text is the rules package's catalogue, the
same that docs/rules.md is generated from."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.htmx import render_page_or_partial
from users_app.permissions import directory_user_required
from users_app.provisioning.rules import catalogue

LIST_TEMPLATE = "users_app/rules/rule_list.html"
DETAIL_TEMPLATE = "users_app/rules/rule_detail.html"


@require_GET
@directory_user_required
def rule_list(request: HttpRequest) -> HttpResponse:
    families = [{"family": family, "entries": [e for e in catalogue.ENTRIES if e.family == family.prefix]}
                for family in catalogue.FAMILIES]
    context = {"title": "Rules reference", "families": families,
               "system_administrator": catalogue.SYSTEM_ADMINISTRATOR,
               "breadcrumbs": [("Rules reference", None)]}
    return render_page_or_partial(request, LIST_TEMPLATE, "rule-families", context)


@require_GET
@directory_user_required
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    entry = catalogue.BY_ID.get(rule_id.upper())
    if entry is None:
        raise Http404(f"No rule {rule_id}.")
    siblings = [e for e in catalogue.ENTRIES if e.family == entry.family]
    index = siblings.index(entry)
    context = {
        "title": f"{entry.rule_id}: {entry.title}", "entry": entry, "family": catalogue.family_of(entry.rule_id),
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        "breadcrumbs": [("Rules reference", reverse("rules:rule_list")), (entry.rule_id, None)],
    }
    return render_page_or_partial(request, DETAIL_TEMPLATE, "rule", context)
