"""Forms of the data grid: Edit columns and the bulk panels. They parse input only; the services decide."""
from django import forms


class ColumnsForm(forms.Form):
    """Edit columns: the optional columns to show (required ones are always shown)."""

    columns = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Columns to show")

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(name, label) for name, label, required in options if not required]


class BulkRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Security roles to assign",
                                      help_text="Each user gets the role of its own business unit and keeps its other roles.")

    def __init__(self, *args, role_names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(name, name) for name in role_names]


class BulkTeamForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label="Team", empty_label="Choose a team",
                                  help_text="Owner and access teams (group teams follow their group, ROLE-07).")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class BulkBusinessUnitForm(forms.Form):
    business_unit = forms.ModelChoiceField(queryset=None, label="Business unit", empty_label="Choose a business unit")
    move_records = forms.BooleanField(required=False, label="Move the records each user owns along")

    def __init__(self, *args, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = business_units


class BulkRefreshForm(forms.Form):
    """Refresh: nothing to choose."""


class BulkLicenceForm(forms.Form):
    change = forms.ChoiceField(choices=(("add", "Assign this licence"), ("remove", "Remove this licence")),
                               widget=forms.RadioSelect, initial="add", label="Change")
    sku = forms.ModelChoiceField(queryset=None, label="Licence", empty_label="Choose a licence")

    def __init__(self, *args, skus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].queryset = skus
