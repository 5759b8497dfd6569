"""Filter sets of the Microsoft 365 admin center lists: `q` searches as you type."""
import django_filters

from portal.filters import SearchFilterSet
from users_app import list_search
from users_app.choices import GroupType
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, Sku


class DirectoryUserFilterSet(SearchFilterSet):
    search_fields = ("display_name", "user_principal_name", "mail", "given_name", "surname")
    q = django_filters.CharFilter(method="search", label="Search active users")

    class Meta:
        model = DirectoryUser
        fields = ["q"]

    def search_candidates(self, value: str):
        """The trigram index (users_app.list_search) for 3 characters or more."""
        return list_search.candidates(list_search.DIRECTORYUSER, value) if list_search.usable(value) else None


class DeletedUserFilterSet(SearchFilterSet):
    search_fields = ("display_name", "original_user_principal_name", "original_mail")
    q = django_filters.CharFilter(method="search", label="Search deleted users")

    class Meta:
        model = DirectoryUser
        fields = ["q"]


class GroupFilterSet(SearchFilterSet):
    search_fields = ("name",)
    q = django_filters.CharFilter(method="search", label="Search groups")
    group_type = django_filters.ChoiceFilter(choices=GroupType.choices, empty_label="All group types", label="Type")

    class Meta:
        model = DirectoryGroup
        fields = ["q", "group_type"]


class SkuFilterSet(SearchFilterSet):
    search_fields = ("name", "sku_part_number")
    q = django_filters.CharFilter(method="search", label="Search licences")

    class Meta:
        model = Sku
        fields = ["q"]


class AppRegistrationFilterSet(SearchFilterSet):
    search_fields = ("name", "app_id")
    q = django_filters.CharFilter(method="search", label="Search app registrations")

    class Meta:
        model = AppRegistration
        fields = ["q"]
