"""Read-only queries of the Microsoft 365 admin center screens, each in a fixed number of queries.

Views call these and never build querysets themselves."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, IntegerField, Prefetch, Q, Value
from django.db.models.functions import Greatest
from django.shortcuts import get_object_or_404

from environments_app.models import Environment
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole, DeletedState
from users_app.filters.m365 import (
    AppRegistrationFilterSet,
    DeletedUserFilterSet,
    DirectoryUserFilterSet,
    GroupFilterSet,
    SkuFilterSet,
)
from users_app.models import (
    AdminRoleAssignment,
    AppRegistration,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    Tenant,
)
from users_app.provisioning.rules import RESTORE_WINDOW

LIVE = Q(deleted_state=DeletedState.NONE)

# What the real admin center says of each role (Roles > Role assignments).
ADMIN_ROLE_DESCRIPTIONS = {
    AdminRole.GLOBAL: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
    AdminRole.POWER_PLATFORM: "Can create and manage all aspects of Microsoft Dynamics 365, Power Apps and Power Automate.",
    AdminRole.DYNAMICS_365: "Can manage all aspects of the Dynamics 365 product.",
    AdminRole.USER: "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
    AdminRole.LICENCE: "Can manage product licenses on users and groups.",
    AdminRole.GLOBAL_READER: "Can read everything that a Global Administrator can, but not update anything.",
    AdminRole.PRIVILEGED_ROLE: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
    AdminRole.HELPDESK: "Can reset passwords for non-administrators and Helpdesk Administrators.",
    AdminRole.PASSWORD: "Can reset passwords for non-administrators and Password Administrators.",
    AdminRole.GROUPS: "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
    AdminRole.APPLICATION: "Can create and manage all aspects of app registrations and enterprise apps.",
}


# --- users ------------------------------------------------------------------------------------


def _with_licences(queryset):
    return queryset.prefetch_related(
        Prefetch("licence_assignments", queryset=LicenceAssignment.objects.select_related("sku").order_by("sku__name"))
    )


def active_user_list(*, filters=None):
    """Users not deleted, with their licences (two queries a page)."""
    queryset = _with_licences(DirectoryUser.objects.filter(LIVE)).order_by("display_name", "user_principal_name")
    return DirectoryUserFilterSet(filters, queryset=queryset).qs


def deleted_user_list(*, filters=None):
    """Soft-deleted users, restorable for 30 days (DIR-04), with the date the window closes."""
    queryset = DirectoryUser.objects.filter(deleted_state=DeletedState.SOFT).annotate(
        restorable_until=ExpressionWrapper(F("deleted_on") + Value(RESTORE_WINDOW), output_field=DateTimeField()),
    ).order_by("-deleted_on", "original_user_principal_name")
    return DeletedUserFilterSet(filters, queryset=queryset).qs


def directory_user_get(*, user_id) -> DirectoryUser:
    """A live or soft-deleted user (hard-deleted tombstones are not shown), or 404."""
    queryset = _with_licences(DirectoryUser.objects.exclude(deleted_state=DeletedState.HARD)).prefetch_related(
        Prefetch("admin_roles", queryset=AdminRoleAssignment.objects.order_by("role")),
    )
    return get_object_or_404(queryset, pk=user_id)


def directory_user_groups(*, user: DirectoryUser) -> dict:
    """The groups the user is a direct member of, and the groups the user owns."""
    memberships = (GroupMembership.objects.filter(user=user).select_related("group")
                   .annotate(member_count=Count("group__memberships", distinct=True)).order_by("group__name"))
    owned = DirectoryGroup.objects.filter(ownerships__user=user).order_by("name")
    return {"member_of": [m.group for m in memberships], "owner_of": list(owned)}


# --- licences ---------------------------------------------------------------------------------


def sku_list(*, filters=None):
    """Every SKU with seats used (assignments of users not deleted, DIR-02) and available, in one query."""
    queryset = Sku.objects.annotate(
        used=Count("assignments", filter=Q(assignments__user__deleted_state=DeletedState.NONE)),
    ).annotate(
        available=Greatest(ExpressionWrapper(F("seats") - F("used"), output_field=IntegerField()), Value(0)),
    ).order_by("name")
    return SkuFilterSet(filters, queryset=queryset).qs if filters is not None else queryset


def sku_get(*, sku_id) -> Sku:
    return get_object_or_404(sku_list(), sku_id=sku_id)


def sku_user_list(*, sku: Sku):
    """Users not deleted holding the SKU (the ones taking its seats)."""
    return _with_licences(DirectoryUser.objects.filter(LIVE, licence_assignments__sku=sku)).order_by(
        "display_name", "user_principal_name")


def licence_choices() -> list[tuple[str, str]]:
    """(part number, "Name (n of N left)") for the licence checkboxes."""
    return [(sku.sku_part_number, f"{sku.name} ({sku.available} of {sku.seats} left)") for sku in sku_list()]


# --- groups -----------------------------------------------------------------------------------


def group_list(*, filters=None):
    queryset = DirectoryGroup.objects.annotate(
        member_count=Count("memberships", distinct=True), owner_count=Count("ownerships", distinct=True),
    ).order_by("name")
    return GroupFilterSet(filters, queryset=queryset).qs


def group_get(*, group_id) -> DirectoryGroup:
    return get_object_or_404(group_list(), pk=group_id)


def group_member_list(*, group: DirectoryGroup) -> list[GroupMembership]:
    """Direct members of the group, users first then nested groups, by name."""
    memberships = list(GroupMembership.objects.filter(group=group).select_related("user", "member_group"))
    return sorted(memberships, key=lambda m: (m.user is None, (m.user.display_name or m.user.user_principal_name).lower()
                                              if m.user else m.member_group.name.lower()))


def group_owner_list(*, group: DirectoryGroup) -> list[DirectoryUser]:
    return [o.user for o in GroupOwner.objects.filter(group=group).select_related("user")
            .order_by("user__display_name", "user__user_principal_name")]


# --- admin roles (DIR-05) -----------------------------------------------------------------------


@dataclass
class AdminRoleRow:
    role: str
    name: str
    template_id: str
    description: str
    holders: list = field(default_factory=list)

    @property
    def holder_count(self) -> int:
        return len(self.holders)


def admin_role_list() -> list[AdminRoleRow]:
    """The admin roles with their holders (users not deleted), in two queries at most."""
    rows = {role.value: AdminRoleRow(role=role.value, name=role.label, template_id=ADMIN_ROLE_TEMPLATE_IDS[role],
                                     description=ADMIN_ROLE_DESCRIPTIONS[role]) for role in AdminRole}
    assignments = (AdminRoleAssignment.objects.filter(user__deleted_state=DeletedState.NONE).select_related("user")
                   .order_by("user__display_name", "user__user_principal_name"))
    for assignment in assignments:
        if assignment.role in rows:
            rows[assignment.role].holders.append(assignment.user)
    return list(rows.values())


def admin_role_get(*, template_id) -> AdminRoleRow:
    from django.http import Http404

    for row in admin_role_list():
        if row.template_id == str(template_id):
            return row
    raise Http404("No such admin role.")


# --- app registrations (DIR-08) ---------------------------------------------------------------------


def app_registration_list(*, filters=None):
    return AppRegistrationFilterSet(filters, queryset=AppRegistration.objects.order_by("name")).qs


def app_registration_get(*, app_id) -> AppRegistration:
    """One app registration by its application (client) id; 404 when there is none."""
    return get_object_or_404(AppRegistration, app_id=app_id)


# --- service information -----------------------------------------------------------------------------


def service_information(*, user: DirectoryUser) -> dict:
    """What every signed-in user may see: the tenant, their own account, the number of environments."""
    tenant = Tenant.objects.order_by("pk").first()
    licences = [a.sku for a in LicenceAssignment.objects.filter(user=user).select_related("sku").order_by("sku__name")]
    role_values = list(AdminRoleAssignment.objects.filter(user=user).order_by("role").values_list("role", flat=True))
    labels = dict(AdminRole.choices)
    return {
        "tenant": tenant,
        "account": user,
        "licences": licences,
        "roles": [labels.get(r, r) for r in role_values],
        "environment_count": Environment.objects.count(),
    }


def tenant_domains() -> list[str]:
    """The tenant's domains, for the user name's domain picker."""
    return list(Tenant.objects.order_by("pk").values_list("domain", flat=True)[:1])
