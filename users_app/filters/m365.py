"""Filter sets of the Microsoft 365 admin center lists (house style 30): `q` searches as you type."""
import django_filters
from django.db.models import Q

from users_app.choices import GroupType
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, Sku


class DirectoryUserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search active users")

    class Meta:
        model = DirectoryUser
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(user_principal_name__icontains=value)
                               | Q(mail__icontains=value) | Q(given_name__icontains=value)
                               | Q(surname__icontains=value))


class DeletedUserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search deleted users")

    class Meta:
        model = DirectoryUser
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(original_user_principal_name__icontains=value)
                               | Q(original_mail__icontains=value))


class GroupFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search groups")
    group_type = django_filters.ChoiceFilter(choices=GroupType.choices, empty_label="All group types", label="Type")

    class Meta:
        model = DirectoryGroup
        fields = ["q", "group_type"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset


class SkuFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search licences")

    class Meta:
        model = Sku
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(sku_part_number__icontains=value))


class AppRegistrationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search app registrations")

    class Meta:
        model = AppRegistration
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(app_id__icontains=value))
