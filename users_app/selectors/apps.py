"""Read queries of area C: application users, data import and reassignment, on-premises
records and "My environments" (house style 12). List pages use a fixed number of queries
whatever the number of rows."""
from __future__ import annotations

import uuid

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from environments_app.choices import Deployment
from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import PLACEHOLDER_USER_TYPES, SyncTrigger, UserType
from users_app.filters.apps import (
    AppUserFilterSet,
    MyEnvironmentFilterSet,
    OnPremisesUserFilterSet,
    StubUserFilterSet,
)
from users_app.models import Account, AppRegistration, DirectoryUser, SyncRun, SystemUser



def _roles_prefetch() -> Prefetch:
    return Prefetch("roles", queryset=SecurityRole.objects.order_by("name"))


def _owned_count() -> Subquery:
    return Subquery(Account.objects.filter(owner=OuterRef("pk")).order_by().values("owner")
                    .annotate(n=Count("pk")).values("n")[:1])


# --- Application users (APP) --------------------------------------------------------------------


def app_user_list(*, environment: Environment, filters=None) -> QuerySet[SystemUser]:
    queryset = (SystemUser.objects.filter(environment=environment, user_type=UserType.APPLICATION)
                .select_related("businessunit").prefetch_related(_roles_prefetch())
                .annotate(app_name=Subquery(AppRegistration.objects.filter(app_id=OuterRef("applicationid"))
                                            .values("name")[:1]))
                .order_by("lastname", "domainname"))
    return AppUserFilterSet(filters or {}, queryset=queryset).qs


def app_user_get(*, environment: Environment, systemuserid) -> SystemUser:
    queryset = (SystemUser.objects.filter(user_type=UserType.APPLICATION)
                .select_related("businessunit", "environment").prefetch_related(_roles_prefetch())
                .annotate(app_name=Subquery(AppRegistration.objects.filter(app_id=OuterRef("applicationid"))
                                            .values("name")[:1]),
                          owned_records=_owned_count()))
    return get_object_or_404(queryset, environment=environment, systemuserid=systemuserid)


def app_registration_choices(*, environment: Environment) -> QuerySet[AppRegistration]:
    """Every app registration, those that already have an application user here marked (APP-05
    refuses them; the list still offers them so that the refusal can say why)."""
    return AppRegistration.objects.annotate(
        has_app_user=Exists(SystemUser.objects.filter(environment=environment, applicationid=OuterRef("app_id")))
    ).order_by("name")


def business_unit_choices(*, environment: Environment) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.filter(environment=environment).order_by("parentbusinessunit_id", "name")


def role_choices(*, environment: Environment) -> QuerySet[SecurityRole]:
    return SecurityRole.objects.filter(environment=environment).select_related("business_unit").order_by("name", "business_unit__name")


# --- Data import and reassignment (STUB) -------------------------------------------------------


def import_run_list(*, environment: Environment, limit: int = 5) -> list[SyncRun]:
    """The latest data imports of the environment, with their per-user decisions (SYNC-07)."""
    return list(SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.IMPORT).order_by("-started_at", "-id")[:limit])


def stub_user_list(*, environment: Environment, filters=None) -> QuerySet[SystemUser]:
    queryset = (SystemUser.objects.filter(environment=environment, user_type=UserType.STUB)
                .annotate(owned_records=_owned_count()).order_by("domainname"))
    return StubUserFilterSet(filters or {}, queryset=queryset).qs


def reassign_target_choices(*, environment: Environment) -> QuerySet[SystemUser]:
    """Users records may go to: every record of the environment but stubs, placeholders and deleted ones."""
    return (SystemUser.objects.filter(environment=environment, deletedstate=0)
            .exclude(user_type__in=(*PLACEHOLDER_USER_TYPES, UserType.STUB)).order_by("fullname", "domainname"))


# --- On-premises records (ONPREM) ------------------------------------------------------------------


def onprem_user_list(*, environment: Environment, filters=None) -> QuerySet[SystemUser]:
    """The records an on-premises environment read from Active Directory (ONPREM-01)."""
    queryset = (SystemUser.objects.filter(environment=environment, environment__deployment=Deployment.ON_PREMISES,
                                          azureactivedirectoryobjectid__isnull=True)
                .exclude(user_type__in=(*PLACEHOLDER_USER_TYPES, UserType.STUB, UserType.APPLICATION))
                .select_related("businessunit").order_by("domainname"))
    return OnPremisesUserFilterSet(filters or {}, queryset=queryset).qs


def onprem_user_get(*, environment: Environment, systemuserid) -> SystemUser:
    queryset = SystemUser.objects.select_related("environment", "businessunit")
    return get_object_or_404(queryset, environment=environment, systemuserid=systemuserid)


# --- My environments (SYNC-02) --------------------------------------------------------------------


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
            .prefetch_related(_roles_prefetch(),
                              Prefetch("teams__roles", queryset=SecurityRole.objects.order_by("name")))
            .first())


def team_roles_of(record: SystemUser) -> list[tuple[str, str]]:
    """(team, role) pairs of a record loaded by my_record_get (no query)."""
    return [(team.name, role.name) for team in record.teams.all() for role in team.roles.all()]

