"""Filter set of the application users' list: `q` (also an application id as typed) and the state."""
import django_filters
from django.db.models import Q

from portal.filters import SearchFilterSet
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
