"""Forms of the environments list and page: input parsing only; the rules (ENV-02, ENV-06,
ENV-07, ONPREM-01) are checked by users_app.services.environments."""
from django import forms

from environments_app.choices import Deployment, EnvironmentType, LicenceType
from users_app.selectors.environments import creator_choices, security_group_choices, teams_group_choices

REGIONS = (
    ("unitedstates", "United States"), ("europe", "Europe"), ("unitedkingdom", "United Kingdom"),
    ("asia", "Asia"), ("australia", "Australia"), ("canada", "Canada"), ("france", "France"),
    ("germany", "Germany"), ("india", "India"), ("japan", "Japan"),
)

# The org settings (ENV-04): name -> (the admin center's label, the Dataverse setting's name, what it
# does, the rule it unlocks). The page shows them read-only; the Edit settings panel edits them.
SETTINGS = {
    "allow_role_assignment_on_disabled_users": (
        "Allow role assignment on disabled users", "allowRoleAssignmentOnDisabledUsers",
        "Off: a role can be given to enabled users only.", "ROLE-02"),
    "do_not_remove_roles_on_change_business_unit": (
        "Keep roles when a user changes business unit", "DoNotRemoveRolesOnChangeBusinessUnit",
        "Off: changing a user's business unit removes their roles.", "ROLE-06"),
    "allow_delete_disabled_users": (
        "Enable delete disabled users", "", "Lets Permanently delete remove users already deleted.", "LIFE-05"),
    "app_user_status_editable": (
        "Application user form allows status edits", "", "Unlocks Activate / Deactivate of application users.",
        "APP-03"),
    "licence_type": ("Environment licence type", "", "", ""),
    "app_pass_capacity": ("App-pass capacity (users)", "", "Users admitted without a licence, on demand only.", "ELIG-03"),
    "sales_installed": ("Dynamics 365 Sales is installed", "", "Imported users get Salesperson instead of Basic User.",
                        "STUB-03"),
}
SETTING_LABELS = {name: label for name, (label, *_rest) in SETTINGS.items()}


def settings_shown(environment) -> list[dict]:
    """The org settings of the environment, read-only, in the admin's words."""
    rows = []
    for name, (label, dataverse_name, help_text, rule) in SETTINGS.items():
        value = getattr(environment, name)
        if isinstance(value, bool):
            value = "On" if value else "Off"
        elif name == "licence_type":
            value = LicenceType(value).label
        rows.append({"label": label, "dataverse_name": dataverse_name, "value": value, "help": help_text, "rule": rule})
    return rows


class _SettingsFields(forms.Form):
    allow_role_assignment_on_disabled_users = forms.BooleanField(required=False)
    do_not_remove_roles_on_change_business_unit = forms.BooleanField(required=False)
    allow_delete_disabled_users = forms.BooleanField(required=False)
    app_user_status_editable = forms.BooleanField(required=False)
    licence_type = forms.ChoiceField(choices=LicenceType.choices)
    app_pass_capacity = forms.IntegerField(initial=0)
    sales_installed = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, dataverse_name, help_text, _rule) in SETTINGS.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].help_text = " ".join(filter(None, [help_text, f"Dataverse: {dataverse_name}."
                                                                      if dataverse_name else ""]))


class EnvironmentCreateForm(_SettingsFields):
    """New environment (ENV-01)."""

    field_order = ("name", "type", "region", "dataverse", "deployment", "security_group", "teams_group", "created_by")

    name = forms.CharField(label="Name", max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    type = forms.ChoiceField(label="Type", choices=EnvironmentType.choices, initial=EnvironmentType.PRODUCTION)
    region = forms.ChoiceField(label="Region", choices=REGIONS, initial="unitedstates")
    dataverse = forms.BooleanField(label="Add a Dataverse data store", required=False, initial=True,
                                   help_text="Without one, the environment has no user records (ENV-02).")
    deployment = forms.ChoiceField(label="Deployment", choices=Deployment.choices, initial=Deployment.ONLINE,
                                   help_text="On premises: users come from Active Directory (ONPREM-01).")
    security_group = forms.ModelChoiceField(label="Security group", queryset=None, required=False, empty_label="None",
                                            help_text="Not for Default, Developer or Teams environments (ENV-06).")
    teams_group = forms.ModelChoiceField(label="Team (Microsoft 365 group)", queryset=None, required=False,
                                         empty_label="None", help_text="Dataverse for Teams environments (ENV-07).")
    created_by = forms.ModelChoiceField(label="Created by", queryset=None, required=False, empty_label="None",
                                        help_text="Developer environments admit only their creator (ELIG-05).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["security_group"].queryset = security_group_choices()
        self.fields["teams_group"].queryset = teams_group_choices()
        self.fields["created_by"].queryset = creator_choices()


class EnvironmentSettingsForm(_SettingsFields):
    """Edit details (security group, tenant admins only) and the org settings of ENV-04."""

    field_order = ("security_group",)

    security_group = forms.ModelChoiceField(label="Security group", queryset=None, required=False, empty_label="None",
                                            help_text="Not for Default, Developer or Teams environments (ENV-06).")

    def __init__(self, *args, environment, can_edit_security_group: bool, security_group_refusal=None, **kwargs):
        """`security_group_refusal`: the rule's refusal a security group would meet here (ENV-06): the
        field is then disabled and says why (the rules package answers it, see the view)."""
        initial = {name: getattr(environment, name) for name in SETTING_LABELS}
        initial["security_group"] = environment.security_group_object_id
        super().__init__(*args, initial=initial, **kwargs)
        self.security_group_refusal = None
        if not can_edit_security_group:
            del self.fields["security_group"]
            return
        self.fields["security_group"].queryset = security_group_choices()
        if security_group_refusal is not None:
            self.security_group_refusal = security_group_refusal
            field = self.fields["security_group"]
            field.disabled = True
            field.help_text = f"{security_group_refusal.message} ({security_group_refusal.rule})"
