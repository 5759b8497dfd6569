"""Filter sets of area C (house style 30): application users, stub users, on-premises records,
My environments. Each has `q`, searched as the admin types."""
import django_filters
from django.db.models import Q

from environments_app.choices import EnvironmentType
from environments_app.models import Environment
from users_app.models import SystemUser


class _SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    search_fields: tuple[str, ...] = ()

    def search_condition(self, value: str) -> Q:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return condition

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(self.search_condition(value)) if value else queryset


class AppUserFilterSet(_SearchFilterSet):
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


class StubUserFilterSet(_SearchFilterSet):
    search_fields = ("domainname", "fullname")

    class Meta:
        model = SystemUser
        fields = ["q"]


class OnPremisesUserFilterSet(_SearchFilterSet):
    search_fields = ("domainname", "fullname", "internalemailaddress", "address1_city")

    class Meta:
        model = SystemUser
        fields = ["q"]


class MyEnvironmentFilterSet(_SearchFilterSet):
    type = django_filters.ChoiceFilter(choices=EnvironmentType.choices, empty_label="All types", label="Type")
    search_fields = ("name", "region")

    class Meta:
        model = Environment
        fields = ["q", "type"]
