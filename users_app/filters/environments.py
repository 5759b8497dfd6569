"""The environments list's filter set: `q` searches, `type` narrows."""
import django_filters

from portal.filters import SEARCH_WIDGET, SearchFilterSet
from environments_app.choices import EnvironmentType
from environments_app.models import Environment

class EnvironmentFilterSet(SearchFilterSet):
    search_fields = ("name", "region", "url", "security_group_name")
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    type = django_filters.ChoiceFilter(choices=EnvironmentType.choices, empty_label="All types", label="Type")

    class Meta:
        model = Environment
        fields = ["q", "type"]
