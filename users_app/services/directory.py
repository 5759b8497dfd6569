"""Writes on the directory (the Microsoft 365 admin center / Entra ID side): DIR-01..DIR-11.

Every public function is keyword-only (lookups aside), runs in one transaction
and raises RuleViolation (rule ID + message) on refusal, with nothing written.
Each acts as the current actor (services/audit.py): a directory user is held to what its
admin roles allow, on that target (DIR-05, provisioning/rules/admin_roles.py); the operator, a
superuser and the system are not. Every change and every refusal lands in the audit log.
"""
from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from users_app.changes import change_number_next
from users_app.choices import AdminRole, DeletedState, DirectoryUserType, GroupType
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
from users_app.provisioning import rules
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules.admin_roles import Action
from users_app.provisioning.rules import RuleViolation
from users_app.services import audit
from users_app.provisioning.snapshots import reachable
from users_app.provisioning.rules.text import check_text

TEMPORARY_PASSWORD_LENGTH = 16
RESTORE_WINDOW = timedelta(days=30)  # DIR-04
USERNAME_MAX = 150  # django.contrib.auth User.username

# DIR-01: the screens and the mail say this.
CLEAR_TEXT_WARNING = (
    "This e-mail is sent in clear text: anyone who can read it can sign in with this password. "
    "Where you can, give the password through a secure channel instead (in person, by phone, "
    "or through a password manager)."
)

PROFILE_FIELDS = (
    "display_name", "given_name", "surname", "job_title", "mail", "business_phone", "mobile_phone",
    "street_address", "city", "state", "postal_code", "country",
)
UPDATABLE_FIELDS = frozenset(
    PROFILE_FIELDS
    + ("user_principal_name", "usage_location", "account_enabled", "user_type", "custom_attributes", "home_tenant_licences")
)
_USAGE_LOCATION = re.compile(r"^[A-Z]{2}$")


# --- who may (DIR-05) -------------------------------------------------------------------


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


def _require_role_change_new(roles) -> None:
    """Roles given to a user being created."""
    actor = audit.current_actor()
    if not actor.unrestricted:
        reason = admin_roles.role_change_refusal(actor.roles, added=frozenset(roles), removed=frozenset(),
                                                  self_change=False)
        if reason:
            raise RuleViolation("DIR-05", reason)


def _require_role_change(user: DirectoryUser, *, added, removed) -> None:
    actor = audit.current_actor()
    if actor.unrestricted:
        return
    reason = admin_roles.role_change_refusal(actor.roles, added=frozenset(added), removed=frozenset(removed),
                                              self_change=actor.object_id == user.pk)
    if reason:
        raise RuleViolation("DIR-05", reason)


# Which right each field of directory_user_update needs (anything else: EDIT_PROFILE).
FIELD_ACTIONS = {
    "account_enabled": Action.BLOCK,
    "user_principal_name": Action.EDIT_USER_NAME,
    "business_phone": Action.EDIT_SENSITIVE,
    "mobile_phone": Action.EDIT_SENSITIVE,
    "usage_location": Action.USAGE_LOCATION,
}


# --- helpers -------------------------------------------------------------------------


def generate_temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """DIR-01: cryptographically random, lower and upper case letters and at least three digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in password) and any(c.isupper() for c in password)
                and sum(c.isdigit() for c in password) >= 3):
            return password


def normalise_usage_location(value: str | None) -> str | None:
    """DIR-10: None or "" means none; otherwise two upper-case letters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _USAGE_LOCATION.match(value):
        raise RuleViolation("usage_location", f"Usage location {value!r} is not a two-letter country code (e.g. US).")
    return value


TEXT_FIELDS = PROFILE_FIELDS + ("user_principal_name",)


def _check_texts(model, values: dict) -> None:
    """Names and profile fields: within their column, no control characters (rules/text.py)."""
    for name, value in values.items():
        if isinstance(value, str):
            check_text(name, value, max_length=model._meta.get_field(name).max_length)


def _check_upn(upn: str) -> str:
    if not isinstance(upn, str) or not upn.strip() or "@" not in upn or upn != upn.strip() or " " in upn:
        raise RuleViolation("user_principal_name", f"{upn!r} is not a valid user name (name@domain).")
    return upn


def _check_upn_free(upn: str, *, exclude: DirectoryUser | None = None) -> None:
    """A UPN is free when no other directory user holds it and no other portal sign-in (a Django
    superuser included) has it as its user name: a sign-in is never adopted by another user."""
    clash = DirectoryUser.objects.filter(user_principal_name__iexact=upn)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise RuleViolation("user_principal_name", f"The user name {upn} is already in use in the directory.")
    accounts = get_user_model().objects.filter(username=_username_for(upn))
    if exclude is not None and exclude.account_id is not None:
        accounts = accounts.exclude(pk=exclude.account_id)
    if accounts.exists():
        raise RuleViolation("user_principal_name", f"The sign-in name {_username_for(upn)} is already taken.")


def _check_user_type(value: str) -> str:
    if value not in DirectoryUserType.values:
        raise RuleViolation("user_type", f"User type must be Member or Guest, not {value!r}.")
    return value


def _check_admin_role(role: str) -> str:
    if role not in AdminRole.values:
        known = ", ".join(AdminRole.values)
        raise RuleViolation("DIR-05", f"Unknown admin role {role!r}; the roles are {known}.")
    return role


def _altered(value: str, user: DirectoryUser) -> str:
    """DIR-11: the object id without dashes put in front."""
    return f"{user.id.hex}{value}" if value else value


def _username_for(upn: str) -> str:
    return upn.lower()[:USERNAME_MAX]


def _account_is_active(user: DirectoryUser) -> bool:
    return user.account_enabled and not user.deleted_state


def _sync_account(user: DirectoryUser) -> None:
    """Keep the portal sign-in in step with the directory user (username, active), writing only on change."""
    account = user.account
    if account is None:
        return
    username = _username_for(user.user_principal_name)
    changed = []
    if account.username != username:
        if get_user_model().objects.filter(username=username).exclude(pk=account.pk).exists():
            raise RuleViolation("user_principal_name", f"The sign-in name {username} is already taken.")
        account.username = username
        changed.append("username")
    if account.is_active != _account_is_active(user):
        account.is_active = _account_is_active(user)
        changed.append("is_active")
    if changed:
        account.save(update_fields=changed)


def _set_account_password(user: DirectoryUser, password: str | None) -> None:
    """Create or update the portal sign-in; password None means an unusable one."""
    User = get_user_model()
    account = user.account
    if account is None:
        # A new sign-in, never an existing account of the same name (a superuser's, say).
        username = _username_for(user.user_principal_name)
        if User.objects.filter(username=username).exists():
            raise RuleViolation("user_principal_name", f"The sign-in name {username} is already taken.")
        account = User(username=username)
        account.email = user.mail if not user.deleted_state else ""
        account.first_name = user.given_name[:150]
        account.last_name = user.surname[:150]
        account.is_active = _account_is_active(user)
    if password is None:
        account.set_unusable_password()
    else:
        account.set_password(password)
    account.save()
    if user.account_id != account.pk:
        user.account = account
        user.save(update_fields=["account", "modified_on"])


def _sku(sku: Sku | str) -> Sku:
    if isinstance(sku, Sku):
        return sku
    found = Sku.objects.filter(sku_part_number__iexact=sku).first()
    if found is None:
        raise RuleViolation("not-found", f"No licence (SKU) {sku} in this tenant.")
    return found


def seats_used(sku: Sku) -> int:
    """DIR-02: assignments of users that are not deleted."""
    return LicenceAssignment.objects.filter(sku=sku, user__deleted_state=DeletedState.NONE).count()


def _refuse_hard_deleted(user: DirectoryUser) -> None:
    if user.deleted_state == DeletedState.HARD:
        raise RuleViolation("DIR-04", f"{user.login_name} has been permanently deleted and cannot be changed.")


def _send_password_mail(user: DirectoryUser, password: str, to: str) -> None:
    body = (
        f"A temporary password has been set for {user.user_principal_name}.\n\n"
        f"User name: {user.user_principal_name}\n"
        f"Temporary password: {password}\n\n"
        "You must change it when you first sign in.\n\n"
        f"{CLEAR_TEXT_WARNING}\n"
    )
    send_mail(f"Temporary password for {user.user_principal_name}", body, None, [to])


# --- tenant ----------------------------------------------------------------------------


@transaction.atomic
def tenant_get() -> Tenant:
    """The single tenant row, created on demand with defaults."""
    tenant = Tenant.objects.order_by("pk").first()
    if tenant is None:
        tenant = Tenant.objects.create()
    return tenant


# --- users -----------------------------------------------------------------------------


@transaction.atomic
def directory_user_create(
    *,
    user_principal_name: str,
    display_name: str = "",
    given_name: str = "",
    surname: str = "",
    job_title: str = "",
    mail: str = "",
    business_phone: str = "",
    mobile_phone: str = "",
    street_address: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    country: str = "",
    usage_location: str | None = None,
    account_enabled: bool = True,
    user_type: str = DirectoryUserType.MEMBER,
    licences: Iterable[Sku | str] = (),
    admin_roles: Iterable[str] = (),
    custom_attributes: dict | None = None,
    home_tenant_licences: Iterable[str] = (),
    password: str | None = None,
    email_password_to: str | None = None,
    temporary_password: bool = True,
) -> tuple[DirectoryUser, str | None]:
    """DIR-01: create a directory user with a new object id.

    Without `password`, a temporary password is generated (shown once: it is
    returned) that must be changed at first sign-in; `email_password_to` mails
    it (clear text, CLEAR_TEXT_WARNING). With `password` (demo and test
    tenants) the password is usable at once. `temporary_password=False` with no
    password makes a user without a portal sign-in
    (the tenant file's default)."""
    with audit.action("Add user", target=user_principal_name) as entry:
        user, shown = _directory_user_create(
            user_principal_name=user_principal_name, display_name=display_name, given_name=given_name,
            surname=surname, job_title=job_title, mail=mail, business_phone=business_phone,
            mobile_phone=mobile_phone, street_address=street_address, city=city, state=state,
            postal_code=postal_code, country=country, usage_location=usage_location,
            account_enabled=account_enabled, user_type=user_type, licences=licences, admin_roles=admin_roles,
            custom_attributes=custom_attributes, home_tenant_licences=home_tenant_licences, password=password,
            email_password_to=email_password_to, temporary_password=temporary_password)
        entry.describe(target=user)
        for name in ("display_name", "usage_location", "account_enabled", "user_type"):
            entry.change(name, None, getattr(user, name))
        entry.change("licences", [], [a.sku.sku_part_number for a in user.licence_assignments.select_related("sku")])
        entry.change("admin_roles", [], sorted(roles_of(user)))
        if shown is not None:
            entry.change("password", None, "temporary password set")
    return user, shown


def _directory_user_create(*, user_principal_name, display_name, given_name, surname, job_title, mail,
                           business_phone, mobile_phone, street_address, city, state, postal_code, country,
                           usage_location, account_enabled, user_type, licences, admin_roles, custom_attributes,
                           home_tenant_licences, password, email_password_to, temporary_password):
    require_right(Action.CREATE_USER)
    _check_texts(DirectoryUser, {"user_principal_name": user_principal_name, "display_name": display_name,
                                 "given_name": given_name, "surname": surname, "job_title": job_title, "mail": mail,
                                 "business_phone": business_phone, "mobile_phone": mobile_phone,
                                 "street_address": street_address, "city": city, "state": state,
                                 "postal_code": postal_code, "country": country})
    _check_upn(user_principal_name)
    _check_upn_free(user_principal_name)
    usage_location = normalise_usage_location(usage_location)
    _check_user_type(user_type)
    roles = [_check_admin_role(r) for r in admin_roles]
    if roles:
        _require_role_change_new(roles)
    licences = list(licences)
    if licences:
        require_right(Action.LICENCES)
    user = DirectoryUser.objects.create(
        id=uuid.uuid4(),
        user_principal_name=user_principal_name,
        display_name=display_name, given_name=given_name, surname=surname, job_title=job_title, mail=mail,
        business_phone=business_phone, mobile_phone=mobile_phone, street_address=street_address, city=city,
        state=state, postal_code=postal_code, country=country, usage_location=usage_location,
        account_enabled=account_enabled, user_type=user_type,
        custom_attributes=dict(custom_attributes or {}), home_tenant_licences=list(home_tenant_licences),
    )
    shown = None
    if password is not None:
        _set_account_password(user, password)
    elif temporary_password:
        shown = generate_temporary_password()
        _set_account_password(user, shown)
        user.must_change_password = True
        user.save(update_fields=["must_change_password", "modified_on"])
    for sku in licences:
        licence_assign(user=user, sku=sku)
    for role in dict.fromkeys(roles):
        AdminRoleAssignment.objects.create(user=user, role=role)
    if shown is not None and email_password_to:
        _send_password_mail(user, shown, email_password_to)
    return user, shown


@transaction.atomic
def tenant_update(*, marketing_licence: bool) -> Tenant:
    """The tenant-level Marketing licence (ELIG-03 c)."""
    with audit.action("Update tenant subscriptions", target="tenant") as entry:
        require_right(Action.TENANT_LICENCES)
        tenant = tenant_get()
        if tenant.marketing_licence != marketing_licence:
            entry.change("marketing_licence", tenant.marketing_licence, marketing_licence)
            tenant.marketing_licence = marketing_licence
            tenant.save(update_fields=["marketing_licence"])
    return tenant


@transaction.atomic
def directory_user_set_password(
    *, user: DirectoryUser, password: str | None = None, email_password_to: str | None = None
) -> str | None:
    """DIR-01: set a password. Without one, a temporary password is generated, returned
    (shown once), must be changed at first sign-in and may be mailed (clear text).
    A user setting its own password (the password page) needs no admin role."""
    own = password is not None and audit.current_actor().object_id == user.pk
    with audit.action("Change own password" if own else "Reset password", target=user) as entry:
        if not own:
            require_right(Action.RESET_PASSWORD, user)
        shown = _set_password(user, password, email_password_to)
        entry.change("password", None, "temporary password set" if shown else "password set")
    return shown


def _set_password(user: DirectoryUser, password: str | None, email_password_to: str | None) -> str | None:
    _refuse_hard_deleted(user)
    if password is not None:
        _set_account_password(user, password)
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password", "modified_on"])
        return None
    shown = generate_temporary_password()
    _set_account_password(user, shown)
    if not user.must_change_password:
        user.must_change_password = True
        user.save(update_fields=["must_change_password", "modified_on"])
    if email_password_to:
        _send_password_mail(user, shown, email_password_to)
    return shown


@transaction.atomic
def directory_user_update(*, user: DirectoryUser, **fields) -> DirectoryUser:
    """DIR-03: profile fields, account_enabled, usage_location, user_type, custom and
    home-tenant attributes. Writes only what changed. A UPN change renames the sign-in.
    On a soft-deleted user, UPN and mail changes go to the originals (DIR-11)."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"directory_user_update() got unexpected fields: {', '.join(sorted(unknown))}")
    name = "Update user"
    if set(fields) == {"account_enabled"}:
        name = "Unblock sign-in" if fields["account_enabled"] else "Block sign-in"
    with audit.action(name, target=user) as entry:
        before = {f: getattr(user, "login_name" if f == "user_principal_name" else f) for f in fields}
        _require_field_rights(user, fields)
        _directory_user_update(user, fields)
        for f, old in before.items():
            entry.change(f, old, getattr(user, "login_name" if f == "user_principal_name" else f))
    return user


def _require_field_rights(user: DirectoryUser, fields: dict) -> None:
    """Each field that would change needs its right (FIELD_ACTIONS), on this target."""
    if audit.current_actor().unrestricted:
        return
    for name, value in fields.items():
        current = user.login_name if name == "user_principal_name" else getattr(user, name)
        if name in PROFILE_FIELDS and value is None:
            value = ""
        if name == "usage_location" and value == "":
            value = None
        if current != value:
            require_right(FIELD_ACTIONS.get(name, Action.EDIT_PROFILE), user)


def _directory_user_update(user: DirectoryUser, fields: dict) -> None:
    _refuse_hard_deleted(user)
    _check_texts(DirectoryUser, {name: value for name, value in fields.items() if name in TEXT_FIELDS})
    changed: list[str] = []
    if "user_principal_name" in fields:
        upn = _check_upn(fields.pop("user_principal_name"))
        current = user.original_user_principal_name if user.is_deleted else user.user_principal_name
        if upn != current:
            if user.is_deleted:
                user.original_user_principal_name = upn
                user.user_principal_name = _altered(upn, user)
                changed += ["original_user_principal_name", "user_principal_name"]
            else:
                _check_upn_free(upn, exclude=user)
                user.user_principal_name = upn
                changed.append("user_principal_name")
    if "mail" in fields and user.is_deleted:
        mail = fields.pop("mail")
        if mail != user.original_mail:
            user.original_mail = mail
            user.mail = _altered(mail, user)
            changed += ["original_mail", "mail"]
    if "usage_location" in fields:
        fields["usage_location"] = normalise_usage_location(fields["usage_location"])
        if fields["usage_location"] is None and user.licence_assignments.exists():
            raise RuleViolation("DIR-10", f"{user.login_name} holds licences, which need a usage location; "
                                          "remove the licences before clearing it.")
    if "user_type" in fields:
        _check_user_type(fields["user_type"])
    if "custom_attributes" in fields:
        fields["custom_attributes"] = dict(fields["custom_attributes"] or {})
    if "home_tenant_licences" in fields:
        fields["home_tenant_licences"] = list(fields["home_tenant_licences"] or [])
    for name, value in fields.items():
        if name in PROFILE_FIELDS and value is None:
            value = ""
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed + ["modified_on"])
        _sync_account(user)


@transaction.atomic
def _licence_assign(*, user: DirectoryUser, sku: Sku | str) -> LicenceAssignment:
    """DIR-02 (seats) and DIR-10 (usage location); assigning a held licence changes nothing.
    A soft-deleted user's licences count for no seat (DIR-04), so none is checked for it."""
    sku = _sku(sku)
    _refuse_hard_deleted(user)
    existing = LicenceAssignment.objects.filter(user=user, sku=sku).first()
    if existing is not None:
        return existing
    rules.check_usage_location(usage_location=user.usage_location)
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    if not user.is_deleted:
        rules.check_licence_seats(sku_name=sku.name, seats=sku.seats, used=seats_used(sku))
    return LicenceAssignment.objects.create(user=user, sku=sku)


@transaction.atomic
def _licence_remove(*, user: DirectoryUser, sku: Sku | str) -> None:
    """DIR-02: removing a licence frees its seat at once."""
    sku = _sku(sku)
    LicenceAssignment.objects.filter(user=user, sku=sku).delete()


@transaction.atomic
def _licences_set(*, user: DirectoryUser, skus: Iterable[Sku | str]) -> None:
    """Replace the user's licences: removals first (they free seats), then additions."""
    wanted = {s.pk: s for s in (_sku(s) for s in skus)}
    current = set(LicenceAssignment.objects.filter(user=user).values_list("sku_id", flat=True))
    removed = current - set(wanted)
    if removed:
        LicenceAssignment.objects.filter(user=user, sku_id__in=removed).delete()
    for pk, sku in wanted.items():
        if pk not in current:
            licence_assign(user=user, sku=sku)


@transaction.atomic
def _directory_user_delete(*, user: DirectoryUser) -> DirectoryUser:
    """DIR-04 soft delete, DIR-11 UPN and mail altered. Licences are kept (restored with
    the user) but no longer take a seat (DIR-02); groups and admin roles are kept; the
    portal sign-in is disabled. Deleting a soft-deleted user changes nothing."""
    _refuse_hard_deleted(user)
    if user.deleted_state == DeletedState.SOFT:
        return user
    user.original_user_principal_name = user.user_principal_name
    user.original_mail = user.mail
    user.user_principal_name = _altered(user.user_principal_name, user)
    user.mail = _altered(user.mail, user)
    user.deleted_state = DeletedState.SOFT
    user.deleted_on = timezone.now()
    user.save(update_fields=["original_user_principal_name", "original_mail", "user_principal_name", "mail",
                             "deleted_state", "deleted_on", "modified_on"])
    _sync_account(user)
    return user


@transaction.atomic
def _directory_user_restore(*, user: DirectoryUser, now=None) -> DirectoryUser:
    """DIR-04: back to live with the original UPN and mail (DIR-11), same object id,
    licences, groups and roles. Only from soft state, within 30 days, when no live user
    holds the UPN (DIR-04) and every kept licence still has a seat (DIR-02)."""
    if user.deleted_state == DeletedState.HARD:
        raise RuleViolation("DIR-04", f"{user.login_name} was permanently deleted and cannot be restored.")
    if user.deleted_state != DeletedState.SOFT:
        raise RuleViolation("DIR-04", f"{user.user_principal_name} is not deleted.")
    now = now or timezone.now()
    if user.deleted_on and now - user.deleted_on > RESTORE_WINDOW:
        raise RuleViolation("DIR-04", f"{user.login_name} was deleted more than 30 days ago and cannot be restored.")
    upn = user.original_user_principal_name
    if DirectoryUser.objects.filter(user_principal_name__iexact=upn).exclude(pk=user.pk).exists():
        raise RuleViolation("DIR-04", f"Another user now holds the user name {upn}; "
                                      "rename that user before restoring this one.")
    for assignment in LicenceAssignment.objects.filter(user=user).select_related("sku"):
        sku = Sku.objects.select_for_update().get(pk=assignment.sku_id)
        used = seats_used(sku)
        if used + 1 > sku.seats:
            raise RuleViolation("DIR-02", f"No seats left for {sku.name} ({used} of {sku.seats} in use) "
                                          f"to restore {upn} with it; free a seat or remove the licence first.")
    user.user_principal_name = upn
    user.mail = user.original_mail
    user.original_user_principal_name = ""
    user.original_mail = ""
    user.deleted_state = DeletedState.NONE
    user.deleted_on = None
    user.save(update_fields=["original_user_principal_name", "original_mail", "user_principal_name", "mail",
                             "deleted_state", "deleted_on", "modified_on"])
    _sync_account(user)
    return user


@transaction.atomic
def _directory_user_purge(*, user: DirectoryUser) -> DirectoryUser:
    """Permanent (hard) delete. The row stays as a tombstone so environments keep
    resolving their records (SYNC-08); licences, group memberships and ownerships,
    admin roles and the portal sign-in go. It can never be restored."""
    if user.deleted_state == DeletedState.HARD:
        return user
    if user.deleted_state != DeletedState.SOFT:
        user.original_user_principal_name = user.user_principal_name
        user.original_mail = user.mail
        user.user_principal_name = _altered(user.user_principal_name, user)
        user.mail = _altered(user.mail, user)
    LicenceAssignment.objects.filter(user=user).delete()
    GroupMembership.objects.filter(user=user).delete()
    GroupOwner.objects.filter(user=user).delete()
    AdminRoleAssignment.objects.filter(user=user).delete()
    account = user.account
    user.account = None
    user.deleted_state = DeletedState.HARD
    user.deleted_on = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["original_user_principal_name", "original_mail", "user_principal_name", "mail",
                             "deleted_state", "deleted_on", "account", "must_change_password", "modified_on"])
    if account is not None:
        account.delete()
    return user


@transaction.atomic
def directory_purge_expired(*, now=None) -> int:
    """DIR-04: soft-deleted users are gone for good after 30 days."""
    cutoff = (now or timezone.now()) - RESTORE_WINDOW
    expired = list(DirectoryUser.objects.filter(deleted_state=DeletedState.SOFT, deleted_on__lt=cutoff))
    for user in expired:
        directory_user_purge(user=user)
    return len(expired)


def directory_user_find(upn: str) -> DirectoryUser | None:
    """Case-insensitive: the live user holding the UPN, else the deleted user whose
    original UPN it is, newest deletion first (DIR-11). Hard-deleted tombstones
    are found too (after soft-deleted ones); callers check `deleted_state`."""
    if not upn:
        return None
    live = DirectoryUser.objects.filter(user_principal_name__iexact=upn, deleted_state=DeletedState.NONE).first()
    if live is not None:
        return live
    deleted = DirectoryUser.objects.filter(original_user_principal_name__iexact=upn).exclude(deleted_state=DeletedState.NONE)
    soft = deleted.filter(deleted_state=DeletedState.SOFT).order_by("-deleted_on", "-created_on").first()
    return soft or deleted.order_by("-deleted_on", "-created_on").first()


# --- groups (DIR-06) ---------------------------------------------------------------------


def _check_group_name_free(name: str, *, exclude: DirectoryGroup | None = None) -> None:
    clash = DirectoryGroup.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise RuleViolation("name", f"A group named {name} already exists.")


def _check_group_type(group_type: str) -> str:
    if group_type not in GroupType.values:
        raise RuleViolation("group_type", f"Group type must be security or m365, not {group_type!r}.")
    return group_type


@transaction.atomic
def _group_create(*, name: str, group_type: str = GroupType.SECURITY) -> DirectoryGroup:
    if not isinstance(name, str) or not name.strip():
        raise RuleViolation("name", "A group needs a name.")
    _check_texts(DirectoryGroup, {"name": name})
    _check_group_type(group_type)
    _check_group_name_free(name)
    return DirectoryGroup.objects.create(name=name, group_type=group_type)


@transaction.atomic
def _group_update(*, group: DirectoryGroup, name: str | None = None, group_type: str | None = None) -> DirectoryGroup:
    changed = []
    if name is not None and name != group.name:
        _check_texts(DirectoryGroup, {"name": name})
        _check_group_name_free(name, exclude=group)
        group.name = name
        changed.append("name")
    if group_type is not None and group_type != group.group_type:
        group.group_type = _check_group_type(group_type)
        changed.append("group_type")
    if changed:
        group.save(update_fields=changed)
    return group


def _descendants(group_id) -> set:
    """Groups nested (at any depth) in the given group."""
    edges: dict = {}
    for parent, child in GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id"):
        edges.setdefault(parent, set()).add(child)
    return reachable([group_id], edges)


def _check_no_cycle(group: DirectoryGroup, member_group: DirectoryGroup) -> None:
    """DIR-06: a group may contain groups, but never (through nesting) itself."""
    if member_group.pk == group.pk or group.pk in _descendants(member_group.pk):
        raise RuleViolation("DIR-06", f"Adding {member_group.name} to {group.name} would make a cycle of nested groups.")


@transaction.atomic
def _group_member_add(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                     member_group: DirectoryGroup | None = None) -> GroupMembership:
    if (user is None) == (member_group is None):
        raise TypeError("group_member_add() takes exactly one of user and member_group")
    if user is not None:
        _refuse_hard_deleted(user)
        membership, _ = GroupMembership.objects.get_or_create(group=group, user=user)
        return membership
    existing = GroupMembership.objects.filter(group=group, member_group=member_group).first()
    if existing is not None:
        return existing
    _check_no_cycle(group, member_group)
    return GroupMembership.objects.create(group=group, member_group=member_group)


@transaction.atomic
def _group_member_remove(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                        member_group: DirectoryGroup | None = None) -> None:
    if (user is None) == (member_group is None):
        raise TypeError("group_member_remove() takes exactly one of user and member_group")
    if user is not None:
        GroupMembership.objects.filter(group=group, user=user).delete()
    else:
        GroupMembership.objects.filter(group=group, member_group=member_group).delete()


@transaction.atomic
def _group_members_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser] = (),
                      groups: Iterable[DirectoryGroup] = ()) -> None:
    """Replace the group's direct members (users and nested groups), removals first."""
    want_users = {u.pk: u for u in users}
    want_groups = {g.pk: g for g in groups}
    current_users = set(GroupMembership.objects.filter(group=group, user__isnull=False).values_list("user_id", flat=True))
    current_groups = set(GroupMembership.objects.filter(group=group, member_group__isnull=False)
                         .values_list("member_group_id", flat=True))
    if current_users - set(want_users):
        GroupMembership.objects.filter(group=group, user_id__in=current_users - set(want_users)).delete()
    if current_groups - set(want_groups):
        GroupMembership.objects.filter(group=group, member_group_id__in=current_groups - set(want_groups)).delete()
    for pk, user in want_users.items():
        if pk not in current_users:
            _refuse_hard_deleted(user)
            GroupMembership.objects.create(group=group, user=user)
    for pk, member_group in want_groups.items():
        if pk not in current_groups:
            _check_no_cycle(group, member_group)
            GroupMembership.objects.create(group=group, member_group=member_group)


@transaction.atomic
def _group_owner_add(*, group: DirectoryGroup, user: DirectoryUser) -> GroupOwner:
    _refuse_hard_deleted(user)
    owner, _ = GroupOwner.objects.get_or_create(group=group, user=user)
    return owner


@transaction.atomic
def _group_owner_remove(*, group: DirectoryGroup, user: DirectoryUser) -> None:
    GroupOwner.objects.filter(group=group, user=user).delete()


@transaction.atomic
def _group_owners_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser]) -> None:
    want = {u.pk: u for u in users}
    current = set(GroupOwner.objects.filter(group=group).values_list("user_id", flat=True))
    if current - set(want):
        GroupOwner.objects.filter(group=group, user_id__in=current - set(want)).delete()
    for pk, user in want.items():
        if pk not in current:
            _refuse_hard_deleted(user)
            GroupOwner.objects.create(group=group, user=user)


# --- admin roles (DIR-05) ------------------------------------------------------------------


@transaction.atomic
def _admin_role_assign(*, user: DirectoryUser, role: str) -> AdminRoleAssignment:
    _check_admin_role(role)
    _refuse_hard_deleted(user)
    assignment, _ = AdminRoleAssignment.objects.get_or_create(user=user, role=role)
    return assignment


@transaction.atomic
def _admin_role_remove(*, user: DirectoryUser, role: str) -> None:
    AdminRoleAssignment.objects.filter(user=user, role=role).delete()


@transaction.atomic
def _admin_roles_set(*, user: DirectoryUser, roles: Iterable[str]) -> None:
    want = list(dict.fromkeys(_check_admin_role(r) for r in roles))
    current = set(AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if current - set(want):
        AdminRoleAssignment.objects.filter(user=user, role__in=current - set(want)).delete()
    missing = [r for r in want if r not in current]
    if missing:
        _refuse_hard_deleted(user)
        number = change_number_next()
        AdminRoleAssignment.objects.bulk_create([AdminRoleAssignment(user=user, role=r, change_number=number) for r in missing])


# --- app registrations (DIR-08) --------------------------------------------------------------


@transaction.atomic
def _app_registration_create(*, name: str, app_id: uuid.UUID | str | None = None) -> tuple[AppRegistration, str]:
    """A service principal with an application (client) id and an object id. The client
    secret is returned once; only its hash is stored."""
    if not isinstance(name, str) or not name.strip():
        raise RuleViolation("name", "An app registration needs a name.")
    _check_texts(AppRegistration, {"name": name})
    try:
        app_uuid = uuid.UUID(str(app_id)) if app_id is not None else uuid.uuid4()
    except ValueError:
        raise RuleViolation("app_id", f"{app_id!r} is not a GUID.") from None
    if AppRegistration.objects.filter(app_id=app_uuid).exists():
        raise RuleViolation("app_id", f"An app registration with application id {app_uuid} already exists.")
    secret = secrets.token_urlsafe(32)
    app = AppRegistration.objects.create(name=name, app_id=app_uuid, secret_hash=make_password(secret))
    return app, secret


@transaction.atomic
def _app_registration_update(*, app: AppRegistration, name: str) -> AppRegistration:
    if name != app.name:
        app.name = name
        app.save(update_fields=["name"])
    return app


@transaction.atomic
def _app_registration_new_secret(*, app: AppRegistration) -> str:
    secret = secrets.token_urlsafe(32)
    app.secret_hash = make_password(secret)
    app.save(update_fields=["secret_hash"])
    return secret



# --- the public writes: each checks the actor's rights (DIR-05) and is recorded -------------------


def _skus_of(user: DirectoryUser) -> list[str]:
    return sorted(LicenceAssignment.objects.filter(user=user).values_list("sku__sku_part_number", flat=True))


def licence_assign(*, user: DirectoryUser, sku: Sku | str) -> LicenceAssignment:
    with audit.action("Assign license", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        assignment = _licence_assign(user=user, sku=sku)
        entry.change("licenses", before, _skus_of(user))
    return assignment


def licence_remove(*, user: DirectoryUser, sku: Sku | str) -> None:
    with audit.action("Remove license", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        _licence_remove(user=user, sku=sku)
        entry.change("licenses", before, _skus_of(user))


def licences_set(*, user: DirectoryUser, skus: Iterable[Sku | str]) -> None:
    with audit.action("Update licenses", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        _licences_set(user=user, skus=skus)
        entry.change("licenses", before, _skus_of(user))


def _user_state(user: DirectoryUser) -> tuple[str, str]:
    return user.deleted_state or "active", user.user_principal_name


def directory_user_delete(*, user: DirectoryUser) -> DirectoryUser:
    with audit.action("Delete user", target=user) as entry:
        require_right(Action.DELETE, user)
        before = _user_state(user)
        _directory_user_delete(user=user)
        entry.change("state", before[0], _user_state(user)[0])
        entry.change("user_principal_name", before[1], user.user_principal_name)
    return user


def directory_user_restore(*, user: DirectoryUser, now=None) -> DirectoryUser:
    with audit.action("Restore user", target=user) as entry:
        require_right(Action.DELETE, user)
        before = _user_state(user)
        _directory_user_restore(user=user, now=now)
        entry.change("state", before[0], _user_state(user)[0])
        entry.change("user_principal_name", before[1], user.user_principal_name)
    return user


def directory_user_purge(*, user: DirectoryUser) -> DirectoryUser:
    with audit.action("Permanently delete user", target=user) as entry:
        require_right(Action.PURGE, user)
        before = _user_state(user)
        _directory_user_purge(user=user)
        entry.change("state", before[0], _user_state(user)[0])
    return user


def group_create(*, name: str, group_type: str = GroupType.SECURITY) -> DirectoryGroup:
    with audit.action("Add group", target=name) as entry:
        require_right(Action.GROUPS)
        group = _group_create(name=name, group_type=group_type)
        entry.describe(target=group)
        entry.change("name", None, group.name)
        entry.change("group_type", None, group.group_type)
    return group


def group_update(*, group: DirectoryGroup, name: str | None = None, group_type: str | None = None) -> DirectoryGroup:
    with audit.action("Edit group", target=group) as entry:
        require_right(Action.GROUPS)
        before = (group.name, group.group_type)
        _group_update(group=group, name=name, group_type=group_type)
        entry.change("name", before[0], group.name)
        entry.change("group_type", before[1], group.group_type)
    return group


def _members_of(group: DirectoryGroup) -> list[str]:
    rows = GroupMembership.objects.filter(group=group).values_list("user__user_principal_name", "member_group__name")
    return sorted(upn or f"group {name}" for upn, name in rows)


def _owners_of(group: DirectoryGroup) -> list[str]:
    return sorted(GroupOwner.objects.filter(group=group).values_list("user__user_principal_name", flat=True))


def _group_change(name: str, group: DirectoryGroup, field: str, read, change):
    with audit.action(name, target=group) as entry:
        require_right(Action.GROUP_MEMBERS)
        before = read(group)
        result = change()
        entry.change(field, before, read(group))
    return result


def group_member_add(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                     member_group: DirectoryGroup | None = None) -> GroupMembership:
    return _group_change("Add group member", group, "members", _members_of,
                         lambda: _group_member_add(group=group, user=user, member_group=member_group))


def group_member_remove(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                        member_group: DirectoryGroup | None = None) -> None:
    return _group_change("Remove group member", group, "members", _members_of,
                         lambda: _group_member_remove(group=group, user=user, member_group=member_group))


def group_members_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser] = (),
                      groups: Iterable[DirectoryGroup] = ()) -> None:
    return _group_change("Update group members", group, "members", _members_of,
                         lambda: _group_members_set(group=group, users=users, groups=groups))


def group_owner_add(*, group: DirectoryGroup, user: DirectoryUser) -> GroupOwner:
    return _group_change("Add group owner", group, "owners", _owners_of,
                         lambda: _group_owner_add(group=group, user=user))


def group_owner_remove(*, group: DirectoryGroup, user: DirectoryUser) -> None:
    return _group_change("Remove group owner", group, "owners", _owners_of,
                         lambda: _group_owner_remove(group=group, user=user))


def group_owners_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser]) -> None:
    return _group_change("Update group owners", group, "owners", _owners_of,
                         lambda: _group_owners_set(group=group, users=users))


def admin_role_assign(*, user: DirectoryUser, role: str) -> AdminRoleAssignment:
    with audit.action("Assign admin role", target=user) as entry:
        before = roles_of(user)
        _require_role_change(user, added={role} - before, removed=set())
        assignment = _admin_role_assign(user=user, role=role)
        entry.change("admin_roles", before, roles_of(user))
    return assignment


def admin_role_remove(*, user: DirectoryUser, role: str) -> None:
    with audit.action("Remove admin role", target=user) as entry:
        before = roles_of(user)
        _require_role_change(user, added=set(), removed={role} & before)
        _admin_role_remove(user=user, role=role)
        entry.change("admin_roles", before, roles_of(user))


def admin_roles_set(*, user: DirectoryUser, roles: Iterable[str]) -> None:
    roles = list(roles)
    with audit.action("Update admin roles", target=user) as entry:
        before = roles_of(user)
        _require_role_change(user, added=set(roles) - before, removed=before - set(roles))
        _admin_roles_set(user=user, roles=roles)
        entry.change("admin_roles", before, roles_of(user))


def app_registration_create(*, name: str, app_id: uuid.UUID | str | None = None) -> tuple[AppRegistration, str]:
    with audit.action("Register application", target=name) as entry:
        require_right(Action.APP_REGISTRATIONS)
        app, secret = _app_registration_create(name=name, app_id=app_id)
        entry.describe(target=app)
        entry.change("app_id", None, str(app.app_id))
    return app, secret


def app_registration_update(*, app: AppRegistration, name: str) -> AppRegistration:
    with audit.action("Edit application", target=app) as entry:
        require_right(Action.APP_REGISTRATIONS)
        before = app.name
        _app_registration_update(app=app, name=name)
        entry.change("name", before, app.name)
    return app


def app_registration_new_secret(*, app: AppRegistration) -> str:
    with audit.action("Add client secret", target=app) as entry:
        require_right(Action.APP_REGISTRATIONS)
        secret = _app_registration_new_secret(app=app)
        entry.change("client_secret", None, "new secret")
    return secret
