"""The environments list's filter set (house style 30): `q` searches, `type` narrows."""
import django_filters
from django import forms
from django.db.models import Q

from environments_app.choices import EnvironmentType
from environments_app.models import Environment

SEARCH_WIDGET = forms.TextInput(attrs={"type": "search", "placeholder": "Search", "autocomplete": "off"})


class EnvironmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    type = django_filters.ChoiceFilter(choices=EnvironmentType.choices, empty_label="All types", label="Type")

    class Meta:
        model = Environment
        fields = ["q", "type"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(region__icontains=value) | Q(url__icontains=value)
                               | Q(security_group_name__icontains=value))
