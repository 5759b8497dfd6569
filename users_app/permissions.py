"""View decorators for the portal's access rules (users_app/provisioning/portal_access.py).

A signed-in user without the role gets 403 with a page naming the missing role."""
from __future__ import annotations

from functools import wraps

from django.shortcuts import get_object_or_404, render

from environments_app.models import Environment
from users_app.models import AdminRoleAssignment, DirectoryUser, GroupMembership
from users_app.provisioning.rules import admin_roles
from users_app.selectors import holds_system_administrator
from users_app.provisioning.rules.admin_roles import Action
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
    return user is not None and holds_system_administrator(environment=environment, directory_user_id=user.id)


def forbidden(request, reason: str):
    return render(request, "portal/403.html", {"reason": reason}, status=403)


def _directory_only(request):
    if directory_user_of(request) is None:
        return forbidden(request, "A Django superuser is for /admin/ only: sign in as a directory user to use the portal.")
    return None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_write(request) -> bool:
    return request.method not in SAFE_METHODS


def is_preview(request) -> bool:
    """A POST of a previewing view without confirm=1 asks what the change would do (issue 12)."""
    return request.method == "POST" and request.POST.get("confirm") != "1"


def preview_refusal(request, roles, *, write_refusal: str | None, read_refusal) -> str | None:
    """Who may see a preview (issue 12): whoever may make the change (then Confirm is offered), and a
    Global reader, who reads everything and makes nothing, holding the view's read right (no Confirm).
    Any other admin is refused as the change itself would be. `read_refusal` is called only then."""
    request._can_confirm = write_refusal is None
    if write_refusal is None:
        return None
    if admin_roles.GLOBAL_READER in roles:
        return read_refusal()
    return write_refusal


def can_confirm(request) -> bool:
    """May the viewer make the change a preview shows? Set by a previewing decorator; a view
    without one answered 403 to whoever may not write."""
    return getattr(request, "_can_confirm", True)


def m365_required(read: Action = Action.READ, write: Action | tuple[Action, ...] | None = None, *,
                  preview: bool = False):
    """Microsoft 365 admin center screens (DIR-05, provisioning/rules/admin_roles.py): reading needs the
    `read` right (every admin role reads basic properties); a POST needs one of the `write` rights.
    Which targets an action may touch is the service's check (it refuses with DIR-05).
    `preview`: a POST without confirm=1 is a preview (`preview_refusal`: whoever may make the change, or a
    Global reader with the `read` right); `can_confirm(request)` then says whether the viewer may confirm."""
    writes = (write,) if isinstance(write, Action) else tuple(write or (read,))

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            refusal = _directory_only(request)
            if refusal:
                return refusal
            roles = admin_roles_of(request)
            if is_write(request):
                reasons = [admin_roles.refusal(roles, action) for action in writes]
                missing = None if any(r is None for r in reasons) else reasons[0]
                if preview and is_preview(request):
                    missing = preview_refusal(request, roles, write_refusal=missing,
                                              read_refusal=lambda: admin_roles.refusal(roles, read))
            else:
                missing = admin_roles.refusal(roles, read)
            if missing:
                return forbidden(request, missing)
            return func(request, *args, **kwargs)
        # read by the role-matrix test; "preview": a POST without confirm=1 is a read
        wrapper.access = ("m365", read, writes) + (("preview",) if preview else ())
        return wrapper
    return decorate


m365_admin_required = m365_required()


def m365_rights(request, target: DirectoryUser | None = None) -> dict[str, bool]:
    """What the signed-in admin may do, by action name (lower case), on `target` when given: the
    screens show only the commands that would be allowed."""
    roles = admin_roles_of(request)
    target_roles = None
    if target is not None:
        target_roles = frozenset(a.role for a in target.admin_roles.all())
    return {action.name.lower(): admin_roles.refusal(roles, action, target_roles=target_roles) is None
            for action in Action}


# The audit log (Microsoft 365 side): Global administrator or Global reader.
audit_reader_required = m365_required(Action.READ_AUDIT, write=Action.READ_AUDIT)


def _previewing(decorate):
    """`@decorator` or `@decorator(preview=True)` (a POST without confirm=1 is then a read)."""
    @wraps(decorate)
    def either(view=None, *, preview: bool = False):
        if view is None:
            return lambda actual: decorate(actual, preview=preview)
        return decorate(view, preview=preview)
    return either


@_previewing
def pp_admin_required(view, *, preview: bool = False):
    """Tenant-wide Power Platform screens (environments list): Global, PP or D365 administrator;
    a Global reader reads them. `preview=True`: see m365_required."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        roles = admin_roles_of(request)
        missing = admin_roles.tenant_pp_refusal(roles, write=is_write(request))
        if preview and is_preview(request):
            missing = preview_refusal(request, roles, write_refusal=missing,
                                      read_refusal=lambda: admin_roles.tenant_pp_refusal(roles, write=False))
        if missing:
            return forbidden(request, missing)
        return view(request, *args, **kwargs)
    wrapper.access = ("tenant_pp",) + (("preview",) if preview else ())
    return wrapper


def in_security_group(request, environment: Environment) -> bool:
    """A direct member of the environment's security group (as ELIG-04 reads it)."""
    user = directory_user_of(request)
    return user is not None and environment.security_group_object_id is not None and GroupMembership.objects.filter(
        group_id=environment.security_group_object_id, user=user).exists()


def environment_refusal(request, environment: Environment, *, write: bool | None = None) -> str | None:
    """May the signed-in user open (write: change) this environment's pages? (admin_roles)"""
    roles = admin_roles_of(request)
    write = is_write(request) if write is None else write
    if roles & {admin_roles.GLOBAL, admin_roles.POWER_PLATFORM}:
        return None
    has_group = environment.security_group_object_id is not None
    member = admin_roles.DYNAMICS_365 in roles and has_group and in_security_group(request, environment)
    first = admin_roles.environment_refusal(roles, write=write, in_security_group=member,
                                             has_security_group=has_group)
    if first is None:
        return None
    if is_system_administrator(request, environment):
        return None
    return first


@_previewing
def environment_admin_required(view, *, preview: bool = False):
    """An environment's pages: a PP admin role, or System Administrator in that environment.
    The view receives `environment` (from the URL's environment_id) instead of the id.
    `preview=True`: see m365_required."""
    @wraps(view)
    def wrapper(request, environment_id, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        environment = get_object_or_404(Environment, environment_id=environment_id)
        missing = environment_refusal(request, environment)
        if preview and is_preview(request):
            missing = preview_refusal(request, admin_roles_of(request), write_refusal=missing,
                                      read_refusal=lambda: environment_refusal(request, environment, write=False))
        if missing:
            return forbidden(request, missing)
        return view(request, environment, *args, **kwargs)
    wrapper.access = ("environment",) + (("preview",) if preview else ())
    return wrapper


def directory_user_required(view):
    """Pages every signed-in directory user may open (My environments, service information)."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = _directory_only(request)
        if refusal:
            return refusal
        return view(request, *args, **kwargs)
    wrapper.access = ("directory_user",)
    return wrapper
