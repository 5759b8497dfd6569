"""Filter sets of an environment's structure pages: teams, security roles, business units,
sync runs. Each takes the environment, so choices stay inside it."""
import django_filters
from django import forms
from django.db.models import Q

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
    """Sync history's filters: a user's name searched in the runs' decisions, the trigger, the
    status, and whether runs that changed nothing show (hidden unless asked: SYNC-07 keeps them)."""
    SHOW_CHOICES = (("changed", "Runs that changed or refused something"), ("all", "All runs"))
    q = django_filters.CharFilter(method="by_user", label="User", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "User name", "autocomplete": "off"}))
    trigger = django_filters.ChoiceFilter(choices=[(t, SyncRun.TRIGGER_LABELS[t]) for t in SyncTrigger],
                                          empty_label="All triggers", label="Trigger")
    status = django_filters.ChoiceFilter(choices=SyncStatus.choices, empty_label="All statuses", label="Status")
    show = django_filters.ChoiceFilter(choices=SHOW_CHOICES, method="by_show", label="Show", empty_label=None)

    class Meta:
        model = SyncRun
        fields = ["q", "trigger", "status", "show"]

    @property
    def qs(self):
        queryset = super().qs
        if (self.data.get("show") or "changed") == "all":
            return queryset
        return queryset.exclude(self.NOTHING_CHANGED)

    # A finished run that added, enabled, disabled, updated and refused no one, and logged no decision.
    NOTHING_CHANGED = Q(status=SyncStatus.SUCCEEDED, added=0, enabled=0, disabled=0, updated=0, refused=0, decisions=[])

    def by_user(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(decisions__icontains=value) if value else queryset

    def by_show(self, queryset, name, value):
        return queryset  # applied in qs, so that the default (no value) hides them too
