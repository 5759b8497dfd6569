"""Change numbers of deletions: a deleted row leaves nothing to stamp, so the change number
goes to what it belonged to. The counter itself (change_number_next, change_counter,
ChangeNumbered) is environments_app.changes, re-exported here for users_app's writers.
"""
from __future__ import annotations

from environments_app.changes import ChangeNumbered, change_counter, change_number_next  # noqa: F401

# --- Deletions ---------------------------------------------------------------------------
# A deleted row leaves nothing to stamp: the change number goes to what it belonged to.


def _user_row_deleted(sender, instance, **kwargs) -> None:
    from users_app.models import DirectoryUser

    if getattr(instance, "member_group_id", None) is not None or not instance.user_id:
        change_number_next(tenant_wide=True)
        return
    DirectoryUser.objects.filter(pk=instance.user_id).update(change_number=change_number_next())


def _tenant_wide_row_deleted(sender, instance, **kwargs) -> None:
    change_number_next(tenant_wide=True)


def _record_deleted(sender, instance, **kwargs) -> None:
    """A record gone from an environment: its next sync makes a full pass (it may add the user again)."""
    from environments_app.models import Environment

    Environment.objects.filter(pk=instance.environment_id).update(change_number=change_number_next())


def connect_deletion_handlers() -> None:
    from django.db.models.signals import post_delete

    from users_app.models import (
        AdminRoleAssignment, DirectoryGroup, DirectoryUser, GroupMembership, GroupOwner, LicenceAssignment, Sku, SystemUser,
    )

    for model in (LicenceAssignment, GroupMembership, GroupOwner, AdminRoleAssignment):
        post_delete.connect(_user_row_deleted, sender=model, dispatch_uid=f"changes-{model.__name__}")
    for model in (DirectoryGroup, Sku, DirectoryUser):
        post_delete.connect(_tenant_wide_row_deleted, sender=model, dispatch_uid=f"changes-{model.__name__}")
    post_delete.connect(_record_deleted, sender=SystemUser, dispatch_uid="changes-SystemUser")
