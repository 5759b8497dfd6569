"""The directory (Entra ID / Microsoft 365 side) and the people in each environment.

Column names follow Microsoft Graph on the directory side and the Dataverse
systemuser table on the environment side (reference-ppac.md), so the APIs map
one to one. Models stay thin: business rules live in users_app/provisioning/.
"""
import uuid
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from environments_app.models import BusinessUnit, Environment, Position, SecurityRole

from environments_app.changes import ChangeNumbered
from .choices import (
    MAX_NON_INTERACTIVE_USERS,
    AccessMode,
    AdminRole,
    DeletedState,
    DirectoryUserType,
    GroupType,
    InviteStatus,
    MembershipType,
    SkuKind,
    SyncStatus,
    SyncTrigger,
    TeamType,
    UserType,
)


class Tenant(ChangeNumbered):
    """The one tenant this portal plays (a single row)."""

    TENANT_WIDE = True  # everyone's decisions depend on it: the next syncs make a full pass
    tenant_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, default="Contoso")
    domain = models.CharField(max_length=200, default="contoso.onmicrosoft.com")
    marketing_licence = models.BooleanField(default=False, help_text="Tenant-level Marketing licence (ELIG-03 c).")

    def __str__(self) -> str:
        return self.name


# --- Directory -----------------------------------------------------------------


class DirectoryUser(ChangeNumbered):
    """A user of the directory (Graph `user`). Rows are kept after a hard delete
    as tombstones, so that environments keep resolving their records (SYNC-08)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name="object id")
    user_principal_name = models.CharField(max_length=255, verbose_name="user name (UPN)")
    display_name = models.CharField(max_length=256, blank=True)
    given_name = models.CharField(max_length=64, blank=True)
    surname = models.CharField(max_length=64, blank=True)
    job_title = models.CharField(max_length=128, blank=True)
    mail = models.CharField(max_length=255, blank=True)
    business_phone = models.CharField(max_length=64, blank=True, verbose_name="office phone")
    mobile_phone = models.CharField(max_length=64, blank=True)
    street_address = models.CharField(max_length=1024, blank=True)
    city = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=128, blank=True, verbose_name="state or province")
    postal_code = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=128, blank=True, verbose_name="country or region")
    usage_location = models.CharField(max_length=2, null=True, blank=True)
    account_enabled = models.BooleanField(default=True, help_text="Sign-in allowed.")
    user_type = models.CharField(max_length=10, choices=DirectoryUserType.choices, default=DirectoryUserType.MEMBER)
    deleted_state = models.CharField(max_length=4, choices=DeletedState.choices, default=DeletedState.NONE, blank=True)
    deleted_on = models.DateTimeField(null=True, blank=True)
    # DIR-11: while deleted, UPN and mail are altered; the originals come back on restore.
    original_user_principal_name = models.CharField(max_length=255, blank=True)
    original_mail = models.CharField(max_length=255, blank=True)
    custom_attributes = models.JSONField(default=dict, blank=True, help_text="Extension attributes, never synchronised (FIELD-05).")
    home_tenant_licences = models.JSONField(default=list, blank=True, help_text="Guests' home-tenant licences, never valid here (DIR-07).")
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="directory_user",
        help_text="The portal sign-in of this directory user.",
    )
    must_change_password = models.BooleanField(default=False, help_text="Temporary password (DIR-01).")
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_principal_name"]
        indexes = [
            # The Active users list (users_app.tables.m365): keyset paging per sort. User name sorts by
            # the lower(user_principal_name) of directory_upn_unique_ci; sign-in status and user type
            # read their common value by id, the rare one from a partial index.
            models.Index(fields=["display_name", "id"], name="directoryuser_display_name"),
            models.Index(fields=["account_enabled", "id"], condition=models.Q(account_enabled=False),
                         name="directoryuser_blocked"),
            models.Index(fields=["user_type", "id"], condition=~models.Q(user_type="Member"),
                         name="directoryuser_type_rare"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("user_principal_name"), name="directory_upn_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(usage_location__isnull=True) | models.Q(usage_location__regex=r"^([A-Z]{2})?$"),
                name="usage_location_two_letters",
            ),
        ]

    def __str__(self) -> str:
        return self.user_principal_name

    def get_absolute_url(self) -> str:
        return reverse("admin:users_app_directoryuser_change", args=[self.pk])

    @property
    def is_deleted(self) -> bool:
        return bool(self.deleted_state)

    @property
    def login_name(self) -> str:
        """The UPN the user is known by, even while deleted (DIR-11)."""
        return self.original_user_principal_name if self.is_deleted else self.user_principal_name


class Sku(ChangeNumbered):
    """A licence (Graph `subscribedSku`) with a seat count (DIR-02, DIR-09)."""

    TENANT_WIDE = True  # everyone's decisions depend on it: the next syncs make a full pass
    sku_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sku_part_number = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    seats = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=SkuKind.choices)
    service_plans = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "licence (SKU)"
        verbose_name_plural = "licences (SKUs)"

    def __str__(self) -> str:
        return self.name


class LicenceAssignment(ChangeNumbered):
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="licence_assignments")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="assignments")
    assigned_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "sku"], name="one_assignment_per_sku")]

    def __str__(self) -> str:
        return f"{self.sku} → {self.user}"


class DirectoryGroup(ChangeNumbered):
    TENANT_WIDE = True  # everyone's decisions depend on it: the next syncs make a full pass
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name="object id")
    name = models.CharField(max_length=256, verbose_name="display name")
    group_type = models.CharField(max_length=10, choices=GroupType.choices, default=GroupType.SECURITY)
    owners = models.ManyToManyField(DirectoryUser, blank=True, related_name="owned_groups", through="GroupOwner")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="group_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(ChangeNumbered):
    """A member of a group: a user or a nested group (DIR-06)."""

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(DirectoryUser, null=True, blank=True, on_delete=models.CASCADE, related_name="group_memberships")
    member_group = models.ForeignKey(
        DirectoryGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="parent_memberships"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(member_group__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(member_group__isnull=False)),
                name="membership_is_user_or_group",
            ),
            models.UniqueConstraint(fields=["group", "user"], name="unique_user_membership"),
            models.UniqueConstraint(fields=["group", "member_group"], name="unique_group_membership"),
            models.CheckConstraint(condition=~models.Q(group=models.F("member_group")), name="group_not_member_of_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.member_group} ∈ {self.group}"

    def change_is_tenant_wide(self) -> bool:
        return self.member_group_id is not None  # nesting changes whole groups' members (DIR-06)


class GroupOwner(ChangeNumbered):
    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="ownerships")
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="group_ownerships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="unique_group_owner")]


class AdminRoleAssignment(ChangeNumbered):
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="admin_roles")
    role = models.CharField(max_length=40, choices=AdminRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_admin_role")]

    def __str__(self) -> str:
        return f"{self.role}: {self.user}"


class AppRegistration(models.Model):
    """A service principal (DIR-08)."""

    app_id = models.UUIDField(unique=True, verbose_name="application (client) id")
    object_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    secret_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Environments' users ---------------------------------------------------------


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


class ChangeCounter(models.Model):
    """The one row of the change counter (users_app.changes)."""

    value = models.BigIntegerField(default=0)
    tenant_wide = models.BigIntegerField(default=0, help_text="The last change that concerns every user.")

    def __str__(self) -> str:
        return f"change {self.value}"


class SyncRun(models.Model):
    """Every run of every trigger, with its counts and per-user decisions (SYNC-07)."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    full = models.BooleanField(default=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    enabled = models.PositiveIntegerField(default=0)
    disabled = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    not_entitled = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # Per user whose record changed, and per refused on-demand request:
    # {"upn", "object_id", "outcome", "rules": [...], "changed_fields": [...], "level", "text"}.
    decisions = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    initiated_by = models.CharField(max_length=255, blank=True)

    # The change counter this run started from: the next incremental run reads what came after.
    change_number = models.BigIntegerField(null=True, blank=True)

    COUNT_FIELDS = ("added", "enabled", "disabled", "updated", "unchanged", "not_entitled")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["environment", "-started_at"], name="syncrun_env_started")]
        constraints = [
            # Only one background sync of an environment runs at a time.
            models.UniqueConstraint(
                fields=["environment"],
                condition=models.Q(status=SyncStatus.RUNNING, trigger=SyncTrigger.SCHEDULE),
                name="one_running_background_sync",
            ),
            # ... and at most one waits in the queue: the periodic task does not pile them up.
            models.UniqueConstraint(
                fields=["environment"],
                condition=models.Q(status=SyncStatus.QUEUED, trigger=SyncTrigger.SCHEDULE),
                name="one_queued_background_sync",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} of {self.environment} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.enabled or self.disabled or self.updated)

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in self.COUNT_FIELDS}

    @property
    def decision_log(self) -> "DecisionLog":
        """The decisions one row per user, however compactly they are stored."""
        return DecisionLog(self.decisions or [])


class DecisionLog(Sequence):
    """A run's decision log (SYNC-07), one entry per user. The background sync stores one entry
    per distinct decision with the names of the users it applied to ("users") and `{upn}` in
    its text; the other triggers store one entry per user. Expanded lazily, a page at a time."""

    def __init__(self, entries: list[dict]):
        self.entries = entries
        self.starts = list(accumulate((len(e["users"]) if "users" in e else 1 for e in entries), initial=0))

    def __len__(self) -> int:
        return self.starts[-1]

    def _one(self, index: int) -> dict:
        at = bisect_right(self.starts, index) - 1
        entry = self.entries[at]
        if "users" not in entry:
            return entry
        upn = entry["users"][index - self.starts[at]]
        expanded = {key: value for key, value in entry.items() if key != "users"}
        return {**expanded, "upn": upn, "text": entry["text"].replace("{upn}", upn)}

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._one(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._one(index)


class AuditEntryQuerySet(models.QuerySet):
    def delete(self):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")

    def update(self, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")


class AuditEntry(models.Model):
    """One change made through the portal, the command line, the Django admin or an API, or one
    change refused by a rule: who, when, what (before -> after), through what. Append-only: the
    database refuses UPDATE (and, on PostgreSQL, DELETE) on this table (migration 0006).
    Written by users_app.services.audit only."""

    class Outcome(models.TextChoices):
        DONE = "done", "Succeeded"
        REFUSED = "refused", "Refused"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_kind = models.CharField(max_length=16)  # directory, superuser, operator, system, app
    actor = models.CharField(max_length=256)  # UPN, Django user name, "operator"...
    actor_object_id = models.UUIDField(null=True, blank=True)  # the directory object id, if any
    via = models.CharField(max_length=16)  # portal, cli, admin, api, system
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=256, blank=True)
    environment = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=list, blank=True)  # [[field, before, after], ...]
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.DONE)
    rule = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"

    def delete(self, *args, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            from django.db import DatabaseError

            raise DatabaseError("the audit log is append-only")
        super().save(*args, **kwargs)
