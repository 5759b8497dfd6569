"""The demo tenant: load the shipped tenant file, sync every environment, and give
every screen something real to show (roles, first accesses, non-interactive and
application users, a group team, an import that made stub users). Deterministic;
running it again changes nothing.

Sign-in passwords are generated per install, never published: on the demo's first seed each
sign-in account (a holder of each of the eleven admin roles, two ordinary users, and the Django
superuser when asked for) gets a random password, kept in the accounts file
(var/demo-accounts.txt, readable by its owner only). Passwords already in that file are used
again, so a fresh database of the same install keeps them. The new hire gets a temporary
password it must change at first sign-in (DIR-01). Seeding again changes no password.

The Django superuser is made only for the demo: only when the demo is first created, only
when asked for (`seed_demo --superuser`, which `make run` passes) or with DEBUG on, and only
when the database has no superuser yet. A superuser deleted later is never made again.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import transaction

from environments_app.models import Environment
from users_app.choices import SyncTrigger, TeamType, UserType
from users_app.list_search import search_index_refresh
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning import sync
from users_app.services import directory as dir_svc
from users_app.services import imports, records
from users_app.tenant_file import load_tenant, load_tenant_file

# What earlier versions of the demo gave every account, published in their README. A seed that
# finds it still set (an install seeded before passwords were generated) replaces it.
PUBLISHED_PASSWORD = "Demo-Pass-2026!"
PASSWORD_LENGTH = 20
SUPERUSER = "superuser"
DOMAIN = "contoso.onmicrosoft.com"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    shows: str
    temporary: bool = False  # a temporary password, to be changed at first sign-in (DIR-01)


DEMO_ACCOUNTS = (  # the portal sign-ins, a holder of each admin role (users_app/choices.py AdminRole) among them
    DemoAccount("admin@contoso.onmicrosoft.com", "Global administrator (licensed)"),
    DemoAccount("reader@contoso.onmicrosoft.com", "Global reader"),
    DemoAccount("privadmin@contoso.onmicrosoft.com", "Privileged role administrator"),
    DemoAccount("useradmin@contoso.onmicrosoft.com", "User administrator (Microsoft 365 side)"),
    DemoAccount("helpdesk@contoso.onmicrosoft.com", "Helpdesk administrator"),
    DemoAccount("pwdadmin@contoso.onmicrosoft.com", "Password administrator"),
    DemoAccount("licadmin@contoso.onmicrosoft.com", "License administrator (Microsoft 365 licences)"),
    DemoAccount("groupsadmin@contoso.onmicrosoft.com", "Groups administrator"),
    DemoAccount("ppadmin@contoso.onmicrosoft.com", "Power Platform administrator (unlicensed: setup user)"),
    DemoAccount("d365admin@contoso.onmicrosoft.com", "Dynamics 365 administrator (unlicensed)"),
    DemoAccount("appadmin@contoso.onmicrosoft.com", "Application administrator"),
    DemoAccount("alice@contoso.onmicrosoft.com", "Ordinary licensed user"),
    DemoAccount("newhire@contoso.onmicrosoft.com",
                "Ordinary licensed user, temporary password: must change it at first sign-in (DIR-01)", temporary=True),
)
SUPERUSER_SHOWS = "Django admin (/admin/ only)"
# The app registration whose client credentials the accounts file holds, for the README's
# client-credentials snippet: a fresh secret each time the file is written at the demo's creation.
CLIENT_APP_ID = "00000000-0000-0000-0000-000000000001"  # ERP connector (contoso.json grants its permissions)
# B20: lost their only Power Apps licence; the background sync disabled them (ELIG-03) in Service.
LICENCE_STORY_USER = "arjun.evans@contoso.onmicrosoft.com"
IMPORT_OWNERS_UNKNOWN = ("former.employee@contoso.onmicrosoft.com", "contractor@fabrikam.com")
ACCOUNTS_FILE_HEADER = (
    "# Demo sign-in accounts of this install, written by seed_demo (readable by its owner only).\n"
    "# Portal: sign in at the site's root; the superuser signs in at /admin/ only.\n"
    "# A password changed since in the portal is not updated here.\n"
    "# account  password  what it shows\n"
)


@dataclass
class DemoReport:
    created: bool
    # (login, password or None when this install does not know it, what it shows); the superuser last
    accounts: list[tuple[str, str | None, str]] = field(default_factory=list)
    accounts_file: Path | None = None
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    client: ClientCredentials | None = None  # made when the accounts file is written


@dataclass(frozen=True)
class ClientCredentials:
    """An app registration's client credentials for the APIs (POST /{tenant_id}/oauth2/v2.0/token)."""
    app_name: str
    tenant_id: str
    client_id: str
    client_secret: str
    permissions: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The accounts file's comment lines (the sign-in lines stay `login  password  shows`)."""
        return [f"Client credentials of the app registration {self.app_name!r} (Microsoft Graph application "
                f"permissions: {', '.join(self.permissions) or 'none'}), a secret made by seed_demo:",
                f"TENANT_ID={self.tenant_id}", f"CLIENT_ID={self.client_id}", f"CLIENT_SECRET={self.client_secret}"]


def default_accounts_file() -> Path:
    return Path(getattr(settings, "DEMO_ACCOUNTS_FILE", settings.BASE_DIR / "var" / "demo-accounts.txt"))


def demo_present() -> bool:
    return SyncRun.objects.filter(trigger=SyncTrigger.IMPORT, environment__name="Sales").exists()


def _upn(local: str) -> str:
    return f"{local}@{DOMAIN}"


def _record(environment: Environment, upn: str) -> SystemUser:
    return SystemUser.objects.get(environment=environment, domainname__iexact=upn)


# --- the accounts file --------------------------------------------------------------------


def read_accounts_file(path: Path) -> dict[str, tuple[str, str]] | None:
    """login -> (password, what it shows); None when there is no file. Tightens a file that
    others could read back to its owner only."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & 0o077:
        os.chmod(path, 0o600)
    accounts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        login, password, *shows = line.split(maxsplit=2)
        accounts[login] = (password, shows[0] if shows else "")
    return accounts


def write_accounts_file(path: Path, accounts: list[tuple[str, str, str]], *, notes: list[str] = (),
                        client: ClientCredentials | None = None) -> None:
    """Replace the file at once; it is created readable and writable by its owner only. `client`:
    an app registration's client credentials, after the accounts as comment lines (`# CLIENT_ID=...`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    width = max((len(login) for login, _, _ in accounts), default=0)
    text = ACCOUNTS_FILE_HEADER + "".join(f"# {note}\n" for note in notes) + "".join(
        f"{login:<{width}}  {password}  {shows}\n" for login, password, shows in accounts)
    if client is not None:
        text += "".join(f"# {line}\n" for line in client.lines())
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            fd = None
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        if fd is not None:
            os.close(fd)
        partial.unlink(missing_ok=True)


def generate_password() -> str:
    """A random sign-in password: 20 letters and digits (DIR-01's alphabet), ~119 bits."""
    return dir_svc.generate_temporary_password(PASSWORD_LENGTH)


# --- the seed -------------------------------------------------------------------------------


def demo_seed(*, path: Path, accounts_file: Path | None = None, superuser: bool = False) -> DemoReport:
    """Seed the demo once; afterwards change nothing. `superuser`: make the Django superuser
    (also made with DEBUG on), only when the demo is first created."""
    accounts_file = Path(accounts_file) if accounts_file is not None else default_accounts_file()
    known = read_accounts_file(accounts_file)
    notes: list[str] = []
    client = None
    if not demo_present():
        with transaction.atomic():
            _seed(path)
            accounts = _set_passwords(known or {}, superuser=superuser or settings.DEBUG)
            client = client_credentials()
            # Written last in the transaction: if it cannot be written, no password is set.
            write_accounts_file(accounts_file, accounts, client=client)
        search_index_refresh()  # the lists' trigram index, in bulk, after the seed's writes
        created = True
    else:
        created = False
        if known is not None:
            accounts = [(login, password, shows) for login, (password, shows) in known.items()]
        else:
            with transaction.atomic():
                accounts, notes = _retire_published_password()
                client = client_credentials()
                write_accounts_file(accounts_file, accounts, notes=notes, client=client)
    summary = {
        "directory users": DirectoryUser.objects.count(),
        "environments": Environment.objects.count(),
        "user records": SystemUser.objects.count(),
        "sync runs": SyncRun.objects.count(),
    }
    return DemoReport(created=created, accounts=accounts, accounts_file=accounts_file, notes=notes, summary=summary,
                      client=client)


def client_credentials() -> ClientCredentials | None:
    """A fresh client secret of the demo's client app (CLIENT_APP_ID), with its client id and the
    tenant id: what the README's client-credentials snippet needs. None when the app is not there."""
    app = AppRegistration.objects.filter(app_id=CLIENT_APP_ID).first()
    if app is None:
        return None
    secret = dir_svc.app_registration_new_secret(app=app)
    return ClientCredentials(app_name=app.name, tenant_id=str(dir_svc.tenant_get().tenant_id), client_id=str(app.app_id),
                             client_secret=secret, permissions=tuple(app.application_permissions or ()))


def _set_passwords(known: dict[str, tuple[str, str]], *, superuser: bool) -> list[tuple[str, str, str]]:
    """The sign-in accounts' passwords, at the demo's creation: the file's where it has one,
    else a new one; a fresh temporary password for the DIR-01 account. The superuser if asked."""
    accounts = []
    for account in DEMO_ACCOUNTS:
        user = DirectoryUser.objects.get(user_principal_name__iexact=account.login)
        if account.temporary:
            password = dir_svc.directory_user_set_password(user=user)  # must be changed at first sign-in
        else:
            password = known.get(account.login, (None,))[0] or generate_password()
            dir_svc.directory_user_set_password(user=user, password=password)
        accounts.append((account.login, password, account.shows))
    User = get_user_model()
    if superuser and not User.objects.filter(is_superuser=True).exists() \
            and not User.objects.filter(username=SUPERUSER).exists():
        password = known.get(SUPERUSER, (None,))[0] or generate_password()
        User.objects.create_superuser(SUPERUSER, "superuser@portal.local", password)
        accounts.append((SUPERUSER, password, SUPERUSER_SHOWS))
    return accounts


def _retire_published_password() -> tuple[list[tuple[str, str, str]], list[str]]:
    """A demo seeded before passwords were generated (no accounts file): every sign-in account,
    the superuser included, that still has the published password gets a generated one; any
    other password is kept. Runs once: the accounts file it writes marks it done."""
    User = get_user_model()
    accounts, kept, missing = [], [], []
    for account in DEMO_ACCOUNTS:
        user = DirectoryUser.objects.filter(user_principal_name__iexact=account.login).select_related("account").first()
        if user is None:
            missing.append(account.login)
        elif user.account is not None and check_password(PUBLISHED_PASSWORD, user.account.password):
            password = generate_password()
            dir_svc.directory_user_set_password(user=user, password=password)
            accounts.append((account.login, password, account.shows))
        else:
            kept.append(account.login)
    admin = User.objects.filter(username=SUPERUSER, is_superuser=True).first()
    if admin is not None and check_password(PUBLISHED_PASSWORD, admin.password):
        password = generate_password()
        admin.set_password(password)
        admin.save(update_fields=["password"])
        accounts.append((SUPERUSER, password, SUPERUSER_SHOWS))
    notes = []
    if kept:
        notes.append("Passwords this install did not generate, kept: " + ", ".join(kept))
    if missing:
        notes.append("Not in this database (seeded by an earlier version; a new database gets them): "
                     + ", ".join(missing))
    return accounts, notes


def earlier_state(data: dict) -> dict:
    """The tenant as it was before the changes the demo tells of: deleted and blocked users
    were live, three users held a licence since removed (Arjun Evans first: LICENCE_STORY_USER),
    two users were in Sales-Env, and the tenant had no Marketing licence yet.
    Syncing this first, then the file, leaves disabled records behind (SYNC-05, LIFE-04)."""
    earlier = before_marketing(data)
    users = earlier["users"]
    for user in users:
        if user.get("deleted"):
            user["deleted"] = None
        if user.get("enabled") is False:
            user["enabled"] = True
    unlicensed = [u for u in users if not u.get("licences") and u.get("usage_location") and not u.get("admin_roles")
                  and not u.get("deleted") and u.get("user_type", "Member") == "Member"]
    for user in unlicensed[:3]:
        user["licences"] = ["POWERAPPS_PER_USER"]  # LIFE-02: removing the licence disables them
    sales_env = next(g for g in earlier["groups"] if g["name"] == "Sales-Env")
    outside = [u["upn"] for u in users if "DYN365_SALES" in (u.get("licences") or []) and u["upn"] not in sales_env["members"]
               and not u.get("admin_roles")]
    sales_env["members"] = sales_env["members"] + outside[:2]  # removed from the group since (SYNC-05)
    return earlier


def before_marketing(data: dict) -> dict:
    """The tenant as it is now, but before it bought the Marketing licence (ELIG-03 c). A user the
    file lists without licences holds none (said outright: loaded over an earlier state, a user
    without the key would keep the licences it had)."""
    before = copy.deepcopy(data)
    before["tenant"] = {**before.get("tenant", {}), "marketing_licence": False}
    for user in before["users"]:
        user.setdefault("licences", [])
    return before


@transaction.atomic
def _seed(path: Path) -> None:
    data = json.loads(Path(path).read_text())
    load_tenant(earlier_state(data))
    sync.directory_sync(initiated_by="seed_demo")
    # The licence story (B20, LIFE-02): the users who lost their only Power Apps licence are disabled
    # by the background sync (ELIG-03), as it ran before the tenant bought the Marketing licence.
    # With it, they could be added on demand again (Refresh user, Run diagnostics, a first access),
    # but the background sync neither adds nor enables anyone on its strength.
    load_tenant(before_marketing(data))
    sync.directory_sync(initiated_by="seed_demo")
    load_tenant_file(path)
    sync.directory_sync(initiated_by="seed_demo")
    env = {e.name: e for e in Environment.objects.all()}
    sales, service, teams, pilot = env["Sales"], env["Service"], env["Marketing Team"], env["Pilot"]

    # Security roles: Basic User for the enabled users of Sales and Service (ROLE-01), System
    # Administrator for the Global admin; a few users keep no role, so ROLE-01 fails for them.
    for environment in (sales, service):
        people = list(SystemUser.objects.filter(environment=environment, isdisabled=False,
                                                user_type__in=[UserType.REGULAR, UserType.SETUP]).order_by("domainname"))
        for person in people[3:]:
            records.role_assign(systemuser=person, role="Basic User")
        admin = SystemUser.objects.filter(environment=environment, domainname__iexact=_upn("admin")).first()
        if admin is not None:
            records.role_assign(systemuser=admin, role="System Administrator")
    records.role_assign(systemuser=_record(sales, _upn("nestor")), role="Salesperson")

    # First access: the team of the Teams environment (ENV-07), two users of the Trial (ELIG-05).
    team_group = DirectoryGroup.objects.get(id=teams.teams_group_object_id)
    people = set(team_group.owners.all()) | {m.user for m in team_group.memberships.filter(user__isnull=False)}
    for person in sorted(people, key=lambda p: p.user_principal_name):
        sync.user_sign_in(environment=teams, directory_user=person)
    for local in ("alice", "nestor"):
        sync.user_sign_in(environment=pilot, directory_user=DirectoryUser.objects.get(user_principal_name=_upn(local)))

    # App-pass capacity (ELIG-03 b): admins add the field crew on demand until the capacity is used up.
    crew = DirectoryGroup.objects.get(name="Field Ops Crew")
    for member in crew.memberships.filter(user__isnull=False).select_related("user").order_by("user__user_principal_name")[:8]:
        sync.environment_user_add(environment=env["Field Ops"], directory_user=member.user, initiated_by="seed_demo")

    # Non-interactive users (MODE-03): two integration accounts of Sales.
    enabled_sales = SystemUser.objects.filter(environment=sales, isdisabled=False, user_type=UserType.REGULAR).order_by("domainname")
    for person in enabled_sales.exclude(domainname__in=[_upn("alice"), _upn("admin"), _upn("nestor")])[3:5]:
        records.access_mode_set(systemuser=person, mode="non-interactive")

    # Application users (APP): ERP connector in Sales; Reporting service in Partners, deactivated (APP-03).
    erp = AppRegistration.objects.get(app_id="00000000-0000-0000-0000-000000000001")
    records.app_user_create(environment=sales, app=erp, roles=["Basic User", "System Customizer"], email="erp@contoso.com")
    reporting = AppRegistration.objects.get(app_id="00000000-0000-0000-0000-000000000002")
    partners_app = records.app_user_create(environment=env["Partners"], app=reporting, roles=["Basic User"])
    records.app_user_set_status(systemuser=partners_app, enabled=False)

    # A group team mirroring the nested interns group (ROLE-07), holding Basic User.
    interns = DirectoryGroup.objects.get(name="Sales-Interns")
    records.team_create(environment=sales, name="Sales interns", teamtype=TeamType.SECURITY_GROUP,
                        group_object_id=interns.id, membershiptype=1,
                        roles=[sales.security_roles.get(name="Basic User", business_unit__parentbusinessunit=None)])

    # An import of accounts (STUB): existing owners, a pre-provisioned owner of the group, stub users.
    owners_office = DirectoryUser.objects.filter(licence_assignments__sku__kind="office", deleted_state="").exclude(
        licence_assignments__sku__kind="dataverse").order_by("user_principal_name").first()
    rows = [
        {"name": "Fabrikam", "owner": _upn("alice")},
        {"name": "Northwind Traders", "owner": _upn("pradeep")},
        {"name": "Tailspin Toys", "owner": IMPORT_OWNERS_UNKNOWN[0]},
        {"name": "Litware", "owner": IMPORT_OWNERS_UNKNOWN[0]},
        {"name": "Adventure Works", "owner": IMPORT_OWNERS_UNKNOWN[1]},
        {"name": "Wide World Importers", "owner": owners_office.user_principal_name},
    ]
    imports.records_import(environment=sales, rows=rows, initiated_by="seed_demo")
    # Business records owned by, and shared with, a disabled user (ROLE-05).
    disabled = SystemUser.objects.filter(environment=sales, isdisabled=True, user_type=UserType.REGULAR).order_by("domainname").first()
    if disabled is not None:
        account = records.account_create(environment=sales, name="Contoso Pharmaceuticals", owner=disabled)
        records.account_share(account=account, systemuser=disabled)
    # Reassign the records of one stub user to a real user (STUB-04).
    imports.records_reassign_bulk(environment=sales, pairs=[(IMPORT_OWNERS_UNKNOWN[1], _upn("nestor"))])
