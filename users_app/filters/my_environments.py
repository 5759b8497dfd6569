"""Filter set of My environments: `q` and the environment type."""
import django_filters

from environments_app.choices import EnvironmentType
from environments_app.models import Environment
from portal.filters import SearchFilterSet


class MyEnvironmentFilterSet(SearchFilterSet):
    type = django_filters.ChoiceFilter(choices=EnvironmentType.choices, empty_label="All types", label="Type")
    search_fields = ("name", "region")

    class Meta:
        model = Environment
        fields = ["q", "type"]
