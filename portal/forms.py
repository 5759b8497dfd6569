"""Plain forms of the list pages' filter bars (portal/_filterbar.html renders them): a search box `q`,
with a list (select) beside it where a page filters by one more thing. Their names, ids and labels are
the pages' own, so links, tests and scripts that know them keep working."""
from django import forms


class SearchForm(forms.Form):
    """A list page's search box: `q`, labelled and with a placeholder as the page says."""
    q = forms.CharField(required=False, widget=forms.SearchInput(attrs={"autocomplete": "off"}))

    def __init__(self, data=None, *, label="Search", placeholder="", **kwargs):
        super().__init__(data, **kwargs)
        self.fields["q"].label = label
        if placeholder:
            self.fields["q"].widget.attrs["placeholder"] = placeholder


class SearchSelectForm(SearchForm):
    """The search box and one list beside it (a group's type, an environment's type...)."""

    def __init__(self, data=None, *, name, select_label, empty_label, choices, **kwargs):
        super().__init__(data, **kwargs)
        self.fields[name] = forms.ChoiceField(required=False, label=select_label,
                                              choices=[("", empty_label), *choices])
