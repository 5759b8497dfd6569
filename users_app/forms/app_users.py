"""Forms of the application users' pages: input parsing only. The rules (APP-03, APP-05) are
checked by users_app.services.records, never here."""
from django import forms

from users_app.selectors.app_users import app_registration_choices, business_unit_choices, role_choices


class AppChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        taken = " (already has an application user here)" if getattr(obj, "has_app_user", False) else ""
        return f"{obj.name} · {obj.app_id}{taken}"


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name if obj.business_unit.parentbusinessunit_id is None else f"{obj.name} ({obj.business_unit.name})"


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
                         help_text="Microsoft Entra app registrations, by name and application (client) ID. "
                                   "One application user per app registration per environment (APP-05).")

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
