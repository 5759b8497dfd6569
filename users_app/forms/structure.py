"""Forms of an environment's structure pages: input parsing only; the rules (ROLE-02, ROLE-07,
ENV-05) are checked by users_app.services.records / .environments."""
from django import forms

from users_app.choices import MembershipType, TeamType
from users_app.forms.pickers import PeoplePickerField
from users_app.models import DirectoryGroup
from users_app.selectors.structure import business_unit_choices, environment_user_choices, role_choices


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.business_unit.name})"


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_group_type_display()})"


class TeamCreateForm(forms.Form):
    """Create team: Owner, Access, or a group team mirroring a directory group (ROLE-07)."""

    name = forms.CharField(label="Team name", max_length=160, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    business_unit = forms.ModelChoiceField(label="Business unit", queryset=None, to_field_name="businessunitid",
                                           empty_label=None)
    administrator = PeoplePickerField(label="Administrator", scope="environment", multiple=False, required=False)
    teamtype = forms.TypedChoiceField(label="Team type", choices=TeamType.choices, coerce=int, initial=TeamType.OWNER)
    group = GroupChoiceField(label="Group name (group teams)", queryset=DirectoryGroup.objects.order_by("name"),
                             required=False, empty_label="None",
                             help_text="Security Group and Office Group teams mirror this directory group.")
    membershiptype = forms.TypedChoiceField(label="Membership type (group teams)", choices=MembershipType.choices,
                                            coerce=int, initial=MembershipType.MEMBERS_AND_GUESTS)

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, **kwargs)
        units = business_unit_choices(environment=environment)
        self.fields["business_unit"].queryset = units
        root = next((unit for unit in units if unit.is_root), None)
        if root is not None:
            self.fields["business_unit"].initial = root.businessunitid
        self.fields["administrator"].queryset = environment_user_choices(environment=environment)
        self.fields["administrator"].environment = environment


class TeamUpdateForm(forms.Form):
    """Edit team: only the name, description and administrator."""

    name = forms.CharField(label="Team name", max_length=160)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    administrator = PeoplePickerField(label="Administrator", scope="environment", multiple=False, required=False)

    def __init__(self, *args, team, **kwargs):
        initial = {"name": team.name, "description": team.description,
                   "administrator": team.administrator.systemuserid if team.administrator else None}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["administrator"].queryset = environment_user_choices(environment=team.environment)
        self.fields["administrator"].environment = team.environment


class TeamMemberAddForm(forms.Form):
    users = PeoplePickerField(label="Add team members", scope="environment")

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = environment_user_choices(environment=team.environment).exclude(teams=team)
        self.fields["users"].environment = team.environment
        self.fields["users"].narrowing = {"without_team": team.teamid}


class TeamMemberRemoveForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, to_field_name="systemuserid", widget=forms.HiddenInput)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = team.members.all()


class TeamRolesForm(forms.Form):
    roles = RoleMultipleChoiceField(label="Security roles", queryset=None, to_field_name="roleid", required=False,
                                    widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, initial={"roles": [role.roleid for role in team.roles.all()]}, **kwargs)
        self.fields["roles"].queryset = role_choices(environment=team.environment)


class SecurityRolePeopleForm(forms.Form):
    """Add people: users who get this role (ROLE-02 decides who may)."""

    users = PeoplePickerField(label="Users", scope="environment")

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = environment_user_choices(environment=role.environment).exclude(roles=role)
        self.fields["users"].environment = role.environment
        self.fields["users"].narrowing = {"without_role": role.roleid}


class BusinessUnitCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=160, widget=forms.TextInput(attrs={"autofocus": True}))
    parent = forms.ModelChoiceField(label="Parent business", queryset=None, to_field_name="businessunitid",
                                    required=False, empty_label=None, help_text="The root business unit by default.")

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, **kwargs)
        units = business_unit_choices(environment=environment)
        self.fields["parent"].queryset = units
        root = next((unit for unit in units if unit.is_root), None)
        if root is not None:
            self.fields["parent"].initial = root.businessunitid


class ConfirmForm(forms.Form):
    """The confirm step of an irreversible action (works without JavaScript)."""

    confirm = forms.BooleanField(label="I understand that this can't be undone", required=True,
                                 widget=forms.CheckboxInput(attrs={"autofocus": True}))
