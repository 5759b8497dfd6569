"""Forms of the environment's Users pages. They parse input only; the services decide."""
from django import forms

from environments_app.models import Environment
from users_app.forms.pickers import PeoplePickerField
from users_app.selectors import pickers as picker_selectors
from users_app.selectors.pickers import environment_users
from users_app.services.records import ACCESS_MODES


class AddUsersForm(forms.Form):
    """Add user (SYNC-03): directory users chosen with the people picker (the suggestions: those
    without a record in the environment; typed without JavaScript: user names one per line). Any
    live directory user may be named: one with a disabled record is enabled again by the add."""

    users = PeoplePickerField(label="Users", scope="addable", required=False, queryset=picker_selectors.directory_users(),
                              help_text="Type a name or user name and pick from the list. Without JavaScript: one user "
                                        "name (UPN) per line, e.g. someone@contoso.onmicrosoft.com.")

    def __init__(self, *args, environment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].environment = environment

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.upns():
            raise forms.ValidationError("Enter at least one user name.")
        return cleaned

    def upns(self) -> list[str]:
        return [user.user_principal_name for user in self.cleaned_data.get("users") or []]


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
    manager = PeoplePickerField(label="Manager", scope="environment", multiple=False, required=False,
                                help_text="Type a name or user name and pick from the list; leave empty for no manager.")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        _pick_from(self.fields["manager"], users)


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
    target = PeoplePickerField(label="Reassign all records to", scope="environment", multiple=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        _pick_from(self.fields["target"], users)


def _pick_from(field, users) -> None:
    """A picker of `users` (an environment's users): its suggestions come from that environment, the
    users `users` leaves out of it (the user at hand) left out of them too."""
    field.queryset = users
    first = users.values_list("environment_id", flat=True)[:1]
    field.environment = Environment.objects.filter(pk__in=list(first)).first()
    if field.environment is not None:
        field.exclude = [str(key) for key in environment_users(field.environment).exclude(
            pk__in=users.values("pk")).values_list("systemuserid", flat=True)[:20]]
