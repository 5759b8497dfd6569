"""Teams: members by hand (ROLE-07), create, edit and delete (ENV-05 for default teams), their
security roles (ROLE-01), and a user's memberships (Manage teams)."""
from __future__ import annotations

from django.db import transaction

from environments_app.models import BusinessUnit, Environment
from users_app.choices import TeamType
from users_app.models import SystemUser, Team, TeamMembership
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.services import audit
from users_app.services.names import name_taken

from .state import systemuser_state, team_state

_UNCHANGED = object()


def _manual_team(team: Team) -> None:
    rules.check_team_members_by_hand(isdefault=team.isdefault, teamtype=team.teamtype)


def team_membership_refusal(*, team: Team) -> RuleViolation | None:
    """Why a team's members cannot be managed by hand (ROLE-07, the default team), or None.
    Screens show it instead of the Add / Remove forms."""
    try:
        _manual_team(team)
    except RuleViolation as exc:
        return exc
    return None


@audit.audited("Add team member", target="team", state=team_state)
@transaction.atomic
def team_member_add(*, team: Team, systemuser: SystemUser) -> bool:
    _manual_team(team)
    if team.environment_id != systemuser.environment_id:
        raise InvalidInput("team", "The team belongs to another environment.")
    _, created = TeamMembership.objects.get_or_create(team=team, systemuser=systemuser)
    return created


@audit.audited("Remove team member", target="team", state=team_state)
@transaction.atomic
def team_member_remove(*, team: Team, systemuser: SystemUser) -> bool:
    _manual_team(team)
    deleted, _ = TeamMembership.objects.filter(team=team, systemuser=systemuser).delete()
    return bool(deleted)


@audit.audited("Add team members", target="team", state=team_state)
@transaction.atomic
def team_members_add(*, team: Team, systemusers) -> int:
    """Manage team members > Add several users at once: all or none (ROLE-07). Answers how many joined."""
    return sum(team_member_add(team=team, systemuser=systemuser) for systemuser in systemusers)


@audit.audited("Manage teams", target="systemuser", state=systemuser_state)
@transaction.atomic
def team_memberships_set(*, systemuser: SystemUser, teams: list[Team], within: list[Team]) -> None:
    """Manage teams: the user's memberships among `within` (owner and access teams) become `teams`."""
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="teams")
    current = set(systemuser.teams.filter(pk__in=[t.pk for t in within]))
    for team in set(teams) - current:
        team_member_add(team=team, systemuser=systemuser)
    for team in current - set(teams):
        team_member_remove(team=team, systemuser=systemuser)


def _check_team_name_free(name: str, *, businessunit_id, exclude: Team | None = None) -> None:
    """A team's name is unique in its business unit, ignoring case."""
    if name_taken(Team.objects.filter(businessunit_id=businessunit_id), name, exclude=exclude):
        unit = BusinessUnit.objects.get(pk=businessunit_id)
        raise InvalidInput("name", f"A team named {name!r} already exists in {unit}.")


@audit.audited("Create team", creates=True, state=team_state)
@transaction.atomic
def team_create(*, environment: Environment, name: str, business_unit: BusinessUnit | None = None, teamtype: int = TeamType.OWNER,
                group_object_id=None, membershiptype: int = 0, administrator: SystemUser | None = None,
                description: str = "", roles=()) -> Team:
    business_unit = business_unit or BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
    rules.check_group_team_has_group(teamtype=teamtype, has_group=group_object_id is not None)
    _check_team_name_free(name, businessunit_id=business_unit.pk)
    team = Team.objects.create(environment=environment, businessunit=business_unit, name=name, teamtype=teamtype,
                               azureactivedirectoryobjectid=group_object_id, membershiptype=membershiptype,
                               administrator=administrator, description=description)
    team.roles.set(roles)
    return team


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
            raise InvalidInput("name", "A team needs a name.")
        if name != team.name:
            rules.check_default_team_renamed(isdefault=team.isdefault)
            _check_team_name_free(name, businessunit_id=team.businessunit_id, exclude=team)
            values["name"] = name
    if description is not None and description != team.description:
        values["description"] = description
    if administrator is not _UNCHANGED:
        if administrator is not None and administrator.environment_id != team.environment_id:
            raise InvalidInput("administrator", "The administrator must be a user of the same environment.")
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
    rules.check_team_deletable(isdefault=team.isdefault)
    team.delete()


@audit.audited("Manage team security roles", target="team", state=team_state)
@transaction.atomic
def team_roles_set(*, team: Team, roles) -> dict:
    """Manage security roles of a team: the selected set becomes the team's roles (ROLE-01: its
    members reach apps through them)."""
    roles = list(roles)
    if any(role.environment_id != team.environment_id for role in roles):
        raise InvalidInput("roles", "A team's security roles come from its own environment.")
    current = set(team.roles.all())
    wanted = set(roles)
    team.roles.add(*(wanted - current))
    team.roles.remove(*(current - wanted))
    return {"added": len(wanted - current), "removed": len(current - wanted)}
