"""Reads of the environment's Users pages: the list (views, search, sort) and a profile."""
from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from environments_app.models import BusinessUnit, Environment, Position, SecurityRole
from users_app.choices import PLACEHOLDER_USER_TYPES, UserType
from users_app.filters.environment_users import EnvironmentUserFilterSet
from users_app.models import DirectoryUser, LicenceAssignment, SystemUser, Team


def environment_user_list(*, environment: Environment, filters) -> QuerySet[SystemUser]:
    """The Users list: `view` (enabled by default, disabled, application, stub, all) and `q`.
    Unordered: the table orders and pages it by keyset (users_app.tables.environment_users)."""
    qs = SystemUser.objects.filter(environment=environment)
    filterset = EnvironmentUserFilterSet(filters, queryset=qs)
    return filterset.qs.select_related("businessunit", "environment")


def business_unit_order(environment: Environment) -> list[int]:
    """The environment's business unit ids by name: the order of the list sorted by business unit."""
    return list(BusinessUnit.objects.filter(environment=environment).order_by("name", "id").values_list("id", flat=True))


def environment_user_get(*, environment: Environment, systemuserid) -> SystemUser:
    qs = (SystemUser.objects.filter(environment=environment)
          .select_related("businessunit", "parentsystemuser", "position", "environment")
          .prefetch_related("roles", Prefetch("teams", queryset=Team.objects.prefetch_related("roles").order_by("name")))
          .annotate(owned_records=Count("owned_accounts", distinct=True)))
    return get_object_or_404(qs, systemuserid=systemuserid)


def directory_user_for(systemuser: SystemUser) -> DirectoryUser | None:
    if systemuser.azureactivedirectoryobjectid is None or systemuser.applicationid is not None:
        return None
    return DirectoryUser.objects.filter(id=systemuser.azureactivedirectoryobjectid).first()


def licence_summary(directory_user: DirectoryUser | None) -> list[LicenceAssignment]:
    if directory_user is None:
        return []
    return list(directory_user.licence_assignments.select_related("sku").order_by("sku__name"))


def environment_roles(environment: Environment, systemuser: SystemUser) -> QuerySet[SecurityRole]:
    """The roles offered for a user: those of the user's business unit (roles are BU-scoped)."""
    return SecurityRole.objects.filter(environment=environment, business_unit=systemuser.businessunit).order_by("name")


def manual_teams(environment: Environment) -> QuerySet[Team]:
    """Owner and Access teams, whose members are managed by hand (ROLE-07)."""
    return Team.objects.filter(environment=environment, isdefault=False, teamtype__in=(0, 1)).order_by("name")


def other_users(environment: Environment, systemuser: SystemUser) -> QuerySet[SystemUser]:
    return (SystemUser.objects.filter(environment=environment)
            .exclude(pk=systemuser.pk).exclude(user_type__in=[*PLACEHOLDER_USER_TYPES, UserType.STUB])
            .order_by("fullname", "domainname"))


def addable_directory_users(environment: Environment) -> QuerySet[DirectoryUser]:
    """Directory users without a record in the environment (the Add user picker)."""
    taken = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid__isnull=False).values(
        "azureactivedirectoryobjectid")
    return DirectoryUser.objects.filter(deleted_state="").exclude(id__in=taken).order_by("user_principal_name")


def business_units(environment: Environment) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.filter(environment=environment).order_by("name")


def positions(environment: Environment) -> QuerySet[Position]:
    return Position.objects.filter(environment=environment).order_by("name")


def record_of(environment: Environment, directory_user: DirectoryUser | None) -> SystemUser | None:
    """The signed-in user's own record in the environment (MODE-04 asks whether it is System Administrator)."""
    if directory_user is None:
        return None
    return SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=directory_user.id).first()
