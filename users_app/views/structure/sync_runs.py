"""Sync history: the environment's sync runs (SYNC-07), Sync now (SYNC-01), and one run's
per-user decisions, its status polled while it runs."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST

from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.filters.structure import SyncRunFilterSet
from users_app.selectors.access import background_sync_running, changes_with_links, environment_pending
from users_app.selectors.structure import sync_run_get, sync_run_list as sync_run_list_query
from users_app.services import environments as environment_services
from users_app.tables.structure import SyncRunTable
from users_app.views.common import act, environment_crumbs, initiated_by
from users_app.views.structure.shared import page_of, structure_url

RUN_LIST = "users_app/structure/sync_run_list.html"
RUN_DETAIL = "users_app/structure/sync_run_detail.html"
PENDING_PER_PAGE = 50


def _run_list_context(request, environment, **extra) -> dict:
    table = SyncRunTable(sync_run_list_query(environment=environment, filters=request.GET), environment=environment)
    return {
        "environment": environment, "title": f"Sync history · {environment.name}", "section": "sync",
        "table": table.configure(request),
        "filter": SyncRunFilterSet(request.GET, environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Sync history", None)),
        **extra,
    }


def _pending_context(environment, page=1) -> dict:
    """Pending: what the next background sync will do now (services.previews.pending, nothing
    written): its counts, then a page of the users it changes with the rules that decide."""
    pending = environment_pending(environment=environment)
    if pending is None:
        return {"pending": None, "pending_running": background_sync_running(environment=environment)}
    changes = Paginator(pending.changes, PENDING_PER_PAGE).get_page(page)
    changes.object_list = changes_with_links(environment, changes.object_list)
    return {"pending": pending, "pending_changes": changes,
            "pending_url": structure_url("sync_run_pending", environment)}


@require_GET
@environment_admin_required
def sync_run_list(request, environment):
    """Every SyncRun of the environment, newest first (SYNC-07), after what is pending (the table's
    own fragment, filtered or sorted, leaves the pending section out)."""
    pending = {} if is_fragment_request(request) else _pending_context(environment)
    return render_page_or_partial(request, RUN_LIST, "sync-run-table", _run_list_context(request, environment, **pending))


@require_GET
@environment_admin_required
def sync_run_pending(request, environment):
    """The Pending section alone (its pages), or the Sync history page showing it."""
    return render_page_or_partial(request, RUN_LIST, "sync-pending",
                                  _run_list_context(request, environment, **_pending_context(environment, request.GET.get("page"))))


@require_POST
@environment_admin_required
def sync_run_create(request, environment):
    """Sync now: the environment's background sync, run at once (SYNC-01); answers in place."""
    def done(run):
        if run.status == "failed":
            return messages.ERROR, f"Sync of {environment.name} failed: {run.error}"
        counts = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in run.counts().items())
        return f"Sync of {environment.name} finished: {counts}."

    return act(request, lambda: environment_services.environment_sync_now(environment=environment,
                                                                          initiated_by=initiated_by(request)),
               done=done, url=structure_url("sync_run_list", environment), template=RUN_LIST,
               partial="sync-run-table",
               context=lambda _: _run_list_context(request, environment, pending_oob=True, **_pending_context(environment)))


def _run_context(request, environment, run) -> dict:
    return {
        "environment": environment, "run": run, "title": f"Sync run · {environment.name}", "section": "sync",
        "decisions": page_of(request, run.decision_log, per_page=100),
        "run_url": structure_url("sync_run_detail", environment, run.pk),
        "breadcrumbs": environment_crumbs(environment, ("Sync history", structure_url("sync_run_list", environment)),
                                          (f"{run.trigger_label} at {date_format(localtime(run.started_at), 'j M Y, H:i:s')}", None)),
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
    """The `sync-status` fragment, polled while the run is queued or running."""
    run = sync_run_get(environment=environment, run_id=run_id)
    return render_page_or_partial(request, RUN_DETAIL, "sync-status", _run_context(request, environment, run))
