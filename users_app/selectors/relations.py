"""The relation tabs' rows (users_app/views/relations.py): a group's members and owners, an admin
role's holders, each ordered by name and read through the relation's own index (the group's or
the role's rows only), a page at a time."""
from __future__ import annotations

from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from users_app.choices import DeletedState
from users_app.models import AdminRoleAssignment, DirectoryGroup, GroupMembership, GroupOwner

MEMBER_SEARCH = ("user__display_name", "user__user_principal_name", "member_group__name")
USER_SEARCH = ("user__display_name", "user__user_principal_name")


def group_members(group: DirectoryGroup) -> QuerySet[GroupMembership]:
    """Direct members, users and nested groups, by name."""
    name = Lower(Coalesce(NullIf("user__display_name", Value("")), "user__user_principal_name", "member_group__name"))
    return (GroupMembership.objects.filter(group=group).select_related("user", "member_group")
            .order_by(name, "pk"))


def group_owners(group: DirectoryGroup) -> QuerySet[GroupOwner]:
    return GroupOwner.objects.filter(group=group).select_related("user").order_by(
        "user__display_name", "user__user_principal_name", "pk")


def role_holders(role: str) -> QuerySet[AdminRoleAssignment]:
    """The users not deleted holding the admin role."""
    return (AdminRoleAssignment.objects.filter(role=role, user__deleted_state=DeletedState.NONE).select_related("user")
            .order_by("user__display_name", "user__user_principal_name", "pk"))


def group_membership_get(group: DirectoryGroup, key) -> GroupMembership | None:
    return group_members(group).filter(pk=key).first() if str(key or "").isdigit() else None


def group_owner_get(group: DirectoryGroup, user_key) -> GroupOwner | None:
    from users_app.selectors.pickers import key_like

    return group_owners(group).filter(user_id=user_key).first() if key_like(user_key or "") else None


def role_holder_get(role: str, user_key) -> AdminRoleAssignment | None:
    from users_app.selectors.pickers import key_like

    return role_holders(role).filter(user_id=user_key).first() if key_like(user_key or "") else None
