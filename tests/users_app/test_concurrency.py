"""Everything at once, in several processes, on the configured database (SQLite here, PostgreSQL
in CI's second run): first-access sign-ins, admin adds, a background sync and directory edits for
the same users; non-interactive changes racing for the last slots (SYNC-06, MODE-03)."""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import portal_tenant_data, portal_upn

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _database_url(tmp_path) -> tuple[str, bool]:
    default = settings.DATABASES["default"]
    if "sqlite" in default["ENGINE"]:
        return f"sqlite:///{tmp_path}/db.sqlite3", False
    # PostgreSQL: a scratch database next to the test database, dropped afterwards.
    name = f"portal_conc_{os.getpid()}"
    auth = f"{default['USER']}:{default['PASSWORD']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
    return f"postgres://{auth}/{name}", True


@pytest.fixture
def database(tmp_path):
    url, postgres = _database_url(tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": url,
           "HUEY_FILE": str(tmp_path / "huey.sqlite3"), "EMAIL_FILE_PATH": str(tmp_path / "outbox")}
    if postgres:
        import psycopg
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
            conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    data = portal_tenant_data()
    data["users"] += [{"upn": portal_upn(f"c{i}"), "usage_location": "US", "licences": ["DYN"]} for i in range(10)]
    data["groups"][0]["members"] += [portal_upn(f"c{i}") for i in range(10)]
    (tmp_path / "tenant.json").write_text(json.dumps(data))
    run(env, "migrate", "-v0")
    run(env, "load_tenant", str(tmp_path / "tenant.json"))
    yield env
    if postgres:
        import psycopg
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def query(env, code: str) -> str:
    out = run(env, "shell", "--no-imports", "-c", code)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_sync_06_everything_at_once_keeps_one_record_per_user(database, tmp_path):
    """SYNC-06: sign-ins, admin adds, background syncs and a directory edit at the same moment, in
    separate processes, for the same users: one record per user, no error reaches anyone."""
    env = database
    edited = portal_tenant_data()
    edited["users"] += [{"upn": portal_upn(f"c{i}"), "job_title": "Edited", "usage_location": "US", "licences": ["DYN"]}
                        for i in range(10)]
    edited["groups"][0]["members"] += [portal_upn(f"c{i}") for i in range(10)]
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    commands = []
    for i in range(10):
        commands += [("sign_in", "--environment", "Sales", "--user", portal_upn(f"c{i}"), "--format", "json"),
                     ("add_user", "--environment", "sales", "--user", portal_upn(f"c{i}").upper(), "--format", "json")]
    commands += [("sync_directory", "--format", "json"), ("sync_directory", "--environment", "Sales"),
                 ("load_tenant", str(tmp_path / "edited.json"))]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda args: run(env, *args), commands))
    failures = [(r.args, r.stderr[-500:]) for r in results if r.returncode != 0]
    assert failures == []
    assert not any("database is locked" in r.stderr for r in results)
    for r in results[:20]:
        assert json.loads(r.stdout)["status"] == "enabled"
    counts = query(env, "from users_app.models import SystemUser as S; from django.db.models import Count; "
                        "print(list(S.objects.filter(environment__name='Sales', azureactivedirectoryobjectid__isnull=False).values('azureactivedirectoryobjectid')"
                        ".annotate(n=Count('id')).filter(n__gt=1)))")
    assert counts == "[]"
    assert query(env, "from users_app.models import SystemUser as S; "
                      "print(S.objects.filter(environment__name='Sales', domainname__regex=r'^c[0-9]@').count())") == "10"


def test_mode_03_never_an_eighth_non_interactive_user(database):
    """MODE-03: ten processes make ten users non-interactive at once: exactly seven succeed."""
    env = database
    out = run(env, "sync_directory", "--environment", "Sales")
    assert out.returncode == 0, out.stderr
    commands = [("set_access_mode", "--environment", "Sales", "--user", portal_upn(f"c{i}"), "--mode", "non-interactive")
                for i in range(10)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda args: run(env, *args), commands))
    assert sorted(r.returncode for r in results) == [0] * 7 + [1] * 3
    for r in results:
        if r.returncode:
            assert r.stderr.startswith("error: MODE-03: ")
    assert query(env, "from users_app.models import SystemUser as S; "
                      "print(S.objects.filter(environment__name='Sales', accessmode=4).count())") == "7"
