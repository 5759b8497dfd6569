"""Reads of My environments (SYNC-02): the online environments with Dataverse, the signed-in
user's record in each, and that record's roles, direct and through teams."""
from __future__ import annotations

import uuid

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from environments_app.choices import Deployment
from environments_app.models import Environment, SecurityRole
from users_app.filters.my_environments import MyEnvironmentFilterSet
from users_app.models import DirectoryUser, SystemUser


def my_environment_list(*, directory_user: DirectoryUser, filters=None) -> QuerySet[Environment]:
    """Every online environment with Dataverse, with the signed-in user's record state there
    (record_disabled: None when there is no record yet)."""
    records = SystemUser.objects.filter(environment=OuterRef("pk"), azureactivedirectoryobjectid=directory_user.id).order_by()
    queryset = (Environment.objects.filter(deployment=Deployment.ONLINE, dataverse=True)
                .annotate(record_disabled=Subquery(records.values("isdisabled")[:1]),
                          record_id=Subquery(records.values("systemuserid")[:1]))
                .order_by("name"))
    return MyEnvironmentFilterSet(filters or {}, queryset=queryset).qs


def my_environment_get(*, environment_id) -> Environment:
    return get_object_or_404(Environment, environment_id=environment_id)


def my_environment_find(*, environment_id: str) -> Environment | None:
    """The environment named by a query-string value (the one just opened), or None."""
    try:
        value = uuid.UUID(str(environment_id))
    except ValueError:
        return None
    return Environment.objects.filter(environment_id=value).first()


def my_record_get(*, directory_user: DirectoryUser, environment: Environment) -> SystemUser | None:
    """The signed-in user's record in the environment, with its roles (direct and through teams)."""
    return (SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=directory_user.id)
            .select_related("businessunit")
            .prefetch_related(Prefetch("roles", queryset=SecurityRole.objects.order_by("name")),
                              Prefetch("teams__roles", queryset=SecurityRole.objects.order_by("name")))
            .first())


def team_roles_of(record: SystemUser) -> list[tuple[str, str]]:
    """(team, role) pairs of a record loaded by my_record_get (no query)."""
    return [(team.name, role.name) for team in record.teams.all() for role in team.roles.all()]
