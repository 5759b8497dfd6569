"""Filter sets of an environment's structure pages: teams, security roles, business units,
sync runs. Each takes the environment, so choices stay inside it."""
import django_filters

from portal.filters import SEARCH_WIDGET, SearchFilterSet
from environments_app.models import BusinessUnit, SecurityRole
from users_app.choices import SyncStatus, SyncTrigger, TeamType
from users_app.models import SyncRun, Team


class _EnvironmentFilterSet(SearchFilterSet):
    def __init__(self, data=None, queryset=None, *, environment, **kwargs):
        self.environment = environment
        super().__init__(data, queryset, **kwargs)
        if "business_unit" in self.filters:
            self.filters["business_unit"].queryset = BusinessUnit.objects.filter(environment=environment)


class TeamFilterSet(_EnvironmentFilterSet):
    search_fields = ("name", "description", "group_name")
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    teamtype = django_filters.ChoiceFilter(choices=TeamType.choices, empty_label="All team types", label="Team type")
    business_unit = django_filters.ModelChoiceFilter(
        field_name="businessunit", queryset=BusinessUnit.objects.none(), to_field_name="businessunitid",
        empty_label="All business units", label="Business unit")

    class Meta:
        model = Team
        fields = ["q", "teamtype", "business_unit"]


class SecurityRoleFilterSet(_EnvironmentFilterSet):
    search_fields = ("name",)
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    business_unit = django_filters.ModelChoiceFilter(
        field_name="business_unit", queryset=BusinessUnit.objects.none(), to_field_name="businessunitid",
        empty_label="All business units", label="Business unit")

    class Meta:
        model = SecurityRole
        fields = ["q", "business_unit"]


class BusinessUnitFilterSet(_EnvironmentFilterSet):
    search_fields = ("name", "parentbusinessunit__name")
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)

    class Meta:
        model = BusinessUnit
        fields = ["q"]


class SyncRunFilterSet(_EnvironmentFilterSet):
    search_fields = ("initiated_by", "error")
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    trigger = django_filters.ChoiceFilter(choices=SyncTrigger.choices, empty_label="All triggers", label="Trigger")
    status = django_filters.ChoiceFilter(choices=SyncStatus.choices, empty_label="All statuses", label="Status")

    class Meta:
        model = SyncRun
        fields = ["q", "trigger", "status"]
