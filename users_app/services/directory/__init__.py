"""Writes on the directory (the Microsoft 365 admin center / Entra ID side): DIR-01..DIR-11.

Every public function is keyword-only (lookups aside), runs in one transaction and refuses
through a check of the rules package (a rule ID) or with InvalidInput (a field), with nothing
written. Each acts as the current actor (services/audit.py): a directory user is held to what its
admin roles allow, on that target (DIR-05, rights.py); the operator, a superuser and the system
are not. Every change and every refusal lands in the audit log.

By screen: users.py, passwords.py (sign-in, temporary password, mail), licences.py, groups.py,
roles.py, apps.py; fields.py and rights.py are what they share. Callers import this package:
`from users_app.services import directory; directory.group_create(...)`.
"""
from users_app.models import DirectoryGroup  # noqa: F401  (kept for callers that reached it here)
from users_app.provisioning.rules import RuleViolation  # noqa: F401

from .apps import (app_registration_create, app_registration_new_secret, app_registration_set_permissions,
                   app_registration_update)
from .fields import (
    CLEAR_TEXT_WARNING,
    PROFILE_FIELDS,
    RESTORE_WINDOW,
    TEXT_FIELDS,
    UPDATABLE_FIELDS,
    USERNAME_MAX,
    check_upn,
    check_upn_free,
    normalise_usage_location,
    refuse_hard_deleted,
    username_for,
)
from .groups import (
    check_no_cycle,
    group_create,
    group_member_add,
    group_member_remove,
    group_members_set,
    group_owner_add,
    group_owner_remove,
    group_owners_set,
    group_update,
)
from .licences import licence_assign, licence_remove, licences_set, seats_used, tenant_get, tenant_update
from .passwords import TEMPORARY_PASSWORD_LENGTH, directory_user_set_password, generate_temporary_password
from .rights import FIELD_ACTIONS, require_right, roles_of
from .roles import admin_role_assign, admin_role_remove, admin_roles_set
from .users import (
    directory_purge_expired,
    directory_user_create,
    directory_user_delete,
    directory_user_find,
    directory_user_purge,
    directory_user_restore,
    directory_user_update,
)
