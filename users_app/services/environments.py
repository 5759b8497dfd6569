"""Environment set-up (ENV-01, ENV-04..ENV-06) and on-premises AD users (ONPREM-01/02).

Keyword-only, one transaction each, RuleViolation on refusal with nothing written.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction

from environments_app.choices import (
    Deployment,
    EnvironmentType,
    LicenceType,
    StandardRole,
)
from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import (
    PLACEHOLDER_DELEGATED_ADMIN_UPN,
    PLACEHOLDER_SUPPORT_UPN,
    AccessMode,
    SyncStatus,
    SyncTrigger,
    TeamType,
    UserType,
)
from users_app.models import DirectoryGroup, DirectoryUser, SyncRun, SystemUser, SystemUserRole, Team, TeamMembership
from users_app.provisioning import rules
from users_app.provisioning.rules import BLANK_FIRST_NAME, InvalidInput
from users_app.provisioning.sync import environment_sync
from users_app.services import audit
from users_app.services.names import name_taken

SETTING_FIELDS = (
    "allow_role_assignment_on_disabled_users",
    "app_user_status_editable",
    "allow_delete_disabled_users",
    "do_not_remove_roles_on_change_business_unit",
    "sales_installed",
)
UPDATABLE_FIELDS = frozenset(
    ("name", "type", "region", "url", "state", "dataverse", "deployment", "security_group", "teams_group",
     "created_by", "licence_type", "app_pass_capacity") + SETTING_FIELDS
)
AD_USER_KEYS = ("logon_name", "first_name", "last_name", "telephone", "email", "city", "state", "home_phone")

# (domainname, firstname, lastname, accessmode, user_type, role): MODE-05 and MODE-07.
PLACEHOLDERS = (
    (PLACEHOLDER_DELEGATED_ADMIN_UPN, "#", "Delegated Admin", AccessMode.DELEGATED_ADMIN, UserType.DELEGATED_ADMIN,
     StandardRole.SYSTEM_ADMINISTRATOR),
    (PLACEHOLDER_SUPPORT_UPN, "#", "Support User", AccessMode.SUPPORT_USER, UserType.SUPPORT,
     StandardRole.SUPPORT_USER),
)


def _group_name(object_id) -> str | None:
    if object_id is None:
        return None
    return DirectoryGroup.objects.filter(pk=object_id).values_list("name", flat=True).first() or str(object_id)


def environment_state(environment: Environment, kwargs=None) -> dict:
    """An environment's fields as the audit log shows them (read before and after a change)."""
    creator = (DirectoryUser.objects.filter(pk=environment.created_by_object_id).values_list("user_principal_name", flat=True)
               .first() if environment.created_by_object_id else None)
    state = {
        "name": environment.name, "type": environment.get_type_display(), "region": environment.region,
        "url": environment.url, "state": environment.state, "dataverse": environment.dataverse,
        "deployment": environment.get_deployment_display(),
        "security group": _group_name(environment.security_group_object_id),
        "teams group": _group_name(environment.teams_group_object_id), "created by": creator,
        "licence type": environment.get_licence_type_display(), "app pass capacity": environment.app_pass_capacity,
    }
    for name in SETTING_FIELDS:
        state[name] = getattr(environment, name)
    return state


def _business_unit_state(unit: BusinessUnit, kwargs=None) -> dict:
    return {"name": unit.name, "parent business unit": unit.parentbusinessunit.name if unit.parentbusinessunit else None}


def _update_action(kwargs) -> str:
    """The environment page's Settings (ENV-04's org settings) or its Edit details."""
    fields = set(kwargs) - {"environment"}
    return "Update environment settings" if fields and fields <= set(SETTING_FIELDS) else "Edit environment"


def _sync_summary(run, kwargs):
    return [("sync run", None, f"{run.get_status_display()} ({run.pk})")] if run is not None else []


def default_url(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "", name.lower()) or "org"
    return f"https://{slug}.crm.dynamics.com/"


def standard_role_names(environment: Environment) -> tuple[str, ...]:
    """ENV-05: the base roles, Salesperson where Sales is installed, Teams roles in Teams environments."""
    names = list(StandardRole.BASE)
    if environment.sales_installed:
        names.append(StandardRole.SALESPERSON)
    if environment.type == EnvironmentType.TEAMS:
        names += [StandardRole.TEAMS_MEMBER, StandardRole.TEAMS_GUEST]
    return tuple(names)


def _check_choice(field: str, value, choices) -> None:
    if value not in choices.values:
        raise InvalidInput(field, f"{value!r} is not one of {', '.join(map(str, choices.values))}.")


def _check_name_free(name: str, *, exclude: Environment | None = None) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name", "An environment needs a name.")
    if name_taken(Environment.objects.all(), name, exclude=exclude):
        raise InvalidInput("name", f"An environment named {name} already exists (names are unique ignoring case).")


def check_env06(*, type: str, has_security_group: bool, exclude: Environment | None = None) -> None:
    """ENV-06: Default, Developer and Teams environments take no security group; one Default per tenant."""
    rules.check_security_group_allowed(env_type=type, has_security_group=has_security_group)
    if type == EnvironmentType.DEFAULT:
        others = Environment.objects.filter(type=EnvironmentType.DEFAULT)
        if exclude is not None:
            others = others.exclude(pk=exclude.pk)
        rules.check_one_default_environment(defaults=list(others.values_list("name", flat=True)[:1]), adding=True)


def _check_teams_group(group: DirectoryGroup | None) -> None:
    if group is not None:
        rules.check_teams_group_type(group_name=group.name, group_type=group.group_type)


def _check_dataverse_deployment(*, dataverse: bool, deployment: str) -> None:
    if deployment == Deployment.ON_PREMISES and not dataverse:
        raise InvalidInput("dataverse", "An on-premises deployment always has its database.")


def root_business_unit(environment: Environment) -> BusinessUnit | None:
    return BusinessUnit.objects.filter(environment=environment, parentbusinessunit__isnull=True).first()


def default_team_for(business_unit: BusinessUnit) -> Team:
    """The default team of a business unit (ENV-05): every user of the unit belongs to it.
    Created if missing."""
    team = Team.objects.filter(businessunit=business_unit, isdefault=True).first()
    if team is None:
        with transaction.atomic():
            team = Team.objects.create(environment_id=business_unit.environment_id, businessunit=business_unit,
                                       name=business_unit.name, teamtype=TeamType.OWNER, isdefault=True)
    return team


def _join_default_team(record: SystemUser, team: Team) -> None:
    if not TeamMembership.objects.filter(team=team, systemuser=record).exists():
        TeamMembership.objects.create(team=team, systemuser=record)


def ensure_scaffolding(environment: Environment) -> None:
    """ENV-05, MODE-05, MODE-07: root business unit, standard roles, default team and the
    two placeholders. Creates only what is missing: a second call writes nothing."""
    if not environment.dataverse:
        return
    root = root_business_unit(environment)
    if root is None:
        root = BusinessUnit.objects.create(environment=environment, name=environment.name[:160])
    existing = set(SecurityRole.objects.filter(business_unit=root).values_list("name", flat=True))
    missing = [n for n in standard_role_names(environment) if n not in existing]
    if missing:
        SecurityRole.objects.bulk_create(
            [SecurityRole(environment=environment, business_unit=root, name=n, is_system=True) for n in missing]
        )
    team = default_team_for(root)
    present = {d.lower() for d in SystemUser.objects.filter(environment=environment).values_list("domainname", flat=True)}
    for upn, first, last, mode, user_type, role_name in PLACEHOLDERS:
        if upn.lower() in present:
            continue
        record = SystemUser.objects.create(
            environment=environment, domainname=upn, firstname=first, lastname=last, fullname=f"{first} {last}",
            internalemailaddress=upn, accessmode=mode, user_type=user_type, isdisabled=False,
            issyncwithdirectory=False, azureactivedirectoryobjectid=None, businessunit=root,
        )
        role = SecurityRole.objects.get(business_unit=root, name=role_name)
        SystemUserRole.objects.create(systemuser=record, role=role)
        _join_default_team(record, team)


def _ad_value(entry: Mapping, key: str) -> str:
    value = entry.get(key) or ""
    if not isinstance(value, str):
        raise InvalidInput("ad_users", f"AD user field {key} must be text.")
    return value.strip() if key == "logon_name" else value


@audit.audited("Add Active Directory users", target="environment",
                summary=lambda created, kw: [("users added", 0, created)])
@transaction.atomic
def environment_add_ad_users(*, environment: Environment, ad_users: Iterable[Mapping]) -> int:
    """ONPREM-01: each AD user (an AD DS export row) becomes a SystemUser once, when first
    seen. ONPREM-02: logon names already present (ignoring case) are left exactly as they
    are. Returns the number created."""
    ad_users = list(ad_users)
    if not ad_users:
        return 0
    rules.check_ad_users_on_premises(name=environment.name, on_premises=environment.is_on_premises)
    root = root_business_unit(environment)
    if root is None:
        ensure_scaffolding(environment)
        root = root_business_unit(environment)
    team = default_team_for(root)
    present = {d.lower() for d in SystemUser.objects.filter(environment=environment).values_list("domainname", flat=True)}
    created = 0
    for entry in ad_users:
        logon = _ad_value(entry, "logon_name")
        if not logon:
            raise InvalidInput("ad_users", "Every AD user needs a logon_name.")
        if logon.lower() in present:
            continue  # ONPREM-02: nothing of an existing AD user changes
        first, last = _ad_value(entry, "first_name"), _ad_value(entry, "last_name")
        record = SystemUser.objects.create(
            environment=environment, domainname=logon,
            firstname=first if first.strip() else BLANK_FIRST_NAME, lastname=last,
            fullname=" ".join(p for p in (first, last) if p),
            address1_telephone1=_ad_value(entry, "telephone"), homephone=_ad_value(entry, "home_phone"),
            internalemailaddress=_ad_value(entry, "email"), address1_city=_ad_value(entry, "city"),
            address1_stateorprovince=_ad_value(entry, "state"),
            user_type=UserType.REGULAR, accessmode=AccessMode.READ_WRITE, isdisabled=False,
            issyncwithdirectory=False, azureactivedirectoryobjectid=None, businessunit=root,
        )
        _join_default_team(record, team)
        present.add(logon.lower())
        created += 1
    return created


@audit.audited("Create environment", creates=True, state=environment_state)
@transaction.atomic
def environment_create(
    *,
    name: str,
    type: str = EnvironmentType.PRODUCTION,
    dataverse: bool = True,
    deployment: str = Deployment.ONLINE,
    security_group: DirectoryGroup | None = None,
    teams_group: DirectoryGroup | None = None,
    created_by: DirectoryUser | None = None,
    region: str = "unitedstates",
    url: str = "",
    licence_type: str = LicenceType.STANDARD,
    app_pass_capacity: int = 0,
    sales_installed: bool = False,
    allow_role_assignment_on_disabled_users: bool = False,
    app_user_status_editable: bool = False,
    allow_delete_disabled_users: bool = False,
    do_not_remove_roles_on_change_business_unit: bool = False,
    ad_users: Iterable[Mapping] = (),
) -> Environment:
    """ENV-01: a new environment. ENV-06 refusals come before anything is written.
    With Dataverse: ENV-05 scaffolding and the MODE-05 / MODE-07 placeholders.
    On premises: the same, then its AD users (ONPREM-01)."""
    _check_choice("type", type, EnvironmentType)
    _check_choice("deployment", deployment, Deployment)
    _check_choice("licence_type", licence_type, LicenceType)
    _check_dataverse_deployment(dataverse=dataverse, deployment=deployment)
    _check_name_free(name)
    check_env06(type=type, has_security_group=security_group is not None)
    _check_teams_group(teams_group)
    ad_users = list(ad_users)
    rules.check_ad_users_on_premises(name=name, on_premises=deployment == Deployment.ON_PREMISES,
                                     has_ad_users=bool(ad_users))
    if app_pass_capacity is None or int(app_pass_capacity) < 0:
        raise InvalidInput("app_pass_capacity", "App-pass capacity is a number of users, 0 or more.")
    environment = Environment.objects.create(
        name=name, type=type, dataverse=dataverse, deployment=deployment, region=region, url=url or default_url(name),
        security_group_object_id=security_group.pk if security_group else None,
        teams_group_object_id=teams_group.pk if teams_group else None,
        created_by_object_id=created_by.pk if created_by else None,
        licence_type=licence_type, app_pass_capacity=int(app_pass_capacity), sales_installed=sales_installed,
        allow_role_assignment_on_disabled_users=allow_role_assignment_on_disabled_users,
        app_user_status_editable=app_user_status_editable,
        allow_delete_disabled_users=allow_delete_disabled_users,
        do_not_remove_roles_on_change_business_unit=do_not_remove_roles_on_change_business_unit,
    )
    ensure_scaffolding(environment)
    if ad_users:
        environment_add_ad_users(environment=environment, ad_users=ad_users)
    return environment


_OBJECT_FIELDS = {"security_group": "security_group_object_id", "teams_group": "teams_group_object_id",
                  "created_by": "created_by_object_id"}


@audit.audited(_update_action, target="environment", state=environment_state)
@transaction.atomic
def environment_update(*, environment: Environment, **fields) -> Environment:
    """ENV-04 settings and the other environment fields, with the ENV-06 checks.
    `security_group`, `teams_group` (DirectoryGroup or None) and `created_by`
    (DirectoryUser or None) are stored as object ids. Writes only what changed.
    A database can be added (ENV-05 scaffolding follows) but not removed; the
    deployment cannot change."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"environment_update() got unexpected fields: {', '.join(sorted(unknown))}")
    values = {}
    for key, value in fields.items():
        if key in _OBJECT_FIELDS:
            values[_OBJECT_FIELDS[key]] = value.pk if value is not None else None
        else:
            values[key] = value
    if "type" in values:
        _check_choice("type", values["type"], EnvironmentType)
    if "licence_type" in values:
        _check_choice("licence_type", values["licence_type"], LicenceType)
    if "deployment" in values and values["deployment"] != environment.deployment:
        raise InvalidInput("deployment", "An environment's deployment (online or on premises) cannot change.")
    if "dataverse" in values:
        rules.check_dataverse_kept(name=environment.name, had_dataverse=environment.dataverse,
                                   dataverse=values["dataverse"])
    if "name" in values:
        _check_name_free(values["name"], exclude=environment)
    if "app_pass_capacity" in values and (values["app_pass_capacity"] is None or int(values["app_pass_capacity"]) < 0):
        raise InvalidInput("app_pass_capacity", "App-pass capacity is a number of users, 0 or more.")
    if "teams_group" in fields:
        _check_teams_group(fields["teams_group"])
    new_type = values.get("type", environment.type)
    new_group = values.get("security_group_object_id", environment.security_group_object_id)
    check_env06(type=new_type, has_security_group=new_group is not None, exclude=environment)
    changed = [k for k, v in values.items() if getattr(environment, k) != v]
    for key in changed:
        setattr(environment, key, values[key])
    if changed:
        environment.save(update_fields=changed)
        ensure_scaffolding(environment)  # a database added, Sales installed, or a Teams type: roles follow
    return environment


# --- Business units and Sync now (area A: structure pages) -----------------------------------------


@audit.audited("Create business unit", creates=True, state=_business_unit_state)
@transaction.atomic
def business_unit_create(*, environment: Environment, name: str, parent: BusinessUnit | None = None) -> BusinessUnit:
    """New business unit under a parent (the root by default), with its default team (ENV-05)."""
    rules.check_business_units_need_dataverse(name=environment.name, dataverse=environment.dataverse)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", "A business unit needs a name.")
    parent = parent or root_business_unit(environment)
    if parent is None or parent.environment_id != environment.pk:
        raise InvalidInput("parent", "The parent business unit must belong to the same environment.")
    if name_taken(BusinessUnit.objects.filter(environment=environment), name):
        raise InvalidInput("name", f"A business unit named {name} already exists in {environment.name}.")
    unit = BusinessUnit.objects.create(environment=environment, name=name[:160], parentbusinessunit=parent)
    default_team_for(unit)
    return unit


@audit.audited("Delete business unit", target="business_unit", state=_business_unit_state)
@transaction.atomic
def business_unit_delete(*, business_unit: BusinessUnit) -> None:
    """Delete a business unit that holds nothing: not the root (ENV-05), no users, no child units,
    no teams beside its default team."""
    rules.check_not_root_business_unit(name=business_unit.name, is_root=business_unit.is_root)
    users = SystemUser.objects.filter(businessunit=business_unit).count()
    if users:
        raise InvalidInput("business_unit", f"{business_unit.name} still has {users} users; move them to another "
                                             "business unit first (Change business unit).")
    if BusinessUnit.objects.filter(parentbusinessunit=business_unit).exists():
        raise InvalidInput("business_unit", f"{business_unit.name} has child business units; delete or move them first.")
    if Team.objects.filter(businessunit=business_unit, isdefault=False).exists():
        raise InvalidInput("business_unit", f"{business_unit.name} still has teams; delete them first.")
    Team.objects.filter(businessunit=business_unit, isdefault=True).delete()
    business_unit.delete()


@audit.audited("Sync now", target="environment", summary=_sync_summary, atomic=False)
def environment_sync_now(*, environment: Environment, initiated_by: str = ""):
    """Sync now: the background sync of one environment (SYNC-01), run at once. Not atomic on
    purpose: the run's record (SYNC-07) must survive a failed run. Refuses on premises
    (ONPREM-01), without Dataverse (ENV-02) and while a background run is under way."""
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    try:
        return environment_sync(environment=environment, initiated_by=initiated_by, wait=False)
    except IntegrityError as exc:
        if SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING).exists():
            raise rules.sync_already_running(environment_name=environment.name) from exc
        raise
    except Exception:
        failed = SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.SCHEDULE).order_by("-started_at", "-id").first()
        if failed is not None and failed.status == SyncStatus.FAILED:
            return failed  # a configuration error: the run says why
        raise
