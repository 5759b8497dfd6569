"""Read queries of an environment's structure pages: teams, security roles, business units
and sync history. Lists use a fixed number of queries whatever the rows."""
from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import PLACEHOLDER_USER_TYPES, UserType
from users_app.filters.structure import BusinessUnitFilterSet, SecurityRoleFilterSet, SyncRunFilterSet, TeamFilterSet
from users_app.models import DirectoryGroup, SyncRun, SystemUser, Team



def _count(model, field: str) -> Subquery:
    """A correlated count (no join, so several counts do not multiply each other)."""
    return Subquery(model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
                    .annotate(n=Count("pk")).values("n")[:1])


def _group_name() -> Subquery:
    return Subquery(DirectoryGroup.objects.filter(id=OuterRef("azureactivedirectoryobjectid")).values("name")[:1])


# --- Teams ------------------------------------------------------------------------------------


def team_list(*, environment: Environment, filters=None) -> QuerySet[Team]:
    queryset = (Team.objects.filter(environment=environment)
                .select_related("businessunit", "administrator")
                .annotate(member_count=_count(Team.members.through, "team"), group_name=_group_name())
                .order_by("name"))
    return TeamFilterSet(filters or {}, queryset=queryset, environment=environment).qs


def team_get(*, environment: Environment, teamid) -> Team:
    queryset = (Team.objects.select_related("businessunit", "administrator", "environment")
                .annotate(group_name=_group_name()))
    return get_object_or_404(queryset, environment=environment, teamid=teamid)


def team_members(*, team: Team) -> QuerySet[SystemUser]:
    return team.members.select_related("businessunit").order_by("fullname", "domainname")


def team_roles(*, team: Team) -> QuerySet[SecurityRole]:
    return team.roles.select_related("business_unit").order_by("name")


# --- Users of the environment, for pickers ------------------------------------------------------


def environment_user_choices(*, environment: Environment) -> QuerySet[SystemUser]:
    """Users an admin may pick (the MODE-05 / MODE-07 placeholders and deleted records left out;
    disabled users stay, so that the rules can say why they are refused)."""
    return (SystemUser.objects.filter(environment=environment, deletedstate=0)
            .exclude(user_type__in=PLACEHOLDER_USER_TYPES).order_by("fullname", "domainname"))


def role_choices(*, environment: Environment) -> QuerySet[SecurityRole]:
    return SecurityRole.objects.filter(environment=environment).select_related("business_unit").order_by("name", "business_unit__name")


def business_unit_choices(*, environment: Environment) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.filter(environment=environment).order_by("name")


# --- Security roles -------------------------------------------------------------------------------


def security_role_list(*, environment: Environment, filters=None) -> QuerySet[SecurityRole]:
    queryset = (SecurityRole.objects.filter(environment=environment).select_related("business_unit")
                .annotate(user_count=_count(SystemUser.roles.through, "role"),
                          team_count=_count(Team.roles.through, "securityrole"))
                .order_by("name"))
    return SecurityRoleFilterSet(filters or {}, queryset=queryset, environment=environment).qs


def security_role_get(*, environment: Environment, roleid) -> SecurityRole:
    return get_object_or_404(SecurityRole.objects.select_related("business_unit"), environment=environment, roleid=roleid)


def security_role_members(*, role: SecurityRole) -> dict:
    """The users holding the role directly, and the teams holding it (with their member counts)."""
    users = role.users.select_related("businessunit").order_by("fullname", "domainname")
    teams = (role.teams.select_related("businessunit")
             .annotate(group_name=_group_name(), member_count=_count(Team.members.through, "team"))
             .order_by("name"))
    return {"users": users, "teams": teams}


# --- Business units -----------------------------------------------------------------------------


def business_unit_list(*, environment: Environment, filters=None) -> QuerySet[BusinessUnit]:
    queryset = (BusinessUnit.objects.filter(environment=environment).select_related("parentbusinessunit")
                .annotate(user_count=_count(SystemUser, "businessunit"),
                          child_count=_count(BusinessUnit, "parentbusinessunit"))
                .order_by("name"))
    return BusinessUnitFilterSet(filters or {}, queryset=queryset, environment=environment).qs


def business_unit_get(*, environment: Environment, businessunitid) -> BusinessUnit:
    return get_object_or_404(BusinessUnit.objects.select_related("parentbusinessunit"), environment=environment,
                             businessunitid=businessunitid)


# --- Sync history -------------------------------------------------------------------------------


def sync_run_list(*, environment: Environment, filters=None) -> QuerySet[SyncRun]:
    """Every run of the environment, newest first (SYNC-07); decisions are read on the detail page only."""
    queryset = SyncRun.objects.filter(environment=environment).defer("decisions").order_by("-started_at", "-id")
    return SyncRunFilterSet(filters or {}, queryset=queryset, environment=environment).qs


def sync_run_get(*, environment: Environment, run_id: int) -> SyncRun:
    return get_object_or_404(SyncRun, environment=environment, pk=run_id)


# --- Accounts (ROLE-05) ---------------------------------------------------------------------------


def account_list(*, environment: Environment):
    from django.db.models import Prefetch

    from users_app.models import Account
    return (Account.objects.filter(environment=environment).select_related("owner")
            .prefetch_related(Prefetch("shared_with", queryset=SystemUser.objects.only("id", "domainname")))
            .order_by("name"))


def account_get(*, environment: Environment, accountid):
    from users_app.models import Account
    return get_object_or_404(Account, environment=environment, accountid=accountid)


def account_people(*, environment: Environment) -> QuerySet[SystemUser]:
    """Everyone who may own or be shared a record, disabled users included (ROLE-05)."""
    return (SystemUser.objects.filter(environment=environment)
            .exclude(user_type__in=[UserType.DELEGATED_ADMIN, UserType.SUPPORT]).order_by("domainname"))
