"""The Microsoft 365 "Add a user" wizard's steps (DIR-01): Basics, Product licenses, Optional
settings. Input parsing only: the user is created at Finish by directory.directory_user_create,
which checks the rules (DIR-02 seats, DIR-05 roles, DIR-10 usage location) and refuses with the
rule's ID. A step's form validates what it can say on that step (a name already taken, a password
the validators refuse, a licence without a usage location)."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from users_app.choices import AdminRole
from users_app.models import DirectoryUser
from users_app.passwords import password_problems
from users_app.services.names import name_taken

from .m365 import _Form, usage_location_choices

AUTO, MANUAL = "auto", "manual"
ASSIGN, NO_LICENCE = "assign", "none"
USER_ONLY, ADMIN_ACCESS = "user", "admin"
# Profile info: the directory's own fields (DIR-03), in the real wizard's order; its Fax has no column here.
PROFILE = ("job_title", "department", "office_location", "business_phone", "mobile_phone", "street_address", "city",
           "state", "postal_code", "country")


class BasicsForm(_Form):
    """Set up the basics: names, user name and domain, the password and how it is given."""

    given_name = forms.CharField(label="First name", max_length=64, required=False)
    surname = forms.CharField(label="Last name", max_length=64, required=False)
    display_name = forms.CharField(label="Display name", max_length=256, required=False,
                                   help_text="Filled from the first and last name unless you type one.")
    username = forms.CharField(label="Username", max_length=120)
    domain = forms.ChoiceField(label="Domains")
    password_mode = forms.ChoiceField(
        label="Password", widget=forms.RadioSelect, initial=AUTO,
        choices=((AUTO, "Automatically create a password"), (MANUAL, "Let me create the password")))
    password = forms.CharField(label="Password (if you create it)", required=False, max_length=256,
                               widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}))
    require_change = forms.BooleanField(
        label="Require this user to change their password when they first sign in", required=False, initial=True,
        help_text="Always on for an automatically created password: it is temporary (DIR-01).")
    email_password_to = forms.EmailField(label="Email the password to", required=False,
                                         help_text="Optional. Leave empty to give the password another way.")

    def __init__(self, *args, domains=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [(d, f"@{d}") for d in domains]

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        if "@" in value or " " in value or not value:
            raise forms.ValidationError("Type only the part before the @, without spaces.")
        return value

    def clean(self):
        data = super().clean()
        given, surname = data.get("given_name", "").strip(), data.get("surname", "").strip()
        if not data.get("display_name", "").strip():
            data["display_name"] = " ".join(part for part in (given, surname) if part)
            if not data["display_name"]:
                self.add_error("display_name", "Type a display name, or a first or last name to make one.")
        if data.get("username") and data.get("domain"):
            upn = f"{data['username']}@{data['domain']}"
            taken = name_taken(DirectoryUser.objects.all(), upn, field="user_principal_name") or \
                get_user_model().objects.filter(username=upn.lower()).exists()
            if taken:
                self.add_error("username", f"The user name {upn} is already in use. Choose another one.")
            elif data.get("password_mode") == MANUAL:
                self._check_password(data, upn)
        if data.get("password_mode") == AUTO:  # temporary: always changed at first sign-in (DIR-01)
            data["password"], data["require_change"] = "", True
        return data

    def _check_password(self, data, upn):
        password = data.get("password", "")
        if not password:
            self.add_error("password", "Type the password, or choose Automatically create a password.")
            return
        for problem in password_problems(password, upn=upn, display_name=data.get("display_name", "")):
            self.add_error("password", problem)

    def upn(self) -> str:
        return f"{self.cleaned_data['username']}@{self.cleaned_data['domain']}"


class LicencesStepForm(_Form):
    """Assign product licenses: the usage location, then the licences (each with its apps)."""

    usage_location = forms.ChoiceField(label="Select location", required=False,
                                       help_text="Where the user works: needed before a license is assigned (DIR-10).")
    licence_mode = forms.ChoiceField(
        label="Licenses", widget=forms.RadioSelect, initial=ASSIGN,
        choices=((ASSIGN, "Assign user a product license"),
                 (NO_LICENCE, "Create user without product license (not recommended)")))
    licences = forms.MultipleChoiceField(label="Product licenses", required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, licence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_location"].choices = usage_location_choices()
        self.fields["licences"].choices = list(licence_choices)

    def clean(self):
        data = super().clean()
        if data.get("licence_mode") == NO_LICENCE:
            data["licences"] = []
        elif "licences" in data and not data["licences"]:
            self.add_error("licences", "Pick at least one license, or choose Create user without product license.")
        if data.get("licences") and not data.get("usage_location"):
            self.add_error("usage_location", "Select a location: a license can be assigned only to a user with a "
                                             "usage location (DIR-10).")
        return data


class OptionalSettingsForm(_Form):
    """Optional settings: admin roles and profile info. The role boxes shown are the ones the acting
    admin may grant; any known role is accepted here and the service decides (DIR-05) at Finish."""

    role_mode = forms.ChoiceField(
        label="Roles", widget=forms.RadioSelect, initial=USER_ONLY,
        choices=((USER_ONLY, "User (no admin center access)"), (ADMIN_ACCESS, "Admin center access")))
    admin_roles = forms.MultipleChoiceField(label="Admin roles", required=False, widget=forms.CheckboxSelectMultiple,
                                            choices=AdminRole.choices)
    job_title = forms.CharField(label="Job title", max_length=128, required=False)
    department = forms.CharField(label="Department", max_length=64, required=False)
    office_location = forms.CharField(label="Office", max_length=128, required=False)
    business_phone = forms.CharField(label="Office phone", max_length=64, required=False)
    mobile_phone = forms.CharField(label="Mobile phone", max_length=64, required=False)
    street_address = forms.CharField(label="Street address", max_length=1024, required=False)
    city = forms.CharField(label="City", max_length=128, required=False)
    state = forms.CharField(label="State or province", max_length=128, required=False)
    postal_code = forms.CharField(label="Zip or postal code", max_length=40, required=False)
    country = forms.CharField(label="Country or region", max_length=128, required=False)

    def __init__(self, *args, grantable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grantable = list(grantable)

    def clean(self):
        data = super().clean()
        if data.get("role_mode") == USER_ONLY:
            data["admin_roles"] = []
        elif "admin_roles" in data and not data["admin_roles"]:
            self.add_error("admin_roles", "Pick at least one admin role, or choose User (no admin center access).")
        return data

    def grantable_role_boxes(self):
        """The admin_roles checkboxes of the roles this admin may grant (the others are not shown)."""
        return [box for box in self["admin_roles"] if box.data["value"] in self.grantable]

    def profile_fields(self):
        return [self[name] for name in PROFILE]


def service_arguments(basics: BasicsForm, licences: LicencesStepForm, optional: OptionalSettingsForm) -> dict:
    """The three valid steps as directory.directory_user_create's arguments."""
    b, lic, opt = basics.cleaned_data, licences.cleaned_data, optional.cleaned_data
    manual = b["password_mode"] == MANUAL
    return {
        "user_principal_name": basics.upn(),
        "display_name": b["display_name"],
        "given_name": b["given_name"],
        "surname": b["surname"],
        "password": b["password"] if manual else None,
        "must_change_password": bool(b["require_change"]) if manual else True,
        "email_password_to": b["email_password_to"] or None,
        "usage_location": lic["usage_location"] or None,
        "licences": lic["licences"],
        "admin_roles": opt["admin_roles"],
        **{name: opt[name] for name in PROFILE},
    }


class SignInForm(_Form):
    """The Block sign-in / Unblock sign-in panel of a user (its one box, as the real panel has it)."""

    blocked = forms.BooleanField(label="Block this user from signing in", required=False)
