"""Reads of the application users' pages (APP): the list, one application user with its roles
and owned records, and the choices of the create and edit forms. The list uses a fixed number of
queries whatever the number of rows."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import UserType
from users_app.filters.app_users import AppUserFilterSet
from users_app.models import AppRegistration, SystemUser
from users_app.selectors.imports import owned_record_count


def _roles_prefetch() -> Prefetch:
    return Prefetch("roles", queryset=SecurityRole.objects.order_by("name"))


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
                          owned_records=owned_record_count()))
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
