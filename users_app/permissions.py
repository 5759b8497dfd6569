"""View decorators for the portal's access rules (users_app/provisioning/portal_access.py).

A signed-in user without the role gets 403 with a page naming the missing role."""
from __future__ import annotations

from functools import wraps

from django.shortcuts import get_object_or_404, render

from environments_app.models import Environment
from users_app.models import AdminRoleAssignment, DirectoryUser, SystemUser
from users_app.provisioning import portal_access
from users_app.services import audit


def directory_user_of(request) -> DirectoryUser | None:
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, "_directory_user"):
        request._directory_user = DirectoryUser.objects.filter(account=request.user, deleted_state="").first()
    return request._directory_user


def admin_roles_of(request) -> frozenset[str]:
    if not hasattr(request, "_admin_roles"):
        user = directory_user_of(request)
        request._admin_roles = frozenset(
            AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True)) if user else frozenset()
    return request._admin_roles


def actor_of(request) -> audit.Actor:
    """Who acts in this request (users_app.services.audit): the directory user with its admin
    roles; a Django superuser (only /admin/ lets one in); anonymous (signing in) otherwise.
    The roles are read once, on first use."""
    account = getattr(request, "user", None)
    if account is None or not account.is_authenticated:
        return audit.Actor("anonymous", "anonymous", "portal")
    user = directory_user_of(request)
    if user is not None:
        return audit.Actor.for_directory_user(user, admin_roles_of(request))
    if account.is_superuser:
        return audit.Actor(audit.SUPERUSER, account.get_username(), "admin")
    return audit.Actor("account", account.get_username(), "portal")


def is_system_administrator(request, environment: Environment) -> bool:
    user = directory_user_of(request)
    if user is None:
        return False
    return SystemUser.objects.filter(
        environment=environment, azureactivedirectoryobjectid=user.id, isdisabled=False, roles__name="System Administrator"
    ).exists()


def forbidden(request, reason: str):
    return render(request, "portal/403.html", {"reason": reason}, status=403)


def _directory_only(request):
    if directory_user_of(request) is None:
        return forbidden(request, "A Django superuser is for /admin/ only: sign in as a directory user to use the portal.")
    return None


def m365_admin_required(view=None, *, licences: bool = False):
    """Microsoft 365 admin screens (Global or User administrator; licences: License administrator too)."""
    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            refusal = _directory_only(request)
            if refusal:
                return refusal
            missing = portal_access.missing_m365_role(admin_roles_of(request), licences=licences)
            if missing:
                return forbidden(request, missing)
            return func(request, *args, **kwargs)
        return wrapper
    return decorate(view) if view is not None else decorate


def pp_admin_required(view):
    """Tenant-wide Power Platform screens (environments list): Global, PP or D365 administrator."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        missing = portal_access.missing_tenant_pp_role(admin_roles_of(request))
        if missing:
            return forbidden(request, missing)
        return view(request, *args, **kwargs)
    return wrapper


def environment_admin_required(view):
    """An environment's pages: a PP admin role, or System Administrator in that environment.
    The view receives `environment` (from the URL's environment_id) instead of the id."""
    @wraps(view)
    def wrapper(request, environment_id, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        environment = get_object_or_404(Environment, environment_id=environment_id)
        roles = admin_roles_of(request)
        sysadmin = not (roles & portal_access.PP_ADMIN_ROLES) and is_system_administrator(request, environment)
        missing = portal_access.missing_pp_role(roles, is_system_administrator=sysadmin)
        if missing:
            return forbidden(request, missing)
        return view(request, environment, *args, **kwargs)
    return wrapper


def directory_user_required(view):
    """Pages every signed-in directory user may open (My environments, service information)."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        return view(request, *args, **kwargs)
    return wrapper
