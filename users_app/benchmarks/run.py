"""`bench` itself: one run of every figure in a scratch database.

Figures, in seconds, each with its ratio and target (the targets are the issue's, measured
on SQLite on a 2-core machine; `bench` reports them, it never fails on them):
- load: load_tenant of a generated file of N users (ratio to the floor, no target);
- floor: N SystemUser rows by one executemany in one transaction (floor.py);
- full_sync: the first full sync of the production environment, N entitled users (<= 3x floor);
- search_index: the lists' trigram index brought up to date in bulk after the load and the full
  sync (its own task after a sync: list_search.search_index_refresh; ratio to the floor, no target);
- no_change_sync: an incremental sync right after (<= 2% of full_sync);
- changes_sync: an incremental sync after 1,000 job titles changed through the directory
  service (<= 5% of full_sync);
- list_first_page / list_search / list_deep_page: the users list at N users, against
  list_first_page_100, the first page of an environment of 100 users (each <= 2x);
- active_first_page / active_search / active_deep_page: the Microsoft 365 Active users list of the
  N-user directory, against list_first_page_100 (the directory has no 100-user twin: the Users
  page of 100 users is the same page shape at 100 users) (each <= 2x);
- picker_directory / picker_addable / picker_users: the people picker's answer to a typed prefix
  over the N directory users, over the directory users the 100-user environment could add (N - 100),
  and over the N-user environment's users, against picker_users_100, the same over the 100-user
  environment's users (each <= 2x).
- preview_one / preview_1000 / preview_group: the impact preview of one user's licence removed, of
  1,000 users', and of the N-user environment pointed at another security group, each against
  real_one / real_1000 / real_group, the same change committed and the background sync that
  follows (each <= 1.5x); preview_one_scale: preview_one again, against preview_one_100, the same
  preview in a tenant of 100 users (<= 2x) (previews.py).
- graph_first_page / graph_middle_page / graph_last_page: Graph's GET /v1.0/users paged at
  $top=999 through the N-user directory, against graph_first_page_100, the first page of a
  directory of 100 users (a scratch database of its own); dataverse_first_page / _middle_page /
  _last_page: the Dataverse Web API's systemusers of the N-user environment paged with Prefer:
  odata.maxpagesize=5000, against dataverse_first_page_100, the 100-user environment's (no target:
  a page of 999 or 5,000 rows against one of 100); {graph,dataverse}_{first,middle,last}_per_1000:
  the same pages' seconds per 1,000 rows against the 100-user page's ({api}_100_per_1000) (each
  <= 2x) (apis.py: the real views, with an app registration's token).
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from environments_app.models import Environment
from users_app.list_search import search_index_refresh
from users_app.models import DirectoryUser, SyncRun
from users_app.provisioning.sync import environment_sync
from users_app.services import directory as dir_svc
from users_app.tenant_file import load_tenant_file

from .apis import api_pages_measure, graph_first_page_100
from .floor import floor_measure
from .pickers import active_users_measure, picker_measure
from .previews import previews_measure, small_measure
from .scratch import scratch_database
from .tenant import ADMIN_PASSWORD, ADMIN_UPN, JOB_TITLES, PILOT, PRODUCTION, SEARCH_TERM, generate_tenant, user_upn

CHANGES = 1_000
SMALL = 100
# figure -> (the figure it is a ratio of, target ratio or None)
RATIOS = {
    "load": ("floor", None),
    "floor": ("floor", None),
    "full_sync": ("floor", 3.0),
    "search_index": ("floor", None),
    "no_change_sync": ("full_sync", 0.02),
    "changes_sync": ("full_sync", 0.05),
    "list_first_page": ("list_first_page_100", 2.0),
    "list_search": ("list_first_page_100", 2.0),
    "list_deep_page": ("list_first_page_100", 2.0),
    "list_first_page_100": ("list_first_page_100", None),
    "active_first_page": ("list_first_page_100", 2.0),
    "active_search": ("list_first_page_100", 2.0),
    "active_deep_page": ("list_first_page_100", 2.0),
    "picker_directory": ("picker_users_100", 2.0),
    "picker_addable": ("picker_users_100", 2.0),
    "picker_users": ("picker_users_100", 2.0),
    "picker_users_100": ("picker_users_100", None),
    "preview_one": ("real_one", 1.5),
    "real_one": ("real_one", None),
    "preview_1000": ("real_1000", 1.5),
    "real_1000": ("real_1000", None),
    "preview_group": ("real_group", 1.5),
    "real_group": ("real_group", None),
    "preview_one_scale": ("preview_one_100", 2.0),
    "preview_one_100": ("preview_one_100", None),
    "graph_first_page": ("graph_first_page_100", None),
    "graph_middle_page": ("graph_first_page_100", None),
    "graph_last_page": ("graph_first_page_100", None),
    "graph_first_page_100": ("graph_first_page_100", None),
    "graph_first_per_1000": ("graph_100_per_1000", 2.0),
    "graph_middle_per_1000": ("graph_100_per_1000", 2.0),
    "graph_last_per_1000": ("graph_100_per_1000", 2.0),
    "graph_100_per_1000": ("graph_100_per_1000", None),
    "dataverse_first_page": ("dataverse_first_page_100", None),
    "dataverse_middle_page": ("dataverse_first_page_100", None),
    "dataverse_last_page": ("dataverse_first_page_100", None),
    "dataverse_first_page_100": ("dataverse_first_page_100", None),
    "dataverse_first_per_1000": ("dataverse_100_per_1000", 2.0),
    "dataverse_middle_per_1000": ("dataverse_100_per_1000", 2.0),
    "dataverse_last_per_1000": ("dataverse_100_per_1000", 2.0),
    "dataverse_100_per_1000": ("dataverse_100_per_1000", None),
}


CPU: dict[str, float] = {}  # this process's CPU seconds per timed figure (the database's too on SQLite)


def _timed(name: str, fn: Callable, *args, **kwargs) -> tuple[float, object]:
    cpu, start = time.process_time(), time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    CPU[name] = time.process_time() - cpu
    return seconds, result


def _sync(name: str, environment: Environment, *, full: bool) -> tuple[float, SyncRun]:
    seconds, run = _timed(name, environment_sync, environment=environment, full=full, initiated_by="bench")
    if run.status != "succeeded":
        raise RuntimeError(f"the sync of {environment.name} failed: {run.error}")
    return seconds, run


def _list_pages() -> Callable | None:
    try:
        from .lists import list_pages_measure
    except ImportError:
        return None
    return list_pages_measure


def _engine() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def bench_run(users: int, *, keep: bool = False, progress: Callable[[str], None] = lambda line: None) -> dict:
    """Every figure, in one scratch database of the configured engine. Returns the report."""
    seconds: dict[str, float] = {}
    CPU.clear()
    load_before = os.getloadavg()[0]
    counts: dict[str, object] = {}
    notes: list[str] = []
    preview_cpu: dict[str, float] = {}
    # Graph's first page in a directory of 100 users (apis.py): a scratch database of its own.
    with tempfile.TemporaryDirectory(prefix="portal-bench-file-") as directory:
        graph_100 = graph_first_page_100(Path(directory), users=SMALL)
    progress(f"Graph's first page at {SMALL} users: {graph_100.seconds['first']:.4f} s")
    with scratch_database(keep=keep) as name, tempfile.TemporaryDirectory(prefix="portal-bench-file-") as directory:
        engine = _engine()
        progress(f"scratch database {name} ({engine}), migrated")
        data = generate_tenant(users, admin_password=False)
        path = Path(directory) / "tenant.json"
        path.write_text(json.dumps(data))
        progress(f"tenant file of {users:,} users written ({path.stat().st_size / 1e6:.1f} MB); loading it")

        seconds["load"], summary = _timed("load", load_tenant_file, path)
        counts["load"] = summary["users"]
        progress(f"load: {seconds['load']:.2f} s; first full sync of {PRODUCTION}")
        production = Environment.objects.get(name=PRODUCTION)

        seconds["full_sync"], run = _sync("full_sync", production, full=True)
        counts["full_sync"] = run.counts()
        progress(f"full_sync: {seconds['full_sync']:.2f} s ({run.added:,} added); the floor")

        seconds["search_index"], counts["search_index"] = _timed("search_index", search_index_refresh)
        progress(f"search_index: {seconds['search_index']:.2f} s (the lists' trigram index after the load and the sync)")

        seconds["floor"], counts["floor_rows"] = floor_measure(production)
        progress(f"floor: {seconds['floor']:.3f} s for {counts['floor_rows']:,} rows; a sync with no change")

        seconds["no_change_sync"], run = _sync("no_change_sync", production, full=False)
        counts["no_change_sync"] = run.counts()
        changed = min(CHANGES, users)
        progress(f"no_change_sync: {seconds['no_change_sync']:.3f} s; {changed:,} job titles to change")

        upns = [user_upn(i) for i in range(0, users, max(1, users // changed))][:changed]
        for i, user in enumerate(DirectoryUser.objects.filter(user_principal_name__in=upns)):
            dir_svc.directory_user_update(user=user, job_title=f"Senior {JOB_TITLES[i % len(JOB_TITLES)]}")
        seconds["changes_sync"], run = _sync("changes_sync", production, full=False)
        counts["changes_sync"] = {**run.counts(), "directory_changes": changed}
        progress(f"changes_sync: {seconds['changes_sync']:.3f} s ({run.updated:,} updated); the users lists")

        pilot = Environment.objects.get(name=PILOT)
        _sync("pilot_sync", pilot, full=True)  # the small environment: 100 users (not timed)
        measure = _list_pages()
        if measure is None:
            notes.append("users_app/benchmarks/lists.py (list_pages_measure) is missing: no list figures.")
        else:
            admin = DirectoryUser.objects.get(user_principal_name=ADMIN_UPN)
            dir_svc.directory_user_set_password(user=admin, password=ADMIN_PASSWORD)
            admin.refresh_from_db()
            # The test client's host; static URLs without collectstatic's manifest (the same for
            # every page measured, so no ratio moves).
            plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
            warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                                   STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
                client = Client()
                client.force_login(admin.account)
                big = measure(client, production, search_term=SEARCH_TERM, deep_rows=min(2000, users // 2))
                small = measure(client, pilot, search_term=SEARCH_TERM, deep_rows=min(2000, SMALL // 2))
            seconds["list_first_page"] = big["first_page"]
            seconds["list_search"] = big["search"]
            seconds["list_deep_page"] = big["deep_page"]
            seconds["list_first_page_100"] = small["first_page"]
            counts["list_100"] = {k: small[k] for k in ("search", "deep_page") if k in small}
            progress("lists measured")
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                                   STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
                active = active_users_measure(client, search_term=SEARCH_TERM, deep_rows=min(2000, users // 2))
                big_picker = picker_measure(client, production)
                small_picker = picker_measure(client, pilot)
            seconds.update({f"active_{name}": value for name, value in active.items()})
            seconds["picker_directory"] = small_picker["directory"]  # the whole directory, asked from either
            if "addable" in small_picker:
                seconds["picker_addable"] = small_picker["addable"]  # the N - 100 users Pilot could add
            seconds["picker_users"] = big_picker["environment"]
            seconds["picker_users_100"] = small_picker["environment"]
            progress("Active users and the picker measured")
        api_seconds, counts["apis"] = api_pages_measure(production, pilot, graph_100=graph_100, progress=progress)
        seconds.update(api_seconds)
        progress("the APIs' pages measured")
        measured = previews_measure(many=min(CHANGES, users), progress=progress)
        seconds.update(measured.seconds)
        preview_cpu.update(measured.cpu)
        counts["previews"] = measured.counts
        notes += measured.notes
        if keep:
            notes.append(f"scratch database kept: {name}")
    # The same preview in a tenant of 100 users: a scratch database of its own.
    with scratch_database(), tempfile.TemporaryDirectory(prefix="portal-bench-file-") as directory:
        measured = small_measure(Path(directory), progress=progress)
    seconds.update(measured.seconds)
    preview_cpu.update(measured.cpu)
    seconds["preview_one_scale"] = seconds["preview_one"]
    cpu = {name: round(CPU[name], 3) for name in ("load", "full_sync", "search_index", "no_change_sync", "changes_sync")}
    cpu.update({name: round(value, 3) for name, value in preview_cpu.items()})
    return report(users, engine, seconds, counts, notes, cpu=cpu, load_average=[load_before, os.getloadavg()[0]])


def report(users: int, engine: str, seconds: dict[str, float], counts: dict, notes: list[str], *,
           cpu: dict | None = None, load_average: list[float] | None = None) -> dict:
    """The report: every figure with its ratio and target, what missed, the counts; the
    process's CPU seconds and the machine's load average say how busy the machine was."""
    figures = {}
    for name, (of, target) in RATIOS.items():
        if name not in seconds:
            continue
        base = seconds.get(of)
        ratio = seconds[name] / base if base else None
        met = None if target is None or ratio is None else ratio <= target
        figures[name] = {"seconds": round(seconds[name], 6), "ratio": None if ratio is None else round(ratio, 4),
                         "ratio_of": of, "target": target, "met": met}
    return {
        "users": users,
        "engine": engine,
        "machine": f"{platform.machine()}, {_cpus()} CPU, Python {platform.python_version()}",
        "load_average": [round(v, 2) for v in load_average or []],
        "figures": figures,
        "missed": [name for name, f in figures.items() if f["met"] is False],
        "cpu_seconds": cpu or {},
        "counts": counts,
        "notes": notes,
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
