"""The periodic background sync on the task queue (huey running django.tasks tasks)."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

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


def _worker_env(tmp_path, database_url: str, **extra) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": database_url,
           "HUEY_FILE": str(tmp_path / "huey.sqlite3"), "EMAIL_FILE_PATH": str(tmp_path / "outbox"), **extra}
    if "HUEY_REDIS_URL" not in extra:
        env.pop("HUEY_REDIS_URL", None)  # CI sets it for the Redis test; this one is SqliteHuey's
    return env


def _manage(env, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True, **kwargs)


def _worker_runs_queued_syncs(env, tmp_path) -> list[str]:
    """Load the small tenant, queue the syncs as the periodic task does (they wait in the queue),
    let a real consumer (`manage.py run_huey`) run them; answers the queue's class and the runs'
    statuses."""
    data = portal_tenant_data()
    for user in data["users"]:
        user.pop("password", None)  # hashing sign-in passwords is most of a load's time; none signs in here
    tenant = tmp_path / "tenant.json"
    tenant.write_text(json.dumps(data))
    _manage(env, "migrate", "-v0")
    _manage(env, "load_tenant", str(tenant))
    queued = _manage(env, "shell", "--no-imports", "-c",
                     "from django.conf import settings; from users_app.tasks import background_syncs_enqueue; "
                     "background_syncs_enqueue(); print(type(settings.HUEY).__name__, settings.HUEY.pending_count())")
    queue, pending = queued.stdout.split()[-2:]
    assert int(pending) >= 2, queued.stdout  # the two syncs wait in the queue until a worker takes them
    worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        statuses: list[str] = []
        while time.monotonic() < deadline:
            statuses = _manage(env, "shell", "--no-imports", "-c",
                               "from users_app.models import SyncRun; "
                               "print(','.join(SyncRun.objects.values_list('status', flat=True)))"
                               ).stdout.strip().splitlines()[-1].split(",")
            if len(statuses) >= 2 and set(statuses) == {"succeeded"}:
                break
            time.sleep(1)
        return [queue, *statuses]
    finally:
        worker.terminate()
        worker.wait(timeout=20)


@pytest.mark.slow
def test_huey_worker_runs_the_periodic_sync(tmp_path):
    """A real `manage.py run_huey` consumer with SqliteHuey (the embedded default): the queued runs
    are executed by the worker, with no button pressed."""
    queue, *statuses = _worker_runs_queued_syncs(_worker_env(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3"), tmp_path)
    assert queue == "SqliteHuey"
    # The two queued runs ran (a periodic run may have joined them when the minute turned).
    assert len(statuses) >= 2 and set(statuses) == {"succeeded"}, statuses


@pytest.fixture
def redis_url() -> str:
    """HUEY_REDIS_URL, with a server answering there; else a skip, or a failure under
    REQUIRE_REDIS=1 (set by .ci/run, which starts Debian's redis-server)."""
    url = os.environ.get("HUEY_REDIS_URL")
    problem = None
    if not url:
        problem = "HUEY_REDIS_URL is not set: start a Redis (apt-get install redis-server) and set it to run this test"
    else:
        import redis
        try:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problem = f"no Redis answers at HUEY_REDIS_URL={url}: {exc}"
    if problem and os.environ.get("REQUIRE_REDIS") == "1":
        pytest.fail(f"REQUIRE_REDIS=1 but {problem}")
    if problem:
        pytest.skip(problem)
    return url


@pytest.mark.slow
def test_huey_worker_on_redis_runs_the_periodic_sync(redis_url, scratch_database_url, tmp_path):
    """The scale-out queue: RedisHuey (HUEY_REDIS_URL) and the configured database (PostgreSQL in
    CI's second run). The syncs queued in Redis are run by a real `manage.py run_huey` consumer."""
    env = _worker_env(tmp_path, scratch_database_url, HUEY_REDIS_URL=redis_url)
    queue, *statuses = _worker_runs_queued_syncs(env, tmp_path)
    assert queue == "RedisHuey"
    assert len(statuses) >= 2 and set(statuses) == {"succeeded"}, statuses


@pytest.fixture
def scratch_database_url(tmp_path):
    """A scratch database of the configured engine: a SQLite file, or a PostgreSQL database on the
    test database's server, dropped afterwards."""
    default = settings.DATABASES["default"]
    if "sqlite" in default["ENGINE"]:
        yield f"sqlite:///{tmp_path}/db.sqlite3"
        return
    import psycopg
    server = f"postgres://{default['USER']}:{default['PASSWORD']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
    name = f"portal_tasks_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
