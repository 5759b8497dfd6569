"""Django admin for environments and their Dataverse structure.

Thin on purpose: listing, searching and editing of plain columns only. No
rule is checked here; the ids Dataverse assigns are read-only. This app knows
nothing of the audit log: users_app/admin.py registers these same classes again
with its audit mixin, so every save still lands in the log with the superuser as
the actor.
"""
from django.contrib import admin

from .models import BusinessUnit, Environment, Position, SecurityRole


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "state", "dataverse", "deployment", "region", "licence_type", "created_on")
    list_filter = ("type", "state", "dataverse", "deployment", "licence_type", "sales_installed")
    search_fields = ("name", "url", "environment_id", "security_group_object_id")
    readonly_fields = ("environment_id", "created_on")
    date_hierarchy = "created_on"
    fieldsets = (
        (None, {"fields": ("name", "environment_id", "type", "state", "region", "url", "created_on")}),
        ("Database", {"fields": ("dataverse", "deployment")}),
        ("Directory", {"fields": ("security_group_object_id", "teams_group_object_id", "created_by_object_id")}),
        (
            "Org settings (ENV-04)",
            {
                "fields": (
                    "allow_role_assignment_on_disabled_users",
                    "do_not_remove_roles_on_change_business_unit",
                    "allow_delete_disabled_users",
                    "app_user_status_editable",
                    "licence_type",
                    "app_pass_capacity",
                    "sales_installed",
                )
            },
        ),
    )


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "environment", "parentbusinessunit", "is_root")
    list_filter = ("environment",)
    search_fields = ("name", "businessunitid", "environment__name")
    list_select_related = ("environment", "parentbusinessunit")
    autocomplete_fields = ("environment", "parentbusinessunit")
    readonly_fields = ("businessunitid",)

    @admin.display(boolean=True, description="root")
    def is_root(self, obj: BusinessUnit) -> bool:
        return obj.is_root


@admin.register(SecurityRole)
class SecurityRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "environment", "business_unit", "is_system")
    list_filter = ("environment", "is_system")
    search_fields = ("name", "roleid", "environment__name")
    list_select_related = ("environment", "business_unit")
    autocomplete_fields = ("environment", "business_unit")
    readonly_fields = ("roleid",)


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("name", "environment")
    list_filter = ("environment",)
    search_fields = ("name", "positionid", "environment__name")
    list_select_related = ("environment",)
    autocomplete_fields = ("environment",)
    readonly_fields = ("positionid",)
