"""Admin actions on an environment's user records, one module per concept: the profile and access
mode, security roles, teams, business unit / manager / position, the lifecycle (invitation,
deletion), application users, business records. Each action runs in one transaction and refuses
through a check of users_app/provisioning/rules (or InvalidInput for a malformed field)."""
from users_app.provisioning.rules import RuleViolation  # noqa: F401  (callers catch records.RuleViolation)

from .app_users import (  # noqa: F401
    app_user_create,
    app_user_delete,
    app_user_edit,
    app_user_set_status,
    app_user_update,
    application_caller,
)
from .business_records import (  # noqa: F401
    account_create,
    account_owner_set,
    account_share,
    owned_record_counts,
    records_reassign,
)
from .lifecycle import directory_state_of, invitation_send, systemuser_delete  # noqa: F401
from .organisation import business_unit_change, manager_set, position_set  # noqa: F401
from .profile import (  # noqa: F401
    ACCESS_MODES,
    SYSTEM_ACTOR_ROLES,
    access_mode_set,
    on_premises_user_update,
    primary_email_set,
    systemuser_directory_user,
    systemuser_edit_refusal,
    systemuser_form_save,
)
from .roles import ROLE_03_WARNING, role_assign, role_assign_many, role_remove, roles_set  # noqa: F401
from .state import PROFILE_LABELS, audited_user_sync, systemuser_state, team_state  # noqa: F401
from .teams import (  # noqa: F401
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_members_add,
    team_membership_refusal,
    team_memberships_set,
    team_roles_set,
    team_update,
)
