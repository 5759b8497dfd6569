"""Forms of area C: input parsing only. The rules (APP-03, APP-05, STUB, ONPREM-02) are
checked by users_app.services.records / .imports, never here."""
from django import forms

from users_app.selectors.apps import (
    app_registration_choices,
    business_unit_choices,
    reassign_target_choices,
    role_choices,
    stub_user_list,
)

# The largest CSV the data import and the bulk reassign take, as a file or as text, for the
# preview and again when the previewed text is posted back to import it (the same limit for
# both steps: portal/settings.py's DATA_UPLOAD_MAX_MEMORY_SIZE leaves room for it).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
TOO_LARGE = "The CSV is larger than 5 MB: split it into smaller files."


def csv_text(text: str) -> str:
    """The CSV's text as both steps see it: no byte-order mark, lines ending in LF (a browser
    posts a textarea's lines back with CR LF), refused above MAX_UPLOAD_BYTES of UTF-8."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if len(text) > MAX_UPLOAD_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(TOO_LARGE, code="too_large")
    return text


class AppChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        taken = " (already has an application user here)" if getattr(obj, "has_app_user", False) else ""
        return f"{obj.name} · {obj.app_id}{taken}"


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name if obj.business_unit.parentbusinessunit_id is None else f"{obj.name} ({obj.business_unit.name})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.fullname or obj.domainname
        state = " (disabled)" if obj.isdisabled else ""
        return f"{name} · {obj.domainname}{state}" if obj.fullname else f"{name}{state}"


class _AppUserFieldsForm(forms.Form):
    business_unit = forms.ModelChoiceField(label="Business unit", queryset=None, to_field_name="businessunitid",
                                           empty_label=None)
    email = forms.EmailField(label="Email address", required=False, max_length=100)
    roles = RoleMultipleChoiceField(label="Security roles", queryset=None, to_field_name="roleid", required=False)

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, **kwargs)
        units = business_unit_choices(environment=environment)
        self.fields["business_unit"].queryset = units
        self.fields["roles"].queryset = role_choices(environment=environment)


class AppUserCreateForm(_AppUserFieldsForm):
    """Create a new app user (AP): + Add an app, Business unit, Email address, Security roles."""

    app = AppChoiceField(label="App", queryset=None, to_field_name="app_id", empty_label="Select an app registration",
                         help_text="Microsoft Entra app registrations, by name and application (client) ID.")

    field_order = ["app", "business_unit", "email", "roles"]

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, environment=environment, **kwargs)
        self.fields["app"].queryset = app_registration_choices(environment=environment)
        root = next((unit for unit in self.fields["business_unit"].queryset if unit.is_root), None)
        if root is not None and not self.is_bound:
            self.initial.setdefault("business_unit", root.businessunitid)


class AppUserEditForm(_AppUserFieldsForm):
    """APP-05: only business unit, e-mail address and security roles are editable."""

    @classmethod
    def initial_for(cls, app_user) -> dict:
        return {"business_unit": app_user.businessunit.businessunitid, "email": app_user.internalemailaddress,
                "roles": [role.roleid for role in app_user.roles.all()]}


class AppUserStatusForm(forms.Form):
    """Activate / Deactivate. Deactivating asks for confirmation (APP-03's warning)."""

    action = forms.ChoiceField(choices=(("activate", "Activate"), ("deactivate", "Deactivate")), widget=forms.HiddenInput)
    confirm = forms.BooleanField(label="I understand that every integration using this application user stops working",
                                 required=False)


class DeleteConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="I understand that deleting the application user cannot be undone",
                                 required=False)


class CsvInputForm(forms.Form):
    """A CSV given as an uploaded file or pasted as text (the file wins)."""

    file = forms.FileField(label="CSV file", required=False)
    csv_text = forms.CharField(label="Or paste the lines", required=False,
                               widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(TOO_LARGE, code="too_large")
            try:
                cleaned["text"] = csv_text(upload.read().decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        elif self.has_error("csv_text"):  # e.g. a NUL character, refused by the field itself
            return cleaned
        else:
            cleaned["text"] = csv_text(cleaned.get("csv_text") or "")
        if not cleaned["text"].strip():
            raise forms.ValidationError("Choose a CSV file or paste its lines.")
        return cleaned


class DataImportConfirmForm(forms.Form):
    """The previewed CSV, carried back in a hidden textarea (no server-side temporary files)."""

    csv_text = forms.CharField(label="CSV", widget=forms.Textarea(attrs={"hidden": True}), strip=False)

    def clean_csv_text(self) -> str:
        return csv_text(self.cleaned_data["csv_text"])


class ReassignPickForm(forms.Form):
    """STUB-04: every record of one stub user to one real user."""

    source = UserChoiceField(label="Stub user", queryset=None, to_field_name="systemuserid",
                             empty_label="Select a stub user")
    target = UserChoiceField(label="Reassign records to", queryset=None, to_field_name="systemuserid",
                             empty_label="Select a user")

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = stub_user_list(environment=environment)
        self.fields["target"].queryset = reassign_target_choices(environment=environment)


class OnPremisesUserForm(forms.Form):
    """ONPREM-02: the fields read from Active Directory at creation, edited by hand afterwards."""

    firstname = forms.CharField(label="First name", max_length=64, required=False)
    lastname = forms.CharField(label="Last name", max_length=64, required=False)
    address1_telephone1 = forms.CharField(label="Telephone number", max_length=64, required=False)
    homephone = forms.CharField(label="Home phone", max_length=50, required=False)
    internalemailaddress = forms.EmailField(label="E-mail", max_length=100, required=False)
    address1_city = forms.CharField(label="City", max_length=128, required=False)
    address1_stateorprovince = forms.CharField(label="State/province", max_length=128, required=False)

    @classmethod
    def initial_for(cls, record) -> dict:
        return {name: getattr(record, name) for name in cls.base_fields}
