"""The command line's impact previews (cli.md, "Previews"): `load_tenant FILE --dry-run` and
`sync_directory ... --dry-run`, through call_command and as real `manage.py` processes.

What a dry run prints is checked against what the real commands then do: every count equals the
real run's, `changes` names exactly the records whose rows the real run changes (sorted by user),
each with the state the record is left in; a bad file is refused with the same exit code and
`error:` line as without --dry-run; and a dry run leaves every table exactly as it was."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail

from environments_app.models import Environment
from tests.builders import changed, clerk, hard_delete, person, set_env, set_user, sku, tenant_file, upn
from tests.conftest import run_command
from users_app.choices import DeletedState
from users_app.models import DirectoryUser, SyncRun, SystemUser
from users_app.provisioning import rules, sync
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
COUNT_KEYS = list(SyncRun.COUNT_FIELDS)
CHANGE_KEYS = ["user", "outcome", "status", "refused_by", "changed_fields"]
REPORTED = set(rules.FIELD_COLUMNS) | {"isdisabled", "accessmode"}

BASE = tenant_file(
    skus=[sku("DYN365", "Dynamics 365 Sales", seats=6), sku("E3", "Office 365 E3", kind="m365"),
          sku("APPS", "Microsoft 365 Apps", kind="office")],
    users=[clerk("alice"), clerk("bob"), clerk("dave"), clerk("hank"), person("carol", licences=["E3"]),
           person("erin")],
    groups=[{"name": "Sales-Env", "members": [upn("alice"), upn("bob"), upn("dave"), upn("hank"), upn("carol")]}],
    environments=[
        {"name": "Sales", "type": "Production", "security_group": "Sales-Env"},
        {"name": "Service", "type": "Sandbox"},
        {"name": "Dev", "type": "Developer", "created_by": upn("alice")},
        {"name": "Web", "dataverse": False},
    ],
)


def base() -> dict:
    return changed(BASE)


def next_file() -> dict:
    """Every kind of outcome at once: bob loses his licence (ELIG-03), dave is soft-deleted (ELIG-02,
    named by his original UPN, DIR-11), hank is permanently deleted (his record keeps only its
    domainname), frank is new (added), alice's job title changes (updated)."""
    data = base()
    set_user(data, "bob", licences=[])
    set_user(data, "dave", deleted="soft")
    hard_delete(data, "hank")
    set_user(data, "alice", job_title="Buyer")
    set_user(data, "frank", new=clerk)
    data["groups"][0]["members"].append(upn("frank"))
    return data


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def dump() -> dict:
    """Every row of every table, as sorted lists of values: the whole database."""
    return {m._meta.label: sorted(map(repr, m._base_manager.values_list())) for m in apps.get_models()}


def ok_json(code_out_err) -> dict:
    code, out, err = code_out_err
    assert (code, err) == (0, ""), err
    return json.loads(out)


def counts_only(payload: dict) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "changes"} for e in payload["environments"]]


def record_name(record: SystemUser) -> str:
    """cli.md: the directory user's UPN (the original UPN of a deleted one), else the domainname."""
    user = DirectoryUser.objects.filter(id=record.azureactivedirectoryobjectid).first()
    if user is None:
        return record.domainname
    if user.deleted_state != DeletedState.NONE and user.original_user_principal_name:
        return user.original_user_principal_name
    return user.user_principal_name


def records() -> dict:
    return {r.pk: r for r in SystemUser.objects.all()}


def assert_changes_are_what_happened(preview: dict, before: dict, after: dict) -> None:
    """Per environment, `changes` is sorted by user and names exactly the records the real run
    added or whose reported columns it changed, each with the state the record was left in."""
    for environment in preview["environments"]:
        name = environment["environment"]
        happened = {}
        for pk, record in after.items():
            if record.environment.name != name:
                continue
            old = before.get(pk)
            differing = {f for f in REPORTED if old is None or getattr(old, f) != getattr(record, f)}
            if old is None or differing:
                happened[record_name(record)] = (record, differing, old is None)
        changes = environment["changes"]
        assert [c["user"] for c in changes] == sorted(happened, key=str.lower), name
        for change in changes:
            assert list(change) == CHANGE_KEYS
            record, differing, added = happened[change["user"]]
            assert change["status"] == ("disabled" if record.isdisabled else "enabled"), change
            assert (change["outcome"] == "added") == added, change
            if not added:
                assert set(change["changed_fields"]) == differing, change
            assert bool(change["refused_by"]) == record.isdisabled, change
        moved = sum(environment[k] for k in ("added", "enabled", "disabled", "updated"))
        assert moved == len(changes), name


@pytest.fixture
def loaded():
    load_tenant(base())
    sync.directory_sync(full=True)


# --- load_tenant FILE --dry-run ------------------------------------------------------------------------------------


def test_load_tenant_dry_run_is_what_load_and_full_sync_then_do(loaded, tmp_path):
    """ELIG-02, ELIG-03, DIR-11, SYNC-01: `load_tenant FILE --dry-run --format json` writes nothing
    and prints, count for count and user for user, what `load_tenant FILE` then `sync_directory
    --full` do: bob disabled by ELIG-03, dave (soft-deleted) disabled by ELIG-02 and named by his
    original UPN, frank added, alice updated; `changes` sorted by user."""
    path = write(tmp_path / "next.json", next_file())
    state, runs = dump(), SyncRun.objects.count()
    preview = ok_json(run_command("load_tenant", str(path), "--dry-run", "--format", "json"))
    assert dump() == state and SyncRun.objects.count() == runs and mail.outbox == []

    sales = next(e for e in preview["environments"] if e["environment"] == "Sales")
    by_user = {c["user"]: c for c in sales["changes"]}
    assert by_user[upn("bob")] == {"user": upn("bob"), "outcome": "disabled", "status": "disabled",
                                   "refused_by": ["ELIG-03"], "changed_fields": ["isdisabled"]}
    assert by_user[upn("dave")]["outcome"] == "disabled" and "ELIG-02" in by_user[upn("dave")]["refused_by"]
    assert (by_user[upn("frank")]["outcome"], by_user[upn("frank")]["status"]) == ("added", "enabled")
    assert by_user[upn("alice")]["outcome"] == "updated" and "jobtitle" in by_user[upn("alice")]["changed_fields"]
    assert upn("carol") not in by_user and upn("erin") not in by_user  # unchanged: not listed

    before = records()
    assert ok_json(run_command("load_tenant", str(path), "--format", "json"))["users"]["created"] == 1
    real = ok_json(run_command("sync_directory", "--full", "--format", "json"))
    assert counts_only(preview) == real["environments"]
    assert [e["environment"] for e in real["environments"]] == ["Dev", "Sales", "Service", "Web"]
    assert_changes_are_what_happened(preview, before, records())
    # DIR-11: dave's record is reached by his original UPN, as the preview named him.
    assert DirectoryUser.objects.get(original_user_principal_name=upn("dave")).user_principal_name != upn("dave")


def test_load_tenant_dry_run_on_an_empty_database_predicts_the_first_load(tmp_path):
    """SYNC-01: the first load of a tenant, previewed on an empty database, then made: equal counts
    and exactly the records the sync adds; the database stays empty after the dry run."""
    path = write(tmp_path / "base.json", base())
    state = dump()
    preview = ok_json(run_command("load_tenant", str(path), "--dry-run", "--format", "json"))
    assert dump() == state and not DirectoryUser.objects.exists() and not Environment.objects.exists()
    assert sum(e["added"] for e in preview["environments"]) > 0
    run_command("load_tenant", str(path))
    before = records()  # the placeholders the load makes with each environment (ENV-05): not the sync's
    real = ok_json(run_command("sync_directory", "--full", "--format", "json"))
    assert counts_only(preview) == real["environments"]
    assert_changes_are_what_happened(preview, before, records())


def test_load_tenant_dry_run_text_is_a_table_per_environment(loaded, tmp_path):
    """The text format: the counts table, then per environment the records that change, or
    "no changes" said plainly; nothing written."""
    state = dump()
    code, out, err = run_command("load_tenant", str(write(tmp_path / "next.json", next_file())), "--dry-run")
    assert (code, err) == (0, "") and dump() == state
    assert out.startswith("Dry run: ") and "Nothing was written." in out
    assert "Environment  Added  Enabled  Disabled  Updated  Unchanged  Not entitled" in out
    assert "Sales: " in out and "User" in out and "Refused by" in out and "Changed fields" in out
    bob = next(line for line in out.splitlines() if line.startswith(upn("bob")))
    assert bob.split()[:4] == [upn("bob"), "disabled", "disabled", "ELIG-03"]
    assert "Web: no changes." in out  # no Dataverse: nothing ever changes there
    # The same file loaded already: nothing anywhere.
    code, out, _ = run_command("load_tenant", str(write(tmp_path / "same.json", base())), "--dry-run")
    assert code == 0 and all(f"{name}: no changes." in out for name in ("Dev", "Sales", "Service", "Web"))


def _bad_files() -> dict:
    seats = base()
    for name in ("erin", "carol", "frank"):  # 4 + 3 = 7 DYN365 licences for 6 seats
        set_user(seats, name, new=person, licences=["DYN365"])
    no_location = set_user(base(), "erin", usage_location=None, licences=["DYN365"])
    developer_group = set_env(base(), "Dev", security_group="Sales-Env")
    unknown = base()
    unknown["groups"][0]["members"].append(upn("nobody"))
    wrong_type = base()
    wrong_type["users"][0]["enabled"] = "yes"
    return {"DIR-02": seats, "DIR-10": no_location, "ENV-06": developer_group, "not-found": unknown,
            "tenant-file": wrong_type}


@pytest.mark.parametrize("rule", ["DIR-02", "DIR-10", "ENV-06", "not-found", "tenant-file"])
def test_load_tenant_dry_run_refuses_a_bad_file_as_the_load_does(loaded, tmp_path, rule):
    """DIR-02, DIR-10, ENV-06: a file the load refuses is refused by its dry run with the same exit
    code and the same `error:` line, nothing on stdout, and nothing written (not even the audit
    entry of the refusal: nothing was attempted); so are an unknown name and a malformed file."""
    path = write(tmp_path / "bad.json", _bad_files()[rule])
    state = dump()
    dry = run_command("load_tenant", str(path), "--dry-run", "--format", "json")
    assert dump() == state
    real = run_command("load_tenant", str(path))
    assert dry == real
    code, out, err = dry
    assert code == 1 and out == "" and err.startswith(f"error: {rule}: ") and err.count("\n") <= 1


@pytest.mark.parametrize("content", ["{not json", "[]", ""])
def test_load_tenant_dry_run_refuses_an_unreadable_file_as_the_load_does(loaded, tmp_path, content):
    """A malformed file, or one that is not there: `error: tenant-file: ...`, exit 1, with or without --dry-run."""
    path = write(tmp_path / "bad.json", content)
    missing = str(tmp_path / "missing.json")
    for target in (str(path), missing):
        state = dump()
        dry = run_command("load_tenant", target, "--dry-run")
        assert dump() == state
        assert dry == run_command("load_tenant", target)
        assert dry[0] == 1 and dry[1] == "" and dry[2].startswith("error: tenant-file: ")


# --- sync_directory --dry-run --------------------------------------------------------------------------------------


def _changed_without_sync(tmp_path) -> None:
    """Directory changes made with another command (load_tenant), the background sync not yet run."""
    code, _, err = run_command("load_tenant", str(write(tmp_path / "next.json", next_file())))
    assert code == 0, err


def test_sync_directory_dry_run_is_what_the_sync_then_does(loaded, tmp_path):
    """SYNC-01, ELIG-03: after directory changes made with load_tenant, `sync_directory --dry-run`
    prints the pending changes (the incremental sync) and writes nothing, no run record either;
    the real sync_directory then prints the same counts and makes exactly the listed changes."""
    _changed_without_sync(tmp_path)
    state, runs = dump(), SyncRun.objects.count()
    preview = ok_json(run_command("sync_directory", "--dry-run", "--format", "json"))
    assert dump() == state and SyncRun.objects.count() == runs
    sales = next(e for e in preview["environments"] if e["environment"] == "Sales")
    assert {"user": upn("bob"), "outcome": "disabled", "status": "disabled", "refused_by": ["ELIG-03"],
            "changed_fields": ["isdisabled"]} in sales["changes"]
    # The same again: a dry run changes nothing, so it answers the same.
    assert ok_json(run_command("sync_directory", "--dry-run", "--format", "json")) == preview
    before = records()
    real = ok_json(run_command("sync_directory", "--format", "json"))
    assert counts_only(preview) == real["environments"]
    assert_changes_are_what_happened(preview, before, records())
    # Nothing pending any more.
    after = ok_json(run_command("sync_directory", "--dry-run", "--format", "json"))
    assert all(e["changes"] == [] for e in after["environments"])


@pytest.mark.parametrize("full", [False, True])
def test_sync_directory_dry_run_of_one_environment(loaded, tmp_path, full):
    """SYNC-01: `--environment NAME [--full] --dry-run` previews that environment's sync alone;
    the real command with the same options then prints the same counts."""
    _changed_without_sync(tmp_path)
    options = ["--environment", "sales"] + (["--full"] if full else [])
    state = dump()
    preview = ok_json(run_command("sync_directory", *options, "--dry-run", "--format", "json"))
    assert dump() == state
    assert [e["environment"] for e in preview["environments"]] == ["Sales"]
    before = records()
    real = ok_json(run_command("sync_directory", *options, "--format", "json"))
    assert counts_only(preview) == real["environments"]
    assert_changes_are_what_happened(preview, before, records())


def test_sync_directory_dry_run_text_and_refusals(loaded, tmp_path):
    """The text format says "no changes" when nothing is pending; an unknown environment is
    `not-found` with or without --dry-run; malformed arguments exit 2."""
    code, out, err = run_command("sync_directory", "--dry-run")
    assert (code, err) == (0, "") and out.startswith("Dry run: what the sync would do now.")
    assert all(f"{name}: no changes." in out for name in ("Dev", "Sales", "Service", "Web"))
    _changed_without_sync(tmp_path)
    code, out, _ = run_command("sync_directory", "--full", "--dry-run")
    assert code == 0 and out.startswith("Dry run: what a full sync would do now.")
    assert any(line.startswith(upn("frank")) and " added " in line for line in out.splitlines())
    state = dump()
    refused = run_command("sync_directory", "--environment", "Nowhere", "--dry-run")
    assert dump() == state
    assert refused == run_command("sync_directory", "--environment", "Nowhere")
    assert refused[0] == 1 and refused[1] == "" and refused[2].startswith("error: not-found: ")
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "sync_directory", "--dry-run", "--bogus"]).execute()
    assert exc.value.code == 2


# --- real processes: manage.py with DATABASE_URL ---------------------------------------------------------------------


def _manage(folder: Path, db: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": f"sqlite:///{db}",
           "DJANGO_DEBUG": "1", "EMAIL_FILE_PATH": str(folder / "outbox"), "HUEY_FILE": str(folder / "huey.sqlite3")}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def _json(proc: subprocess.CompletedProcess) -> dict:
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    return json.loads(proc.stdout)


def _sqlite_dump(db: Path) -> list[str]:
    """The database file's every table and row, as SQL."""
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """Migrated, loaded with the base tenant and synchronised, by the real commands."""
    folder = tmp_path_factory.mktemp("preview-cli")
    db = folder / "template.sqlite3"
    assert _manage(folder, db, "migrate", "--noinput", "-v", "0").returncode == 0
    assert _manage(folder, db, "load_tenant", str(write(folder / "base.json", base()))).returncode == 0
    assert _manage(folder, db, "sync_directory", "--full").returncode == 0
    return db


@pytest.fixture
def db_file(template_db, tmp_path):
    target = tmp_path / "db.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(template_db) + suffix)
        if source.exists():
            shutil.copy(source, str(target) + suffix)
    return target


def test_cli_load_tenant_dry_run_as_a_process(db_file, tmp_path):
    """SYNC-01, ELIG-03, DIR-11: as scripts run it: the dry run leaves the database file's dump
    identical, sends no mail and queues no task, and its counts are what `load_tenant` then
    `sync_directory --full` print; the text format too."""
    path = write(tmp_path / "next.json", next_file())
    before = _sqlite_dump(db_file)
    preview = _json(_manage(tmp_path, db_file, "load_tenant", str(path), "--dry-run", "--format", "json"))
    text = _manage(tmp_path, db_file, "load_tenant", str(path), "--dry-run")
    assert _sqlite_dump(db_file) == before
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())
    huey = tmp_path / "huey.sqlite3"
    if huey.exists():
        connection = sqlite3.connect(huey)
        tables = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        assert all(connection.execute(f'select count(*) from "{t}"').fetchone()[0] == 0 for t in tables), tables
        connection.close()
    assert text.returncode == 0 and text.stderr == "" and "Sales: " in text.stdout and "ELIG-03" in text.stdout
    sales = next(e for e in preview["environments"] if e["environment"] == "Sales")
    assert [c["user"] for c in sales["changes"]] == sorted(c["user"] for c in sales["changes"])
    assert {upn("bob"), upn("dave"), upn("frank"), upn("alice")} <= {c["user"] for c in sales["changes"]}

    assert _manage(tmp_path, db_file, "load_tenant", str(path)).returncode == 0
    real = _json(_manage(tmp_path, db_file, "sync_directory", "--full", "--format", "json"))
    assert counts_only(preview) == real["environments"]


def test_cli_sync_directory_dry_run_as_a_process(db_file, tmp_path):
    """SYNC-01: `sync_directory --dry-run --format json` after a load without a sync: the pending
    changes, nothing written (the file's dump identical), equal to what the real sync prints."""
    assert _manage(tmp_path, db_file, "load_tenant", str(write(tmp_path / "next.json", next_file()))).returncode == 0
    before = _sqlite_dump(db_file)
    preview = _json(_manage(tmp_path, db_file, "sync_directory", "--dry-run", "--format", "json"))
    assert _sqlite_dump(db_file) == before
    assert any(e["changes"] for e in preview["environments"])
    real = _json(_manage(tmp_path, db_file, "sync_directory", "--format", "json"))
    assert counts_only(preview) == real["environments"]


def test_cli_dry_run_refusal_as_a_process(db_file, tmp_path):
    """DIR-02: a file beyond a SKU's seats: exit 1 and the same single `error: DIR-02:` line with
    and without --dry-run, nothing on stdout, the database file unchanged by the dry run."""
    path = write(tmp_path / "bad.json", _bad_files()["DIR-02"])
    before = _sqlite_dump(db_file)
    dry = _manage(tmp_path, db_file, "load_tenant", str(path), "--dry-run", "--format", "json")
    assert _sqlite_dump(db_file) == before
    real = _manage(tmp_path, db_file, "load_tenant", str(path))
    assert (dry.returncode, dry.stdout, dry.stderr) == (real.returncode, real.stdout, real.stderr)
    assert dry.returncode == 1 and dry.stdout == "" and dry.stderr.startswith("error: DIR-02: ")
    assert dry.stderr.count("\n") == 1
    assert _manage(tmp_path, db_file, "load_tenant", str(path), "--dry-run", "--bogus").returncode == 2

