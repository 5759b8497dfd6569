"""The audit log's filter set: `q` searches actor, target and action; a date
range (from / to, whole days in the portal's time zone) and the outcome narrow it."""
import datetime

import django_filters
from django import forms
from django.utils import timezone

from portal.filters import SearchFilterSet
from users_app.models import AuditEntry

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEntryFilterSet(SearchFilterSet):
    search_fields = ("actor", "target", "action", "environment")
    q = django_filters.CharFilter(method="search", label="Search the audit log")
    date_from = django_filters.DateFilter(method="filter_from", label="From", widget=DATE_WIDGET)
    date_to = django_filters.DateFilter(method="filter_to", label="To", widget=DATE_WIDGET)
    outcome = django_filters.ChoiceFilter(choices=AuditEntry.Outcome.choices, empty_label="All outcomes",
                                          label="Outcome")

    class Meta:
        model = AuditEntry
        fields = ["q", "date_from", "date_to", "outcome"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        """Up to the end of that day."""
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))
