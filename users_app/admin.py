"""Django admin for the directory and the environments' users.

Thin on purpose: listing, searching and editing of plain columns only. No
sync here. Columns the rules make system-managed are read-only, and the two
placeholder users (MODE-05, MODE-07) cannot be edited or deleted at all.
The inlines that save licences, group members and owners and admin roles run
the directory's rule checks (users_app/admin_audit.py), and every save lands in
the audit log with the superuser as the actor; the audit log itself is read-only.
The environments' admins (environments_app/admin.py) are registered again here with
the audit mixin: the lower app does not know the audit log.
"""
import json

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html

import environments_app.admin  # noqa: F401 - registers the classes that _audited wraps below
from environments_app.models import BusinessUnit, Environment, Position, SecurityRole

from .admin_audit import (
    AdminRoleAssignmentForm,
    AuditedAdmin,
    DirectoryUserFormSet,
    GroupMembershipFormSet,
    LicenceAssignmentForm,
    LicenceAssignmentFormSet,
    SystemUserRoleFormSet,
    TeamMembershipFormSet,
)
from .choices import DeletedState
from .services import records
from .models import (
    Account,
    AdminRoleAssignment,
    AppRegistration,
    AuditEntry,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    SyncRun,
    SystemUser,
    SystemUserRole,
    Team,
    TeamMembership,
    Tenant,
)


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "domain", "tenant_id", "marketing_licence")
    search_fields = ("name", "domain", "tenant_id")
    readonly_fields = ("tenant_id",)

    def has_add_permission(self, request):
        # The portal plays a single tenant: one row.
        return super().has_add_permission(request) and not Tenant.objects.exists()


# --- Directory -----------------------------------------------------------------


class LicenceAssignmentInline(admin.TabularInline):
    model = LicenceAssignment
    formset = LicenceAssignmentFormSet  # DIR-02, DIR-10, DIR-04
    extra = 0
    autocomplete_fields = ("sku",)
    readonly_fields = ("assigned_on",)


class AdminRoleAssignmentInline(admin.TabularInline):
    model = AdminRoleAssignment
    formset = DirectoryUserFormSet  # DIR-04
    extra = 0


@admin.register(DirectoryUser)
class DirectoryUserAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "user_principal_name", "display_name", "mail", "user_type", "account_enabled", "deleted_state",
        "usage_location", "modified_on",
    )
    list_filter = ("user_type", "account_enabled", "deleted_state", "usage_location")
    search_fields = (
        "user_principal_name", "display_name", "given_name", "surname", "mail",
        "original_user_principal_name", "original_mail", "id",
    )
    readonly_fields = ("id", "created_on", "modified_on", "original_user_principal_name", "original_mail")
    autocomplete_fields = ("account",)
    inlines = (LicenceAssignmentInline, AdminRoleAssignmentInline)
    fieldsets = (
        (None, {"fields": ("id", "user_principal_name", "display_name", "given_name", "surname", "job_title",
                           "department", "office_location", "mail")}),
        ("Contact", {"fields": ("business_phone", "mobile_phone", "street_address", "city", "state", "postal_code", "country")}),
        ("Account", {"fields": ("user_type", "account_enabled", "usage_location", "must_change_password", "account")}),
        (
            "Deletion (DIR-11)",
            {"fields": ("deleted_state", "deleted_on", "original_user_principal_name", "original_mail")},
        ),
        ("Other", {"fields": ("custom_attributes", "home_tenant_licences", "created_on", "modified_on")}),
    )


@admin.register(Sku)
class SkuAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "sku_part_number", "kind", "seats", "seats_used")
    list_filter = ("kind",)
    search_fields = ("name", "sku_part_number", "sku_id")
    readonly_fields = ("sku_id",)

    def get_queryset(self, request):
        # Seats used: assignments of users that are not deleted (one query, no N+1).
        return super().get_queryset(request).annotate(
            _seats_used=Count("assignments", filter=Q(assignments__user__deleted_state=DeletedState.NONE))
        )

    @admin.display(description="seats used", ordering="_seats_used")
    def seats_used(self, obj: Sku) -> int:
        return obj._seats_used


@admin.register(LicenceAssignment)
class LicenceAssignmentAdmin(AuditedAdmin, admin.ModelAdmin):
    form = LicenceAssignmentForm  # DIR-02, DIR-10, DIR-04
    list_display = ("user", "sku", "assigned_on")
    list_filter = ("sku", "sku__kind", "user__deleted_state")
    search_fields = ("user__user_principal_name", "user__display_name", "sku__name", "sku__sku_part_number")
    list_select_related = ("user", "sku")
    autocomplete_fields = ("user", "sku")
    readonly_fields = ("assigned_on",)


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    formset = GroupMembershipFormSet  # DIR-06, DIR-04
    fk_name = "group"
    extra = 0
    autocomplete_fields = ("user", "member_group")
    verbose_name = "member (user or nested group)"
    verbose_name_plural = "members"


class GroupOwnerInline(admin.TabularInline):
    model = GroupOwner
    formset = DirectoryUserFormSet  # DIR-04
    extra = 0
    autocomplete_fields = ("user",)
    verbose_name_plural = "owners"


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "group_type", "member_count", "owner_count", "id")
    list_filter = ("group_type",)
    search_fields = ("name", "id")
    readonly_fields = ("id",)
    inlines = (GroupMembershipInline, GroupOwnerInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _member_count=Count("memberships", distinct=True),
            _owner_count=Count("ownerships", distinct=True),
        )

    @admin.display(description="members", ordering="_member_count")
    def member_count(self, obj: DirectoryGroup) -> int:
        return obj._member_count

    @admin.display(description="owners", ordering="_owner_count")
    def owner_count(self, obj: DirectoryGroup) -> int:
        return obj._owner_count


@admin.register(AdminRoleAssignment)
class AdminRoleAssignmentAdmin(AuditedAdmin, admin.ModelAdmin):
    form = AdminRoleAssignmentForm  # DIR-05 (known role), DIR-04
    list_display = ("user", "role")
    list_filter = ("role",)
    search_fields = ("user__user_principal_name", "user__display_name", "user__mail")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(AppRegistration)
class AppRegistrationAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "app_id", "object_id")
    search_fields = ("name", "app_id", "object_id")
    readonly_fields = ("object_id", "secret_hash")


# --- Environments' users ---------------------------------------------------------


class SystemUserRoleInline(admin.TabularInline):
    model = SystemUserRole
    formset = SystemUserRoleFormSet  # ROLE-02
    extra = 0
    autocomplete_fields = ("role",)
    verbose_name = "security role"
    verbose_name_plural = "security roles"


class SystemUserTeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipFormSet  # ROLE-07
    fk_name = "systemuser"
    extra = 0
    autocomplete_fields = ("team",)
    verbose_name = "team membership"
    verbose_name_plural = "team memberships"


# Columns synchronised from the directory (FIELD-01/02), except the primary
# e-mail, which an admin may edit (FIELD-04).
SYNCED_FIELD_COLUMNS = tuple(name for name in SystemUser.FIELD_COLUMNS if name != "internalemailaddress")

SYSTEM_MANAGED_COLUMNS = (
    "systemuserid",
    "environment",
    "azureactivedirectoryobjectid",
    "applicationid",
    "user_type",
    "isdisabled",
    "accessmode",  # changed only through the access-mode service (MODE-04)
    "setupuser",
    "non_interactive_slot",
    "uses_app_pass",
    "deletedstate",
    "issyncwithdirectory",
    "invitestatuscode",
    "internalemailaddress_edited",
    # ROLE-06: a change of business unit removes roles; it goes through a service.
    "businessunit",
    "createdon",
    "modifiedon",
    "last_synced_on",
)

INTERNAL_EMAIL_HELP = (
    "Follows the directory's mail until edited here; once edited, sync leaves it alone (FIELD-04)."
)


@admin.register(SystemUser)
class SystemUserAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "domainname", "fullname", "environment", "businessunit", "user_type", "accessmode", "isdisabled",
        "deletedstate", "last_synced_on",
    )
    list_filter = ("environment", "user_type", "isdisabled", "accessmode", "deletedstate", "issyncwithdirectory")
    search_fields = (
        "domainname", "fullname", "firstname", "lastname", "internalemailaddress",
        "azureactivedirectoryobjectid", "systemuserid", "applicationid",
    )
    list_select_related = ("environment", "businessunit")
    autocomplete_fields = ("parentsystemuser", "position")
    readonly_fields = SYSTEM_MANAGED_COLUMNS + SYNCED_FIELD_COLUMNS
    inlines = (SystemUserRoleInline, SystemUserTeamMembershipInline)
    fieldsets = (
        (
            None,
            {"fields": ("domainname", "systemuserid", "azureactivedirectoryobjectid", "applicationid", "environment", "businessunit")},
        ),
        (
            "Status and access",
            {
                "fields": (
                    "user_type", "isdisabled", "accessmode", "setupuser", "non_interactive_slot", "uses_app_pass",
                    "issyncwithdirectory", "invitestatuscode", "deletedstate",
                )
            },
        ),
        (
            "Profile (synchronised from the directory)",
            {
                "fields": (
                    "fullname", "firstname", "lastname", "jobtitle", "internalemailaddress", "internalemailaddress_edited",
                    "address1_telephone1", "mobilephone", "address1_line1", "address1_city",
                    "address1_stateorprovince", "address1_postalcode", "address1_country",
                )
            },
        ),
        ("Not synchronised", {"fields": ("homephone", "custom_fields", "parentsystemuser", "position")}),
        ("History", {"fields": ("createdon", "modifiedon", "last_synced_on")}),
    )

    def get_queryset(self, request):
        # __str__ names the environment: keep autocomplete and related lists free of N+1.
        return super().get_queryset(request).select_related("environment", "businessunit")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "internalemailaddress" and field is not None:
            field.help_text = INTERNAL_EMAIL_HELP
        return field

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # FIELD-04: an admin's edit of the primary e-mail is kept from then on (the service marks it).
        if change and "internalemailaddress" in form.changed_data:
            records.primary_email_set(systemuser=obj, email=obj.internalemailaddress)

    def has_add_permission(self, request):
        # Records come from sync, on-demand add and import (their rules run there), never from here.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_placeholder:
            return False  # MODE-05, MODE-07: placeholders cannot be edited.
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_placeholder:
            return False  # MODE-05, MODE-07: placeholders cannot be deleted.
        return super().has_delete_permission(request, obj)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipFormSet  # ROLE-07
    fk_name = "team"
    extra = 0
    autocomplete_fields = ("systemuser",)
    verbose_name = "member"
    verbose_name_plural = "members"


@admin.register(Team)
class TeamAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "environment", "businessunit", "teamtype", "membershiptype", "isdefault")
    list_filter = ("environment", "teamtype", "membershiptype", "isdefault")
    search_fields = ("name", "teamid", "azureactivedirectoryobjectid", "environment__name")
    list_select_related = ("environment", "businessunit")
    autocomplete_fields = ("environment", "businessunit", "administrator", "roles")
    readonly_fields = ("teamid",)
    inlines = (TeamMembershipInline,)


@admin.register(Account)
class AccountAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "environment", "owner", "createdon")
    list_filter = ("environment",)
    search_fields = ("name", "accountid", "owner__domainname", "owner__fullname")
    list_select_related = ("environment", "owner__environment")
    autocomplete_fields = ("environment", "owner", "shared_with")
    readonly_fields = ("accountid", "createdon")


@admin.register(SyncRun)
class SyncRunAdmin(AuditedAdmin, admin.ModelAdmin):
    class Media:  # the Content-Security-Policy allows no inline style
        css = {"all": ("css/admin.css",)}

    """The run log (SYNC-07): written by the sync engine only; it can be read and pruned here."""

    list_display = (
        "started_at", "environment", "trigger", "status", "full", "added", "enabled", "disabled", "updated",
        "unchanged", "not_entitled", "refused", "finished_at",
    )
    list_filter = ("environment", "trigger", "status", "full")
    search_fields = ("environment__name", "initiated_by", "error")
    list_select_related = ("environment",)
    date_hierarchy = "started_at"
    fields = (
        "environment", "trigger", "status", "full", "initiated_by", "started_at", "finished_at",
        "added", "enabled", "disabled", "updated", "unchanged", "not_entitled", "refused",
        "error", "decisions_pretty",
    )
    readonly_fields = ("started_at", "decisions_pretty")

    @admin.display(description="decisions")
    def decisions_pretty(self, obj: SyncRun) -> str:
        text = json.dumps(obj.decisions, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="portal-pre">{}</pre>', text)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    class Media:  # the Content-Security-Policy allows no inline style
        css = {"all": ("css/admin.css",)}

    """The audit log (append-only): read here, never added, changed or deleted."""

    list_display = ("at", "actor", "actor_kind", "via", "action", "target", "environment", "outcome", "rule")
    list_filter = ("outcome", "via", "actor_kind")
    search_fields = ("actor", "target", "action", "environment", "rule")
    date_hierarchy = "at"
    fields = ("at", "actor", "actor_kind", "actor_object_id", "via", "action", "target_type", "target_id", "target",
              "environment", "changes_pretty", "outcome", "rule", "message")
    readonly_fields = fields

    @admin.display(description="changes")
    def changes_pretty(self, obj: AuditEntry) -> str:
        text = json.dumps(obj.changes, indent=2, ensure_ascii=False)
        return format_html('<pre class="portal-pre">{}</pre>', text)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _audited(model) -> None:
    """Register the lower app's admin of `model` again, with every save audited."""
    plain = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(plain.__name__, (AuditedAdmin, plain), {"__module__": plain.__module__}))


for _model in (Environment, BusinessUnit, SecurityRole, Position):
    _audited(_model)
