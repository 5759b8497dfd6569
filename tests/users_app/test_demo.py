"""The demo tenant: seed_demo loads, syncs and imports; a second load and sync change nothing."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from environments_app.models import Environment
from users_app.models import SyncRun, SystemUser
from users_app.provisioning import sync
from users_app.tenant_file import load_tenant_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_exercises_every_kind_of_record_and_is_idempotent():
    """seed_demo: every environment type, placeholders (MODE-05, MODE-07), setup users (MODE-02),
    non-interactive (MODE-03), application (APP-01) and stub users (STUB-01); loading the file
    twice and syncing twice leaves the second sync with nothing added, updated, enabled or disabled."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "admin@contoso.onmicrosoft.com" in text and "Demo-Pass-2026!" in text and "superuser" in text
    types = set(Environment.objects.values_list("type", flat=True))
    assert types == {"Production", "Sandbox", "Trial", "Developer", "Default", "Teams"}
    user_types = set(SystemUser.objects.values_list("user_type", flat=True))
    assert {"regular", "setup", "non_interactive", "application", "stub", "delegated_admin", "support"} <= user_types
    assert SystemUser.objects.filter(isdisabled=True, user_type="regular").exists()
    # Load the same file again and sync twice: the second sync changes nothing.
    load_tenant_file(settings.DEMO_TENANT_FILE)
    sync.directory_sync()
    before = list(SystemUser.objects.order_by("pk").values())
    runs = sync.directory_sync()
    for run in runs:
        assert (run.added, run.updated, run.enabled, run.disabled) == (0, 0, 0, 0), run.environment.name
    assert list(SystemUser.objects.order_by("pk").values()) == before
    again = io.StringIO()
    records_before = SystemUser.objects.count(), SyncRun.objects.filter(trigger="import").count()
    call_command("seed_demo", stdout=again)
    assert "already present" in again.getvalue()
    assert (SystemUser.objects.count(), SyncRun.objects.filter(trigger="import").count()) == records_before


def test_seed_demo_subprocess(tmp_path):
    """seed_demo run as a user runs it, on a fresh SQLite database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "EMAIL_FILE_PATH": str(tmp_path / "outbox")}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    first = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "Demo tenant loaded" in first.stdout and "ppadmin@contoso.onmicrosoft.com" in first.stdout
    second = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "already present" in second.stdout
    sync_json = subprocess.run([sys.executable, "manage.py", "sync_directory", "--format", "json"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True)
    environments = json.loads(sync_json.stdout)["environments"]
    assert len(environments) == 10
    assert all(e["added"] == e["updated"] == e["enabled"] == e["disabled"] == 0 for e in environments)
