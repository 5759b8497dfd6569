"""Self-elevation: Membership > Add me (DIR-05, the Power Platform admin center's "Add me").

A Global, Power Platform or Dynamics 365 administrator is not given System Administrator in an
environment automatically; it adds itself, and the change is recorded in the audit log. A Dynamics
365 administrator may do so only in environments it manages (no security group, or a member of it).
The user's record is made by an admin add (SYNC-03) when it has none, so every provisioning rule
still applies; then the role is assigned (ROLE-02).
"""
from __future__ import annotations

from django.db import transaction

from environments_app.choices import StandardRole
from environments_app.models import Environment
from users_app import selectors
from users_app.models import DirectoryUser, GroupMembership, SystemUser
from users_app.provisioning import rules
from users_app.provisioning.sync import environment_user_add
from users_app.services import audit, records

SYSTEM_ADMINISTRATOR = StandardRole.SYSTEM_ADMINISTRATOR


def _security_group(environment: Environment, user: DirectoryUser) -> dict:
    """Whether the environment has a security group, and whether the user is a direct member of it."""
    has_group = environment.security_group_object_id is not None
    member = has_group and GroupMembership.objects.filter(group_id=environment.security_group_object_id,
                                                          user=user).exists()
    return {"has_security_group": has_group, "in_security_group": member}


def self_elevation_refusal(*, environment: Environment, user: DirectoryUser, roles: frozenset[str]) -> str | None:
    """DIR-05: why this user may not add themselves as System Administrator here, or None."""
    return rules.add_me_refusal(roles=roles, **_security_group(environment, user))


def holds_system_administrator(*, environment: Environment, user: DirectoryUser) -> bool:
    return selectors.holds_system_administrator(environment=environment, directory_user_id=user.pk)


def self_elevate(*, environment: Environment) -> SystemUser:
    """Give the acting directory user System Administrator in `environment` (refused with DIR-05)."""
    actor = audit.current_actor()
    with audit.action("Add me as System Administrator", target=actor.name, environment=environment.name) as entry:
        user = DirectoryUser.objects.filter(pk=actor.object_id).first() if actor.object_id else None
        facts = _security_group(environment, user) if user is not None else {}
        rules.check_add_me(signed_in=user is not None, roles=actor.roles, **facts)
        rules.check_has_dataverse(dataverse=environment.dataverse)
        with transaction.atomic():
            record = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=user.pk).first()
            if record is None or record.isdisabled:
                result = environment_user_add(environment=environment, directory_user=user, initiated_by=actor.name)
                rules.check_admitted(result.refused_by, user_name=user.login_name, environment_name=environment.name)
                record = result.systemuser
            records.role_assign(systemuser=record, role=SYSTEM_ADMINISTRATOR)
        entry.change("security_roles", None, SYSTEM_ADMINISTRATOR)
    return record
