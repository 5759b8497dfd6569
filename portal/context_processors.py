from users_app.permissions import admin_roles_of, directory_user_of
from users_app.provisioning import portal_access


def navigation(request):
    """What the left rail shows: the sections this signed-in user may open."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    roles = admin_roles_of(request)
    return {
        "directory_user": directory_user_of(request),
        "env_namespaces": ("environments", "structure", "users", "apps"),
        "nav_pp": portal_access.missing_tenant_pp_role(roles) is None,
        "nav_m365": portal_access.missing_m365_role(roles) is None,
        "nav_licences": portal_access.missing_m365_role(roles, licences=True) is None,
    }
