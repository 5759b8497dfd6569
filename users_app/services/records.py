"""Admin actions on an environment's user records: access mode, roles, business unit,
teams, manager, position, primary e-mail, application users, enable/disable,
deletion lifecycle, business records. Each runs in one transaction and refuses
with RuleViolation (rules in users_app/provisioning/rules.py)."""
from __future__ import annotations

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count

from environments_app.models import BusinessUnit, Environment, Position, SecurityRole
from users_app.choices import (
    MAX_NON_INTERACTIVE_USERS,
    AccessMode,
    DeletedState,
    InviteStatus,
    TeamType,
    UserType,
)
from users_app.selectors import holds_system_administrator
from users_app.models import Account, AppRegistration, DirectoryUser, SystemUser, SystemUserRole, Team, TeamMembership, Tenant
from users_app.provisioning import rules
from users_app.provisioning.rules import RuleViolation
from users_app.services import audit

ACCESS_MODES = {
    "read-write": AccessMode.READ_WRITE,
    "administrative": AccessMode.ADMINISTRATIVE,
    "read": AccessMode.READ,
    "non-interactive": AccessMode.NON_INTERACTIVE,
}
SYSTEM_ACTOR_ROLES = frozenset({"Global Administrator"})  # the command line acts as the system


def _editable(systemuser: SystemUser, action: str) -> None:
    if systemuser.is_placeholder:
        rule = "MODE-05" if systemuser.user_type == UserType.DELEGATED_ADMIN else "MODE-07"
        raise RuleViolation(rule, f"The {systemuser.get_user_type_display().lower()} placeholder cannot be edited or deleted ({action}).")


def _has_system_administrator(systemuser: SystemUser | None) -> bool:
    return holds_system_administrator(systemuser=systemuser)


# --- What the audit log records of each object (users_app.services.audit.audited) -------------


def _name(obj) -> str | None:
    return None if obj is None else (getattr(obj, "domainname", None) or getattr(obj, "name", None) or str(obj))


PROFILE_LABELS = {"firstname": "first name", "lastname": "last name", "jobtitle": "job title",
                  "address1_telephone1": "main phone", "mobilephone": "mobile phone", "homephone": "home phone",
                  "address1_city": "city", "address1_stateorprovince": "state or province"}


def systemuser_state(systemuser: SystemUser, kwargs=None) -> dict:
    """A user record's fields as the audit log shows them (read before and after a change)."""
    state = {
        "access mode": systemuser.get_accessmode_display(),
        "user type": systemuser.get_user_type_display(),
        "status": "Disabled" if systemuser.isdisabled else "Enabled",
        "deleted": bool(systemuser.deletedstate),
        "business unit": _name(systemuser.businessunit),
        "manager": _name(systemuser.parentsystemuser),
        "position": _name(systemuser.position),
        "primary email": systemuser.internalemailaddress,
        "invitation": systemuser.get_invitestatuscode_display(),
        "security roles": sorted(systemuser.roles.values_list("name", flat=True)),
        "teams": sorted(systemuser.teams.values_list("name", flat=True)),
    }
    for name, label in PROFILE_LABELS.items():
        state[label] = getattr(systemuser, name)
    return state


def team_state(team: Team, kwargs=None) -> dict:
    return {
        "name": team.name, "description": team.description, "business unit": _name(team.businessunit),
        "team type": team.get_teamtype_display(), "administrator": _name(team.administrator),
        "members": sorted(team.members.values_list("domainname", flat=True)),
        "security roles": sorted(team.roles.values_list("name", flat=True)),
    }


def _role_holders(role: SecurityRole, kwargs=None) -> dict:
    return {"holders": sorted(SystemUser.objects.filter(role_assignments__role=role).values_list("domainname", flat=True))}


def _account_state(account: Account, kwargs=None) -> dict:
    return {"name": account.name, "owner": _name(account.owner),
            "shared with": sorted(account.shared_with.values_list("domainname", flat=True))}


def _owned_counts(*users: SystemUser) -> dict:
    return {f"records owned by {user.domainname}": Account.objects.filter(owner=user).count() for user in users}


def _record_state(directory_user, kwargs) -> dict:
    """The directory user's record in the environment, as the audit log shows it ({} if none)."""
    record = SystemUser.objects.filter(environment=kwargs["environment"],
                                       azureactivedirectoryobjectid=directory_user.pk).first()
    return systemuser_state(record) if record is not None else {}


def _sync_refusal(result) -> tuple[str, str] | None:
    """A one-user trigger answers a refusal (the eligibility rules) instead of raising one."""
    result = getattr(result, "refresh", None) or result  # a diagnosis carries its refresh
    if getattr(result, "outcome", "") != "refused":
        return None
    decision = result.decision
    reasons = [f"{c.rule}: {c.reason}" for c in (*decision.checks, *decision.extra)
               if c.failed and c.rule in decision.refused_by] if decision is not None else []
    rule = result.refused_by[0] if result.refused_by else "refused"
    return rule, " ".join(reasons) or f"Refused by {', '.join(result.refused_by)}."


def audited_user_sync(name: str):
    """The sync's one-user triggers a person starts (Add user, Refresh user, Run diagnostics, the
    first access of a sign-in; users_app/provisioning/sync.py) as audited actions: the record
    before -> after, a refusal by the rules as refused. They manage their own transactions (the
    run's record outlives a refusal), so the entry is written after them. The background sync is
    not audited per user: its SyncRun says what it did."""
    return audit.audited(name, target="directory_user", state=_record_state, refusal=_sync_refusal, atomic=False)


# --- Access mode (MODE-01..04) ------------------------------------------------------------


@audit.audited("Change access mode", target="systemuser", state=systemuser_state)
def access_mode_set(*, systemuser: SystemUser, mode: str | int, actor_roles: frozenset[str] = SYSTEM_ACTOR_ROLES,
                    actor_record: SystemUser | None = None) -> list[str]:
    """Manage user in Dynamics 365 > Client Access License > Access Mode. Answers the changed columns.
    Two changes that pick the same free non-interactive slot at once: the loser tries the next slot."""
    for attempt in range(MAX_NON_INTERACTIVE_USERS):
        try:
            return _access_mode_set(systemuser=systemuser, mode=mode, actor_roles=actor_roles, actor_record=actor_record)
        except IntegrityError:
            if attempt == MAX_NON_INTERACTIVE_USERS - 1:
                raise RuleViolation(rules.MODE_03, "At most seven non-interactive users per environment; "
                                                   "another change took the last slot.") from None
    raise AssertionError("unreachable")


@transaction.atomic
def _access_mode_set(*, systemuser: SystemUser, mode, actor_roles, actor_record) -> list[str]:
    rules.check_may_change_access_mode(is_system_administrator=_has_system_administrator(actor_record),
                                       admin_roles=actor_roles)
    _editable(systemuser, "access mode")
    rules.check_not_stub(user_type=systemuser.user_type, action="change the access mode of")
    if systemuser.user_type == UserType.APPLICATION:
        raise RuleViolation("APP-05", "Only business unit, e-mail and security roles of an application user are editable.")
    value = ACCESS_MODES.get(mode, mode) if isinstance(mode, str) else mode
    if value not in ACCESS_MODES.values():
        raise RuleViolation("mode", f"Unknown access mode {mode!r}: one of {', '.join(ACCESS_MODES)}.")
    systemuser = SystemUser.objects.select_for_update().get(pk=systemuser.pk)
    if systemuser.accessmode == value:
        return []
    changes = {"accessmode": value, "setupuser": False}
    if value == AccessMode.NON_INTERACTIVE:
        changes.update(user_type=UserType.NON_INTERACTIVE, non_interactive_slot=_free_slot(systemuser.environment))
    else:
        changes.update(user_type=UserType.REGULAR, non_interactive_slot=None)
    for name, new in changes.items():
        setattr(systemuser, name, new)
    systemuser.save(update_fields=[*changes, "modifiedon"])  # the slot is unique: a concurrent taker fails here
    return ["accessmode"]


def _free_slot(environment: Environment) -> int:
    used = set(SystemUser.objects.filter(environment=environment, non_interactive_slot__isnull=False)
               .values_list("non_interactive_slot", flat=True))
    rules.check_non_interactive_capacity(len(used), MAX_NON_INTERACTIVE_USERS)
    return min(set(range(1, MAX_NON_INTERACTIVE_USERS + 1)) - used)


# --- Roles (ROLE-01..03) --------------------------------------------------------------------


def _role_in_environment(systemuser: SystemUser, role: SecurityRole | str) -> SecurityRole:
    if isinstance(role, SecurityRole):
        return role
    found = SecurityRole.objects.filter(environment_id=systemuser.environment_id, name__iexact=role).order_by(
        # roles of the user's own business unit first (roles are BU-scoped)
        "-business_unit__parentbusinessunit").first()
    match = SecurityRole.objects.filter(environment_id=systemuser.environment_id, name__iexact=role,
                                        business_unit_id=systemuser.businessunit_id).first() or found
    if match is None:
        raise RuleViolation("not-found", f"No security role named {role!r} in {systemuser.environment}.")
    return match


@audit.audited("Assign security role", target="systemuser", state=systemuser_state)
@transaction.atomic
def role_assign(*, systemuser: SystemUser, role: SecurityRole | str, by_system: bool = False) -> bool:
    """ROLE-02: only to an enabled user unless allowRoleAssignmentOnDisabledUsers."""
    _editable(systemuser, "roles")
    role = _role_in_environment(systemuser, role)
    rules.check_role_assignable(isdisabled=systemuser.isdisabled,
                                allow_on_disabled=systemuser.environment.allow_role_assignment_on_disabled_users,
                                by_system=by_system, role_name=role.name)
    _, created = SystemUserRole.objects.get_or_create(systemuser=systemuser, role=role)
    return created


@audit.audited("Remove security role", target="systemuser", state=systemuser_state)
@transaction.atomic
def role_remove(*, systemuser: SystemUser, role: SecurityRole | str) -> bool:
    """ROLE-03: removing the last role keeps the user enabled; the screens warn."""
    _editable(systemuser, "roles")
    role = _role_in_environment(systemuser, role)
    deleted, _ = SystemUserRole.objects.filter(systemuser=systemuser, role=role).delete()
    return bool(deleted)


ROLE_03_WARNING = rules.ROLE_03_WARNING


@audit.audited("Manage security roles", target="systemuser", state=systemuser_state)
@transaction.atomic
def roles_set(*, systemuser: SystemUser, roles: list[SecurityRole], confirmed_no_roles: bool = True) -> None:
    """Manage security roles: the user's direct roles become `roles` (ROLE-02 per role; ROLE-03
    asks for confirmation before the last role goes, when confirmed_no_roles is False)."""
    current = set(systemuser.roles.all())
    rules.check_role_removal_confirmed(had_roles=bool(current), keeps_any=bool(roles), confirmed=confirmed_no_roles)
    for role in set(roles) - current:
        role_assign(systemuser=systemuser, role=role)
    for role in current - set(roles):
        role_remove(systemuser=systemuser, role=role)


# --- Business unit, manager, position, teams (ROLE-04..07) ---------------------------------------


@audit.audited("Change business unit", target="systemuser", state=systemuser_state)
@transaction.atomic
def business_unit_change(*, systemuser: SystemUser, business_unit: BusinessUnit, move_records: bool = False) -> dict:
    """ROLE-06: roles go unless DoNotRemoveRolesOnChangeBusinessUnit; records may move along."""
    _editable(systemuser, "business unit")
    if business_unit.environment_id != systemuser.environment_id:
        raise RuleViolation("business_unit", f"{business_unit} belongs to another environment.")
    old = systemuser.businessunit
    if old == business_unit:
        return {"roles_removed": 0}
    removed = 0
    if not rules.roles_kept_on_business_unit_change(systemuser.environment.do_not_remove_roles_on_change_business_unit):
        removed, _ = SystemUserRole.objects.filter(systemuser=systemuser).delete()
    systemuser.businessunit = business_unit
    systemuser.save(update_fields=["businessunit", "modifiedon"])
    # The default team follows the business unit.
    TeamMembership.objects.filter(systemuser=systemuser, team__isdefault=True).delete()
    default_team = Team.objects.filter(businessunit=business_unit, isdefault=True).first()
    if default_team is not None:
        TeamMembership.objects.get_or_create(team=default_team, systemuser=systemuser)
    return {"roles_removed": removed, "records_moved": systemuser.owned_accounts.count() if move_records else 0}


@audit.audited("Change manager", target="systemuser", state=systemuser_state)
@transaction.atomic
def manager_set(*, systemuser: SystemUser, manager: SystemUser | None) -> None:
    _editable(systemuser, "manager")
    if manager is not None:
        if manager.environment_id != systemuser.environment_id or manager.pk == systemuser.pk:
            raise RuleViolation("manager", "The manager must be another user of the same environment.")
        chain, seen = manager, set()
        while chain is not None and chain.pk not in seen:
            if chain.pk == systemuser.pk:
                raise RuleViolation("manager", "That would make a loop of managers.")
            seen.add(chain.pk)
            chain = chain.parentsystemuser
    systemuser.parentsystemuser = manager
    systemuser.save(update_fields=["parentsystemuser", "modifiedon"])


@audit.audited("Change position", target="systemuser", state=systemuser_state)
@transaction.atomic
def position_set(*, systemuser: SystemUser, position: Position | None) -> None:
    _editable(systemuser, "position")
    if position is not None and position.environment_id != systemuser.environment_id:
        raise RuleViolation("position", "The position belongs to another environment.")
    systemuser.position = position
    systemuser.save(update_fields=["position", "modifiedon"])


def _manual_team(team: Team) -> None:
    if team.isdefault:
        raise RuleViolation("ROLE-07", "Members of a business unit's default team follow the business unit; they cannot be managed by hand.")
    if team.teamtype not in (TeamType.OWNER, TeamType.ACCESS):
        raise RuleViolation("ROLE-07", "A group team mirrors its directory group: manage its members in the directory.")


@audit.audited("Add team member", target="team", state=team_state)
@transaction.atomic
def team_member_add(*, team: Team, systemuser: SystemUser) -> bool:
    _manual_team(team)
    if team.environment_id != systemuser.environment_id:
        raise RuleViolation("team", "The team belongs to another environment.")
    _, created = TeamMembership.objects.get_or_create(team=team, systemuser=systemuser)
    return created


@audit.audited("Remove team member", target="team", state=team_state)
@transaction.atomic
def team_member_remove(*, team: Team, systemuser: SystemUser) -> bool:
    _manual_team(team)
    deleted, _ = TeamMembership.objects.filter(team=team, systemuser=systemuser).delete()
    return bool(deleted)


@audit.audited("Create team", creates=True, state=team_state)
@transaction.atomic
def team_create(*, environment: Environment, name: str, business_unit: BusinessUnit | None = None, teamtype: int = TeamType.OWNER,
                group_object_id=None, membershiptype: int = 0, administrator: SystemUser | None = None,
                description: str = "", roles=()) -> Team:
    business_unit = business_unit or BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
    if teamtype in (TeamType.SECURITY_GROUP, TeamType.OFFICE_GROUP) and group_object_id is None:
        raise RuleViolation("ROLE-07", "A group team needs the directory group it mirrors.")
    if Team.objects.filter(businessunit=business_unit, name__iexact=name).exists():
        raise RuleViolation("name", f"A team named {name!r} already exists in {business_unit}.")
    team = Team.objects.create(environment=environment, businessunit=business_unit, name=name, teamtype=teamtype,
                               azureactivedirectoryobjectid=group_object_id, membershiptype=membershiptype,
                               administrator=administrator, description=description)
    team.roles.set(roles)
    return team


# --- Primary e-mail (FIELD-04) -----------------------------------------------------------------


@audit.audited("Change primary email", target="systemuser", state=systemuser_state)
@transaction.atomic
def primary_email_set(*, systemuser: SystemUser, email: str) -> None:
    """FIELD-04: once an admin edits the primary e-mail, sync leaves it alone."""
    _editable(systemuser, "primary e-mail")
    systemuser.internalemailaddress = email
    systemuser.internalemailaddress_edited = True
    systemuser.save(update_fields=["internalemailaddress", "internalemailaddress_edited", "modifiedon"])


@audit.audited("Edit user", target="systemuser", state=systemuser_state)
@transaction.atomic
def on_premises_user_update(*, systemuser: SystemUser, **fields) -> list[str]:
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    if not systemuser.environment.is_on_premises:
        raise RuleViolation("ONPREM-02", "Only records of on-premises environments are edited by hand; online records follow the directory.")
    allowed = {"firstname", "lastname", "address1_telephone1", "homephone", "internalemailaddress", "address1_city",
               "address1_stateorprovince", "jobtitle", "mobilephone"}
    unknown = set(fields) - allowed
    if unknown:
        raise RuleViolation(sorted(unknown)[0], "This field cannot be edited here.")
    changed = [name for name, value in fields.items() if getattr(systemuser, name) != value]
    for name in changed:
        setattr(systemuser, name, fields[name])
    if changed:
        systemuser.save(update_fields=[*changed, "modifiedon"])
    return changed


# --- Invitations (LIFE-01) ---------------------------------------------------------------------


@audit.audited("Invite user", target="systemuser", state=systemuser_state)
@transaction.atomic
def invitation_send(*, systemuser: SystemUser) -> None:
    """LIFE-01: a user enabled again must be invited again; the invitation is a mail in the outbox."""
    if systemuser.isdisabled:
        raise RuleViolation("LIFE-01", "Only an enabled user can be invited.")
    address = systemuser.internalemailaddress or systemuser.domainname
    send_mail(f"You're invited to {systemuser.environment}", f"Open {systemuser.environment.url} to start.",
              None, [address])
    systemuser.invitestatuscode = InviteStatus.INVITED
    systemuser.save(update_fields=["invitestatuscode", "modifiedon"])


# --- Application users (APP-01..05) -------------------------------------------------------------


@audit.audited("Create application user", creates=True, state=systemuser_state)
@transaction.atomic
def app_user_create(*, environment: Environment, app: AppRegistration, business_unit: BusinessUnit | None = None,
                    roles=(), email: str = "") -> SystemUser:
    """APP-01/02: from a service principal, a business unit and roles; non-interactive but not one of the seven."""
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    if SystemUser.objects.filter(environment=environment, applicationid=app.app_id).exists():
        raise RuleViolation("APP-05", f"{app.name} already has an application user in {environment}.")
    business_unit = business_unit or BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
    if business_unit.environment_id != environment.pk:
        raise RuleViolation("business_unit", f"{business_unit} belongs to another environment.")
    domain = Tenant.objects.values_list("domain", flat=True).first() or "contoso.onmicrosoft.com"
    user = SystemUser.objects.create(
        environment=environment, azureactivedirectoryobjectid=app.object_id, applicationid=app.app_id,
        user_type=UserType.APPLICATION, accessmode=AccessMode.NON_INTERACTIVE, isdisabled=False,
        issyncwithdirectory=False, domainname=f"{app.app_id}@{domain}", firstname=rules.BLANK_FIRST_NAME,
        lastname=app.name, fullname=f"# {app.name}", internalemailaddress=email, businessunit=business_unit,
    )
    for role in roles:
        role_assign(systemuser=user, role=role)
    default_team = Team.objects.filter(businessunit=business_unit, isdefault=True).first()
    if default_team is not None:
        TeamMembership.objects.create(team=default_team, systemuser=user)
    return user


@audit.audited("Edit application user", target="systemuser", state=systemuser_state)
@transaction.atomic
def app_user_update(*, systemuser: SystemUser, email: str | None = None, business_unit: BusinessUnit | None = None) -> None:
    """APP-05: only business unit, e-mail and security roles are editable."""
    if systemuser.user_type != UserType.APPLICATION:
        raise RuleViolation("APP-05", "Not an application user.")
    if email is not None and email != systemuser.internalemailaddress:
        systemuser.internalemailaddress = email
        systemuser.save(update_fields=["internalemailaddress", "modifiedon"])
    if business_unit is not None:
        business_unit_change(systemuser=systemuser, business_unit=business_unit)


@audit.audited("Edit application user", target="systemuser", state=systemuser_state)
@transaction.atomic
def app_user_edit(*, systemuser: SystemUser, email: str, business_unit: BusinessUnit, roles) -> list[str]:
    """The application user's Edit form (APP-05): business unit, e-mail and security roles are
    saved together, all or nothing (ROLE-02, ROLE-06 apply). Answers what changed."""
    if systemuser.user_type != UserType.APPLICATION:
        raise RuleViolation("APP-05", "Not an application user.")
    roles = list(roles)
    if any(role.environment_id != systemuser.environment_id for role in roles):
        raise RuleViolation("roles", "Security roles come from the application user's own environment.")
    changed = []
    if email != systemuser.internalemailaddress:
        changed.append("email address")
    if business_unit.pk != systemuser.businessunit_id:
        changed.append("business unit")
    app_user_update(systemuser=systemuser, email=email, business_unit=business_unit)
    systemuser = SystemUser.objects.get(pk=systemuser.pk)
    if set(systemuser.roles.all()) != set(roles):
        changed.append("security roles")
    roles_set(systemuser=systemuser, roles=roles)
    return changed


@audit.audited(lambda kw: "Activate application user" if kw.get("enabled") else "Deactivate application user",
                target="systemuser", state=systemuser_state)
@transaction.atomic
def app_user_set_status(*, systemuser: SystemUser, enabled: bool) -> None:
    """APP-03: locked unless the environment allows status edits on the form."""
    if systemuser.user_type != UserType.APPLICATION:
        raise RuleViolation("LIFE-01", "Regular users are enabled and disabled by the directory (licence and security group), not by hand.")
    rules.check_app_user_status_change(status_editable=systemuser.environment.app_user_status_editable)
    if systemuser.isdisabled == (not enabled):
        return
    systemuser.isdisabled = not enabled
    systemuser.save(update_fields=["isdisabled", "modifiedon"])


@audit.audited("Delete application user", target="systemuser", state=systemuser_state)
@transaction.atomic
def app_user_delete(*, systemuser: SystemUser) -> None:
    """APP-05: only while inactive, after its records are reassigned."""
    if systemuser.user_type != UserType.APPLICATION:
        raise RuleViolation("APP-05", "Not an application user.")
    rules.check_app_user_deletable(isdisabled=systemuser.isdisabled)
    owned = systemuser.owned_accounts.count()
    if owned:
        raise RuleViolation("APP-05", f"The application user still owns {owned} records; reassign them first.")
    systemuser.delete()


# --- Deletion lifecycle (LIFE-05) ------------------------------------------------------------------


def directory_state_of(systemuser: SystemUser) -> str:
    if systemuser.azureactivedirectoryobjectid is None:
        return DeletedState.HARD
    state = DirectoryUser.objects.filter(id=systemuser.azureactivedirectoryobjectid).values_list("deleted_state", flat=True).first()
    return DeletedState.HARD if state is None else state


@audit.audited(lambda kw: "Permanently delete user" if kw.get("permanent") else "Delete user",
                target="systemuser", state=systemuser_state)
@transaction.atomic
def systemuser_delete(*, systemuser: SystemUser, permanent: bool = False) -> str:
    """LIFE-05: Delete soft-deletes the record (roles and teams removed) once the directory user is
    permanently deleted; Permanently delete removes it once its records are reassigned and the
    environment allows deleting disabled users."""
    _editable(systemuser, "delete")
    if systemuser.user_type in (UserType.APPLICATION, UserType.STUB):
        if systemuser.user_type == UserType.APPLICATION:
            app_user_delete(systemuser=systemuser)
            return "deleted"
        raise RuleViolation(rules.LIFE_05, "Stub users are not deleted this way; reassign their records (STUB-04).")
    if not permanent:
        rules.check_delete_allowed(directory_state=directory_state_of(systemuser), deletedstate=systemuser.deletedstate,
                                   isdisabled=systemuser.isdisabled)
        SystemUserRole.objects.filter(systemuser=systemuser).delete()
        TeamMembership.objects.filter(systemuser=systemuser).delete()
        systemuser.deletedstate = 1
        systemuser.save(update_fields=["deletedstate", "modifiedon"])
        return "soft_deleted"
    rules.check_permanent_delete_allowed(deletedstate=systemuser.deletedstate, owned_records=systemuser.owned_accounts.count(),
                                         allow_delete_disabled_users=systemuser.environment.allow_delete_disabled_users)
    systemuser.delete()
    return "deleted"


# --- Business records (ROLE-05, STUB-04) -------------------------------------------------------------


@audit.audited("Create account", creates=True, state=_account_state)
@transaction.atomic
def account_create(*, environment: Environment, name: str, owner: SystemUser) -> Account:
    """ROLE-05: records can be assigned to a disabled user."""
    if owner.environment_id != environment.pk:
        raise RuleViolation("owner", "The owner belongs to another environment.")
    return Account.objects.create(environment=environment, name=name, owner=owner)


@audit.audited("Share record", target="account", state=_account_state)
@transaction.atomic
def account_share(*, account: Account, systemuser: SystemUser) -> None:
    """ROLE-05: records can be shared with a disabled user."""
    if systemuser.environment_id != account.environment_id:
        raise RuleViolation("user", "The user belongs to another environment.")
    account.shared_with.add(systemuser)


@audit.audited("Reassign records", target="source",
                state=lambda source, kw: _owned_counts(source, kw["target"]))
@transaction.atomic
def records_reassign(*, source: SystemUser, target: SystemUser) -> int:
    """STUB-04 / Reassign records: every record owned by source goes to target."""
    if source.environment_id != target.environment_id:
        raise RuleViolation("target", "Records move only between users of the same environment.")
    if source.pk == target.pk:
        raise RuleViolation("target", "Source and target are the same user.")
    if target.user_type == UserType.STUB:
        raise RuleViolation("STUB-04", "Records are reassigned to a real user, not to a stub user.")
    return Account.objects.filter(owner=source).update(owner=target)


def owned_record_counts(environment: Environment) -> dict[int, int]:
    return dict(SystemUser.objects.filter(environment=environment).annotate(n=Count("owned_accounts"))
                .filter(n__gt=0).values_list("id", "n"))




def application_caller(*, environment: Environment, app_id) -> SystemUser:
    """APP-04: a call made with an application's credentials acts as its application user:
    refused when there is none or it is disabled; its security roles decide the rest."""
    caller = (SystemUser.objects.filter(environment=environment, applicationid=app_id)
              .prefetch_related("roles").first())
    if caller is None:
        raise RuleViolation("APP-04", "The application has no application user in this environment.")
    if caller.isdisabled:
        raise RuleViolation("APP-04", "The application user is disabled: calls made with this application are refused.")
    if not caller.roles.exists() and not SecurityRole.objects.filter(teams__members=caller).exists():
        raise RuleViolation("ROLE-01", "The application user holds no security role: it can read or change nothing.")
    return caller


# --- Teams and security roles pages (area A: structure) ------------------------------------------

_UNCHANGED = object()


@audit.audited("Edit team", target="team", state=team_state)
@transaction.atomic
def team_update(*, team: Team, name: str | None = None, description: str | None = None,
                administrator: SystemUser | None | object = _UNCHANGED) -> list[str]:
    """Edit team: only the name, description and administrator change (the type, the group and the
    membership type are fixed). A business unit's default team keeps its name (ENV-05).
    Answers the changed columns."""
    values = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise RuleViolation("name", "A team needs a name.")
        if name != team.name:
            if team.isdefault:
                raise RuleViolation("ENV-05", "The default team of a business unit keeps the business unit's name.")
            if Team.objects.filter(businessunit_id=team.businessunit_id, name__iexact=name).exclude(pk=team.pk).exists():
                raise RuleViolation("name", f"A team named {name!r} already exists in {team.businessunit}.")
            values["name"] = name
    if description is not None and description != team.description:
        values["description"] = description
    if administrator is not _UNCHANGED:
        if administrator is not None and administrator.environment_id != team.environment_id:
            raise RuleViolation("administrator", "The administrator must be a user of the same environment.")
        if (administrator.pk if administrator is not None else None) != team.administrator_id:
            values["administrator"] = administrator
    for key, value in values.items():
        setattr(team, key, value)
    if values:
        team.save(update_fields=list(values))
    return list(values)


@audit.audited("Delete team", target="team", state=team_state)
@transaction.atomic
def team_delete(*, team: Team) -> None:
    """Delete team (irreversible). A business unit's default team cannot be deleted (ENV-05)."""
    if team.isdefault:
        raise RuleViolation("ENV-05", "The default team of a business unit cannot be deleted.")
    team.delete()


@audit.audited("Manage team security roles", target="team", state=team_state)
@transaction.atomic
def team_roles_set(*, team: Team, roles) -> dict:
    """Manage security roles of a team: the selected set becomes the team's roles (ROLE-01: its
    members reach apps through them)."""
    roles = list(roles)
    if any(role.environment_id != team.environment_id for role in roles):
        raise RuleViolation("roles", "A team's security roles come from its own environment.")
    current = set(team.roles.all())
    wanted = set(roles)
    team.roles.add(*(wanted - current))
    team.roles.remove(*(current - wanted))
    return {"added": len(wanted - current), "removed": len(current - wanted)}


@audit.audited("Add people to security role", target="role", state=_role_holders)
@transaction.atomic
def role_assign_many(*, role: SecurityRole, systemusers) -> int:
    """Add people to a security role: each user gets it through role_assign (ROLE-02), all or none.
    A refusal names the user. Answers the number of new assignments."""
    added = 0
    for systemuser in systemusers:
        if systemuser.environment_id != role.environment_id:
            raise RuleViolation("role", f"{systemuser.domainname} belongs to another environment.")
        try:
            added += role_assign(systemuser=systemuser, role=role)
        except RuleViolation as exc:
            raise RuleViolation(exc.rule, f"{systemuser.fullname or systemuser.domainname}: {exc.message}",
                                code=exc.code) from exc
    return added


def team_membership_refusal(*, team: Team) -> RuleViolation | None:
    """Why a team's members cannot be managed by hand (ROLE-07, the default team), or None.
    Screens show it instead of the Add / Remove forms."""
    try:
        _manual_team(team)
    except RuleViolation as exc:
        return exc
    return None


@audit.audited("Add team members", target="team", state=team_state)
@transaction.atomic
def team_members_add(*, team: Team, systemusers) -> int:
    """Manage team members > Add several users at once: all or none (ROLE-07). Answers how many joined."""
    return sum(team_member_add(team=team, systemuser=systemuser) for systemuser in systemusers)


@audit.audited("Manage teams", target="systemuser", state=systemuser_state)
@transaction.atomic
def team_memberships_set(*, systemuser: SystemUser, teams: list[Team], within: list[Team]) -> None:
    """Manage teams: the user's memberships among `within` (owner and access teams) become `teams`."""
    _editable(systemuser, "teams")
    current = set(systemuser.teams.filter(pk__in=[t.pk for t in within]))
    for team in set(teams) - current:
        team_member_add(team=team, systemuser=systemuser)
    for team in current - set(teams):
        team_member_remove(team=team, systemuser=systemuser)


@audit.audited("Assign record", target="account", state=_account_state)
@transaction.atomic
def account_owner_set(*, account: Account, owner: SystemUser) -> None:
    """ROLE-05: a record can be assigned to any user of the environment, a disabled one too."""
    if owner.environment_id != account.environment_id:
        raise RuleViolation("owner", "The owner belongs to another environment.")
    if account.owner_id != owner.pk:
        account.owner = owner
        account.save(update_fields=["owner"])


# --- The environment user's profile (area B: users list and profile) ----------------------------


def systemuser_edit_refusal(*, systemuser: SystemUser) -> RuleViolation | None:
    """Why a user's profile offers no edit actions (the placeholders, MODE-05 and MODE-07), or None.
    Screens show it instead of the forms; the services refuse the same way."""
    try:
        _editable(systemuser, "edit")
    except RuleViolation as exc:
        return exc
    return None


@transaction.atomic
def systemuser_directory_user(*, systemuser: SystemUser, action: str) -> DirectoryUser:
    """The directory user that Refresh user, Run diagnostics and Sign in as this user act on.
    Refused for stub users (STUB-02 for refresh and diagnose, STUB-01 otherwise), on-premises
    records (ONPREM-01), the placeholders (MODE-05, MODE-07) and application users (APP-01),
    none of which follow a directory user."""
    rules.check_not_stub(user_type=systemuser.user_type, action=action)
    rules.check_online(on_premises=systemuser.environment.is_on_premises)
    if systemuser.is_placeholder:
        rule = "MODE-05" if systemuser.user_type == UserType.DELEGATED_ADMIN else "MODE-07"
        raise RuleViolation(rule, f"The {systemuser.get_user_type_display().lower()} placeholder is not synchronised "
                                  f"with the directory ({action} does not apply).")
    if systemuser.user_type == UserType.APPLICATION:
        raise RuleViolation("APP-01", "An application user follows its app registration, not a directory user "
                                      f"({action} does not apply).")
    directory_user = (DirectoryUser.objects.filter(id=systemuser.azureactivedirectoryobjectid).first()
                      if systemuser.azureactivedirectoryobjectid else None)
    if directory_user is None:
        raise RuleViolation(rules.ELIG_02, "The directory user of this record no longer exists.")
    return directory_user


@audit.audited("Manage user in Dynamics 365", target="systemuser", state=systemuser_state)
@transaction.atomic
def systemuser_form_save(*, systemuser: SystemUser, mode: str, email: str,
                         actor_roles: frozenset[str] = SYSTEM_ACTOR_ROLES, actor_record: SystemUser | None = None) -> list[str]:
    """Manage user in Dynamics 365 > Save: the Client Access License section's Access Mode (MODE-03,
    MODE-04) and the Primary Email (FIELD-04), all or nothing. Answers what changed."""
    changed = []
    if ACCESS_MODES.get(mode, mode) != systemuser.accessmode:
        # access_mode_set retries in savepoints when a concurrent change takes the same free slot.
        changed += access_mode_set(systemuser=systemuser, mode=mode, actor_roles=actor_roles, actor_record=actor_record)
    if email != systemuser.internalemailaddress:
        primary_email_set(systemuser=SystemUser.objects.get(pk=systemuser.pk), email=email)
        changed.append("internalemailaddress")
    return changed
