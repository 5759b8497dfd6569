"""The demo tenant: seed_demo loads, syncs and imports; a second load and sync change nothing.
Its sign-in passwords are generated per install and kept in a file only its owner reads."""
import io
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from environments_app.models import Environment
from users_app.choices import AdminRole
from users_app.models import AdminRoleAssignment, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning import sync
from users_app.demo import seed as demo
from users_app.tenant_file import load_tenant_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_exercises_every_kind_of_record_and_is_idempotent(tmp_path):
    """seed_demo: every environment type, placeholders (MODE-05, MODE-07), setup users (MODE-02),
    non-interactive (MODE-03), application (APP-01) and stub users (STUB-01); loading the file
    twice and syncing twice leaves the second sync with nothing added, updated, enabled or disabled."""
    out = io.StringIO()
    accounts_file = tmp_path / "var" / "demo-accounts.txt"
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=out)
    text = out.getvalue()
    assert "admin@contoso.onmicrosoft.com" in text and "superuser" in text and str(accounts_file) in text
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
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=again)
    assert "already present" in again.getvalue()
    assert (SystemUser.objects.count(), SyncRun.objects.filter(trigger="import").count()) == records_before


def test_seed_demo_tells_the_licence_story_b20(tmp_path):
    """B20, ELIG-03, SYNC-05: a named user lost their only Power Apps licence and the background sync,
    run before the tenant bought its Marketing licence, disabled them in Service; the Marketing
    licence (held now) does not make the background sync enable them again (on demand only)."""
    call_command("seed_demo", "--accounts-file", str(tmp_path / "accounts.txt"), stdout=io.StringIO())
    service = Environment.objects.get(name="Service")
    record = SystemUser.objects.get(environment=service, domainname__iexact=demo.LICENCE_STORY_USER)
    assert record.isdisabled
    user = DirectoryUser.objects.get(user_principal_name=demo.LICENCE_STORY_USER)
    assert not user.licence_assignments.filter(sku__kind="dataverse").exists()
    runs = SyncRun.objects.filter(environment=service, trigger="schedule", disabled__gt=0)
    decisions = [d for run in runs for d in run.decision_log if d["upn"] == demo.LICENCE_STORY_USER]
    assert any(d["outcome"] == "disabled" and d["rules"] == ["ELIG-03"] for d in decisions)
    from users_app.models import Tenant
    assert Tenant.objects.get().marketing_licence
    sync.environment_sync(environment=service)
    record.refresh_from_db()
    assert record.isdisabled


def test_seed_demo_subprocess(tmp_path):
    """seed_demo run as a user runs it, on a fresh SQLite database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "EMAIL_FILE_PATH": str(tmp_path / "outbox"), "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}  # as `make run` serves it
    seed = [sys.executable, "manage.py", "seed_demo", "--accounts-file", str(tmp_path / "demo-accounts.txt")]
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    first = subprocess.run(seed, cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "Demo tenant loaded" in first.stdout and "ppadmin@contoso.onmicrosoft.com" in first.stdout
    # DEBUG off and no --superuser: no Django superuser (it is made only for the demo).
    assert "no demo superuser" in first.stdout
    second = subprocess.run(seed, cwd=ROOT, env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "already present" in second.stdout
    assert second.stdout.split("Sign-in accounts")[1] == first.stdout.split("Sign-in accounts")[1]
    sync_json = subprocess.run([sys.executable, "manage.py", "sync_directory", "--format", "json"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True)
    environments = json.loads(sync_json.stdout)["environments"]
    assert len(environments) == 10
    assert all(e["added"] == e["updated"] == e["enabled"] == e["disabled"] == 0 for e in environments)


def _accounts(path: Path) -> dict[str, str]:
    return {login: password for login, (password, _) in demo.read_accounts_file(path).items()}


def _hashes() -> dict[str, str]:
    return dict(get_user_model().objects.values_list("username", "password"))


def test_demo_passwords_are_generated_per_install_kept_owner_only_and_kept_on_a_second_seed(tmp_path):
    """No published password. The first seed generates one per account,
    writes them to a file of mode 0600, prints them; a second seed changes no password and no file;
    the new hire's is temporary (DIR-01); a holder of each of the eleven admin roles can sign in.
    A deleted superuser is not made again; an install with the published password gets new ones."""
    accounts_file = tmp_path / "var" / "demo-accounts.txt"
    alice = "alice@contoso.onmicrosoft.com"
    out = io.StringIO()
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=out)
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    passwords = _accounts(accounts_file)
    assert set(passwords) == {a.login for a in demo.DEMO_ACCOUNTS} | {demo.SUPERUSER}
    for login, password in passwords.items():
        assert f"{login}" in out.getvalue() and password in out.getvalue()  # printed at the end of the seed
        assert password != "Demo-Pass-2026!" and len(password) >= 16  # 20; DIR-01's temporary: 16
        assert authenticate(username=login, password=password) is not None, login
    assert len(set(passwords.values())) == len(passwords)  # one per account
    for login in [a.login for a in demo.DEMO_ACCOUNTS] + [demo.SUPERUSER]:
        assert authenticate(username=login, password="Demo-Pass-2026!") is None, login

    # Each of the eleven admin roles has a holder among the accounts of the file.
    holders = AdminRoleAssignment.objects.filter(user__user_principal_name__in=list(passwords))
    assert set(holders.values_list("role", flat=True)) == set(AdminRole.values)

    # DIR-01: the new hire's password is temporary, the others are not.
    temporary = [a.login for a in demo.DEMO_ACCOUNTS if a.temporary]
    assert temporary == ["newhire@contoso.onmicrosoft.com"]
    assert DirectoryUser.objects.get(user_principal_name=temporary[0]).must_change_password
    assert not DirectoryUser.objects.filter(user_principal_name__in=[a.login for a in demo.DEMO_ACCOUNTS
                                                                     if not a.temporary], must_change_password=True).exists()

    # Seeding again: "already present", no password changed, the file as it was, the same accounts printed.
    text, hashes = accounts_file.read_text(), _hashes()
    again = io.StringIO()
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=again)
    assert "already present" in again.getvalue()
    assert _hashes() == hashes and accounts_file.read_text() == text
    assert all(password in again.getvalue() for password in passwords.values())

    # A superuser deleted since is not made again.
    get_user_model().objects.filter(username=demo.SUPERUSER).delete()
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=io.StringIO())
    assert not get_user_model().objects.filter(is_superuser=True).exists()

    # An install seeded by an earlier version (the published "Demo-Pass-2026!", no accounts file):
    # the next seed replaces that password, once, and keeps every other.
    accounts_file.unlink()
    account = get_user_model().objects.get(username="admin@contoso.onmicrosoft.com")
    account.set_password("Demo-Pass-2026!")
    account.save()
    out = io.StringIO()
    call_command("seed_demo", "--accounts-file", str(accounts_file), stdout=out)
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    replaced = _accounts(accounts_file)
    assert list(replaced) == ["admin@contoso.onmicrosoft.com"] and replaced[account.username] in out.getvalue()
    assert authenticate(username=account.username, password="Demo-Pass-2026!") is None
    assert authenticate(username=account.username, password=replaced[account.username]) is not None
    assert authenticate(username=alice, password=passwords[alice]) is not None
    assert "kept: " in accounts_file.read_text() and alice in accounts_file.read_text()


def test_a_new_database_of_the_same_install_keeps_the_files_passwords_and_makes_no_superuser_unasked(tmp_path, settings):
    """Passwords are per install: a file already there gives its passwords to a new demo database
    (the new hire gets a new temporary one). With DEBUG off and no --superuser no
    superuser is made, and --superuser on a demo that exists makes none afterwards."""
    settings.DEBUG = False
    accounts_file = tmp_path / "demo-accounts.txt"
    alice = "alice@contoso.onmicrosoft.com"
    demo.write_accounts_file(accounts_file, [(alice, "Kept8Password2026xyz1", "Ordinary licensed user")])
    accounts_file.chmod(0o644)  # read back to its owner only
    call_command("seed_demo", "--accounts-file", str(accounts_file), stdout=io.StringIO())
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert _accounts(accounts_file)[alice] == "Kept8Password2026xyz1"
    assert authenticate(username=alice, password="Kept8Password2026xyz1") is not None
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert demo.SUPERUSER not in _accounts(accounts_file)
    call_command("seed_demo", "--superuser", "--accounts-file", str(accounts_file), stdout=io.StringIO())
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_the_demo_tenant_file_carries_no_password():
    """The shipped tenant file gives no account a password (seed_demo generates them); its builder
    writes the same file again."""
    data = json.loads(Path(settings.DEMO_TENANT_FILE).read_text())
    assert not [u["upn"] for u in data["users"] if "password" in u]
    assert "Demo-Pass" not in Path(settings.DEMO_TENANT_FILE).read_text()
