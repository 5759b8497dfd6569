"""Forms of the environment's Users pages. They parse input only; the services decide."""
from django import forms

from users_app.services.records import ACCESS_MODES


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.fullname or obj.domainname} ({obj.domainname})"


class AddUsersForm(forms.Form):
    """Add user (SYNC-03): a user picked from the directory, and/or user names one per line."""

    pick = forms.CharField(required=False, label="Directory user",
                           widget=forms.TextInput(attrs={"list": "directory-users", "autocomplete": "off"}),
                           help_text="Start typing a name or user name and pick the user from the directory.")
    users = forms.CharField(required=False, label="User names", widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="One user name (UPN) per line, e.g. someone@contoso.onmicrosoft.com.")

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.upns():
            raise forms.ValidationError("Enter at least one user name.")
        return cleaned

    def upns(self) -> list[str]:
        lines = [self.cleaned_data.get("pick") or "", *(self.cleaned_data.get("users") or "").splitlines()]
        upns = []
        for line in (value.strip() for value in lines):
            if line and line.lower() not in {u.lower() for u in upns}:
                upns.append(line)
        return upns


class RolesForm(forms.Form):
    roles = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                           label="Security roles")
    confirm_no_roles = forms.BooleanField(required=False, label=(
        "I understand: without any role the user stays enabled and licensed but cannot open apps (ROLE-03)."))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = roles


class TeamsForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                           label="Owner and access teams")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams


class BusinessUnitForm(forms.Form):
    business_unit = forms.ModelChoiceField(queryset=None, label="Business unit", empty_label=None)
    move_records = forms.BooleanField(required=False, label="Move records to new business unit")

    def __init__(self, *args, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = business_units


class ManagerForm(forms.Form):
    manager = UserChoiceField(queryset=None, required=False, label="Manager", empty_label="(no manager)")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = users


class PositionForm(forms.Form):
    position = forms.ModelChoiceField(queryset=None, required=False, label="Position", empty_label="(no position)")

    def __init__(self, *args, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = positions


ACCESS_MODE_CHOICES = (("read-write", "Read-Write"), ("administrative", "Administrative"), ("read", "Read"),
                       ("non-interactive", "Non-interactive"))
assert {value for value, _ in ACCESS_MODE_CHOICES} == set(ACCESS_MODES)


class UserForm(forms.Form):
    """Manage user in Dynamics 365: the user form's Client Access License (CAL) section and Primary Email."""

    accessmode = forms.ChoiceField(choices=ACCESS_MODE_CHOICES, label="Access Mode")
    internalemailaddress = forms.EmailField(required=False, label="Primary Email", help_text=(
        "Once edited here, the sync no longer updates it from the directory (FIELD-04)."))


class ReassignForm(forms.Form):
    target = UserChoiceField(queryset=None, label="Reassign all records to", empty_label=None)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = users
