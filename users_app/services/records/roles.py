"""A user's security roles (ROLE-01..03): assign, remove, Manage security roles, Add people to a role."""
from __future__ import annotations

from django.db import transaction

from environments_app.models import SecurityRole
from users_app.models import SystemUser, SystemUserRole
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.services import audit

from .state import role_holders, systemuser_state

ROLE_03_WARNING = rules.ROLE_03_WARNING


def _role_in_environment(systemuser: SystemUser, role: SecurityRole | str) -> SecurityRole:
    if isinstance(role, SecurityRole):
        return role
    found = SecurityRole.objects.filter(environment_id=systemuser.environment_id, name__iexact=role).order_by(
        # roles of the user's own business unit first (roles are BU-scoped)
        "-business_unit__parentbusinessunit").first()
    match = SecurityRole.objects.filter(environment_id=systemuser.environment_id, name__iexact=role,
                                        business_unit_id=systemuser.businessunit_id).first() or found
    if match is None:
        raise InvalidInput("not-found", f"No security role named {role!r} in {systemuser.environment}.")
    return match


@audit.audited("Assign security role", target="systemuser", state=systemuser_state)
@transaction.atomic
def role_assign(*, systemuser: SystemUser, role: SecurityRole | str, by_system: bool = False) -> bool:
    """ROLE-02: only to an enabled user unless allowRoleAssignmentOnDisabledUsers."""
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="roles")
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
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="roles")
    role = _role_in_environment(systemuser, role)
    deleted, _ = SystemUserRole.objects.filter(systemuser=systemuser, role=role).delete()
    return bool(deleted)


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


@audit.audited("Add people to security role", target="role", state=role_holders)
@transaction.atomic
def role_assign_many(*, role: SecurityRole, systemusers) -> int:
    """Add people to a security role: each user gets it through role_assign (ROLE-02), all or none.
    A refusal names the user. Answers the number of new assignments."""
    added = 0
    for systemuser in systemusers:
        if systemuser.environment_id != role.environment_id:
            raise InvalidInput("role", f"{systemuser.domainname} belongs to another environment.")
        try:
            added += role_assign(systemuser=systemuser, role=role)
        except RuleViolation as exc:
            raise exc.reworded(f"{systemuser.fullname or systemuser.domainname}: {exc.message}") from exc
    return added
