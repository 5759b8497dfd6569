from users_app.permissions import admin_roles_of, directory_user_of
from users_app.provisioning import portal_access
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules.admin_roles import Action


def navigation(request):
    """What the left rail shows: the sections this signed-in user may open."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    roles = admin_roles_of(request)
    return {
        "directory_user": directory_user_of(request),
        "env_namespaces": ("environments", "structure", "users", "app_users", "imports", "onprem_users", "my_environments"),
        "nav_pp": portal_access.missing_tenant_pp_role(roles) is None,
        "nav_audit": admin_roles.may(roles, Action.READ_AUDIT),  # Global administrator, Global reader
        "nav_m365": portal_access.missing_m365_role(roles) is None,
        "nav_licences": portal_access.missing_m365_role(roles) is None,
        # What this admin may do at all in the Microsoft 365 admin center (commands shown); a
        # user's page narrows it to that user (`can`, users_app.permissions.m365_rights).
        "can_m365": {action.name.lower(): admin_roles.may(roles, action) for action in Action},
        # A Global reader reads the Power Platform side and changes nothing: its commands are hidden.
        "pp_read_only": admin_roles.GLOBAL_READER in roles and not roles & admin_roles.PP_SERVICE_ADMINS,
    }
