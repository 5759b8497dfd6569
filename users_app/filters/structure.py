"""Filter sets of an environment's structure pages: teams, security roles, business units,
sync runs (house style 30). Each takes the environment, so choices stay inside it."""
import django_filters
from django import forms
from django.db.models import Q

from environments_app.models import BusinessUnit, SecurityRole
from users_app.choices import SyncStatus, SyncTrigger, TeamType
from users_app.models import SyncRun, Team

SEARCH_WIDGET = forms.TextInput(attrs={"type": "search", "placeholder": "Search", "autocomplete": "off"})


class _EnvironmentFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, environment, **kwargs):
        self.environment = environment
        super().__init__(data, queryset, **kwargs)
        if "business_unit" in self.filters:
            self.filters["business_unit"].queryset = BusinessUnit.objects.filter(environment=environment)


class TeamFilterSet(_EnvironmentFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    teamtype = django_filters.ChoiceFilter(choices=TeamType.choices, empty_label="All team types", label="Team type")
    business_unit = django_filters.ModelChoiceFilter(
        field_name="businessunit", queryset=BusinessUnit.objects.none(), to_field_name="businessunitid",
        empty_label="All business units", label="Business unit")

    class Meta:
        model = Team
        fields = ["q", "teamtype", "business_unit"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value) | Q(group_name__icontains=value))


class SecurityRoleFilterSet(_EnvironmentFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    business_unit = django_filters.ModelChoiceFilter(
        field_name="business_unit", queryset=BusinessUnit.objects.none(), to_field_name="businessunitid",
        empty_label="All business units", label="Business unit")

    class Meta:
        model = SecurityRole
        fields = ["q", "business_unit"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset


class BusinessUnitFilterSet(_EnvironmentFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)

    class Meta:
        model = BusinessUnit
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(parentbusinessunit__name__icontains=value))


class SyncRunFilterSet(_EnvironmentFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    trigger = django_filters.ChoiceFilter(choices=SyncTrigger.choices, empty_label="All triggers", label="Trigger")
    status = django_filters.ChoiceFilter(choices=SyncStatus.choices, empty_label="All statuses", label="Status")

    class Meta:
        model = SyncRun
        fields = ["q", "trigger", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(initiated_by__icontains=value) | Q(error__icontains=value))
