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


def open_refusals(*, directory_user: DirectoryUser, environments) -> dict[int, tuple[str, ...]]:
    """For each environment (by pk), the rules that would surely refuse the user's Open (SYNC-02)
    now: the engine's decision for a first access, read only (nothing is written). Empty when Open
    would let them in. The page offers Open only where it is empty, and shows the rules elsewhere.
    The facts are read in a fixed number of queries whatever the rows (the snapshots of
    provisioning/snapshots.py, batched); roles are left out: they never decide (ROLE-01)."""
    from django.db.models import Count

    from users_app.models import DirectoryGroup
    from users_app.provisioning import snapshots
    from users_app.provisioning.engine import decide
    from users_app.provisioning.types import Action, EnvironmentSnapshot, Trigger

    environments = list(environments)
    user = snapshots.directory_snapshots([directory_user.id]).get(directory_user.id)
    if user is None or not environments:
        return {}
    group_ids = {g for e in environments for g in (e.security_group_object_id, e.teams_group_object_id) if g}
    names = dict(DirectoryGroup.objects.filter(id__in=group_ids).values_list("id", "name")) if group_ids else {}
    with_capacity = [e.pk for e in environments if e.app_pass_capacity]
    used = dict(SystemUser.objects.filter(environment_id__in=with_capacity, uses_app_pass=True, isdisabled=False)
                .order_by().values("environment_id").annotate(n=Count("id")).values_list("environment_id", "n")) \
        if with_capacity else {}
    marketing = snapshots.tenant_marketing_licence()
    rows = {row["environment_id"]: row for row in SystemUser.objects.filter(
        environment_id__in=[e.pk for e in environments], azureactivedirectoryobjectid=directory_user.id)
        .values("environment_id", *snapshots.RECORD_FIELDS)}
    answers = {}
    for environment in environments:
        env = EnvironmentSnapshot(
            name=environment.name, type=environment.type, dataverse=environment.dataverse,
            on_premises=environment.is_on_premises, security_group_id=environment.security_group_object_id,
            security_group_name=names.get(environment.security_group_object_id, ""),
            teams_group_id=environment.teams_group_object_id,
            teams_group_name=names.get(environment.teams_group_object_id, ""),
            created_by_object_id=environment.created_by_object_id, licence_type=environment.licence_type,
            app_pass_capacity_left=max(environment.app_pass_capacity - used.get(environment.pk, 0), 0),
            marketing_licence=marketing)
        row = rows.get(environment.pk)
        record = None
        if row is not None:
            lost = snapshots.app_pass_units_lost(environment) if row["uses_app_pass"] and not row["isdisabled"] else frozenset()
            record = snapshots.record_snapshot(row, app_pass_lost=lost)
        decision = decide(user=user, environment=env, record=record, trigger=Trigger.SIGN_IN)
        refused = decision.action == Action.REFUSE or decision.status == "disabled"
        answers[environment.pk] = tuple(decision.refused_by) if refused else ()
    return answers
