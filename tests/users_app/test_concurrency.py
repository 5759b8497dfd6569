"""Everything at once, in several processes, on the configured database (SQLite here, PostgreSQL
in CI's second run): first-access sign-ins, admin adds, admin edits, a background sync and
directory edits for the same users; non-interactive changes racing for the last slots (SYNC-06,
MODE-03). Besides "no duplicate" and "no error", the parallel run must be one that some serial
order of the same operations would give: its final state is compared with serial replays of the
same operations on copies of the database, and no update any operation reported is lost."""
import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from tests import builders
from tests.conftest import portal_tenant_data, portal_upn

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
EDITED = "Edited"


# --- Scratch databases of the configured engine -------------------------------------------


class Databases:
    """Scratch databases next to the test database: SQLite files in tmp_path, or PostgreSQL
    databases on the test database's server, dropped at the end."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        default = settings.DATABASES["default"]
        self.postgres = "sqlite" not in default["ENGINE"]
        if self.postgres:
            self.server = (f"postgres://{default['USER']}:{default['PASSWORD']}@{default['HOST'] or '127.0.0.1'}"
                           f":{default['PORT'] or 5432}")
        self.created: list[str] = []

    def url(self, name: str) -> str:
        if self.postgres:
            return f"{self.server}/portal_conc_{os.getpid()}_{name}"
        return f"sqlite:///{self.tmp_path}/{name}.sqlite3"

    def _admin(self, *statements: str) -> None:
        import psycopg
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def create(self, name: str) -> str:
        url = self.url(name)
        if self.postgres:
            db = url.rsplit("/", 1)[1]
            self._admin(f'DROP DATABASE IF EXISTS "{db}"', f'CREATE DATABASE "{db}"')
        self.created.append(url)
        return url

    def copy(self, source: str, name: str) -> str:
        """A copy of the database as it is now (nobody may be connected to it)."""
        url = self.url(name)
        if self.postgres:
            db, template = url.rsplit("/", 1)[1], source.rsplit("/", 1)[1]
            self._admin(f'DROP DATABASE IF EXISTS "{db}"', f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        else:
            with sqlite3.connect(source.removeprefix("sqlite:///")) as src, \
                    sqlite3.connect(url.removeprefix("sqlite:///")) as dst:
                src.backup(dst)
        self.created.append(url)
        return url

    def drop_all(self) -> None:
        # At the same time: each DROP DATABASE waits for a checkpoint, which concurrent drops share.
        statements = [f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)' for url in self.created]
        if self.postgres and statements:
            with ThreadPoolExecutor(max_workers=len(statements)) as pool:
                list(pool.map(self._admin, statements))


@pytest.fixture
def databases(tmp_path):
    dbs = Databases(tmp_path)
    yield dbs
    dbs.drop_all()


def command_env(tmp_path, url: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": url,
           "HUEY_FILE": str(tmp_path / "huey.sqlite3"), "EMAIL_FILE_PATH": str(tmp_path / "outbox")}
    env.pop("HUEY_REDIS_URL", None)  # the commands here queue nothing; keep them off a shared Redis
    return env


@pytest.fixture
def database(databases, tmp_path):
    """The small tenant plus ten licensed members of Sales-Env (c0..c9), none of them synced yet."""
    env = command_env(tmp_path, databases.create("main"))
    data = tenant_data()
    data["users"] += [builders.user(f"c{i}", usage_location="US", licences=["DYN"]) for i in range(10)]
    data["groups"][0]["members"] += [portal_upn(f"c{i}") for i in range(10)]
    (tmp_path / "tenant.json").write_text(json.dumps(data))
    run(env, "migrate", "-v0")
    run(env, "load_tenant", str(tmp_path / "tenant.json"))
    return env


def tenant_data() -> dict:
    """The small tenant without sign-in passwords (hashing them is most of what loading it costs)."""
    data = portal_tenant_data()
    for user in data["users"]:
        user.pop("password", None)
    return data


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def query(env, code: str) -> str:
    out = run(env, "shell", "--no-imports", "-c", code)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


# The state the operations decide over, without ids, timestamps or change numbers: every user
# record by environment and user name, and the directory's job titles.
STATE = """
import json
from users_app.models import DirectoryUser, SyncRun, SystemUser
records = {}
for r in SystemUser.objects.select_related("environment", "businessunit").prefetch_related("roles", "team_memberships__team"):
    key = f"{r.environment.name}|{r.domainname.lower()}"
    records[key] = {**{c: getattr(r, c) for c in SystemUser.FIELD_COLUMNS},
                    **{c: getattr(r, c) for c in ("isdisabled", "accessmode", "setupuser", "user_type", "uses_app_pass",
                                                  "invitestatuscode", "deletedstate", "issyncwithdirectory")},
                    "object": str(r.azureactivedirectoryobjectid), "businessunit": r.businessunit.name,
                    "roles": sorted(x.name for x in r.roles.all()),
                    "teams": sorted(m.team.name for m in r.team_memberships.all())}
directory = {f"directory|{u.user_principal_name.lower()}": {"job_title": u.job_title} for u in DirectoryUser.objects.all()}
decisions = [{"environment": run.environment.name, "trigger": run.trigger, **{k: d[k] for k in ("upn", "outcome", "changed_fields")}}
             for run in SyncRun.objects.select_related("environment")
             for d in run.decision_log]  # one entry per user
print(json.dumps({"state": {**records, **directory}, "decisions": decisions}))
"""

# A serial run of the operations, one after the other in one process, then the state.
REPLAY = """
import io, json, os
from django.core.management import call_command
failed = []
for args in json.loads(os.environ["REPLAY_OPERATIONS"]):
    err = io.StringIO()
    try:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    except SystemExit:
        failed.append([args, err.getvalue()])
assert not failed, failed
""" + STATE


def state_of(env) -> dict:
    return json.loads(query(env, STATE))


def replay(env, operations: list[tuple[str, ...]]) -> dict:
    out = run({**env, "REPLAY_OPERATIONS": json.dumps(operations)}, "shell", "--no-imports", "-c", REPLAY)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])["state"]


def serial_order_exists(final: dict, before_edit: dict, after_edit: dict, steps: list[tuple[int, str, str | None]]
                        ) -> tuple[bool, str]:
    """Whether `final` is the state of some serial order of the operations.

    `before_edit` and `after_edit` are the replayed states of the serial orders with the directory
    edit last and first. Every other operation brings the records it touches in line with the
    directory as it finds it, and they commute (the replays in two orders show it), so a serial
    order is fixed, as far as the final state goes, by which steps come after the edit: a record
    ends as in `after_edit` if a step touching it comes after the edit, else as in `before_edit`.
    A step is (process, environment, user or None for the whole environment); the steps of one
    process (sync_directory of every environment, one after the other) keep their order."""
    if not (final.keys() == before_edit.keys() == after_edit.keys()):
        return False, f"records differ: {sorted(final.keys() ^ after_edit.keys())}"
    differ = {k for k in final if before_edit[k] != after_edit[k]}
    other = [k for k in final if k not in differ and final[k] != before_edit[k]]
    neither = [k for k in differ if final[k] not in (before_edit[k], after_edit[k])]
    if other or neither:
        return False, f"records in no serial state: {other + neither}"
    edited = {k for k in differ if final[k] == after_edit[k]}

    def touched(step):
        _, environment, user = step
        return {k for k in differ if k.split("|")[0] == environment and (user is None or k.split("|")[1] == user)}

    # Steps that may follow the edit: they touch only records found edited, and every later step
    # of their process may follow it too.
    after = {s for s in steps if touched(s) <= edited}
    while True:
        blocked = {s for s in after for t in steps if t[0] == s[0] and steps.index(t) > steps.index(s) and t not in after}
        if not blocked:
            break
        after -= blocked
    covered = set().union(*(touched(s) for s in after)) if after else set()
    if covered != edited:
        return False, f"records edited that no step after the edit can explain: {sorted(edited - covered)}"
    return True, ""


def test_serial_order_check_tells_serial_states_from_others():
    """The check itself: a sign-in of a (process 0), a sync of Sales (1), a sync of every
    environment (2: Sales, then Service), and the edit, which changes every record."""
    keys = ("Sales|a", "Sales|b", "Service|a")
    old, new = {k: {"t": "old"} for k in keys}, {k: {"t": "new"} for k in keys}
    steps = [(0, "Sales", "a"), (1, "Sales", None), (2, "Sales", None), (2, "Service", None)]

    def serial(edited, steps=steps, other=None):
        final = {k: dict(new[k] if k in edited else old[k]) for k in keys}
        final.update(other or {})
        return serial_order_exists(final, old, new, steps)[0]
    assert serial(set()) and serial(set(keys))
    assert serial({"Sales|a"})  # the sign-in came after the edit, both syncs before
    assert not serial({"Sales|b"})  # b was touched only by syncs, which touch a too
    assert serial({"Service|a"})  # the edit came between the two steps of process 2
    assert serial({"Sales|a", "Sales|b"})  # process 1 after the edit, process 2 before
    # Without process 1, Sales edited means process 2's Sales step came after the edit, so its
    # Service step did too.
    assert not serial({"Sales|a", "Sales|b"}, steps=[s for s in steps if s[0] != 1])
    assert not serial(set(), other={"Sales|a": {"t": "lost"}})


def test_sync_06_everything_at_once_is_one_serial_order(database, databases, tmp_path):
    """SYNC-06 and its neighbours at the same moment, in separate processes, for the same users:
    first-access sign-ins and admin adds of ten new users, admin edits of the access mode of three
    synced users, two background syncs, and a directory edit of the job titles of all thirteen.
    One record per user, no error reaches anyone, no reported update is lost, and the final state
    is the state of some serial order of the same operations."""
    env = database
    sales_members = ("sysadmin", "plain", "d365admin")
    out = run(env, "shell", "--no-imports", "-c",
              "from django.core.management import call_command\n"
              + "".join(f"call_command('sign_in', '--environment', 'Sales', '--user', '{portal_upn(u)}')\n"
                        for u in sales_members))
    assert out.returncode == 0, out.stderr
    edited = tenant_data()
    for user in edited["users"]:
        if user["upn"] in {portal_upn(u) for u in sales_members}:
            user["job_title"] = EDITED
    edited["users"] += [builders.user(f"c{i}", job_title=EDITED, usage_location="US", licences=["DYN"])
                        for i in range(10)]
    edited["groups"][0]["members"] += [portal_upn(f"c{i}") for i in range(10)]
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    directory_edit = ("load_tenant", str(tmp_path / "edited.json"))
    operations = []
    for i in range(10):
        operations += [("sign_in", "--environment", "Sales", "--user", portal_upn(f"c{i}"), "--format", "json"),
                       ("add_user", "--environment", "sales", "--user", portal_upn(f"c{i}").upper(), "--format", "json")]
    operations += [("sync_directory", "--format", "json"), ("sync_directory", "--environment", "Sales")]
    operations += [("set_access_mode", "--environment", "Sales", "--user", portal_upn(u), "--mode", "read")
                   for u in sales_members]
    # Copies of the database before anything runs, for the serial replays.
    before = state_of(env)
    names = ("edit_last", "edit_first", "edit_last_reversed", "edit_first_reversed")
    copies = {name: command_env(tmp_path, databases.copy(env["DATABASE_URL"], name)) for name in names}

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda args: run(env, *args), operations + [directory_edit]))
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

    parallel = state_of(env)
    final = parallel["state"]

    # No lost update. Each new record was added by exactly one operation (in a serial order, the
    # first that touches it); the edit moves a job title once, so at most one later operation reports
    # changing it, and then the record keeps the edited title; the admins' access modes stay.
    reports: dict[str, list[dict]] = {}
    earlier = [json.dumps(d, sort_keys=True) for d in before["decisions"]]
    for decision in parallel["decisions"]:
        if json.dumps(decision, sort_keys=True) in earlier:
            earlier.remove(json.dumps(decision, sort_keys=True))  # a decision made before the parallel run
        else:
            reports.setdefault(f"{decision['environment']}|{decision['upn'].lower()}", []).append(decision)
    for key, record in final.items():
        if key.startswith("directory|") or record["object"] == "None":
            continue
        decisions = reports.get(key, [])
        assert [d["outcome"] for d in decisions].count("added") == (key not in before["state"]), (key, decisions)
        title_changes = [d for d in decisions if d["outcome"] != "added" and "jobtitle" in d["changed_fields"]]
        assert len(title_changes) <= 1, (key, title_changes)
        if title_changes:
            assert record["jobtitle"] == EDITED, (key, title_changes, record["jobtitle"])
    for user in sales_members:
        assert final[f"Sales|{portal_upn(user)}"]["accessmode"] == 2, user  # read, as the admin set it

    # Some serial order: replays with the directory edit last and first, each in two orders of the
    # other operations (which must not matter), and a search for the order the parallel run took.
    orders = {"edit_last": operations + [directory_edit], "edit_first": [directory_edit] + operations,
              "edit_last_reversed": operations[::-1] + [directory_edit],
              "edit_first_reversed": [directory_edit] + operations[::-1]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        serial = dict(zip(names, pool.map(lambda name: replay(copies[name], orders[name]), names)))
    assert serial["edit_last"] == serial["edit_last_reversed"]
    assert serial["edit_first"] == serial["edit_first_reversed"]
    assert serial["edit_last"] != serial["edit_first"]  # the edit shows in the records
    environments = sorted({k.split("|")[0] for k in final if not k.startswith("directory|")}, key=str.lower)
    steps = []
    for process, args in enumerate(operations):
        if args[0] in ("sign_in", "add_user"):
            steps.append((process, "Sales", args[4].lower()))
        elif args[0] == "sync_directory":
            steps += [(process, e, None) for e in (["Sales"] if "--environment" in args else environments)]
    ok, why = serial_order_exists(final, serial["edit_last"], serial["edit_first"], steps)
    assert ok, why


def test_mode_03_never_an_eighth_non_interactive_user(database):
    """MODE-03: ten processes make ten users non-interactive at once: exactly seven succeed, and
    the final state is a serial order's: the seven that succeeded hold the seven slots, the three
    refused are left as they were."""
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
    succeeded = sorted(portal_upn(f"c{i}") for i, r in enumerate(results) if r.returncode == 0)
    modes = json.loads(query(env, "import json; from users_app.models import SystemUser as S; print(json.dumps(list("
                                  "S.objects.filter(environment__name='Sales', domainname__regex=r'^c[0-9]@')"
                                  ".order_by('domainname').values_list('domainname', 'accessmode', 'user_type', 'non_interactive_slot'))))"))
    assert sorted(d for d, mode, _, _ in modes if mode == 4) == succeeded
    assert sorted(slot for _, mode, _, slot in modes if mode == 4) == list(range(1, 8))
    assert all(mode == 0 and slot is None and kind == "regular" for d, mode, kind, slot in modes if d not in succeeded)
