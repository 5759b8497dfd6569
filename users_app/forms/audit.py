"""The audit log's filter bar (portal/_filterbar.html): the search, the dates and the result."""
from django import forms

from portal.forms import SearchForm
from users_app.models import AuditEntry


class AuditSearchForm(SearchForm):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(required=False, label="Result", choices=[("", "All results"), *AuditEntry.Outcome.choices])

    def __init__(self, data=None, **kwargs):
        super().__init__(data, label="Search the audit log", placeholder="Actor, target or activity", **kwargs)
