"""Who may (DIR-05): the acting directory user is held to what its admin roles allow, on that target
(provisioning/rules/admin_roles.py); the operator, a superuser and the system are not."""
from __future__ import annotations

from users_app.models import AdminRoleAssignment, DirectoryUser
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit

# Which right each field of directory_user_update needs (anything else: EDIT_PROFILE).
FIELD_ACTIONS = {
    "account_enabled": Action.BLOCK,
    "user_principal_name": Action.EDIT_USER_NAME,
    "business_phone": Action.EDIT_SENSITIVE,
    "mobile_phone": Action.EDIT_SENSITIVE,
    "usage_location": Action.USAGE_LOCATION,
}


def roles_of(user: DirectoryUser) -> frozenset[str]:
    """The admin roles a directory user holds (kept while soft-deleted)."""
    return frozenset(AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True))


def require_right(action: Action, target: DirectoryUser | None = None) -> None:
    """Refuse (DIR-05) when the acting directory user's roles do not allow `action` (on `target`)."""
    actor = audit.current_actor()
    if actor.unrestricted:
        return
    if target is None:
        admin_roles.check(actor.roles, action)
    else:
        admin_roles.check(actor.roles, action, target_roles=roles_of(target), target_name=target.login_name)


def require_role_change(user: DirectoryUser | None, *, added, removed) -> None:
    """DIR-05: admin roles given to or taken from `user` (None: a user being created)."""
    actor = audit.current_actor()
    if actor.unrestricted:
        return
    admin_roles.check_role_change(actor.roles, added=added, removed=removed,
                                  self_change=user is not None and actor.object_id == user.pk)
