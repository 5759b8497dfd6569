"""Application users (APP-01..05): create, edit, activate / deactivate, delete, and the user a call
made with an application's credentials acts as (APP-04)."""
from __future__ import annotations

from django.db import transaction

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import AccessMode, UserType
from users_app.models import AppRegistration, SystemUser, Team, TeamMembership, Tenant
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.services import audit

from .organisation import business_unit_change
from .roles import role_assign, roles_set
from .state import systemuser_state


@audit.audited("Create application user", creates=True, state=systemuser_state)
@transaction.atomic
def app_user_create(*, environment: Environment, app: AppRegistration, business_unit: BusinessUnit | None = None,
                    roles=(), email: str = "") -> SystemUser:
    """APP-01/02: from a service principal, a business unit and roles; non-interactive but not one of the seven."""
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    rules.check_one_application_user(
        exists=SystemUser.objects.filter(environment=environment, applicationid=app.app_id).exists(),
        app_name=app.name, environment_name=str(environment))
    business_unit = business_unit or BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
    if business_unit.environment_id != environment.pk:
        raise InvalidInput("business_unit", f"{business_unit} belongs to another environment.")
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
    rules.check_application_user(user_type=systemuser.user_type)
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
    rules.check_application_user(user_type=systemuser.user_type)
    roles = list(roles)
    if any(role.environment_id != systemuser.environment_id for role in roles):
        raise InvalidInput("roles", "Security roles come from the application user's own environment.")
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
    """APP-03: locked unless the environment allows status edits on the form (LIFE-01: application users only)."""
    rules.check_status_set_by_hand(user_type=systemuser.user_type)
    rules.check_app_user_status_change(status_editable=systemuser.environment.app_user_status_editable)
    if systemuser.isdisabled == (not enabled):
        return
    systemuser.isdisabled = not enabled
    systemuser.save(update_fields=["isdisabled", "modifiedon"])


@audit.audited("Delete application user", target="systemuser", state=systemuser_state)
@transaction.atomic
def app_user_delete(*, systemuser: SystemUser) -> None:
    """APP-05: only while inactive, after its records are reassigned."""
    rules.check_application_user(user_type=systemuser.user_type)
    rules.check_app_user_deletable(isdisabled=systemuser.isdisabled, owned_records=systemuser.owned_accounts.count())
    systemuser.delete()


def application_caller(*, environment: Environment, app_id) -> SystemUser:
    """APP-04: a call made with an application's credentials acts as its application user:
    refused when there is none or it is disabled; its security roles decide the rest."""
    caller = (SystemUser.objects.filter(environment=environment, applicationid=app_id)
              .prefetch_related("roles").first())
    usable = caller is not None and not caller.isdisabled
    rules.check_application_caller(
        found=caller is not None, isdisabled=caller is not None and caller.isdisabled,
        holds_role=not usable or caller.roles.exists() or SecurityRole.objects.filter(teams__members=caller).exists())
    return caller
