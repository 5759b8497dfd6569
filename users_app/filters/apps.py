"""Filter sets of area C (house style 30): application users, stub users, on-premises records,
My environments. Each has `q`, searched as the admin types."""
import django_filters
from django.db.models import Q

from portal.filters import SearchFilterSet
from environments_app.choices import EnvironmentType
from environments_app.models import Environment
from users_app.models import SystemUser


class AppUserFilterSet(SearchFilterSet):
    STATE_CHOICES = (("active", "Active"), ("inactive", "Inactive"))
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="filter_state", empty_label="All states",
                                        label="State")
    search_fields = ("fullname", "lastname", "domainname", "internalemailaddress", "app_name")

    class Meta:
        model = SystemUser
        fields = ["q", "state"]

    def search_condition(self, value: str) -> Q:
        condition = super().search_condition(value)
        # The application (client) id is a UUID: match it as typed, with or without dashes.
        compact = value.replace("-", "").lower()
        if len(compact) == 32 and all(c in "0123456789abcdef" for c in compact):
            condition |= Q(applicationid=compact)
        return condition

    def filter_state(self, queryset, name, value):
        return queryset.filter(isdisabled=(value == "inactive")) if value else queryset


class StubUserFilterSet(SearchFilterSet):
    search_fields = ("domainname", "fullname")

    class Meta:
        model = SystemUser
        fields = ["q"]


class OnPremisesUserFilterSet(SearchFilterSet):
    search_fields = ("domainname", "fullname", "internalemailaddress", "address1_city")

    class Meta:
        model = SystemUser
        fields = ["q"]


class MyEnvironmentFilterSet(SearchFilterSet):
    type = django_filters.ChoiceFilter(choices=EnvironmentType.choices, empty_label="All types", label="Type")
    search_fields = ("name", "region")

    class Meta:
        model = Environment
        fields = ["q", "type"]
