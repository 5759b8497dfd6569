"""Forms of the Microsoft 365 admin center screens: input parsing only. The rules (DIR-01..DIR-11)
are checked by users_app.services.directory, which refuses with the rule's ID."""
from django import forms

from users_app.choices import AdminRole, GroupType
from users_app.forms.pickers import PeoplePickerField

# Usage location (DIR-10): the two-letter country where the user works.
USAGE_LOCATIONS = (
    ("AR", "Argentina"), ("AU", "Australia"), ("AT", "Austria"), ("BE", "Belgium"), ("BR", "Brazil"),
    ("CA", "Canada"), ("CH", "Switzerland"), ("CN", "China"), ("CZ", "Czechia"), ("DE", "Germany"),
    ("DK", "Denmark"), ("ES", "Spain"), ("FI", "Finland"), ("FR", "France"), ("GB", "United Kingdom"),
    ("HK", "Hong Kong SAR"), ("IE", "Ireland"), ("IL", "Israel"), ("IN", "India"), ("IT", "Italy"),
    ("JP", "Japan"), ("KR", "Korea"), ("MX", "Mexico"), ("NL", "Netherlands"), ("NO", "Norway"),
    ("NZ", "New Zealand"), ("PL", "Poland"), ("PT", "Portugal"), ("SE", "Sweden"), ("SG", "Singapore"),
    ("US", "United States"), ("ZA", "South Africa"),
)


def usage_location_choices(current: str | None = None) -> list[tuple[str, str]]:
    choices = [("", "— None —")] + list(USAGE_LOCATIONS)
    if current and current not in dict(USAGE_LOCATIONS):
        choices.append((current, current))
    return choices


class _Form(forms.Form):
    """Labels without a trailing colon, as the admin centers show them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _admin_role_choices():
    return list(AdminRole.choices)


class DirectoryUserAccountForm(_Form):
    """The Account tab: the directory's profile fields (DIR-03)."""

    user_principal_name = forms.CharField(label="Username (UPN)", max_length=255)
    display_name = forms.CharField(label="Display name", max_length=256)
    given_name = forms.CharField(label="First name", max_length=64, required=False)
    surname = forms.CharField(label="Last name", max_length=64, required=False)
    job_title = forms.CharField(label="Job title", max_length=128, required=False)
    department = forms.CharField(label="Department", max_length=64, required=False)
    office_location = forms.CharField(label="Office", max_length=128, required=False)
    mail = forms.CharField(label="Mail", max_length=255, required=False)
    business_phone = forms.CharField(label="Office phone", max_length=64, required=False)
    mobile_phone = forms.CharField(label="Mobile phone", max_length=64, required=False)
    street_address = forms.CharField(label="Street address", max_length=1024, required=False)
    city = forms.CharField(label="City", max_length=128, required=False)
    state = forms.CharField(label="State or province", max_length=128, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=40, required=False)
    country = forms.CharField(label="Country or region", max_length=128, required=False)
    usage_location = forms.ChoiceField(label="Usage location", required=False)

    FIELDS = ("user_principal_name", "display_name", "given_name", "surname", "job_title", "department",
              "office_location", "mail", "business_phone", "mobile_phone", "street_address", "city", "state",
              "postal_code", "country", "usage_location")

    def __init__(self, *args, user, editable=None, **kwargs):
        """`editable`: the fields the signed-in admin may change on this user (DIR-05); the others
        are shown disabled, and what a browser posts for them is ignored."""
        initial = {name: getattr(user, name) or "" for name in self.FIELDS}
        if user.is_deleted:  # DIR-11: show the names the user is known by
            initial["user_principal_name"] = user.original_user_principal_name
            initial["mail"] = user.original_mail
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["usage_location"].choices = usage_location_choices(user.usage_location)
        if editable is not None:
            for name in self.FIELDS:
                self.fields[name].disabled = name not in editable

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["usage_location"] = data["usage_location"] or None
        return data


class LicencesForm(_Form):
    """Licenses and apps: tick the licences the user should hold."""

    skus = forms.MultipleChoiceField(label="Licenses", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, licence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skus"].choices = list(licence_choices)


class AdminRolesForm(_Form):
    roles = forms.MultipleChoiceField(label="Admin roles", required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=_admin_role_choices)


class PasswordResetForm(_Form):
    email_password_to = forms.EmailField(label="Email the new password to", required=False,
                                         help_text="Leave empty to give the password another way.")


class ConfirmForm(_Form):
    confirm = forms.BooleanField(label="I understand", required=True)


class GroupCreateForm(_Form):
    name = forms.CharField(label="Name", max_length=256)
    group_type = forms.ChoiceField(label="Group type", choices=GroupType.choices, initial=GroupType.SECURITY)


class GroupMembersAddForm(_Form):
    """Add members: users and/or groups (DIR-06: a group may contain groups), through the people picker."""

    users = PeoplePickerField(label="Users", scope="directory", required=False)
    groups = PeoplePickerField(label="Groups", scope="groups", required=False)

    def __init__(self, *args, exclude_users=(), exclude_groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].exclude = [str(key) for key in exclude_users]
        self.fields["groups"].exclude = [str(key) for key in exclude_groups]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("users") and not data.get("groups"):
            raise forms.ValidationError("Select at least one user or group to add.")
        return data


class UsersPickForm(_Form):
    """Pick users (group owners), through the people picker."""

    users = PeoplePickerField(label="Users", scope="directory")

    def __init__(self, *args, exclude_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].exclude = [str(key) for key in exclude_users]


class AppRegistrationCreateForm(_Form):
    name = forms.CharField(label="Name", max_length=200)


class AppRegistrationPermissionsForm(_Form):
    """API permissions: the Microsoft Graph application permissions granted (admin consent); saving
    grants exactly the ticked ones and revokes the others."""

    permissions = forms.MultipleChoiceField(label="Microsoft Graph application permissions", required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(name, name) for name in offered]


class RoleHolderAddForm(_Form):
    """Add an admin: one user, through the people picker."""

    user = PeoplePickerField(label="User", scope="directory", multiple=False)

    def __init__(self, *args, exclude_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].exclude = [str(key) for key in exclude_users]
