"""The people in each environment: the Dataverse systemuser table, their security roles, teams and
the business records they own. Column names follow Dataverse."""
import uuid

from django.db import models
from django.db.models.functions import Lower

from environments_app.models import BusinessUnit, Environment, Position, SecurityRole
from environments_app.changes import ChangeNumbered

from ..choices import (
    MAX_NON_INTERACTIVE_USERS,
    AccessMode,
    InviteStatus,
    MembershipType,
    TeamType,
    UserType,
)


class SystemUser(ChangeNumbered):
    """The environment's user record (Dataverse `systemuser`). Never deleted by sync."""

    systemuserid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="system_users")
    azureactivedirectoryobjectid = models.UUIDField(null=True, blank=True)
    applicationid = models.UUIDField(null=True, blank=True)
    user_type = models.CharField(max_length=20, choices=UserType.choices, default=UserType.REGULAR)
    isdisabled = models.BooleanField(default=False, verbose_name="status disabled")
    accessmode = models.PositiveSmallIntegerField(choices=AccessMode.choices, default=AccessMode.READ_WRITE)
    setupuser = models.BooleanField(default=False, verbose_name="restricted access mode (setup user)")
    issyncwithdirectory = models.BooleanField(default=True)
    invitestatuscode = models.PositiveSmallIntegerField(choices=InviteStatus.choices, default=InviteStatus.NOT_SENT)
    deletedstate = models.PositiveSmallIntegerField(default=0, help_text="1 after Delete (LIFE-05).")
    # MODE-03: a non-interactive record holds one of seven slots, unique per environment.
    non_interactive_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # ELIG-03 b: admitted through the environment's app-pass capacity.
    uses_app_pass = models.BooleanField(default=False)
    # FIELD columns.
    domainname = models.CharField(max_length=1024, verbose_name="user name")
    fullname = models.CharField(max_length=200, blank=True)
    firstname = models.CharField(max_length=64, blank=True)
    lastname = models.CharField(max_length=64, blank=True)
    internalemailaddress = models.CharField(max_length=100, blank=True, verbose_name="primary email")
    internalemailaddress_edited = models.BooleanField(
        default=False, help_text="Primary e-mail edited in the environment: sync leaves it alone (FIELD-04)."
    )
    jobtitle = models.CharField(max_length=100, blank=True)
    address1_telephone1 = models.CharField(max_length=64, blank=True, verbose_name="main phone")
    mobilephone = models.CharField(max_length=64, blank=True)
    homephone = models.CharField(max_length=50, blank=True)
    address1_line1 = models.CharField(max_length=1024, blank=True, verbose_name="street")
    address1_city = models.CharField(max_length=128, blank=True)
    address1_stateorprovince = models.CharField(max_length=128, blank=True)
    address1_postalcode = models.CharField(max_length=40, blank=True)
    address1_country = models.CharField(max_length=128, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True, help_text="Never synchronised (FIELD-05).")
    businessunit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="users")
    parentsystemuser = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports", verbose_name="manager"
    )
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")
    roles = models.ManyToManyField(SecurityRole, blank=True, related_name="users", through="SystemUserRole")
    createdon = models.DateTimeField(auto_now_add=True)
    modifiedon = models.DateTimeField(auto_now=True)
    last_synced_on = models.DateTimeField(null=True, blank=True)

    FIELD_COLUMNS = (
        "domainname", "fullname", "jobtitle", "firstname", "lastname", "internalemailaddress",
        "address1_telephone1", "mobilephone", "address1_line1", "address1_city",
        "address1_stateorprovince", "address1_postalcode", "address1_country",
    )

    class Meta:
        ordering = ["environment", "domainname"]
        indexes = [
            # The Users list (users_app.tables.environment_users): each sort reads a page from an index
            # ending in the id (keyset paging). Status sorts by (isdisabled, user_type, id); user name by
            # the lower(domainname) of sync06_one_record_per_upn; business unit by the FK index, one unit
            # after another; access mode and type read their common value by id, the rare ones from the
            # partial indexes (no entry, so no cost, for the rows of the common value).
            models.Index(fields=["environment", "isdisabled", "user_type", "id"], name="systemuser_env_status"),
            models.Index(fields=["environment", "fullname", "id"], name="systemuser_env_fullname"),
            models.Index(fields=["environment", "accessmode", "id"], condition=models.Q(accessmode__gt=0),
                         name="systemuser_env_access_rare"),
            models.Index(fields=["environment", "user_type", "id"], condition=~models.Q(user_type="regular"),
                         name="systemuser_env_type_rare"),
            models.Index(fields=["environment", "last_synced_on", "id"], name="systemuser_env_synced"),
            # The Dataverse API's systemusers list pages by id within an environment (users_app.api).
            models.Index(fields=["environment", "id"], name="systemuser_env_id"),
            # The incremental sync reads the records edited since its last run (users_app.changes).
            models.Index(fields=["environment", "change_number"], name="systemuser_env_change"),
        ]
        constraints = [
            # SYNC-06: one record per environment and directory object ...
            models.UniqueConstraint(
                fields=["environment", "azureactivedirectoryobjectid"], name="sync06_one_record_per_object"
            ),
            # ... and one per environment and user name, ignoring case (stub users included).
            models.UniqueConstraint("environment", Lower("domainname"), name="sync06_one_record_per_upn"),
            # APP-05: one application user per app registration per environment.
            models.UniqueConstraint(fields=["environment", "applicationid"], name="app05_one_app_user_per_app"),
            # MODE-03: at most seven non-interactive records: a slot 1-7 (MAX_NON_INTERACTIVE_USERS), unique per environment.
            models.UniqueConstraint(fields=["environment", "non_interactive_slot"], name="mode03_slot_unique"),
            models.CheckConstraint(
                condition=models.Q(non_interactive_slot__isnull=True)
                | models.Q(non_interactive_slot__gte=1, non_interactive_slot__lte=MAX_NON_INTERACTIVE_USERS,
                           accessmode=AccessMode.NON_INTERACTIVE),
                name="mode03_slot_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(accessmode=AccessMode.NON_INTERACTIVE)
                | models.Q(user_type=UserType.APPLICATION)
                | models.Q(non_interactive_slot__isnull=False),
                name="mode03_non_interactive_needs_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(applicationid__isnull=True) | models.Q(user_type=UserType.APPLICATION),
                name="app_user_has_application_type",
            ),
            models.CheckConstraint(condition=models.Q(deletedstate__in=[0, 1]), name="deletedstate_values"),
        ]

    def __str__(self) -> str:
        return f"{self.domainname} ({self.environment})"

    @property
    def is_enabled(self) -> bool:
        return not self.isdisabled

    @property
    def is_stub(self) -> bool:
        return self.user_type == UserType.STUB

    @property
    def is_placeholder(self) -> bool:
        return self.user_type in (UserType.DELEGATED_ADMIN, UserType.SUPPORT)

    def get_status_color(self) -> str:
        return "gray" if self.isdisabled else "green"


class SystemUserRole(models.Model):
    """systemuserroles_association."""

    systemuser = models.ForeignKey(SystemUser, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(SecurityRole, on_delete=models.CASCADE, related_name="user_assignments")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["systemuser", "role"], name="unique_user_role")]


class Team(models.Model):
    teamid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="teams")
    businessunit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    teamtype = models.PositiveSmallIntegerField(choices=TeamType.choices, default=TeamType.OWNER)
    membershiptype = models.PositiveSmallIntegerField(choices=MembershipType.choices, default=MembershipType.MEMBERS_AND_GUESTS)
    azureactivedirectoryobjectid = models.UUIDField(null=True, blank=True, help_text="The mirrored group (ROLE-07).")
    isdefault = models.BooleanField(default=False, help_text="The default team of its business unit.")
    administrator = models.ForeignKey(SystemUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="administered_teams")
    members = models.ManyToManyField(SystemUser, blank=True, related_name="teams", through="TeamMembership")
    roles = models.ManyToManyField(SecurityRole, blank=True, related_name="teams")

    class Meta:
        ordering = ["environment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["businessunit", "name"], name="team_name_unique_in_bu"),
            models.UniqueConstraint(fields=["businessunit"], condition=models.Q(isdefault=True), name="one_default_team_per_bu"),
            models.CheckConstraint(
                condition=models.Q(teamtype__in=[TeamType.OWNER, TeamType.ACCESS])
                | models.Q(azureactivedirectoryobjectid__isnull=False),
                name="group_team_has_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """teammembership_association."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    systemuser = models.ForeignKey(SystemUser, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "systemuser"], name="unique_team_member")]


class Account(models.Model):
    """A business record with an owner (ROLE-05, STUB)."""

    accountid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(max_length=160)
    owner = models.ForeignKey(SystemUser, on_delete=models.PROTECT, related_name="owned_accounts")
    shared_with = models.ManyToManyField(SystemUser, blank=True, related_name="shared_accounts")
    createdon = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["environment", "name"]

    def __str__(self) -> str:
        return self.name
