"""Reads of the on-premises records (ONPREM): the Active Directory users of an on-premises
environment and one record to edit by hand."""
from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from environments_app.choices import Deployment
from environments_app.models import Environment
from users_app.choices import PLACEHOLDER_USER_TYPES, UserType
from users_app.filters.onprem_users import OnPremisesUserFilterSet
from users_app.models import SystemUser


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
