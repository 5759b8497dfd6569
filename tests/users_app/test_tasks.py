"""The periodic background sync on the task queue (huey running django.tasks tasks)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import portal_tenant_data
from users_app.models import SyncRun
from users_app.tasks import background_syncs_enqueue, environment_sync_task, periodic_background_sync
from users_app.tenant_file import load_tenant

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_sync_01_periodic_task_queues_one_sync_per_environment(django_capture_on_commit_callbacks):
    """SYNC-01: the periodic task queues one background run per environment with Dataverse, which a
    task then runs; environments without Dataverse or on premises have nothing to sync (ENV-02, ONPREM-01)."""
    data = portal_tenant_data()
    data["environments"] += [{"name": "Analytics", "dataverse": False},
                             {"name": "Legacy", "deployment": "on_premises"}]
    load_tenant(data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = periodic_background_sync.call_local()
    assert len(queued) == 2 and len(callbacks) == 2
    runs = SyncRun.objects.filter(pk__in=queued)
    assert {r.environment.name for r in runs} == {"Sales", "Service"}
    assert all(r.status == "succeeded" and r.trigger == "schedule" for r in runs)
    assert runs.get(environment__name="Sales").added == 5  # three members, two group-bypassing admins


@pytest.mark.django_db
def test_sync_01_no_second_queued_run_and_no_overlap():
    """A queued run is not queued twice; a run taken by a worker is not run again."""
    load_tenant(portal_tenant_data())
    first = background_syncs_enqueue()  # on_commit callbacks are not run here: the runs stay queued
    assert background_syncs_enqueue() == []
    assert SyncRun.objects.filter(status="queued").count() == len(first) == 2
    result = environment_sync_task.enqueue(first[0])
    assert result.return_value["status"] == "succeeded"
    again = environment_sync_task.enqueue(first[0])  # already done: left alone
    assert again.return_value["status"] == "succeeded"
    assert SyncRun.objects.filter(pk=first[0], status="succeeded").count() == 1


@pytest.mark.slow
def test_huey_worker_runs_the_periodic_sync(tmp_path):
    """A real `manage.py run_huey` consumer: the periodic task fires at start and the queued runs
    are executed by the worker, with no button pressed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "HUEY_FILE": str(tmp_path / "huey.sqlite3"), "EMAIL_FILE_PATH": str(tmp_path / "outbox")}
    tenant = tmp_path / "tenant.json"
    import json
    tenant.write_text(json.dumps(portal_tenant_data()))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "load_tenant", str(tenant)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    # Queue the syncs as the periodic task does, then let a real consumer run them.
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from users_app.tasks import background_syncs_enqueue; background_syncs_enqueue()"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        statuses: list[str] = []
        while time.monotonic() < deadline:
            statuses = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c",
                 "from users_app.models import SyncRun; print(','.join(SyncRun.objects.values_list('status', flat=True)))",
                 "--no-imports"],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1].split(",")
            if len(statuses) >= 2 and set(statuses) == {"succeeded"}:
                break
            time.sleep(1)
        # The two queued runs ran (a periodic run may have joined them when the minute turned).
        assert len(statuses) >= 2 and set(statuses) == {"succeeded"}, statuses
    finally:
        worker.terminate()
        worker.wait(timeout=20)
