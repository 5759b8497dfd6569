"""The portal's filter-set base: `q` ORs `icontains` over `search_fields`; a long list
narrows the rows first through a search index (`search_candidates`), the answer staying icontains'."""
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

    def search_candidates(self, value: str) -> Q | None:
        """A cheap superset of the rows search_condition keeps (a trigram index), or None."""
        return None

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        candidates = self.search_candidates(value)
        if candidates is not None:
            queryset = queryset.filter(candidates)
        return queryset.filter(self.search_condition(value))
