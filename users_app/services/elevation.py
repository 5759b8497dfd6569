"""Self-elevation: Membership > Add me (DIR-05, the Power Platform admin center's "Add me").

A Global, Power Platform or Dynamics 365 administrator is not given System Administrator in an
environment automatically; it adds itself, and the change is recorded in the audit log. A Dynamics
365 administrator may do so only in environments it manages (no security group, or a member of it).
The user's record is made by an admin add (SYNC-03) when it has none, so every provisioning rule
still applies; then the role is assigned (ROLE-02).
"""
from __future__ import annotations

from django.db import transaction

from environments_app.models import Environment
from users_app.models import DirectoryUser, GroupMembership, SystemUser
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules import RuleViolation
from users_app.provisioning.sync import environment_user_add
from users_app import selectors
from users_app.services import audit, records

SYSTEM_ADMINISTRATOR = "System Administrator"


def self_elevation_refusal(*, environment: Environment, user: DirectoryUser, roles: frozenset[str]) -> str | None:
    reason = admin_roles.self_elevation_refusal(roles)
    if reason:
        return reason
    has_group = environment.security_group_object_id is not None
    member = has_group and GroupMembership.objects.filter(group_id=environment.security_group_object_id,
                                                          user=user).exists()
    return admin_roles.environment_refusal(roles, write=True, in_security_group=member, has_security_group=has_group)


def holds_system_administrator(*, environment: Environment, user: DirectoryUser) -> bool:
    return selectors.holds_system_administrator(environment=environment, directory_user_id=user.pk)


def self_elevate(*, environment: Environment) -> SystemUser:
    """Give the acting directory user System Administrator in `environment` (refused with DIR-05)."""
    actor = audit.current_actor()
    with audit.action("Add me as System Administrator", target=actor.name, environment=environment.name) as entry:
        user = DirectoryUser.objects.filter(pk=actor.object_id).first() if actor.object_id else None
        if user is None:
            raise RuleViolation("DIR-05", "Only a directory user signed in to the portal can add themselves.")
        reason = self_elevation_refusal(environment=environment, user=user, roles=actor.roles)
        if reason:
            raise RuleViolation("DIR-05", reason)
        if not environment.dataverse:
            raise RuleViolation("ENV-02", f"{environment.name} has no Dataverse database, so it has no security roles.")
        with transaction.atomic():
            record = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=user.pk).first()
            if record is None or record.isdisabled:
                result = environment_user_add(environment=environment, directory_user=user, initiated_by=actor.name)
                if result.refused_by:
                    raise RuleViolation(result.refused_by[0], f"{user.login_name} cannot be added to {environment.name}: "
                                                              f"{', '.join(result.refused_by)} refused.")
                record = result.systemuser
            records.role_assign(systemuser=record, role=SYSTEM_ADMINISTRATOR)
        entry.change("security_roles", None, SYSTEM_ADMINISTRATOR)
    return record
