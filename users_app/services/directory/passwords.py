"""Passwords and the portal sign-in (DIR-01): temporary passwords, the account kept in step with
the directory user, the clear-text mail."""
from __future__ import annotations

import secrets
import string

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction

from users_app.models import DirectoryUser
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit

from .fields import CLEAR_TEXT_WARNING, check_sign_in_free, refuse_hard_deleted, username_for
from .rights import require_right

TEMPORARY_PASSWORD_LENGTH = 16


def generate_temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """DIR-01: cryptographically random, lower and upper case letters and at least three digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in password) and any(c.isupper() for c in password)
                and sum(c.isdigit() for c in password) >= 3):
            return password


def _account_is_active(user: DirectoryUser) -> bool:
    return user.account_enabled and not user.deleted_state


def sync_account(user: DirectoryUser) -> None:
    """Keep the portal sign-in in step with the directory user (username, active), writing only on change."""
    account = user.account
    if account is None:
        return
    username = username_for(user.user_principal_name)
    changed = []
    if account.username != username:
        check_sign_in_free(username, account_id=account.pk)
        account.username = username
        changed.append("username")
    if account.is_active != _account_is_active(user):
        account.is_active = _account_is_active(user)
        changed.append("is_active")
    if changed:
        account.save(update_fields=changed)


def set_account_password(user: DirectoryUser, password: str | None) -> None:
    """Create or update the portal sign-in; password None means an unusable one."""
    account = user.account
    if account is None:
        # A new sign-in, never an existing account of the same name (a superuser's, say).
        username = username_for(user.user_principal_name)
        check_sign_in_free(username)
        account = get_user_model()(username=username)
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


def send_password_mail(user: DirectoryUser, password: str, to: str, *, must_change: bool = True) -> None:
    kind = "temporary password" if must_change else "password"
    body = (
        f"A {kind} has been set for {user.user_principal_name}.\n\n"
        f"User name: {user.user_principal_name}\n"
        f"{kind.capitalize()}: {password}\n\n"
        + ("You must change it when you first sign in.\n\n" if must_change else "")
        + f"{CLEAR_TEXT_WARNING}\n"
    )
    send_mail(f"{kind.capitalize()} for {user.user_principal_name}", body, None, [to])


@transaction.atomic
def directory_user_set_password(
    *, user: DirectoryUser, password: str | None = None, email_password_to: str | None = None,
    must_change_password: bool = False,
) -> str | None:
    """DIR-01: set a password. Without one, a temporary password is generated, returned
    (shown once), must be changed at first sign-in and may be mailed (clear text).
    A user setting its own password (the password page) needs no admin role.
    `must_change_password` makes a given password temporary too (Graph's passwordProfile
    forceChangePasswordNextSignIn)."""
    own = password is not None and audit.current_actor().object_id == user.pk
    with audit.action("Change own password" if own else "Reset password", target=user) as entry:
        if not own:
            require_right(Action.RESET_PASSWORD, user)
        shown = _set_password(user, password, email_password_to, must_change_password)
        entry.change("password", None, "temporary password set" if shown else "password set")
    return shown


def _set_password(user: DirectoryUser, password: str | None, email_password_to: str | None,
                  must_change_password: bool = False) -> str | None:
    refuse_hard_deleted(user)
    if password is not None:
        set_account_password(user, password)
        if user.must_change_password != must_change_password:
            user.must_change_password = must_change_password
            user.save(update_fields=["must_change_password", "modified_on"])
        return None
    shown = generate_temporary_password()
    set_account_password(user, shown)
    if not user.must_change_password:
        user.must_change_password = True
        user.save(update_fields=["must_change_password", "modified_on"])
    if email_password_to:
        send_password_mail(user, shown, email_password_to)
    return shown
