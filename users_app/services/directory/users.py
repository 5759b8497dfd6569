"""Directory users (DIR-01, DIR-03, DIR-04, DIR-11): create, update, delete, restore, purge, find."""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from users_app.choices import DeletedState, DirectoryUserType
from users_app.models import AdminRoleAssignment, DirectoryUser, GroupMembership, GroupOwner, LicenceAssignment, Sku
from users_app.provisioning import rules
from users_app.provisioning.rules import admin_roles as role_rules
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit
from users_app.services.names import name_taken

from .fields import (
    PROFILE_FIELDS,
    TEXT_FIELDS,
    UPDATABLE_FIELDS,
    altered,
    check_texts,
    check_upn,
    check_upn_free,
    check_user_type,
    normalise_usage_location,
    refuse_hard_deleted,
)
from .licences import check_restore_seats, licence_assign
from .passwords import generate_temporary_password, send_password_mail, set_account_password, sync_account
from .rights import FIELD_ACTIONS, require_right, require_role_change, roles_of



@transaction.atomic
def directory_user_create(
    *,
    user_principal_name: str,
    display_name: str = "",
    given_name: str = "",
    surname: str = "",
    job_title: str = "",
    department: str = "",
    office_location: str = "",
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
    must_change_password: bool = False,
) -> tuple[DirectoryUser, str | None]:
    """DIR-01: create a directory user with a new object id.

    Without `password`, a temporary password is generated (shown once: it is
    returned) that must be changed at first sign-in; `email_password_to` mails
    it (clear text, CLEAR_TEXT_WARNING). With `password` (demo and test
    tenants) the password is usable at once, unless `must_change_password` (the
    Add a user wizard's "Let me create the password" with "Require this user to
    change their password"); `email_password_to` mails it too. A generated
    password must always be changed (DIR-01). `temporary_password=False` with no
    password makes a user without a portal sign-in
    (the tenant file's default)."""
    with audit.action("Add user", target=user_principal_name) as entry:
        user, shown = _directory_user_create(
            user_principal_name=user_principal_name, display_name=display_name, given_name=given_name,
            surname=surname, job_title=job_title, department=department, office_location=office_location,
            mail=mail, business_phone=business_phone,
            mobile_phone=mobile_phone, street_address=street_address, city=city, state=state,
            postal_code=postal_code, country=country, usage_location=usage_location,
            account_enabled=account_enabled, user_type=user_type, licences=licences, admin_roles=admin_roles,
            custom_attributes=custom_attributes, home_tenant_licences=home_tenant_licences, password=password,
            email_password_to=email_password_to, temporary_password=temporary_password,
            must_change_password=must_change_password)
        entry.describe(target=user)
        for name in ("display_name", "usage_location", "account_enabled", "user_type"):
            entry.change(name, None, getattr(user, name))
        entry.change("licences", [], [a.sku.sku_part_number for a in user.licence_assignments.select_related("sku")])
        entry.change("admin_roles", [], sorted(roles_of(user)))
        if shown is not None or user.must_change_password:
            entry.change("password", None, "temporary password set")
    return user, shown


def _directory_user_create(*, user_principal_name, display_name, given_name, surname, job_title, department,
                           office_location, mail, business_phone, mobile_phone, street_address, city, state,
                           postal_code, country, usage_location, account_enabled, user_type, licences, admin_roles,
                           custom_attributes, home_tenant_licences, password, email_password_to, temporary_password,
                           must_change_password):
    require_right(Action.CREATE_USER)
    check_texts(DirectoryUser, {"user_principal_name": user_principal_name, "display_name": display_name,
                                 "given_name": given_name, "surname": surname, "job_title": job_title,
                                 "department": department, "office_location": office_location, "mail": mail,
                                 "business_phone": business_phone, "mobile_phone": mobile_phone,
                                 "street_address": street_address, "city": city, "state": state,
                                 "postal_code": postal_code, "country": country})
    check_upn(user_principal_name)
    check_upn_free(user_principal_name)
    usage_location = normalise_usage_location(usage_location)
    check_user_type(user_type)
    roles = [role_rules.check_known_role(r) for r in admin_roles]
    if roles:
        require_role_change(None, added=roles, removed=())
    licences = list(licences)
    if licences:
        require_right(Action.LICENCES)
    user = DirectoryUser.objects.create(
        id=uuid.uuid4(),
        user_principal_name=user_principal_name,
        display_name=display_name, given_name=given_name, surname=surname, job_title=job_title,
        department=department, office_location=office_location, mail=mail, business_phone=business_phone,
        mobile_phone=mobile_phone, street_address=street_address, city=city,
        state=state, postal_code=postal_code, country=country, usage_location=usage_location,
        account_enabled=account_enabled, user_type=user_type,
        custom_attributes=dict(custom_attributes or {}), home_tenant_licences=list(home_tenant_licences),
    )
    shown = None
    if password is not None:
        set_account_password(user, password)
        if must_change_password:
            user.must_change_password = True
            user.save(update_fields=["must_change_password", "modified_on"])
    elif temporary_password:
        shown = generate_temporary_password()
        set_account_password(user, shown)
        user.must_change_password = True
        user.save(update_fields=["must_change_password", "modified_on"])
    for sku in licences:
        licence_assign(user=user, sku=sku)
    for role in dict.fromkeys(roles):
        AdminRoleAssignment.objects.create(user=user, role=role)
    if email_password_to and (shown or password) is not None:
        send_password_mail(user, shown or password, email_password_to, must_change=user.must_change_password)
    return user, shown



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
    refuse_hard_deleted(user)
    check_texts(DirectoryUser, {name: value for name, value in fields.items() if name in TEXT_FIELDS})
    changed: list[str] = []
    if "user_principal_name" in fields:
        upn = check_upn(fields.pop("user_principal_name"))
        current = user.original_user_principal_name if user.is_deleted else user.user_principal_name
        if upn != current:
            if user.is_deleted:
                user.original_user_principal_name = upn
                user.user_principal_name = altered(upn, user)
                changed += ["original_user_principal_name", "user_principal_name"]
            else:
                check_upn_free(upn, exclude=user)
                user.user_principal_name = upn
                changed.append("user_principal_name")
    if "mail" in fields and user.is_deleted:
        mail = fields.pop("mail")
        if mail != user.original_mail:
            user.original_mail = mail
            user.mail = altered(mail, user)
            changed += ["original_mail", "mail"]
    if "usage_location" in fields:
        fields["usage_location"] = normalise_usage_location(fields["usage_location"])
        if fields["usage_location"] is None:
            rules.check_usage_location_kept(usage_location=None, holds_licences=user.licence_assignments.exists(),
                                            user_name=user.login_name)
    if "user_type" in fields:
        check_user_type(fields["user_type"])
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
        sync_account(user)


@transaction.atomic
def _directory_user_delete(*, user: DirectoryUser) -> DirectoryUser:
    """DIR-04 soft delete, DIR-11 UPN and mail altered. Licences are kept (restored with
    the user) but no longer take a seat (DIR-02); groups and admin roles are kept; the
    portal sign-in is disabled. Deleting a soft-deleted user changes nothing."""
    refuse_hard_deleted(user)
    if user.deleted_state == DeletedState.SOFT:
        return user
    user.original_user_principal_name = user.user_principal_name
    user.original_mail = user.mail
    user.user_principal_name = altered(user.user_principal_name, user)
    user.mail = altered(user.mail, user)
    user.deleted_state = DeletedState.SOFT
    user.deleted_on = timezone.now()
    user.save(update_fields=["original_user_principal_name", "original_mail", "user_principal_name", "mail",
                             "deleted_state", "deleted_on", "modified_on"])
    sync_account(user)
    return user


@transaction.atomic
def _directory_user_restore(*, user: DirectoryUser, now=None) -> DirectoryUser:
    """DIR-04: back to live with the original UPN and mail (DIR-11), same object id,
    licences, groups and roles. Only from soft state, within 30 days, when no live user
    holds the UPN (DIR-04) and every kept licence still has a seat (DIR-02)."""
    rules.check_restorable(purged=user.deleted_state == DeletedState.HARD,
                           soft_deleted=user.deleted_state == DeletedState.SOFT, user_name=user.login_name,
                           deleted_on=user.deleted_on, now=now or timezone.now())
    upn = user.original_user_principal_name
    rules.check_restore_name_free(upn=upn, taken=name_taken(DirectoryUser.objects.all(), upn,
                                                            field="user_principal_name", exclude=user))
    check_restore_seats(user, upn)
    user.user_principal_name = upn
    user.mail = user.original_mail
    user.original_user_principal_name = ""
    user.original_mail = ""
    user.deleted_state = DeletedState.NONE
    user.deleted_on = None
    user.save(update_fields=["original_user_principal_name", "original_mail", "user_principal_name", "mail",
                             "deleted_state", "deleted_on", "modified_on"])
    sync_account(user)
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
        user.user_principal_name = altered(user.user_principal_name, user)
        user.mail = altered(user.mail, user)
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
    cutoff = (now or timezone.now()) - rules.RESTORE_WINDOW
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

