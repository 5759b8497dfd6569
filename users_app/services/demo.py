"""The demo tenant: load the shipped tenant file, sync every environment, and give
every screen something real to show (roles, first accesses, non-interactive and
application users, a group team, an import that made stub users). Deterministic;
running it again changes nothing."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from environments_app.models import Environment
from users_app.choices import SyncTrigger, TeamType, UserType
from users_app.list_search import search_index_refresh
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning import sync
from users_app.tenant_file import load_tenant, load_tenant_file

from . import imports, records

DEMO_PASSWORD = "Demo-Pass-2026!"
SUPERUSER = "superuser"
DOMAIN = "contoso.onmicrosoft.com"
DEMO_ACCOUNTS = (  # (UPN, what the account shows)
    ("admin@contoso.onmicrosoft.com", "Global administrator (licensed)"),
    ("ppadmin@contoso.onmicrosoft.com", "Power Platform administrator (unlicensed: setup user)"),
    ("d365admin@contoso.onmicrosoft.com", "Dynamics 365 administrator (unlicensed)"),
    ("useradmin@contoso.onmicrosoft.com", "User administrator (Microsoft 365 side)"),
    ("licadmin@contoso.onmicrosoft.com", "License administrator (Microsoft 365 licences)"),
    ("alice@contoso.onmicrosoft.com", "Ordinary licensed user"),
)
IMPORT_OWNERS_UNKNOWN = ("former.employee@contoso.onmicrosoft.com", "contractor@fabrikam.com")


@dataclass
class DemoReport:
    created: bool
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    superuser: tuple[str, str] = (SUPERUSER, DEMO_PASSWORD)
    summary: dict = field(default_factory=dict)


def demo_present() -> bool:
    return SyncRun.objects.filter(trigger=SyncTrigger.IMPORT, environment__name="Sales").exists()


def _upn(local: str) -> str:
    return f"{local}@{DOMAIN}"


def _record(environment: Environment, upn: str) -> SystemUser:
    return SystemUser.objects.get(environment=environment, domainname__iexact=upn)


def demo_seed(*, path: Path) -> DemoReport:
    if not demo_present():
        _seed(path)
        search_index_refresh()  # the lists' trigram index, in bulk, after the seed's writes
        created = True
    else:
        created = False
    _superuser()
    accounts = [(upn, role, DEMO_PASSWORD) for upn, role in DEMO_ACCOUNTS]
    summary = {
        "directory users": DirectoryUser.objects.count(),
        "environments": Environment.objects.count(),
        "user records": SystemUser.objects.count(),
        "sync runs": SyncRun.objects.count(),
    }
    return DemoReport(created=created, accounts=accounts, summary=summary)


def _superuser() -> None:
    User = get_user_model()
    if not User.objects.filter(username=SUPERUSER).exists():
        User.objects.create_superuser(SUPERUSER, "superuser@portal.local", DEMO_PASSWORD)


def earlier_state(data: dict) -> dict:
    """The tenant as it was before the changes the demo tells of: deleted and blocked users
    were live, three users held a licence since removed, two users were in Sales-Env.
    Syncing this first, then the file, leaves disabled records behind (SYNC-05, LIFE-04)."""
    earlier = copy.deepcopy(data)
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


@transaction.atomic
def _seed(path: Path) -> None:
    data = json.loads(Path(path).read_text())
    load_tenant(earlier_state(data))
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
