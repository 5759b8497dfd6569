"""The directory (Entra ID / Microsoft 365 side): the tenant, users, licences, groups, admin roles and
app registrations. Column names follow Microsoft Graph, so the Graph API maps one to one."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from environments_app.changes import ChangeNumbered

from ..choices import AdminRole, DeletedState, DirectoryUserType, GroupType, SkuKind


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
    # Directory-only, as in Entra ID: no SystemUser column follows them (FIELD-*).
    department = models.CharField(max_length=64, blank=True)
    office_location = models.CharField(max_length=128, blank=True, verbose_name="office")
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
    # Microsoft Graph application permissions the tenant granted it (admin consent), such as
    # "User.ReadWrite.All": what its client-credentials tokens may do (rules/admin_roles.py).
    application_permissions = models.JSONField(default=list, blank=True)
    secret_created_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
