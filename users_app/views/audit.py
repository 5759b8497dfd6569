"""The audit log screen of the Microsoft 365 side (Global administrator and Global reader):
the list with search, dates and outcome, and its CSV export (itself an audited action)."""
from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.forms.audit import AuditSearchForm
from users_app.selectors import audit as selectors
from users_app.permissions import audit_reader_required
from users_app.services import audit
from users_app.tables.audit import VIA_LABELS, AuditEntryTable, changes_text

TEMPLATE = "users_app/m365/audit_list.html"
FILTER_KEYS = ("q", "date_from", "date_to", "outcome")
CSV_HEADER = ("Date (UTC)", "Actor", "Actor kind", "Through", "Activity", "Target type", "Target", "Environment",
              "Changes", "Result", "Rule", "Message")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): it gets a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@require_GET
@audit_reader_required
def audit_list(request: HttpRequest) -> HttpResponse:
    table = AuditEntryTable(selectors.audit_entry_list(filters=request.GET)).configure(request)
    context = {
        "title": "Audit log", "table": table, "search_form": AuditSearchForm(request.GET),
        "export_query": _filter_query(request), "fragment": is_fragment_request(request),
        "breadcrumbs": [("Microsoft 365 admin center", reverse("m365:service_information")), ("Audit log", None)],
    }
    return render_page_or_partial(request, TEMPLATE, "audit-table", context)


def _filter_query(request) -> str:
    """The filters only (not the page or its cursor): the export takes every matching entry."""
    query = request.GET.copy()
    for key in list(query):
        if key not in FILTER_KEYS:
            del query[key]
    return query.urlencode()


def neutralise(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for entry in entries:
        yield writer.writerow([neutralise(cell) for cell in (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.actor_kind, VIA_LABELS.get(entry.via, entry.via),
            entry.action, entry.target_type, entry.target, entry.environment, "; ".join(changes_text(entry.changes)),
            entry.get_outcome_display(), entry.rule, entry.message)])


@require_GET
@audit_reader_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """Export the entries the filters select, newest first, as CSV (streamed). The export itself
    is recorded, with the filters it used, before the rows are read (so the file holds it too)."""
    used = ", ".join(f"{key}={request.GET[key]}" for key in FILTER_KEYS if request.GET.get(key))
    audit.record("Export audit log", target="Audit log",
                  changes=[("exported", None, f"entries matching {used}" if used else "every entry")])
    entries = selectors.audit_entry_export(filters=request.GET)
    response = StreamingHttpResponse(_rows(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
