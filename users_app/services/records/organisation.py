"""Where a user sits in the organisation: business unit (ROLE-06), manager, position."""
from __future__ import annotations

from django.db import transaction

from environments_app.models import BusinessUnit, Position
from users_app.models import SystemUser, SystemUserRole, Team, TeamMembership
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.services import audit

from .state import systemuser_state


@audit.audited("Change business unit", target="systemuser", state=systemuser_state)
@transaction.atomic
def business_unit_change(*, systemuser: SystemUser, business_unit: BusinessUnit, move_records: bool = False) -> dict:
    """ROLE-06: roles go unless DoNotRemoveRolesOnChangeBusinessUnit; records may move along."""
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="business unit")
    if business_unit.environment_id != systemuser.environment_id:
        raise InvalidInput("business_unit", f"{business_unit} belongs to another environment.")
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
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="manager")
    if manager is not None:
        if manager.environment_id != systemuser.environment_id or manager.pk == systemuser.pk:
            raise InvalidInput("manager", "The manager must be another user of the same environment.")
        chain, seen = manager, set()
        while chain is not None and chain.pk not in seen:
            if chain.pk == systemuser.pk:
                raise InvalidInput("manager", "That would make a loop of managers.")
            seen.add(chain.pk)
            chain = chain.parentsystemuser
    systemuser.parentsystemuser = manager
    systemuser.save(update_fields=["parentsystemuser", "modifiedon"])


@audit.audited("Change position", target="systemuser", state=systemuser_state)
@transaction.atomic
def position_set(*, systemuser: SystemUser, position: Position | None) -> None:
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="position")
    if position is not None and position.environment_id != systemuser.environment_id:
        raise InvalidInput("position", "The position belongs to another environment.")
    systemuser.position = position
    systemuser.save(update_fields=["position", "modifiedon"])
