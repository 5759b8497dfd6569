"""The portal's filter-set base (house style 30): `q` ORs `icontains` over `search_fields`."""
import django_filters
from django import forms
from django.db.models import Q

SEARCH_WIDGET = forms.TextInput(attrs={"type": "search", "placeholder": "Search", "autocomplete": "off"})


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    search_fields: tuple[str, ...] = ()

    def search_condition(self, value: str) -> Q:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return condition

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(self.search_condition(value)) if value else queryset
